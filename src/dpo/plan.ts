/**
 * `mmif dpo --dry-run`: per kept item, the weaker model's call (its exact request: strategy and removed
 * constraints drawn as the run draws them, no image for no-image) and the judge calls that score the rejected
 * answer on the full constraint list (as in `mmif eval`, bench/plan.ts). Each item is first replayed against the
 * ledger (model/replay.ts): an item the ledger answers to its end counts exactly the calls it made, all paid.
 */
import { CallPlan, ImageSizes, judgeCalls, TYPICAL_OUTPUT, type PlannedCall, type PlannedStage } from "../bench/plan.js";
import type { LedgerReplay } from "../model/replay.js";
import type { EngineItem } from "../engine/types.js";
import type { RowIssue } from "../bench/types.js";
import { ImagePlacer } from "../export/images.js";
import { makePair, rejectedRequest, type PairOptions } from "./pairs.js";
import { placeItemImage } from "./run.js";

/** The calls a real run is expected to make for a kept item when the ledger holds none of them. */
export async function estimatePair(item: EngineItem, options: PairOptions, images: ImageSizes): Promise<PlannedCall[]> {
  const { prompt, request } = rejectedRequest(item, options);
  const answerLength = options.weak.endpoint.params?.max_tokens ?? TYPICAL_OUTPUT.answer;
  const judges = { judge: options.judges.judge.model, ...(options.judges.perception ? { perception: options.judges.perception.model } : {}) };
  return [
    { model: options.weak.model, stage: "dpo:rejected", inputTokens: await images.requestTokens(options.weak.withImageLimits(request)), outputTokens: answerLength },
    ...judgeCalls({ tag: "C-Level", question: prompt, constraints: item.constraints }, judges, answerLength, await images.tokens(item.image, options.judges.judge.endpoint.images)),
  ];
}

/**
 * The plan of a dpo run over its kept items (keptItems), each with the image the run would read (an item whose
 * image cannot be read is reported in `issues` and costs nothing); `options` holds clients made while `replay` is
 * the session's.
 */
export async function planDpo(
  items: AsyncIterable<{ item: EngineItem; line: number }>,
  itemsPath: string,
  options: PairOptions,
  replay: LedgerReplay,
  prices: Parameters<CallPlan["priced"]>[0],
  issues: RowIssue[],
): Promise<PlannedStage[]> {
  const plan = new CallPlan();
  const images = new ImageSizes();
  // "absolute": the image is read where it is (the run's copy, else the original), nothing is linked.
  const placer = new ImagePlacer(".", "absolute");
  for await (const { item, line } of items) {
    const placed = await placeItemImage(item, line, placer, itemsPath, issues);
    if ("imageProblem" in placed) continue;
    const replayed = await replay.unit(() => makePair(placed.item, options));
    plan.addUnit(replayed.complete ? [] : await estimatePair(placed.item, options, images), replayed);
  }
  return plan.priced(prices);
}
