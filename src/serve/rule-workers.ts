/**
 * A pool of worker threads for rule-only items: the checks are pure CPU work, so they run beside the main thread,
 * which keeps parsing requests, answering /health and driving judge calls. Chunks are taken round-robin across the
 * requests waiting, so a small request is not queued behind every chunk of a large one. A worker that dies fails
 * the chunks it held (the request gets a 500) and is replaced.
 */
import { Worker } from "node:worker_threads";
import type { ChunkJob, ChunkResult, WorkerSetup } from "./rule-worker.js";
import type { ItemReward, RewardItem, RewardMode } from "./types.js";

interface Job extends ChunkJob {
  resolve: (results: ItemReward[]) => void;
  reject: (error: Error) => void;
}

// Under tsx (tests run the sources) the worker is the .ts file, loaded after registering tsx in the thread.
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCES ? "./rule-worker.ts" : "./rule-worker.js", import.meta.url);
const SOURCE_BOOT = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

export class RuleWorkers {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  /** Waiting chunks per request, served in turn. */
  private readonly queues: Job[][] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly setup: WorkerSetup,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Rewards the items of one request in chunks; resolves with the rewards in order. */
  async run(items: readonly RewardItem[], mode: RewardMode, chunkSize = 256): Promise<ItemReward[]> {
    if (items.length === 0) return [];
    if (this.closed) throw new Error("the rule workers are closed");
    const queue: Job[] = [];
    const done: Array<Promise<ItemReward[]>> = [];
    for (let i = 0; i < items.length; i += chunkSize) {
      done.push(new Promise((resolve, reject) => queue.push({ id: this.nextId++, items: items.slice(i, i + chunkSize), mode, resolve, reject })));
    }
    this.queues.push(queue);
    this.dispatch();
    return (await Promise.all(done)).flat();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private spawn(): void {
    const worker = FROM_SOURCES ? new Worker(SOURCE_BOOT, { eval: true, workerData: this.setup }) : new Worker(WORKER_URL, { workerData: this.setup });
    this.workers.add(worker);
    let online = false;
    worker.on("message", (answer: ChunkResult) => {
      if ("ready" in answer) {
        online = true;
        this.idle.push(worker);
        this.dispatch();
        return;
      }
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job !== undefined) {
        if ("error" in answer) job.reject(new Error(`a rule worker failed: ${answer.error}`));
        else job.resolve(answer.results);
      }
      this.idle.push(worker);
      this.dispatch();
    });
    const lost = (why: string) => {
      if (!this.workers.delete(worker)) return;
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      job?.reject(new Error(`a rule worker stopped: ${why}`));
      // One that never started would fail again: stop, and fail what waits, rather than respawn in a loop.
      if (!online) {
        this.closed = true;
        for (const queue of this.queues.splice(0)) for (const waiting of queue) waiting.reject(new Error(`the rule workers cannot start: ${why}`));
      }
      if (!this.closed) {
        this.spawn();
        this.dispatch();
      }
    };
    worker.on("error", (e) => lost(e.message));
    worker.on("exit", (code) => lost(`exit code ${code}`));
  }

  /** Gives idle workers the next chunk of the next request in turn. */
  private dispatch(): void {
    while (this.idle.length > 0 && this.queues.length > 0) {
      const queue = this.queues.shift()!;
      const job = queue.shift()!;
      if (queue.length > 0) this.queues.push(queue);
      const worker = this.idle.pop()!;
      this.busy.set(worker, job);
      const { resolve: _r, reject: _j, ...message } = job;
      worker.postMessage(message satisfies ChunkJob);
    }
  }
}
