// A problem with a whole benchmark or prediction file (missing, unknown format, missing columns), as opposed to
// a RowIssue, which is a problem with one row and leaves the other rows usable.
import { InputError } from "../../common/errors.js";

export class BenchFileError extends InputError {
  constructor(
    /** The file or folder, as the caller named it. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}
