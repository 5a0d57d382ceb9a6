/**
 * Rewards a whole request. Rule-only items go to the worker threads when there are some (`--workers`); the rest
 * (items with judge calls, or everything with no workers) run here, and since rule checks are synchronous CPU
 * work, this loop hands the event loop back every few milliseconds: a request of many thousands of items never
 * holds up /health or another trainer's request. Items with judge constraints are all started at once; the
 * judge's scheduler paces their calls.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { rewardItem, type RewardOptions } from "./reward.js";
import type { RuleWorkers } from "./rule-workers.js";
import type { ItemReward, RewardItem, RewardRequest } from "./types.js";

/** How long the loop may hold the event loop before letting other requests in. */
const SLICE_MS = 5;

export interface BatchOptions extends RewardOptions {
  /** Worker threads for the items that need no judge call; none: everything runs on the main thread. */
  workers?: RuleWorkers;
}

export async function rewardBatch(request: RewardRequest, options: BatchOptions, cancelled: () => boolean = () => false): Promise<ItemReward[] | null> {
  const { workers, judges } = options;
  const needsJudge = (item: RewardItem) => judges !== undefined && item.constraints.some((c) => c.judge.method !== "rule_based");
  const here: number[] = [];
  const there: number[] = [];
  request.items.forEach((item, i) => (workers === undefined || needsJudge(item) ? here : there).push(i));
  const offloaded = workers === undefined ? Promise.resolve([]) : workers.run(there.map((i) => request.items[i]!), request.mode);
  offloaded.catch(() => undefined); // awaited below; not unhandled while this loop yields

  const pending: Array<Promise<ItemReward>> = [];
  let sliceStart = performance.now();
  for (const i of here) {
    const p = rewardItem(request.items[i]!, request.mode, options);
    p.catch(() => undefined);
    pending.push(p);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      // The client went away: stop checking (judge calls already sent still finish and are recorded).
      if (cancelled()) {
        await Promise.allSettled([...pending, offloaded]);
        return null;
      }
      sliceStart = performance.now();
    }
  }
  const [fromWorkers, fromHere] = await Promise.all([offloaded, Promise.all(pending)]);
  const out = new Array<ItemReward>(request.items.length);
  there.forEach((i, n) => (out[i] = fromWorkers[n]!));
  here.forEach((i, n) => (out[i] = fromHere[n]!));
  return out;
}
