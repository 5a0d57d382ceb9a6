// The two ways a model call ends without an answer, as stages see them.
import { WorkError } from "../common/errors.js";

/** What a failed call was and why: the fields of a {@link ModelCallError}. */
export interface ModelCallFailure {
  model: string;
  stage: string;
  /** The call's ledger key. */
  key: string;
  /** The retry decision's kind ("client", "server", "network"…), or "stopped", "length", "internal". */
  kind: string;
  attempts: number;
  /** The HTTP status, when the server answered one. */
  status?: number;
}

/** A call that did not produce an answer; the reason is recorded in the ledger too. */
export class ModelCallError extends WorkError implements ModelCallFailure {
  readonly model: string;
  readonly stage: string;
  readonly key: string;
  readonly kind: string;
  readonly attempts: number;
  readonly status?: number;

  constructor(message: string, failure: ModelCallFailure) {
    super(message);
    this.model = failure.model;
    this.stage = failure.stage;
    this.key = failure.key;
    this.kind = failure.kind;
    this.attempts = failure.attempts;
    if (failure.status !== undefined) this.status = failure.status;
  }
}

/** A call refused because the run was stopped (Ctrl-C, SIGTERM, a configuration fault) before it was sent. */
export function isStoppedCall(e: unknown): e is ModelCallError {
  return e instanceof ModelCallError && e.kind === "stopped";
}

/**
 * No answer yet: the call was put in a batch (`--batch`), or is waiting in one sent earlier. Not a failure, so
 * stages do not fall back or re-ask on it: it travels up to the unit of work (a row, an item, a pair), which is
 * left unfinished for this pass; a rerun after the batch answers takes it further.
 */
export class CallPendingError extends Error {
  constructor(
    readonly model: string,
    readonly stage: string,
    readonly key: string,
  ) {
    super(`${model}: waiting for a batch answer (${stage}); rerun to continue`);
    this.name = "CallPendingError";
  }
}
