/**
 * The one place that decides how a run ended. Every command that calls models (eval, score, generate, dpo) ends
 * as exactly one of:
 *  - complete:   every call was answered, and (eval/score) failed items are within the allowed share;
 *  - incomplete: interrupted, stopped by a configuration fault, calls that never got an answer after their
 *                retries, or (--batch) calls still out in batches. Rerunning the same command finishes it (recorded answers are not paid for again);
 *  - unreliable: (eval/score) every call answered, but more items failed judging than the allowed share.
 * The status and its reasons go into the run's summary file; the exit code and the printed label follow it.
 */

export const RUN_STATUSES = ["complete", "incomplete", "unreliable"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Default of --max-failed-share: the share of items whose judging may fail in a complete run. */
export const DEFAULT_MAX_FAILED_SHARE = 0.05;

/** What a run knows about itself when it ends. */
export interface RunFacts {
  /** Stopped by Ctrl-C or SIGTERM. */
  interrupted: boolean;
  /** A configuration fault (refused connection, bad key, unknown model...) that stopped the run. */
  fault?: string;
  /** Model calls of this run that got no answer after every retry. */
  unansweredCalls: number;
  /** --batch: calls put in a batch by this pass or still out from earlier ones (no answer yet, by design). */
  batchCalls?: number;
  /** eval/score: items whose judging failed, out of all items, against the allowed share. */
  failedItems?: { failed: number; total: number; maxShare: number };
}

export interface RunVerdict {
  status: RunStatus;
  /** Why the run is not complete, one sentence each; empty when it is. */
  status_reasons: string[];
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

export function decideRunStatus(facts: RunFacts): RunVerdict {
  const incomplete: string[] = [];
  if (facts.fault !== undefined) incomplete.push(`stopped by a configuration error: ${facts.fault}`);
  if (facts.interrupted) incomplete.push("interrupted before every call was made; rerun the same command to finish");
  if (facts.unansweredCalls > 0) {
    incomplete.push(`${facts.unansweredCalls} model call(s) got no answer after their retries; rerun the same command to retry them`);
  }
  if ((facts.batchCalls ?? 0) > 0) incomplete.push(`${facts.batchCalls} model call(s) are out in batches (--batch); rerun the same command to continue`);
  if (incomplete.length > 0) return { status: "incomplete", status_reasons: incomplete };
  const f = facts.failedItems;
  if (f !== undefined && f.total > 0 && f.failed / f.total > f.maxShare) {
    return {
      status: "unreliable",
      status_reasons: [`${f.failed} of ${f.total} items (${percent(f.failed / f.total)}) could not be judged, more than --max-failed-share ${percent(f.maxShare)}`],
    };
  }
  return { status: "complete", status_reasons: [] };
}

/** The label printed above a run's table and shown as the report's banner; undefined for a complete run. */
export function statusLabel(status: RunStatus): string | undefined {
  return status === "complete" ? undefined : status.toUpperCase();
}
