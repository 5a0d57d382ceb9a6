// A run folder the report cannot be made from (not a run folder, a corrupt summary.json or stats.json): an input error.
import { InputError } from "../common/errors.js";

export class ReportError extends InputError {}
