/**
 * Rewards a whole request. Rule checks are synchronous CPU work, so the loop hands the event loop back every few
 * milliseconds: a request of many thousands of items never holds up /health or another trainer's request. Items
 * with judge constraints are all started at once; the judge's scheduler paces their calls.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { rewardItem, type RewardOptions } from "./reward.js";
import type { ItemReward, RewardRequest } from "./types.js";

/** How long the loop may hold the event loop before letting other requests in. */
const SLICE_MS = 5;

export async function rewardBatch(request: RewardRequest, options: RewardOptions, cancelled: () => boolean = () => false): Promise<ItemReward[] | null> {
  const pending: Array<Promise<ItemReward>> = [];
  let sliceStart = performance.now();
  for (const item of request.items) {
    const p = rewardItem(item, request.mode, options);
    // Handled at the end; without this a failure seen while the loop yields would count as unhandled.
    p.catch(() => undefined);
    pending.push(p);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      // The client went away: stop checking (judge calls already sent still finish and are recorded).
      if (cancelled()) {
        await Promise.allSettled(pending);
        return null;
      }
      sliceStart = performance.now();
    }
  }
  return Promise.all(pending);
}
