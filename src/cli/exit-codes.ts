// The CLI's names for the error root (src/common/errors.ts): EXIT codes, UsageError for a bad command line (exit 2),
// FailedWorkError for work that failed with a message that says it all (exit 1).
import { InputError, WorkError } from "../common/errors.js";

export { EXIT } from "../common/errors.js";

/** An error the user can fix by changing the command line or the input; reported without a stack trace (exit 2). */
export class UsageError extends InputError {}

/** Work that failed for a reason the message fully explains (a refused download); reported without a stack trace, exit 1. */
export class FailedWorkError extends WorkError {}
