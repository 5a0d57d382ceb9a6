// `--dry-run` of eval, score, generate and dpo: the flag, the ledger replay it runs on, and how its plan is printed.
import type { Command } from "commander";
import { formatPlan, type PlannedStage } from "../bench/plan.js";
import { LedgerReplay } from "../model/replay.js";
import type { ModelRun } from "./model-run.js";

export interface DryRunFlags {
  dryRun?: boolean;
}

/** Adds --dry-run; `prices` names the command's price flags. */
export function addDryRunFlag(cmd: Command, prices: string): Command {
  return cmd.option(
    "--dry-run",
    `check everything a run checks, then print the calls, estimated tokens and cost per model and stage (with ${prices}), counting what the ledger already holds; no model call, and nothing written to --out`,
  );
}

/** From now on the run's clients answer from the ledger only; every other call is counted and never sent. */
export function startReplay(run: ModelRun): LedgerReplay {
  const replay = new LedgerReplay(run.events);
  run.session.replay = replay;
  return replay;
}

/** The plan's table on stdout, then what it rests on (stderr). */
export function printPlan(plan: readonly PlannedStage[], notes: readonly string[]): void {
  process.stdout.write(`${formatPlan(plan)}\n`);
  for (const note of notes) process.stderr.write(`mmif: ${note}\n`);
}
