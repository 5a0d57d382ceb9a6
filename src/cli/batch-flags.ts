// `--batch`, `--batch-wait` and `--batch-discount`, shared by eval, score, generate and dpo, and the pass loop
// around a command run in batch mode.
import { Option, type Command } from "commander";
import { join, resolve } from "node:path";
import { BatchQueue, type ImportReport } from "../model/batch/queue.js";
import type { BatchMode } from "../model/batch/records.js";
import { Ledger } from "../model/ledger.js";
import { MmifError, rootCause, WorkError } from "../common/errors.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { acquireRunLock } from "../io/run-lock.js";
import { quitOnInterrupt } from "./interrupt.js";

export interface BatchFlags {
  batch?: BatchMode;
  /** true when given without a value. */
  batchWait?: string | true;
  batchDiscount: string;
}

const DEFAULT_POLL_SECONDS = 60;

export function addBatchFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--batch <mode>",
        "send the calls the ledger lacks as batches instead of online: openai (Files + Batches API, 24 h window) or file " +
          "(write batch input JSONL for an offline engine such as vLLM's run_batch); exits 75 until every answer is in",
      ).choices(["openai", "file"]),
    )
    .option("--batch-wait [seconds]", `with --batch openai: keep polling (every N seconds, default ${DEFAULT_POLL_SECONDS}) and continuing until the run is done`)
    .option("--batch-discount <x>", "share of the online price a batch call costs, for the cost report", "0.5");
}

function discountOf(flags: BatchFlags): number {
  const d = Number(flags.batchDiscount);
  if (!Number.isFinite(d) || d < 0 || d > 1) throw new UsageError(`--batch-discount must be a number from 0 to 1, got "${flags.batchDiscount}"`);
  return d;
}

function pollSeconds(flags: BatchFlags): number | undefined {
  if (flags.batchWait === undefined) return undefined;
  if (flags.batchWait === true) return DEFAULT_POLL_SECONDS;
  const s = Number(flags.batchWait);
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`--batch-wait takes seconds between polls (a number ≥ 0), got "${flags.batchWait}"`);
  return s;
}

/** Checks the batch flags before any work starts. */
export function checkBatchFlags(flags: BatchFlags): void {
  discountOf(flags);
  const wait = pollSeconds(flags);
  if (wait !== undefined && flags.batch !== "openai") {
    throw new UsageError(
      flags.batch === "file"
        ? "--batch-wait needs --batch openai: with --batch file nothing arrives until you run `mmif batch import`"
        : "--batch-wait needs --batch openai",
    );
  }
}

/** The run's batch queue in batch mode (undefined online). */
export function batchQueueFor(flags: BatchFlags, ledger: Ledger, out: string): BatchQueue | undefined {
  if (!flags.batch) return undefined;
  return new BatchQueue(ledger, { mode: flags.batch, dir: out, env: process.env, discount: discountOf(flags) });
}

function say(message: string): void {
  process.stderr.write(`mmif: ${message}\n`);
}

function describeImport(r: ImportReport): string | undefined {
  if (r.answered + r.failed + r.bad.length === 0) return undefined;
  return `imported ${r.answered} batch answer(s), ${r.failed} failed call(s)${r.bad.length ? `, ${r.bad.length} unreadable line(s)` : ""}`;
}

/**
 * A step that talks to the Files/Batches API or the batch files: a failure (the endpoint unreachable, a refused
 * upload, a full disk) is a failed run with what to do, not a stack trace. Nothing is lost: every batch created is
 * recorded (an upload whose batch creation went unrecorded is found again by the next pass).
 */
async function batchStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof MmifError) throw e;
    throw new WorkError(`--batch: ${what} failed: ${rootCause(e)}. Nothing is lost: the ledger records every batch sent; rerun the same command to continue.`, { cause: e });
  }
}

/** Starts a pass: imports finished batches and says so. */
export async function beginBatchPass(queue: BatchQueue | undefined): Promise<void> {
  if (!queue) return;
  const imported = describeImport(await batchStep("collecting finished batches", () => queue.begin()));
  if (imported) say(imported);
}

/**
 * Ends a pass: submits (or writes) what it deferred. True when the run is incomplete: calls were deferred now or
 * are still out from earlier waves; the command then exits {@link EXIT.INCOMPLETE}.
 */
export async function endBatchPass(queue: BatchQueue | undefined): Promise<boolean> {
  if (!queue) return false;
  const waiting = queue.waitingCount;
  const sent = await batchStep(queue.mode === "openai" ? "submitting the batches" : "writing the batch files", () => queue.submit());
  if (sent.calls === 0 && waiting === 0) return false;
  if (queue.mode === "openai") {
    say(`submitted ${sent.calls} calls in ${sent.batches} batches${waiting ? ` (${waiting} calls still out from earlier batches)` : ""}; rerun to continue`);
  } else {
    for (const f of sent.files) say(`wrote ${f}`);
    say(
      `wrote ${sent.calls} calls in ${sent.batches} batch file(s)${waiting ? ` (${waiting} calls still waiting for \`mmif batch import\`)` : ""}; ` +
        "run them (e.g. vLLM's run_batch), `mmif batch import OUTPUT --out RUN`, then rerun to continue",
    );
  }
  return true;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `--batch-wait`: reruns the pass whenever a batch has come back, until the command finishes with anything but
 * "incomplete". Without the flag the command runs one pass.
 */
export async function withBatchWait(command: string, flags: BatchFlags & { out: string }, run: () => Promise<number>): Promise<number> {
  checkBatchFlags(flags);
  const poll = pollSeconds(flags);
  for (;;) {
    const code = await run();
    if (code !== EXIT.INCOMPLETE || poll === undefined) return code;
    const out = resolve(flags.out);
    // Between passes the folder stays ours (no other run, no `batch import`), and Ctrl-C or SIGTERM quits at once:
    // nothing is in flight, and the batches are in the ledger for the next run to collect.
    const lock = acquireRunLock(out, command);
    const detachInterrupt = quitOnInterrupt(command, "the batches are recorded in the ledger; rerun the same command to collect them and continue");
    const ledger = new Ledger(join(out, "ledger.sqlite"));
    try {
      const queue = batchQueueFor(flags, ledger, out)!;
      for (;;) {
        const r = await batchStep("polling the batches", () => queue.collect());
        if (r.answered + r.failed > 0 || queue.records.openBatches("openai").length === 0) break;
        await sleep(poll * 1000);
      }
    } finally {
      ledger.close();
      detachInterrupt();
      lock.release();
    }
  }
}
