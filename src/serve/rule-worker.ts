// A worker thread of `mmif serve`: rewards chunks of rule-only items with the same rewardItem() as the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { profileByName } from "../bench/profiles.js";
import { asSent, rewardItem } from "./reward.js";
import type { ItemReward, RewardItem, RewardMode, UnscorablePolicy } from "./types.js";

export interface WorkerSetup {
  profile: string;
  unscorable: UnscorablePolicy;
}

export interface ChunkJob {
  id: number;
  items: RewardItem[];
  mode: RewardMode;
}

export type ChunkResult = { id: number; results: ItemReward[] } | { id: number; error: string } | { ready: true };

const setup = workerData as WorkerSetup;
const options = { profile: asSent(profileByName(setup.profile)), unscorable: setup.unscorable };

parentPort!.on("message", async (job: ChunkJob) => {
  let answer: ChunkResult;
  try {
    const results: ItemReward[] = [];
    for (const item of job.items) results.push(await rewardItem(item, job.mode, options));
    answer = { id: job.id, results };
  } catch (e) {
    answer = { id: job.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(answer);
});

// Loaded and listening: the pool may send work.
parentPort!.postMessage({ ready: true } satisfies ChunkResult);
