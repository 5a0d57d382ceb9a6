import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ModelEvents, ProgressTracker } from "../../src/model/progress.js";

describe("ProgressTracker", () => {
  it("folds items, calls, retries, tokens and cost per stage, with rate and ETA", () => {
    let now = 0;
    const tracker = new ProgressTracker(() => now);
    const events = new ModelEvents();
    tracker.attach(events);
    events.emit({ type: "stage", stage: "answer", total: 10 });
    const usage = { promptTokens: 100, completionTokens: 20 };
    events.emit({ type: "call", stage: "answer", model: "m", outcome: "sent", usage, cost: 0.5, attempts: 2 });
    events.emit({ type: "call", stage: "answer", model: "m", outcome: "cached", usage, cost: 0, attempts: 0 });
    events.emit({ type: "call", stage: "answer", model: "m", outcome: "failed", usage: { promptTokens: 0, completionTokens: 0 }, cost: 0, attempts: 6, error: "x" });
    events.emit({ type: "retry", stage: "answer", model: "m", attempt: 1, kind: "server", willRetry: true });
    for (let i = 0; i < 4; i++) events.emit({ type: "item", stage: "answer", ok: i !== 3 });
    now = 2000;
    const [s] = tracker.snapshot();
    assert.deepEqual(
      { ...s, rate: Math.round(s!.rate * 100) / 100, etaMs: Math.round(s!.etaMs!) },
      { stage: "answer", total: 10, done: 3, failed: 1, calls: 2, cachedCalls: 1, failedCalls: 1, retries: 1, promptTokens: 100, completionTokens: 20, cost: 0.5, elapsedMs: 2000, rate: 2, etaMs: 3000 },
    );
  });
});
