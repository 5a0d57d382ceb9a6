// `mmif dpo`: MM-IFDPO preference pairs from the kept items of `mmif generate`.
import { Option, type Command } from "commander";
import { join, resolve } from "node:path";
import { profileByName } from "../bench/profiles.js";
import type { RowIssue } from "../bench/types.js";
import { runDpo } from "../dpo/run.js";
import { parseMix, STRATEGIES, type Strategy } from "../dpo/strategies.js";
import { Ledger } from "../model/ledger.js";
import { judgeSettings, makeClient } from "./bench-flags.js";
import { FlagChecks, numberIn, parsePrice, positiveInt, wholeNumber } from "./flag-values.js";
import { addJudgeEndpointFlags, addModelEndpointFlags, addQuietFlag, judgeName, type JudgeEndpointFlags, type ModelEndpointFlags } from "./flags.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { onInterrupt } from "./interrupt.js";
import { progressFor } from "./progress-view.js";

interface DpoFlags extends ModelEndpointFlags, JudgeEndpointFlags {
  items: string;
  strategy: Strategy;
  mix?: string;
  seed: string;
  keepPassing?: boolean;
  minMargin?: string;
  limit?: string;
  price?: string;
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
    .requiredOption("--out <dir>", "output folder: pairs.jsonl, dropped-pairs.jsonl, dpo-stats.json, ledger.sqlite");
  addQuietFlag(cmd)
    .addHelpText(
      "after",
      [
        "",
        "Strategies: drop-all removes every constraint; drop-two-thirds and drop-one-third remove max(1, round(f·n)) of the n",
        "constraints, chosen at random (seeded per item); no-image keeps the full prompt but sends no image.",
        "pairs.jsonl lines: {id, item_id, image, prompt, chosen, rejected, strategy, removed, degraded_prompt, rejected_verdicts,",
        "rejected_score, rejected_passes_all}. `mmif export --in pairs.jsonl` turns them into LLaMA-Factory, TRL or Parquet data.",
        "Rerunning the same command resumes from the ledger without paying twice. Exit codes: 0 done; 1 interrupted; 2 bad usage or input.",
      ].join("\n"),
    )
    .action(async (flags: DpoFlags, cmd: Command) => {
      cmd.setOptionValue("exitCode", await runDpoCommand(flags, cmd.getOptionValueSource("strategy") === "cli"));
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
  const minMargin = checks.value(() => (flags.minMargin === undefined ? undefined : numberIn(flags.minMargin, "--min-margin", 0, 1)));
  checks.outDir(flags.out);
  checks.done();
  const out = resolve(flags.out);
  const ledger = new Ledger(join(out, "ledger.sqlite"));
  const { events, view } = progressFor(flags.quiet);
  const issues: RowIssue[] = [];
  try {
    const weak = makeClient({ model: flags.model, baseURL: flags.baseUrl, apiKeyEnv: flags.apiKeyEnv, concurrency, params: { temperature: 0 }, price }, ledger, events);
    const judge = makeClient(
      { model: judgeModel, baseURL: flags.judgeBaseUrl, apiKeyEnv: flags.judgeApiKeyEnv, concurrency, ...judgeSettings() },
      ledger,
      events,
    );
    const detach = onInterrupt([weak, judge]);
    view?.start();
    let stats;
    try {
      stats = await runDpo(flags.items, out, { weak, judges: { judge }, profile: profileByName("vlmevalkit"), seed, strategies, dropPassing: flags.keepPassing !== true, minMargin, limit }, issues);
    } finally {
      view?.stop();
      detach();
    }
    for (const i of issues.slice(0, 20)) process.stderr.write(`mmif: ${i.file} line ${i.row}${i.field ? ` field "${i.field}"` : ""}: ${i.message}\n`);
    process.stderr.write(`mmif dpo: ${stats.items_used} kept items: ${stats.pairs} pairs, ${stats.dropped} dropped, ${stats.failed} failed; outputs in ${out}\n`);
    if (weak.scheduler.isStopping) return EXIT.FAILURE;
    return issues.length > 0 ? EXIT.BAD_INPUT : EXIT.OK;
  } finally {
    ledger.close();
  }
}
