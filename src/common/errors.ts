/**
 * The one error root. Every error mmif raises on purpose carries the exit code the CLI ends with; `cli/main.ts` is
 * the only place that turns an error into a message and an exit code.
 */

/** Exit codes of every `mmif` command. */
export const EXIT = {
  /** The work was done. */
  OK: 0,
  /** The work itself failed (I/O error, a crash, a model server that never answered). */
  FAILURE: 1,
  /** Bad usage or bad input: unknown flag, missing file, malformed line, unknown verify function. */
  BAD_INPUT: 2,
  /** Not finished yet, by design: calls are out in batches (EX_TEMPFAIL); rerun the same command to continue. */
  INCOMPLETE: 75,
} as const;

export type ErrorExitCode = typeof EXIT.FAILURE | typeof EXIT.BAD_INPUT;

export class MmifError extends Error {
  /** 2: the user can fix it (bad usage or input); 1: the work failed. */
  readonly exitCode: ErrorExitCode;

  constructor(message: string, options: { exitCode: ErrorExitCode; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode;
    // Each subclass reports its own name without repeating it.
    this.name = new.target.name;
  }
}

/** Bad usage or bad input (exit 2): reported as one line saying what and where, never with a stack trace. */
export class InputError extends MmifError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT.BAD_INPUT });
  }
}

/** Work that failed although the input was fine (exit 1): a server that never answered, an I/O failure. */
export class WorkError extends MmifError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: EXIT.FAILURE });
  }
}

/** The innermost cause of a failure ("connect ECONNREFUSED 127.0.0.1:9"), not undici's "fetch failed". */
export function rootCause(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
