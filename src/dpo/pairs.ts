/**
 * MM-IFDPO preference pairs: for a kept item, a weaker model answers a degraded prompt; the pair is (full prompt
 * with the image, chosen = the item's verified answer, rejected = that answer). The rejected answer is scored on
 * the FULL constraint list with the same scorer as `mmif eval`, so pairs whose rejected answer happens to satisfy
 * everything can be dropped.
 */
import type { Profile } from "../bench/profiles.js";
import { judgeFnFor, withImage, type JudgeClients } from "../bench/run.js";
import { scoreItem } from "../bench/score.js";
import { rngFor } from "../common/random.js";
import type { ModelClient } from "../model/client.js";
import type { ChatRequest } from "../model/types.js";
import { CallPendingError, ModelCallError } from "../model/errors.js";
import { assemblePrompt } from "../constraints/prompt.js";
import { toBenchConstraint, verdictRecords } from "../engine/respond.js";
import type { EngineItem } from "../engine/types.js";
import type { PreferencePair } from "../records/pairs.js";

export type { PreferencePair };
import { degrade, type Strategy } from "./strategies.js";

export type PairOutcome = { pair: PreferencePair; kept: boolean; reason?: string } | { error: string; item_id: string };

export interface PairOptions {
  weak: ModelClient;
  judges: JudgeClients;
  profile: Profile;
  seed: number;
  /** One strategy, or a weighted mix drawn per item. */
  strategies: Array<{ strategy: Strategy; weight: number }>;
  /** Drop pairs whose rejected answer passes every constraint (on by default). */
  dropPassing: boolean;
  /**
   * Drop pairs whose rejected score is within this margin of the chosen answer's score (chosen − rejected <
   * margin), and pairs where either score is unknown. Undefined: no margin check.
   */
  minMargin?: number;
}

/** Why a pair falls short of the margin, or undefined when it clears it. */
export function marginShortfall(chosen: number | null | undefined, rejected: number | null, minMargin: number): string | undefined {
  if (chosen === null || chosen === undefined || rejected === null) return "margin unknown: the chosen or the rejected answer has no score";
  if (chosen - rejected < minMargin) return `margin below --min-margin: the rejected answer scores within ${minMargin} of the chosen one`;
  return undefined;
}

/** What the weaker model is asked for an item: the strategy drawn for it (seeded per item), what it removes, the prompts and the request. */
export function rejectedRequest(item: EngineItem, options: Pick<PairOptions, "seed" | "strategies">) {
  const rng = rngFor(options.seed, "dpo", item.id);
  const strategy = options.strategies.length === 1 ? options.strategies[0]!.strategy : rng.weighted(options.strategies, (m) => m.weight).strategy;
  const d = degrade(strategy, item.constraints.map((c) => c.key), rng);
  const prompt = item.prompt ?? assemblePrompt(item.task, item.constraints);
  const degraded = assemblePrompt(item.task, item.constraints.filter((c) => !d.removed.includes(c.key)));
  const request: ChatRequest = { messages: [{ role: "user", content: d.withImage ? withImage(degraded, item, false) : degraded }] };
  return { strategy, removed: d.removed, prompt, degraded, request };
}

export async function makePair(item: EngineItem, options: PairOptions): Promise<PairOutcome> {
  if (item.response === undefined) return { error: "the item has no answer", item_id: item.id };
  const { strategy, removed, prompt, degraded, request } = rejectedRequest(item, options);
  let rejected: string;
  try {
    rejected = (await options.weak.chat(request, { stage: "dpo:rejected" })).content;
  } catch (e) {
    if (e instanceof ModelCallError || e instanceof CallPendingError) return { error: `rejected answer: ${e.message}`, item_id: item.id };
    throw e;
  }
  let scored;
  try {
    scored = await scoreItem(
      { id: item.id, tag: "C-Level", question: prompt, prediction: rejected, constraints: item.constraints.map(toBenchConstraint), aux: item.aux ?? {} },
      judgeFnFor(options.judges, item, options.profile),
      options.profile,
    );
  } catch (e) {
    if (e instanceof CallPendingError) return { error: `judging the rejected answer: ${e.message}`, item_id: item.id };
    throw e;
  }
  const verdicts = verdictRecords(scored);
  const passesAll = scored.status === "scored" && verdicts.every((v) => v.score !== null && v.score >= 1);
  const pair: PreferencePair = {
    id: `${item.id}:${strategy}`,
    item_id: item.id,
    image: item.image,
    prompt,
    chosen: item.response,
    rejected,
    strategy,
    removed,
    degraded_prompt: degraded,
    rejected_verdicts: verdicts,
    rejected_score: scored.score,
    rejected_passes_all: passesAll,
  };
  if (options.dropPassing && passesAll) return { pair, kept: false, reason: "the rejected answer passes every constraint" };
  if (rejected.trim() === item.response.trim()) return { pair, kept: false, reason: "the rejected answer equals the chosen one" };
  if (options.minMargin !== undefined) {
    const short = marginShortfall(item.score, scored.score, options.minMargin);
    if (short) return { pair, kept: false, reason: short };
  }
  return { pair, kept: true };
}
