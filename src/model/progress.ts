/**
 * Progress as an event stream: the model layer reports every call and retry; stages report items done. The
 * CLI renders the aggregate (done/total, rate, ETA, tokens, cost, errors) as bars on a terminal, lines elsewhere.
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
  | { type: "retry"; stage: string; model: string; attempt: number; kind: string; willRetry: boolean };

export type ProgressEvent =
  | ModelEvent
  | { type: "stage"; stage: string; total: number }
  | { type: "item"; stage: string; ok: boolean };

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
  total: number | undefined;
  done: number;
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

/** Folds events into per-stage totals. */
export class ProgressTracker {
  private readonly stages = new Map<string, StageState>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  attach(events: ModelEvents): () => void {
    return events.on((e) => this.handle(e));
  }

  private state(stage: string): StageState {
    let s = this.stages.get(stage);
    if (!s) {
      s = { total: undefined, done: 0, failed: 0, calls: 0, cachedCalls: 0, failedCalls: 0, retries: 0, promptTokens: 0, completionTokens: 0, cost: 0, startedAt: this.now() };
      this.stages.set(stage, s);
    }
    return s;
  }

  handle(e: ProgressEvent): void {
    const s = this.state(e.stage);
    switch (e.type) {
      case "stage":
        s.total = e.total;
        break;
      case "item":
        if (e.ok) s.done++;
        else s.failed++;
        break;
      case "retry":
        s.retries++;
        break;
      case "call":
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
}
