/**
 * Progress as an event stream: the model layer reports every call as it starts and ends, and every retry; stages
 * that count items report their total (or items entering) and each item done. The CLI renders the aggregate
 * (done/total, rate, ETA, tokens, cost, errors) as bars on a terminal, lines elsewhere.
 *
 * A stage counts items when it reports items, calls otherwise: a model stage's total grows as calls enter it, so
 * every line has a known total. Calls of a sub-stage (`judge:direct`) whose parent (`judge`) counts items add
 * their calls, tokens and cost to the parent's line instead of a line of their own.
 */
import type { TokenUsage } from "./types.js";

export type ModelEvent =
  | {
      type: "call";
      stage: string;
      model: string;
      /** sent: answered by the server; cached: answered from the ledger; failed: no answer (recorded, or stopped). */
      outcome: "sent" | "cached" | "failed";
      usage: TokenUsage;
      cost: number;
      attempts: number;
      error?: string;
    }
  | { type: "retry"; stage: string; model: string; attempt: number; kind: string; willRetry: boolean }
  /** A call starts (answered from the ledger or sent): the stage's total grows by one. */
  | { type: "enter"; stage: string; model: string };

export type ProgressEvent =
  | ModelEvent
  /** An item stage's whole total, when known up front. */
  | { type: "stage"; stage: string; total: number }
  /** Items entering an item stage whose total is not known up front. */
  | { type: "items"; stage: string; count: number }
  /** An item leaves its stage: ok, dropped by design (not kept: not an error), or failed (an error). */
  | { type: "item"; stage: string; ok: boolean; dropped?: boolean };

export type ProgressListener = (event: ProgressEvent) => void;

/** A tiny synchronous event bus; listeners must be cheap (they run on the hot path). */
export class ModelEvents {
  private readonly listeners = new Set<ProgressListener>();

  on(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ProgressEvent): void {
    for (const l of this.listeners) l(event);
  }
}

export interface StageSnapshot {
  stage: string;
  /** What done/total count. */
  unit: "items" | "calls";
  total: number | undefined;
  /** Finished without error (not-kept items included). */
  done: number;
  /** Items dropped by design (not kept), counted in done. */
  dropped: number;
  failed: number;
  calls: number;
  cachedCalls: number;
  failedCalls: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  elapsedMs: number;
  /** Items per second since the stage began. */
  rate: number;
  /** Estimated milliseconds left, when a total is known and something is done. */
  etaMs: number | undefined;
}

type StageState = Omit<StageSnapshot, "stage" | "elapsedMs" | "rate" | "etaMs"> & { startedAt: number };

/** The whole run: elapsed time, the time left (the slowest stage's ETA), tokens and cost so far. */
export interface OverallSnapshot {
  elapsedMs: number;
  etaMs: number | undefined;
  tokens: number;
  cost: number;
}

/** Folds events into per-stage totals. */
export class ProgressTracker {
  private readonly stages = new Map<string, StageState>();
  private readonly startedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  attach(events: ModelEvents): () => void {
    return events.on((e) => this.handle(e));
  }

  private state(stage: string): StageState {
    let s = this.stages.get(stage);
    if (!s) {
      s = { unit: "calls", total: undefined, done: 0, dropped: 0, failed: 0, calls: 0, cachedCalls: 0, failedCalls: 0, retries: 0, promptTokens: 0, completionTokens: 0, cost: 0, startedAt: this.now() };
      this.stages.set(stage, s);
    }
    return s;
  }

  /** The line a model event counts on: its item-counting parent stage when there is one, else its own. */
  private lineOf(stage: string): StageState {
    const colon = stage.indexOf(":");
    const parent = colon > 0 ? this.stages.get(stage.slice(0, colon)) : undefined;
    return parent?.unit === "items" ? parent : this.state(stage);
  }

  private itemStage(stage: string): StageState {
    const s = this.state(stage);
    if (s.unit === "calls") {
      // Items take over the line's done/total; calls already counted stay as calls.
      s.unit = "items";
      s.total = undefined;
      s.done = 0;
      s.failed = 0;
    }
    return s;
  }

  handle(e: ProgressEvent): void {
    switch (e.type) {
      case "stage":
        this.itemStage(e.stage).total = e.total;
        break;
      case "items": {
        const s = this.itemStage(e.stage);
        s.total = (s.total ?? 0) + e.count;
        break;
      }
      case "item": {
        const s = this.itemStage(e.stage);
        if (!e.ok) s.failed++;
        else {
          s.done++;
          if (e.dropped) s.dropped++;
        }
        break;
      }
      case "enter": {
        const s = this.lineOf(e.stage);
        if (s.unit === "calls") s.total = (s.total ?? 0) + 1;
        break;
      }
      case "retry":
        this.lineOf(e.stage).retries++;
        break;
      case "call": {
        const s = this.lineOf(e.stage);
        if (s.unit === "calls") e.outcome === "failed" ? s.failed++ : s.done++;
        if (e.outcome === "failed") s.failedCalls++;
        else {
          s.calls++;
          if (e.outcome === "cached") s.cachedCalls++;
          else {
            s.promptTokens += e.usage.promptTokens;
            s.completionTokens += e.usage.completionTokens;
            s.cost += e.cost;
          }
        }
        break;
      }
    }
  }

  snapshot(): StageSnapshot[] {
    const now = this.now();
    return [...this.stages].map(([stage, s]) => {
      const elapsedMs = now - s.startedAt;
      const finished = s.done + s.failed;
      const rate = finished / Math.max(elapsedMs / 1000, 1e-3);
      const etaMs = s.total !== undefined && finished > 0 ? ((s.total - finished) / rate) * 1000 : undefined;
      const { startedAt: _, ...rest } = s;
      return { stage, ...rest, elapsedMs, rate, etaMs };
    });
  }

  overall(stages: readonly StageSnapshot[] = this.snapshot()): OverallSnapshot {
    const open = stages.filter((s) => s.total === undefined || s.done + s.failed < s.total);
    const etas = open.map((s) => s.etaMs);
    return {
      elapsedMs: this.now() - this.startedAt,
      etaMs: open.length === 0 ? 0 : etas.some((x) => x === undefined) ? undefined : Math.max(...(etas as number[])),
      tokens: stages.reduce((n, s) => n + s.promptTokens + s.completionTokens, 0),
      cost: stages.reduce((n, s) => n + s.cost, 0),
    };
  }
}
