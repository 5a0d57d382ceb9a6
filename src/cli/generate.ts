// `mmif generate`: the MM-IFEngine pipeline from an image folder (and/or images with questions) to verified items.
import { Option, type Command } from "commander";
import { resolve } from "node:path";
import { existsSync, statSync } from "node:fs";
import { profileByName } from "../bench/profiles.js";
import type { RowIssue } from "../bench/types.js";
import type { EngineClients } from "../engine/clients.js";
import { filterImages, scanImageFolder, type FilterRecord } from "../engine/filter/index.js";
import { pipelineInputs, runGenerate } from "../engine/generate.js";
import { planGenerate } from "../engine/plan.js";
import type { LedgerReplay } from "../model/replay.js";
import { checkWeights, countDistribution, parseCountDistribution } from "../engine/constraint-types.js";
import { STAGES, type PipelineOptions, type Stage } from "../engine/pipeline.js";
import { readQuestionInputs } from "../engine/question-input.js";
import { judgeSettings } from "./bench-flags.js";
import { FlagChecks, imageLimits, numberIn, parsePrice, positiveInt, wholeNumber } from "./flag-values.js";
import { addImageSizeFlags, addJudgeEndpointFlags, addModelEndpointFlags, addQuietFlag, judgeName, keyVariable, type ImageSizeFlags, type JudgeEndpointFlags, type ModelEndpointFlags } from "./flags.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { addFilterFlags, filterOptionsFromFlags, type FilterFlags } from "./filter.js";
import { finishRun, reportLineIssues, withModelRun } from "./model-run.js";
import { addBatchFlags, withBatchWait, type BatchFlags } from "./batch-flags.js";
import { reportAfterRun } from "./report.js";
import { addShardFlag, shardFlag, shardOption } from "./shard-flag.js";
import { fileSha256, unshardedRunProblem } from "../run/shard.js";
import { addDryRunFlag, printPlan, startReplay, type DryRunFlags } from "./dry-run.js";

interface GenerateFlags extends Omit<FilterFlags, "images" | "out" | "quiet" | "concurrency">, ModelEndpointFlags, JudgeEndpointFlags, BatchFlags, ImageSizeFlags, DryRunFlags {
  images?: string;
  questions?: string;
  out: string;
  taskModel?: string;
  constraintModel?: string;
  compatModel?: string;
  assignModel?: string;
  responderModel?: string;
  temperature: string;
  price?: string;
  judgePrice?: string;
  seed: string;
  limit?: string;
  stages: string;
  threshold: string;
  tasksPerImage: string;
  examples: string;
  minConstraints: string;
  constraintCounts?: string;
  replacementRounds: string;
  weights?: string;
  extractTask?: boolean;
  imageConcurrency: string;
  shard?: string;
  quiet?: boolean;
}

export function registerGenerate(program: Command): void {
  const cmd = program
    .command("generate")
    .description(
      "Turn images into constraint-rich instructions with verified answers (MM-IFInstruct style): filter the images, propose tasks " +
        "(or screen given questions), sample constraint types from the 6/32 taxonomy, write and check constraints, assign verify " +
        "functions, answer with a responder VLM, score with the MM-IFEval scorer and keep items at or above the threshold.",
    )
    .option("--images <dir>", "folder of images (searched recursively; an --out inside it is not searched); tasks are proposed for each kept image")
    .option("--questions <file>", "JSONL of images that carry a question: {\"image\": path relative to the file, \"question\": ..., \"id\"?}")
    .requiredOption("--out <dir>", "output folder: images.jsonl, items.jsonl, stats.json, bench.jsonl, sft.jsonl, dataset_info.json, images/, ledger.sqlite");
  addModelEndpointFlags(cmd, { model: "model for every role not given its own (the roles share its endpoint)" })
    .option("--task-model <name>", "VLM that proposes tasks and reduces questions to their main task")
    .option("--constraint-model <name>", "LLM that writes constraint sentences")
    .option("--compat-model <name>", "LLM that checks constraints against the task and each other")
    .option("--assign-model <name>", "LLM that chooses verify functions and parameters")
    .option("--responder-model <name>", "strong VLM that answers (paper: InternVL2.5-78B-MPO)");
  addJudgeEndpointFlags(cmd, { judge: "judge of the answers, as in mmif eval (default: --model)" })
    .option("--temperature <t>", "sampling temperature of the generating roles (tasks, constraints); checks and judges use 0", "0.7")
    .option("--price <in,out>", "USD per million input,output tokens of --model, for the cost in stats.json (and of the judge, unless --judge-price)")
    .option("--judge-price <in,out>", "USD per million input,output tokens of the judge, for the cost in stats.json (default: --price)")
    .option("--seed <n>", "seed of every random choice (same seed, same items)", "0")
    .option("--limit <n>", "only the first N inputs (kept images, then questions)")
    .addOption(new Option("--stages <list>", `comma-separated stages to run, a prefix of: ${STAGES.join(",")}`).default(STAGES.join(",")))
    .option("--threshold <x>", "keep items whose score (share of constraints passed) is at least this", "0.8")
    .option("--tasks-per-image <n>", "tasks sampled per image", "1")
    .option("--examples <k>", "pool tasks shown to the task model as examples", "4")
    .option("--constraint-counts <list>", "target distribution of constraints per item after the checks, count=weight pairs (default: the paper's Fig. 3, 3=3.6,4=10.5,5=36,6=20.4,7=13.2,8=7.5,9=3.9,10=4.5,11=1.2,12=0.9)")
    .option("--min-constraints <n>", "items left with fewer constraints after the checks and replacement rounds are not kept", "3")
    .option("--replacement-rounds <n>", "rounds of replacement constraints written and checked when some were dropped", "3")
    .option("--weights <list>", "sampling weights by category or subcategory key, e.g. format=2,keyword=0.5,tone_requirement=0")
    .option("--extract-task", "reduce each given question to its main task with the task model (the default: paper Fig. 2, \"Refine & Extract Main Task\")")
    .option("--no-extract-task", "use each given question as it is, without the main-task step")
    .option("--image-concurrency <n>", "images decoded and scored at once by the filter", "4");
  addImageSizeFlags(cmd, true);
  addShardFlag(cmd, "each image's bytes (every shard still filters the whole folder, so duplicates are found across shards)");
  addBatchFlags(addQuietFlag(addDryRunFlag(cmd, "--price/--judge-price")));
  addFilterFlags(cmd, { concurrency: false, out: false, images: false, quiet: false }).addHelpText(
    "after",
    [
      "",
      "Every model call goes through the call ledger in --out: rerunning the same command resumes and pays for nothing twice.",
      "Ctrl-C or SIGTERM finishes the calls in flight and stops (status incomplete); a second signal quits at once (exit 130).",
      "One run per --out: a second run on the same folder refuses (exit 2). stats.json says how the run ended: status complete or incomplete.",
      "A configuration error (refused connection, 401/403/404 on a role's first calls) stops the run at once, naming the role.",
      "Exit codes: 0 complete; 1 incomplete or failed; 2 bad usage, a configuration error, or bad input lines (reported, the rest still run);",
      "75 incomplete with --batch: calls are out in batches (rerun the same command to continue).",
      "",
      "Example:",
      "  $ mmif generate --images photos/ --model gpt-4o-mini --responder-model gpt-4o --out data/mmif-run --seed 1",
    ].join("\n"),
  );
  cmd.action(async (flags: GenerateFlags, c: Command) => {
    c.setOptionValue("exitCode", await withBatchWait("generate", flags, () => runGenerateCommand(flags)));
  });
}

function parseStages(value: string): Set<Stage> {
  const wanted = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of wanted) if (!(STAGES as readonly string[]).includes(s)) throw new UsageError(`--stages: unknown stage "${s}"; stages are ${STAGES.join(", ")}`);
  const prefix = STAGES.slice(0, wanted.length);
  if (wanted.some((s, i) => s !== prefix[i])) throw new UsageError(`--stages must be a prefix of ${STAGES.join(",")} (stages depend on the ones before), got "${value}"`);
  return new Set(wanted as Stage[]);
}

function parseWeights(value: string | undefined): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of value.split(",")) {
    const [k, v] = part.split("=");
    const n = Number(v);
    if (!k || v === undefined || !Number.isFinite(n) || n < 0) throw new UsageError(`--weights takes name=weight pairs with weights ≥ 0, like format=2,keyword=0; got "${part}"`);
    out[k.trim()] = n;
  }
  try {
    checkWeights(out);
  } catch (e) {
    throw new UsageError(`--weights: ${(e as Error).message}`);
  }
  return out;
}

export async function runGenerateCommand(flags: GenerateFlags): Promise<number> {
  // Every problem with the options is reported at once, before any image is read or any call is made.
  const checks = new FlagChecks();
  checks.require(flags.images !== undefined || flags.questions !== undefined, "generate needs --images DIR and/or --questions FILE");
  if (flags.images) checks.require(existsSync(flags.images) && statSync(flags.images).isDirectory(), `--images ${flags.images} is not a folder`);
  if (flags.questions) checks.inFile(flags.questions, "--questions");
  checks.outDir(flags.out);
  const stages = checks.value(() => parseStages(flags.stages));
  const seed = checks.value(() => wholeNumber(flags.seed, "--seed"));
  const threshold = checks.value(() => numberIn(flags.threshold, "--threshold", 0, 1));
  const temperature = checks.value(() => numberIn(flags.temperature, "--temperature", 0, 2));
  const distribution = checks.value(() => {
    try {
      return flags.constraintCounts === undefined ? undefined : parseCountDistribution(flags.constraintCounts);
    } catch (e) {
      throw new UsageError(`--constraint-counts: ${(e as Error).message}`);
    }
  });
  const counts = {
    distribution,
    min: checks.value(() => wholeNumber(flags.minConstraints, "--min-constraints")),
    replacementRounds: checks.value(() => wholeNumber(flags.replacementRounds, "--replacement-rounds")),
    weights: checks.value(() => parseWeights(flags.weights)),
  };
  if (counts.min !== undefined && (flags.constraintCounts === undefined || distribution !== undefined)) {
    const largest = Math.max(...countDistribution(distribution).map(([n]) => n));
    checks.require(counts.min <= largest, `--min-constraints ${counts.min} is larger than the most constraints an item is given (${largest}, from --constraint-counts): no item could be kept`);
  }
  checks.value(() => judgeName(flags, flags.model));
  checks.value(() => positiveInt(flags.concurrency, "--concurrency"));
  checks.value(() => parsePrice(flags.price, "--price"));
  checks.value(() => parsePrice(flags.judgePrice, "--judge-price"));
  checks.value(() => positiveInt(flags.limit, "--limit"));
  checks.value(() => positiveInt(flags.tasksPerImage, "--tasks-per-image"));
  checks.value(() => positiveInt(flags.examples, "--examples"));
  const imageSizes = checks.value(() => imageLimits(flags));
  const shard = checks.value(() => shardFlag(flags.shard));
  if (flags.shard === undefined) checks.problem(unshardedRunProblem(resolve(flags.out)));
  const filterOptions = checks.value(() => filterOptionsFromFlags({ ...flags, concurrency: flags.imageConcurrency } as FilterFlags, "--image-concurrency"));
  checks.done();
  const issues: RowIssue[] = [];
  const exportProblems: string[] = [];
  const questionsSha256 = shard && flags.questions ? await fileSha256(flags.questions) : undefined;
  return withModelRun("generate", flags.out, flags.quiet, async (run) => {
    const out = run.out;
    // A dry run's clients answer from the ledger only (before any client is made); it imports no batch.
    const replay = flags.dryRun ? startReplay(run) : undefined;
    if (!replay) await run.startBatch(flags);
    const base = {
      baseURL: flags.baseUrl,
      ...keyVariable(flags.apiKeyEnv),
      concurrency: positiveInt(flags.concurrency, "--concurrency"),
      price: parsePrice(flags.price, "--price"),
      images: imageSizes,
    };
    const role = (role: string, name: string | undefined, params: { temperature: number; max_tokens?: number }) =>
      run.client({ ...base, model: name ?? flags.model, params }, role);
    const judge = run.client(
      { concurrency: base.concurrency, price: parsePrice(flags.judgePrice, "--judge-price") ?? base.price, images: imageSizes, baseURL: flags.judgeBaseUrl, ...keyVariable(flags.judgeApiKeyEnv), model: judgeName(flags, flags.model), ...judgeSettings() },
      "judge",
    );
    const clients: EngineClients = {
      tasks: role("task writer", flags.taskModel, { temperature }),
      constraints: role("constraint writer", flags.constraintModel, { temperature }),
      compat: role("compatibility checker", flags.compatModel, { temperature: 0 }),
      assign: role("verification assigner", flags.assignModel, { temperature: 0 }),
      responder: role("responder", flags.responderModel, { temperature: 0 }),
      judges: { judge },
    };
    const stopFilter = new AbortController();
    run.session.alsoStop({ stop: () => stopFilter.abort() });
    const imagesDir = flags.images ? resolve(flags.images) : undefined;
    let images: AsyncIterable<FilterRecord> | undefined;
    if (imagesDir && stages.has("filter")) {
      const scan = await scanImageFolder(imagesDir, { exclude: [out] }); // an --out inside --images is not input
      // A dry run asks no external scorer: the images it would score count as kept (an upper bound).
      const options = replay ? { ...filterOptions, external: undefined } : filterOptions;
      images = filterImages(scan.files, options, { root: imagesDir, events: run.events, signal: stopFilter.signal });
    }
    const pipeline = {
      seed,
      stages,
      clients,
      respond: { profile: profileByName("vlmevalkit"), threshold, imageFirst: false },
      tasksPerImage: positiveInt(flags.tasksPerImage, "--tasks-per-image")!,
      examples: positiveInt(flags.examples, "--examples")!,
      counts,
      extractTask: flags.extractTask !== false,
      events: run.events,
    };
    const inputs = {
      images,
      imageRoot: imagesDir,
      questions: flags.questions ? readQuestionInputs(flags.questions, issues) : undefined,
      limit: positiveInt(flags.limit, "--limit"),
      // A dry run with --shard plans only this shard's inputs, as the shard's real run takes them.
      // The questions file may sit at another path on each machine; its content must be the same (the images'
      // are compared through images.jsonl).
      shard: shardOption(shard, flags, { judge: judgeName(flags, flags.model), ...(questionsSha256 ? { questions_sha256: questionsSha256 } : {}) }),
    };
    if (replay) return dryRunGenerate(inputs, pipeline, replay, run.session.prices(), issues);
    const stats = await run.track(() =>
      runGenerate({
        outDir: out,
        ledger: run.ledger,
        ...pipeline,
        ...inputs,
        verdict: () => run.verdict(),
        onExportProblem: (file, { line, message }) => exportProblems.push(`mmif generate: ${file} leaves out items.jsonl line ${line}: ${message}\n`),
      }),
    );
    await run.submitBatch();
    await reportAfterRun(out, {}, flags.quiet);
    reportLineIssues(issues);
    for (const p of exportProblems.slice(0, 20)) process.stderr.write(p);
    if (exportProblems.length > 20) process.stderr.write(`mmif generate: ${exportProblems.length - 20} more line(s) left out of the exports (stats.json exports.problems)\n`);
    const s = stats;
    process.stderr.write(
      `mmif generate: ${s.status === "complete" ? "" : `${s.status.toUpperCase()}: `}images ${s.images.kept}/${s.images.total} kept; items ${s.items.total}, answered ${s.items.answered}, kept ${s.items.kept} ` +
        `(${(100 * s.items.kept_rate).toFixed(1)}% of answered); constraints per item ${s.constraints.per_item.mean.toFixed(2)}; ` +
        `outputs in ${out}\n`,
    );
    return finishRun(run, s, issues.length > 0);
  }, { dryRun: flags.dryRun });
}

/** `--dry-run`: the filter and the input checks ran as in a real run; print the calls it would make, and make none. */
async function dryRunGenerate(
  inputs: Parameters<typeof pipelineInputs>[0],
  pipeline: PipelineOptions,
  replay: LedgerReplay,
  prices: Record<string, { input: number; output: number } | undefined>,
  issues: RowIssue[],
): Promise<number> {
  const filtered = { total: 0, kept: 0 };
  const images = inputs.images && countRecords(inputs.images, filtered);
  const plan = await planGenerate(pipelineInputs({ ...inputs, images }), pipeline, replay, prices);
  reportLineIssues(issues);
  printPlan(plan.stages, [
    ...(inputs.images ? [`dry run: filter: ${filtered.kept} of ${filtered.total} images kept (no model call)`] : []),
    `dry run: ${plan.inputs} input(s); the input checks passed and no model was called. Calls the ledger does not hold yet are expected values: ` +
      "the sampled constraint types all written, checked and kept (a drop adds a replacement round; a re-ask or a fallback to the direct judge adds calls), " +
      "model-written text at typical lengths; tokens are estimates",
  ]);
  return issues.length > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}

async function* countRecords(records: AsyncIterable<FilterRecord>, counts: { total: number; kept: number }): AsyncGenerator<FilterRecord> {
  for await (const r of records) {
    counts.total++;
    if (r.kept) counts.kept++;
    yield r;
  }
}
