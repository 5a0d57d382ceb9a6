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
      { stage: "answer", unit: "items", total: 10, done: 3, dropped: 0, failed: 1, calls: 2, cachedCalls: 1, failedCalls: 1, retries: 1, promptTokens: 100, completionTokens: 20, cost: 0.5, elapsedMs: 2000, rate: 2, etaMs: 3000 },
    );
  });

  it("counts a model stage by its calls: the total grows as calls enter, errors are failed calls", () => {
    let now = 0;
    const tracker = new ProgressTracker(() => now);
    const usage = { promptTokens: 10, completionTokens: 5 };
    for (let i = 0; i < 3; i++) tracker.handle({ type: "enter", stage: "tasks", model: "m" });
    tracker.handle({ type: "call", stage: "tasks", model: "m", outcome: "sent", usage, cost: 0.25, attempts: 1 });
    tracker.handle({ type: "call", stage: "tasks", model: "m", outcome: "failed", usage: { promptTokens: 0, completionTokens: 0 }, cost: 0, attempts: 6 });
    now = 4000;
    const [s] = tracker.snapshot();
    assert.deepEqual([s!.unit, s!.total, s!.done, s!.failed, s!.failedCalls, s!.promptTokens], ["calls", 3, 1, 1, 1, 10]);
    const o = tracker.overall();
    assert.deepEqual([o.elapsedMs, o.tokens, o.cost, o.etaMs], [4000, 15, 0.25, 2000], "one call left at 0.5 calls/s");
  });

  it("folds a sub-stage's calls into its item-counting parent, and not-kept items are not errors", () => {
    const tracker = new ProgressTracker(() => 0);
    tracker.handle({ type: "stage", stage: "judge", total: 2 });
    tracker.handle({ type: "enter", stage: "judge:direct", model: "j" });
    tracker.handle({ type: "call", stage: "judge:direct", model: "j", outcome: "sent", usage: { promptTokens: 7, completionTokens: 3 }, cost: 0, attempts: 1 });
    tracker.handle({ type: "item", stage: "judge", ok: true });
    tracker.handle({ type: "items", stage: "items", count: 2 });
    tracker.handle({ type: "item", stage: "items", ok: true, dropped: true });
    tracker.handle({ type: "item", stage: "items", ok: true });
    const stages = tracker.snapshot();
    assert.deepEqual(stages.map((s) => s.stage), ["judge", "items"], "no line of its own for judge:direct");
    const judge = stages[0]!;
    assert.deepEqual([judge.total, judge.done, judge.calls, judge.promptTokens + judge.completionTokens], [2, 1, 1, 10]);
    const items = stages[1]!;
    assert.deepEqual([items.total, items.done, items.dropped, items.failed], [2, 2, 1, 0]);
  });
});
