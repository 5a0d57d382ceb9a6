/** Exit codes of every `mmif` command. */
export const EXIT = {
  /** The work was done. */
  OK: 0,
  /** The work itself failed (I/O error, a crash, a model server that never answered). */
  FAILURE: 1,
  /** Bad usage or bad input: unknown flag, missing file, malformed line, unknown verify function. */
  BAD_INPUT: 2,
} as const;

/** An error the user can fix by changing the command line or the input; reported without a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Work that failed for a reason the message fully explains (a refused download); reported without a stack trace, exit 1. */
export class FailedWorkError extends Error {
  override name = "FailedWorkError";
}
