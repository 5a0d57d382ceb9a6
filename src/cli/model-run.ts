/**
 * What every command that calls models (eval, score, generate, dpo) does around its work: take the --out folder's
 * lock, open the call ledger, build the clients of each role in one model session, draw progress, turn Ctrl-C and
 * SIGTERM into a clean stop, and at the end decide the run's status (src/run/status.ts), print it and map it to
 * the exit code.
 */
import { join, resolve } from "node:path";
import type { RowIssue } from "../bench/types.js";
import { acquireRunLock } from "../io/run-lock.js";
import { removeLeftoverTemps, tidyOnExit } from "../io/tidy.js";
import type { ModelClient } from "../model/client.js";
import type { EndpointConfig } from "../model/endpoint.js";
import { Ledger } from "../model/ledger.js";
import type { ModelEvents } from "../model/progress.js";
import { ModelSession } from "../model/session.js";
import { decideRunStatus, statusLabel, type RunFacts, type RunVerdict } from "../run/status.js";
import { batchQueueFor, beginBatchPass, endBatchPass, type BatchFlags } from "./batch-flags.js";
import { EXIT } from "./exit-codes.js";
import { onInterrupt } from "./interrupt.js";
import { progressFor } from "./progress-view.js";

export interface ModelRun {
  /** The absolute --out folder (created, locked; a dry run only reads it). */
  out: string;
  ledger: Ledger;
  events: ModelEvents;
  session: ModelSession;
  /** A client for a role; a bad config or an unset key variable the endpoint needs is a usage error (exit 2). */
  client(config: EndpointConfig, role: string): ModelClient;
  /** Runs the work with progress drawn (signals are handled for the whole run, outputs included). */
  track<T>(work: () => Promise<T>): Promise<T>;
  /** The run's status from what the session saw plus the command's own facts. */
  verdict(extra?: Pick<RunFacts, "failedItems">): RunVerdict;
  /** --batch: sets up the run's batch queue (before any client is made) and imports what finished batches returned. */
  startBatch(flags: BatchFlags): Promise<void>;
  /** --batch: submits (or writes) the calls this pass deferred; a no-op online. */
  submitBatch(): Promise<void>;
}

/** Calls this pass put in a batch or found still out in one (0 online). */
function batchCalls(session: ModelSession): number {
  return session.batch ? session.batch.deferredCount + session.batch.waitingCount : 0;
}

function warn(message: string): void {
  process.stderr.write(`mmif: ${message}\n`);
}

/**
 * Runs `body` holding the lock of `outDir`; the ledger is closed and the lock released on every exit.
 * `dryRun`: the folder is only read, never written (not even made): no lock, no tidying, the ledger a copy in memory.
 */
export async function withModelRun<T>(command: string, outDir: string, quiet: boolean | undefined, body: (run: ModelRun) => Promise<T>, options: { dryRun?: boolean } = {}): Promise<T> {
  const out = resolve(outDir);
  const dryRun = options.dryRun === true;
  const lock = dryRun ? undefined : acquireRunLock(out, command);
  // Holding the lock, the folder is ours: half-written files of killed runs go, and ours go on any exit.
  if (!dryRun) removeLeftoverTemps(out);
  const untidy = dryRun ? () => {} : tidyOnExit(out);
  const ledger = new Ledger(join(out, "ledger.sqlite"), { snapshot: dryRun });
  const { events, view } = progressFor(quiet);
  const session = new ModelSession(ledger, events);
  // Signals are handled for the whole run, not only while calls are made: a second Ctrl-C while the outputs are
  // being written must still quit with 130 (not die of the default handler).
  const detachInterrupt = onInterrupt([session]);
  const run: ModelRun = {
    out,
    ledger,
    events,
    session,
    client: (config, role) => session.client(config, role),
    async track(work) {
      view?.start();
      try {
        return await work();
      } finally {
        view?.stop();
      }
    },
    verdict(extra = {}) {
      return decideRunStatus({ interrupted: session.interrupted, unansweredCalls: session.unansweredCalls, ...(session.fault ? { fault: session.fault.message } : {}), batchCalls: batchCalls(session), ...extra });
    },
    async startBatch(flags) {
      session.batch = batchQueueFor(flags, ledger, out);
      await beginBatchPass(session.batch);
    },
    async submitBatch() {
      await endBatchPass(session.batch);
    },
  };
  try {
    return await body(run);
  } finally {
    detachInterrupt();
    ledger.close();
    untidy();
    lock?.release();
  }
}

/**
 * Says how the run ended and returns the exit code: 0 complete, 1 incomplete or unreliable, 2 when a
 * configuration error stopped it (or, for a complete run, when bad input rows were left out).
 */
export function finishRun(run: ModelRun, verdict: RunVerdict, badInput = false): number {
  const { fault, interrupted, unansweredCalls } = run.session;
  if (verdict.status === "incomplete" && !fault && !interrupted && unansweredCalls === 0 && batchCalls(run.session) > 0) {
    // Not finished by design: the answers are out in batches. endBatchPass() said what was sent and what to do.
    return EXIT.INCOMPLETE;
  }
  if (fault) {
    warn(`stopped: ${fault.message}`);
    warn("nothing was lost: rerun the same command once this is fixed, and it resumes where it stopped.");
    return EXIT.BAD_INPUT;
  }
  const label = statusLabel(verdict.status);
  if (label !== undefined) {
    warn(`run status: ${verdict.status}`);
    for (const reason of verdict.status_reasons) warn(`  ${reason}`);
    if (verdict.status === "incomplete") warn("rerun the same command to finish: answered calls are not paid for again.");
    return EXIT.FAILURE;
  }
  return badInput ? EXIT.BAD_INPUT : EXIT.OK;
}

/** The line printed above a non-complete run's table, so nobody copies its numbers as a result. */
export function tableHeading(verdict: RunVerdict): string {
  const label = statusLabel(verdict.status);
  return label === undefined ? "" : `${label}: ${verdict.status_reasons.join("; ")}\n`;
}

/** The first 20 bad input lines (file, line, field, what is wrong) on stderr; the run went on without them. */
export function reportLineIssues(issues: readonly RowIssue[]): void {
  for (const i of issues.slice(0, 20)) warn(`${i.file} line ${i.row}${i.field ? ` field "${i.field}"` : ""}: ${i.message}`);
}
