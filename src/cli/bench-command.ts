// What `mmif eval` and `mmif score` share: load the bench, judge, summarise, write the outputs, print the table.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadBench } from "../bench/load/index.js";
import { writeRunOutputs, type SummaryFile } from "../bench/outputs.js";
import { profileByName } from "../bench/profiles.js";
import { formatRuleOnlyTable, ruleOnlyRows, summarizeRuleOnly } from "../bench/rule-only.js";
import { runBench, type AnswerSource } from "../bench/run.js";
import { formatTable, summarize } from "../bench/summary.js";
import type { BenchRow } from "../bench/types.js";
import { usageWithCost } from "../model/accounting.js";
import type { ModelClient } from "../model/client.js";
import { Ledger } from "../model/ledger.js";
import type { ModelEvents } from "../model/progress.js";
import { isRuleOnly, judgeClients, type JudgeFlags } from "./bench-flags.js";
import { positiveInt } from "./flag-values.js";
import { benchFile } from "./bench-name.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { onInterrupt } from "./interrupt.js";
import { progressFor } from "./progress-view.js";
import { reportAfterRun } from "./report.js";

export interface AnswerSetup {
  answers: AnswerSource;
  /** The model under test's client, when it answers here (eval), to stop on Ctrl-C and price its calls. */
  model?: ModelClient;
  modelName: string | null;
  /** Rows without an answer in a predictions file, reported as input problems. */
  problems?: string[];
}

const SHOWN_ISSUES = 20;

function warn(message: string): void {
  process.stderr.write(`mmif: ${message}\n`);
}

/** The first N main items and their aux rows. */
export function limitRows(rows: readonly BenchRow[], limit: number | undefined): BenchRow[] {
  if (limit === undefined) return [...rows];
  const ids = new Set(rows.filter((r) => r.inferType === "main").slice(0, limit).map((r) => r.id));
  return rows.filter((r) => ids.has(r.id));
}

export async function runBenchCommand(flags: JudgeFlags, setup: (rows: BenchRow[], ledger: Ledger, events: ModelEvents) => Promise<AnswerSetup>): Promise<number> {
  const profile = profileByName(flags.profile);
  const limit = positiveInt(flags.limit, "--limit");
  const out = resolve(flags.out);
  mkdirSync(out, { recursive: true });

  const bench = await benchFile(flags.bench, flags.quiet);
  const loaded = await loadBench(bench, { imageDir: join(out, "images"), imageRoot: flags.imageRoot });
  for (const issue of loaded.issues.slice(0, SHOWN_ISSUES)) {
    warn(`${issue.file} row ${issue.row}${issue.field ? ` field "${issue.field}"` : ""}: ${issue.message}`);
  }
  if (loaded.issues.length > SHOWN_ISSUES) warn(`... and ${loaded.issues.length - SHOWN_ISSUES} more bad rows`);
  const rows = limitRows(loaded.rows, limit);
  if (rows.filter((r) => r.inferType === "main").length === 0) throw new UsageError(`no usable main rows in ${bench}`);
  if (loaded.issues.length > 0) warn(`${loaded.issues.length} bad row(s) left out: scores are not comparable with the full benchmark`);
  const ruleOnly = isRuleOnly(flags);
  const scored = ruleOnly ? ruleOnlyRows(rows) : rows;
  if (ruleOnly && scored.length === 0) throw new UsageError(`--judge none: no C-Level item of ${bench} has a rule_based constraint, so there is nothing to score without a judge`);

  const ledger = new Ledger(join(out, "ledger.sqlite"));
  const { events, view } = progressFor(flags.quiet);
  try {
    const answerSetup = await setup(rows, ledger, events);
    for (const p of answerSetup.problems?.slice(0, SHOWN_ISSUES) ?? []) warn(p);
    const judges = judgeClients(flags, ledger, events);
    const clients = [answerSetup.model, judges?.judge, judges?.perception].filter((c): c is ModelClient => c !== undefined);
    const detach = onInterrupt(clients);
    view?.start();
    let output;
    try {
      output = await runBench({ rows: scored, answers: answerSetup.answers, judges, profile, events });
    } finally {
      view?.stop();
      detach();
    }
    const interrupted = clients.some((c) => c.scheduler.isStopping);
    const summary = ruleOnly ? summarizeRuleOnly(output.results) : summarize(output.results);
    const prices = Object.fromEntries(clients.map((c) => [c.model, c.endpoint.price]));
    const usage = usageWithCost(ledger, prices);
    const priced = usage.filter((u) => u.cost !== null);
    const file: SummaryFile = {
      ...summary,
      model: answerSetup.modelName,
      judge: judges?.judge.model ?? "none",
      perception_judge: judges ? (judges.perception ?? judges.judge).model : "none",
      profile: profile.name,
      bench: resolve(bench),
      created_at: new Date().toISOString(),
      usage,
      cost: priced.length === 0 ? null : priced.reduce((sum, u) => sum + u.cost!, 0),
    };
    await writeRunOutputs(out, answerSetup.model ? output.predictions : null, output.results, file);
    await reportAfterRun(out, { rows }, flags.quiet);
    const name = answerSetup.modelName ?? "predictions";
    process.stdout.write(`${file.rule_only ? formatRuleOnlyTable(name, file.rule_only) : formatTable(name, summary)}\n`);
    const c = summary.counts;
    if (c.failed_items > 0 || c.failed_constraints > 0) {
      warn(`${c.failed_items} item(s) and ${c.failed_constraints} constraint(s) could not be judged; see results.jsonl (profile ${profile.name})`);
    }
    if (interrupted) {
      warn("interrupted: the results above are partial. Rerun the same command to resume; nothing done is paid for again.");
      return EXIT.FAILURE;
    }
    return loaded.issues.length > 0 || (answerSetup.problems?.length ?? 0) > 0 ? EXIT.BAD_INPUT : EXIT.OK;
  } finally {
    ledger.close();
  }
}
