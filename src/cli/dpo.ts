// `mmif dpo`: MM-IFDPO preference pairs from the kept items of `mmif generate`.
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { profileByName } from "../bench/profiles.js";
import type { RowIssue } from "../bench/types.js";
import { itemsFileProblem, keptItems, runDpo } from "../dpo/run.js";
import { planDpo } from "../dpo/plan.js";
import { parseMix, STRATEGIES, type Strategy } from "../dpo/strategies.js";
import { judgeSettings } from "./bench-flags.js";
import { FlagChecks, imageLimits, numberIn, parsePrice, positiveInt, wholeNumber } from "./flag-values.js";
import { addImageSizeFlags, addJudgeEndpointFlags, addModelEndpointFlags, addQuietFlag, judgeName, keyVariable, type ImageSizeFlags, type JudgeEndpointFlags, type ModelEndpointFlags } from "./flags.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { addDryRunFlag, printPlan, startReplay, type DryRunFlags } from "./dry-run.js";
import { finishRun, reportLineIssues, withModelRun } from "./model-run.js";
import { addBatchFlags, withBatchWait, type BatchFlags } from "./batch-flags.js";
import { addShardFlag, shardFlag, shardOption } from "./shard-flag.js";
import { fileSha256, unshardedRunProblem } from "../run/shard.js";

interface DpoFlags extends ModelEndpointFlags, JudgeEndpointFlags, BatchFlags, ImageSizeFlags, DryRunFlags {
  items: string;
  strategy: Strategy;
  mix?: string;
  seed: string;
  keepPassing?: boolean;
  minMargin?: string;
  limit?: string;
  price?: string;
  shard?: string;
  judgePrice?: string;
  out: string;
  quiet?: boolean;
}

export function registerDpo(program: Command): void {
  const cmd = program
    .command("dpo")
    .description(
      "For each kept item of items.jsonl, a weaker model answers a degraded prompt (constraints removed, or no image); the pair is " +
        "(full prompt with the image, chosen = the verified answer, rejected = that answer). The rejected answer is scored on the full " +
        "constraint list with the mmif eval scorer; pairs whose rejected answer passes everything are dropped unless --keep-passing.",
    )
    .requiredOption("--items <file>", "items.jsonl of mmif generate (kept items are used)");
  addModelEndpointFlags(cmd, { model: "the weaker model that writes the rejected answers (paper: Qwen2-VL-7B-Instruct)" });
  addJudgeEndpointFlags(cmd, { judge: "judge that scores the rejected answers, as in mmif eval (required)" })
    .addOption(new Option("--strategy <name>", "how the rejected answer's prompt is degraded (the paper's §5.3 default: drop-all; its released set used drop-one-third)").choices([...STRATEGIES]).default("drop-all"))
    .option("--mix <list>", "draw the strategy per item from weights instead, e.g. drop-all=0.5,no-image=0.25,drop-one-third=0.25")
    .option("--seed <n>", "seed of which constraints are removed and of the mix", "0")
    .option("--keep-passing", "keep pairs whose rejected answer passes every constraint (dropped by default)")
    .option("--min-margin <x>", "drop pairs whose rejected score is within x of the chosen item's score (chosen − rejected < x), or unknown; e.g. 0.01 drops rejected ≥ chosen (default: no margin check)")
    .option("--limit <n>", "only the first N kept items")
    .option("--price <in,out>", "USD per million input,output tokens of --model, for the cost report")
    .option("--judge-price <in,out>", "USD per million input,output tokens of the judge, for the cost report")
    .requiredOption("--out <dir>", "output folder: pairs.jsonl, dropped-pairs.jsonl, dpo-stats.json, ledger.sqlite");
  addImageSizeFlags(cmd, true);
  addShardFlag(cmd, "each kept item's JSON");
  addBatchFlags(addQuietFlag(addDryRunFlag(cmd, "--price/--judge-price")))
    .addHelpText(
      "after",
      [
        "",
        "Strategies: drop-all removes every constraint; drop-two-thirds and drop-one-third remove max(1, round(f·n)) of the n",
        "constraints, chosen at random (seeded per item); no-image keeps the full prompt but sends no image.",
        "pairs.jsonl lines: {id, item_id, image, prompt, chosen, rejected, strategy, removed, degraded_prompt, rejected_verdicts,",
        "rejected_score, rejected_passes_all}. `mmif export --in pairs.jsonl` turns them into LLaMA-Factory, TRL or Parquet data.",
        "Rerunning the same command resumes from the ledger without paying twice. Ctrl-C or SIGTERM finishes the calls in flight and stops (status incomplete); a second signal quits at once (exit 130).",
        "One run per --out: a second run on the same folder refuses (exit 2). dpo-stats.json says how the run ended: status complete or incomplete.",
        "Exit codes: 0 complete; 1 incomplete or failed; 2 bad usage or input, or a configuration error; 75 incomplete with --batch (rerun).",
      ].join("\n"),
    )
    .action(async (flags: DpoFlags, cmd: Command) => {
      cmd.setOptionValue("exitCode", await withBatchWait("dpo", flags, () => runDpoCommand(flags, cmd.getOptionValueSource("strategy") === "cli")));
    });
}

export async function runDpoCommand(flags: DpoFlags, strategyGiven = false): Promise<number> {
  // Every problem with the options is reported at once, before any call.
  const checks = new FlagChecks();
  checks.inFile(flags.items, "--items");
  checks.require(!(strategyGiven && flags.mix), "--strategy and --mix exclude each other: --mix draws the strategy per item; give one of them");
  const strategies: Array<{ strategy: Strategy; weight: number }> = checks.value(() => {
    try {
      return flags.mix ? parseMix(flags.mix) : [{ strategy: flags.strategy, weight: 1 }];
    } catch (e) {
      throw new UsageError(`--mix: ${(e as Error).message}`);
    }
  });
  const seed = checks.value(() => wholeNumber(flags.seed, "--seed"));
  const judgeModel = checks.value(() => judgeName(flags));
  const concurrency = checks.value(() => positiveInt(flags.concurrency, "--concurrency"));
  const limit = checks.value(() => positiveInt(flags.limit, "--limit"));
  const price = checks.value(() => parsePrice(flags.price, "--price"));
  const images = checks.value(() => imageLimits(flags));
  const shard = checks.value(() => shardFlag(flags.shard));
  if (flags.shard === undefined) checks.problem(unshardedRunProblem(resolve(flags.out)));
  const judgePrice = checks.value(() => parsePrice(flags.judgePrice, "--judge-price"));
  const minMargin = checks.value(() => (flags.minMargin === undefined ? undefined : numberIn(flags.minMargin, "--min-margin", 0, 1)));
  checks.outDir(flags.out);
  checks.done();
  const notItems = await itemsFileProblem(flags.items);
  if (notItems) throw new UsageError(notItems);
  const itemsSha256 = shard ? await fileSha256(flags.items) : undefined;
  const issues: RowIssue[] = [];
  return withModelRun("dpo", flags.out, flags.quiet, async (run) => {
    const out = run.out;
    // A dry run's clients answer from the ledger only (before any client is made); it imports no batch.
    const replay = flags.dryRun ? startReplay(run) : undefined;
    if (!replay) await run.startBatch(flags);
    const weak = run.client({ model: flags.model, baseURL: flags.baseUrl, ...keyVariable(flags.apiKeyEnv), concurrency, params: { temperature: 0 }, price, images }, "rejected-answer model");
    const judge = run.client({ model: judgeModel, baseURL: flags.judgeBaseUrl, ...keyVariable(flags.judgeApiKeyEnv), concurrency, images, ...judgeSettings(), price: judgePrice }, "judge");
    const pairs = { weak, judges: { judge }, profile: profileByName("vlmevalkit"), seed, strategies, dropPassing: flags.keepPassing !== true, minMargin };
    if (replay) {
      // With --shard, only this shard's kept items are planned, as the shard's real run takes them.
      const plan = await planDpo(keptItems(flags.items, issues, { read: 0 }, limit ?? Infinity, undefined, shard), flags.items, pairs, replay, run.session.prices(), issues);
      reportLineIssues(issues);
      printPlan(plan, [
        "dry run: the input checks passed and no model was called; the judges' counts are their first round's (a retry after an unusable judge reply is extra), tokens are estimates",
      ]);
      return issues.length > 0 ? EXIT.BAD_INPUT : EXIT.OK;
    }
    const stats = await run.track(() =>
      runDpo(
        flags.items,
        out,
        {
          ...pairs,
          limit,
          verdict: () => run.verdict(),
          events: run.events,
          // The items file may sit at another path on each machine; its content must be the same.
          shard: shardOption(shard, { ...flags, strategy: flags.mix ? undefined : flags.strategy }, { judge: judgeModel, items_sha256: itemsSha256 }),
        },
        issues,
      ),
    );
    await run.submitBatch();
    reportLineIssues(issues);
    process.stderr.write(
      `mmif dpo: ${stats.status === "complete" ? "" : `${stats.status.toUpperCase()}: `}${stats.items_used} kept items: ${stats.pairs} pairs, ${stats.dropped} dropped, ${stats.failed} failed; outputs in ${out}\n`,
    );
    return finishRun(run, stats, issues.length > 0);
  }, { dryRun: flags.dryRun });
}
