// What `mmif eval` and `mmif score` share: load the bench, judge, summarise, write the outputs, print the table.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { sameFile } from "../io/paths.js";
import { join, resolve } from "node:path";
import { loadBench } from "../bench/load/index.js";
import { writeRunOutputs } from "../bench/outputs.js";
import { writtenBy, type SummaryFile } from "../records/index.js";
import { profileByName } from "../bench/profiles.js";
import { formatRuleOnlyTable, ruleOnlyRows, summarizeRuleOnly } from "../bench/rule-only.js";
import { planBench, type PlanOptions } from "../bench/plan.js";
import { printPlan, startReplay } from "./dry-run.js";
import type { LedgerReplay } from "../model/replay.js";
import type { Profile } from "../bench/profiles.js";
import { runBench, type AnswerSource, type JudgeClients } from "../bench/run.js";
import { formatTable, summarize } from "../bench/summary.js";
import type { BenchRow } from "../bench/types.js";
import { usageWithCost } from "../model/accounting.js";
import type { ModelClient } from "../model/client.js";
import { checkBench, formatProblem, type BenchProblem } from "../bench/check.js";
import { isRuleOnly, judgeClients, type JudgeFlags } from "./bench-flags.js";
import { FlagChecks, imageLimits, maxFieldBytes, numberIn, parsePrice, positiveInt } from "./flag-values.js";
import { judgeName } from "./flags.js";
import { benchFile } from "./bench-name.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { finishRun, tableHeading, withModelRun, type ModelRun } from "./model-run.js";
import { reportAfterRun } from "./report.js";

export interface AnswerSetup {
  answers: AnswerSource;
  /** The model under test's client, when it answers here (eval). */
  model?: ModelClient;
  modelName: string | null;
  /** The file the answers were read from (score): predictions.jsonl is never written over it. */
  predictionsFile?: string;
}

/** What a command adds to the checks made before any call, and how it answers once they pass. */
export interface BenchCommandParts {
  /** The command's name, as the --out folder's lock records it. */
  command: "eval" | "score";
  /** The command's own option values, checked together with the shared ones (every problem listed at once). */
  checkFlags?: (checks: FlagChecks) => void;
  /** Reads what answers the rows (score: the predictions file): its problems, and the items they leave unusable. */
  /** `rows`: the rows this run scores (after --limit); `allRows`: the whole benchmark as loaded. */
  preflight?: (rows: BenchRow[], limits: { maxFieldBytes: number }, allRows: readonly BenchRow[]) => Promise<{ problems: BenchProblem[]; badIds: ReadonlySet<string> }>;
  setup: (rows: BenchRow[], run: ModelRun) => Promise<AnswerSetup>;
}

/** The validated inputs of an eval or score run: what a run (or a dry run) starts from, found with no model call. */
export interface CheckedBenchRun {
  bench: string;
  out: string;
  /** The rows to answer and judge (under --skip-bad-rows, without the items that have a problem). */
  rows: BenchRow[];
  /** Every problem found; a run starts with problems only under --skip-bad-rows. */
  problems: BenchProblem[];
  /** Main items left out because of a problem (0 unless --skip-bad-rows). */
  skippedItems: number;
  /** Rows the loader could not use (always left out). */
  unloadableRows: number;
  /** --max-failed-share: above it a complete run is unreliable. */
  maxFailedShare: number;
}

const SHOWN_ISSUES = 20;

function warn(message: string): void {
  process.stderr.write(`mmif: ${message}\n`);
}

/** A folder for a dry run's decoded images, removed when the process exits (however it exits). */
function temporaryImageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mmif-dry-run-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The first N main items and their aux rows. */
export function limitRows(rows: readonly BenchRow[], limit: number | undefined): BenchRow[] {
  if (limit === undefined) return [...rows];
  const ids = new Set(rows.filter((r) => r.inferType === "main").slice(0, limit).map((r) => r.id));
  return rows.filter((r) => ids.has(r.id));
}

/**
 * Everything an eval or score run needs, checked before any model call: the options (all problems at once), --out,
 * the whole bench (rows the loader rejects, and constraints the reference could not score: bench/check.ts), and
 * the command's own input (predictions). Throws a UsageError listing the problems (first 20 and a count) unless
 * --skip-bad-rows, which leaves out the items that have one.
 */
export async function checkBenchRun(flags: JudgeFlags, parts: Pick<BenchCommandParts, "checkFlags" | "preflight">): Promise<CheckedBenchRun> {
  const checks = new FlagChecks();
  const limit = checks.value(() => positiveInt(flags.limit, "--limit"));
  checks.value(() => judgeName(flags));
  checks.value(() => isRuleOnly(flags));
  checks.value(() => positiveInt(flags.judgeConcurrency, "--judge-concurrency"));
  checks.value(() => parsePrice(flags.judgePrice, "--judge-price"));
  checks.value(() => imageLimits(flags));
  const maxFailedShare = checks.value(() => numberIn(flags.maxFailedShare, "--max-failed-share", 0, 1));
  const fieldLimit = checks.value(() => maxFieldBytes(flags.maxFieldBytes));
  checks.outDir(flags.out);
  parts.checkFlags?.(checks);
  checks.done();
  const limits = { maxFieldBytes: fieldLimit! };

  const out = resolve(flags.out);
  // A dry run leaves --out as it is: a TSV's images are decoded into a temporary folder, removed on exit.
  const imageDir = flags.dryRun ? temporaryImageDir() : join(out, "images");
  if (!flags.dryRun) mkdirSync(out, { recursive: true });
  const bench = await benchFile(flags.bench, flags.quiet);
  const loaded = await loadBench(bench, { imageDir, imageRoot: flags.imageRoot, ...limits });
  const limited = limitRows(loaded.rows, limit);
  const found = checkBench(loaded, limited);
  const pre = parts.preflight ? await parts.preflight(limited, limits, loaded.rows) : { problems: [], badIds: new Set<string>() };
  const problems = [...found.problems, ...pre.problems];
  if (flags.skipBadRows && flags.scoreBadRows) throw new UsageError("--skip-bad-rows and --score-bad-rows exclude each other; give one");
  // --score-bad-rows keeps the items whose constraints the reference cannot score (they fail, as there).
  const kept = flags.scoreBadRows ? limited : found.usable;
  const usableIds = new Set(kept.filter((r) => !pre.badIds.has(r.id)).map((r) => r.id));
  const rows = limited.filter((r) => usableIds.has(r.id));
  if (problems.length > 0 && !flags.skipBadRows && !flags.scoreBadRows) {
    const shown = problems.slice(0, SHOWN_ISSUES).map(formatProblem);
    const more = problems.length > SHOWN_ISSUES ? [`... and ${problems.length - SHOWN_ISSUES} more`] : [];
    throw new UsageError(
      [`${problems.length} problem(s) in the input; nothing was sent to a model:`, ...shown, ...more].join("\n  ") +
        "\nFix them, or rerun with --skip-bad-rows to score the other items (the scores are then not comparable with the full benchmark)," +
        "\nor with --score-bad-rows to score every loadable item as the reference does (items it cannot score fail).",
    );
  }
  const mains = (list: readonly BenchRow[]) => list.filter((r) => r.inferType === "main").length;
  if (mains(rows) === 0) throw new UsageError(`no usable main rows in ${bench}`);
  return { bench, out, rows, problems, skippedItems: mains(limited) - mains(rows), unloadableRows: loaded.issues.length, maxFailedShare };
}

/** `--dry-run`: everything a run checks has passed; print the calls it would make, and make none. */
async function dryRun(rows: readonly BenchRow[], setup: AnswerSetup, judges: JudgeClients | null, profile: Profile, replay: LedgerReplay, prices: PlanOptions["prices"]): Promise<number> {
  const model = setup.model;
  const plan = await planBench(
    rows,
    {
      ...(model ? { answerModel: { name: model.model, maxTokens: model.endpoint.params?.max_tokens, images: model.endpoint.images } } : {}),
      judge: judges?.judge.model ?? null,
      ...(judges ? { judgeImages: judges.judge.endpoint.images } : {}),
      ...(judges?.perception ? { perceptionJudge: judges.perception.model } : {}),
      prices,
    },
    replay,
    (itemRows) => runBench({ rows: itemRows, answers: setup.answers, judges, profile }),
  );
  printPlan(plan, [
    "dry run: the input checks passed and no model was called; items the ledger does not answer to their end count the first judging round's calls (a retry after an unusable judge reply is extra), tokens are estimates",
  ]);
  return EXIT.OK;
}

export async function runBenchCommand(flags: JudgeFlags, parts: BenchCommandParts): Promise<number> {
  const profile = profileByName(flags.profile);
  const { bench, out, rows, problems, skippedItems, unloadableRows, maxFailedShare } = await checkBenchRun(flags, parts);
  const leftOut = skippedItems > 0 || unloadableRows > 0;
  for (const p of problems.slice(0, SHOWN_ISSUES)) warn(formatProblem(p));
  if (problems.length > SHOWN_ISSUES) warn(`... and ${problems.length - SHOWN_ISSUES} more problems`);
  if (leftOut) warn(`${skippedItems} item(s) and ${unloadableRows} unreadable row(s) left out; the scores are not comparable with the full benchmark`);
  const ruleOnly = isRuleOnly(flags);
  const scored = ruleOnly ? ruleOnlyRows(rows) : rows;
  if (ruleOnly && scored.length === 0) throw new UsageError(`--judge none: no C-Level item of ${bench} has a rule_based constraint, so there is nothing to score without a judge`);

  return withModelRun(parts.command, out, flags.quiet, async (run) => {
    // A dry run's clients answer from the ledger only (before any client is made); it imports no batch.
    const replay = flags.dryRun ? startReplay(run) : undefined;
    if (!replay) await run.startBatch(flags);
    const answerSetup = await parts.setup(rows, run);
    const judges = judgeClients(flags, run);
    if (replay) return await dryRun(scored, answerSetup, judges, profile, replay, run.session.prices());
    const output = await run.track(() => runBench({ rows: scored, answers: answerSetup.answers, judges, profile, events: run.events }));
    await run.submitBatch();
    const summary = ruleOnly ? summarizeRuleOnly(output.results) : summarize(output.results);
    const c = summary.counts;
    const verdict = run.verdict({ failedItems: { failed: c.failed_items, total: c.c_items + c.p_items, maxShare: maxFailedShare } });
    const usage = usageWithCost(run.ledger, run.session.prices());
    const priced = usage.filter((u) => u.cost !== null);
    const file: SummaryFile = {
      ...writtenBy(),
      ...verdict,
      ...summary,
      model: answerSetup.modelName,
      judge: judges?.judge.model ?? "none",
      perception_judge: judges ? (judges.perception ?? judges.judge).model : "none",
      profile: profile.name,
      bench: resolve(bench),
      created_at: new Date().toISOString(),
      usage,
      cost: priced.length === 0 ? null : priced.reduce((sum, u) => sum + u.cost!, 0),
      ...(leftOut
        ? { not_comparable: `${skippedItems} item(s) and ${unloadableRows} unreadable row(s) left out (${problems.length} problem(s) in the input): the scores are not comparable with the full benchmark` }
        : {}),
    };
    // score writes predictions.jsonl too (the bench's question and the answer scored, per row), so its report renders
    // from the run folder; unless --predictions is that very file (rescoring an eval run in place), which has them.
    const ownPredictions = answerSetup.predictionsFile !== undefined && sameFile(answerSetup.predictionsFile, join(out, "predictions.jsonl"));
    await writeRunOutputs(out, ownPredictions ? null : output.predictions, output.results, file);
    await reportAfterRun(out, { rows }, flags.quiet);
    const name = answerSetup.modelName ?? "predictions";
    const table = file.rule_only ? formatRuleOnlyTable(name, file.rule_only) : formatTable(name, summary);
    if (!run.session.fault) process.stdout.write(`${tableHeading(verdict)}${table}\n`);
    if (c.failed_items > 0 || c.failed_constraints > 0) {
      warn(`${c.failed_items} item(s) and ${c.failed_constraints} constraint(s) could not be judged; see results.jsonl (profile ${profile.name})`);
    }
    return finishRun(run, verdict);
  }, { dryRun: flags.dryRun });
}
