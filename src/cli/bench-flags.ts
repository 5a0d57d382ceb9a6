// Flags shared by `mmif eval` and `mmif score`: the judges, the profile, limits and the output folder.
import { Option, type Command } from "commander";
import { profileByName, VLMEVALKIT, type Profile } from "../bench/profiles.js";
import type { JudgeClients } from "../bench/run.js";
import { ModelClient } from "../model/client.js";
import { resolveEndpoint, type EndpointConfig } from "../model/endpoint.js";
import type { Ledger } from "../model/ledger.js";
import type { ModelEvents } from "../model/progress.js";
import { DEFAULT_MAX_FAILED_SHARE } from "../run/status.js";
import { UsageError } from "./exit-codes.js";
import { imageLimits, parsePrice, positiveInt } from "./flag-values.js";
import { addBatchFlags, type BatchFlags } from "./batch-flags.js";
import { addDryRunFlag, type DryRunFlags } from "./dry-run.js";
import { addImageSizeFlags, addJudgeEndpointFlags, addMaxFieldBytes, addQuietFlag, givenJudge, judgeName, keyVariable, type ImageSizeFlags, type JudgeEndpointFlags } from "./flags.js";
import type { ModelRun } from "./model-run.js";

export interface JudgeFlags extends JudgeEndpointFlags, BatchFlags, ImageSizeFlags, DryRunFlags {
  bench: string;
  pJudge?: string;
  judgeConcurrency: string;
  judgePrice?: string;
  profile: "vlmevalkit" | "authors";
  limit?: string;
  imageRoot?: string;
  skipBadRows?: boolean;
  scoreBadRows?: boolean;
  maxFieldBytes: string;
  out: string;
  maxFailedShare: string;
  quiet?: boolean;
}

export function addJudgeFlags(cmd: Command): Command {
  cmd
    .requiredOption("--bench <file|name>", "MM-IFEval file: VLMEvalKit TSV, the authors' C-Level.jsonl/P-Level.jsonl (or their folder), or our JSONL; or the name MM-IFEval: found in $LMUData (default ~/LMUData), then our cache, else downloaded");
  addJudgeEndpointFlags(cmd, { judge: "judge model, required (the reference uses gpt-4o-2024-11-20 for C-Level); none: score only rule_based constraints, no judge calls (not comparable with MM-IFEval scores)" })
    .option("--p-judge <name>", "separate judge for P-Level items on the judge's endpoint (the authors use gpt-4o-mini)")
    .option("--judge-concurrency <n>", "judge calls in flight at once", "16")
    .option("--judge-price <in,out>", "judge price in USD per million input,output tokens, for the cost report")
    .addOption(new Option("--profile <name>", "reference failure handling (spec §6)").choices(["vlmevalkit", "authors"]).default("vlmevalkit"))
    .option("--limit <n>", "only the first N main items (with their aux rows)")
    .option("--max-failed-share <x>", "share of items whose judging may fail (the profile's failure) in a complete run; above it the run is unreliable (exit 1)", String(DEFAULT_MAX_FAILED_SHARE))
    .option("--image-root <dir>", "image folder for the authors' JSONL layout (default: next to the JSONL files)")
    .option("--skip-bad-rows", "score the items without problems when the input has some (default: list every problem and stop before any call)")
    .option("--score-bad-rows", "score every loadable item as the reference does, even those whose constraints it cannot score (they fail)")
    .requiredOption("--out <dir>", "output folder: predictions.jsonl, results.jsonl, summary.json, ledger.sqlite, images/");
  addImageSizeFlags(cmd, false);
  addMaxFieldBytes(cmd, "the bench or the predictions (a JSONL line, or a TSV/CSV/XLSX row; a TSV image cell is bounded by the base64 size of the largest image accepted instead, when larger)");
  return addBatchFlags(addQuietFlag(addDryRunFlag(cmd, "--model-price/--judge-price")));
}

/** A client outside a model run (mmif serve's judge); a configuration mistake is an EndpointConfigError (exit 2). */
export function makeClient(config: EndpointConfig, ledger: Ledger, events?: ModelEvents): ModelClient {
  return new ModelClient(resolveEndpoint(config), { ledger, ...(events ? { events } : {}) });
}

/** The judge settings of both references (profiles.ts): temperature 0, 4,096 tokens, 300 s per call. */
export function judgeSettings(profile: Profile = VLMEVALKIT): Pick<EndpointConfig, "params" | "timeoutMs"> {
  const j = profile.judgeParams;
  return { params: { temperature: j.temperature, max_tokens: j.maxTokens }, timeoutMs: j.timeoutMs };
}

/** `--judge none`: only rule_based constraints are scored (bench/rule-only.ts). */
export function isRuleOnly(flags: JudgeFlags): boolean {
  if (givenJudge(flags) !== "none") return false;
  if (flags.pJudge !== undefined) throw new UsageError("--p-judge cannot be used with --judge none: P-Level items need a judge and are not scored without one");
  return true;
}

/** The judges of an eval run; images go to them at high detail (run.ts), unresized unless --image-max-side/--image-max-pixels. */
export function judgeClients(flags: JudgeFlags, run: ModelRun): JudgeClients | null {
  if (isRuleOnly(flags)) return null;
  const base = {
    baseURL: flags.judgeBaseUrl,
    ...keyVariable(flags.judgeApiKeyEnv),
    concurrency: positiveInt(flags.judgeConcurrency, "--judge-concurrency"),
    ...judgeSettings(profileByName(flags.profile)),
    price: parsePrice(flags.judgePrice, "--judge-price"),
    images: imageLimits(flags),
  };
  const judgeModel = judgeName(flags);
  const judge = run.client({ ...base, model: judgeModel }, "judge");
  const perception = flags.pJudge && flags.pJudge !== judgeModel ? run.client({ ...base, model: flags.pJudge }, "perception judge") : undefined;
  return perception ? { judge, perception } : { judge };
}
