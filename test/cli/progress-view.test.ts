import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { formatStage, ProgressView } from "../../src/cli/progress-view.js";
import { ProgressTracker, type StageSnapshot } from "../../src/model/progress.js";

const snap: StageSnapshot = {
  stage: "judge", unit: "items", total: 400, done: 100, dropped: 0, failed: 2, calls: 300, cachedCalls: 50, failedCalls: 1, retries: 7,
  promptTokens: 1_200_000, completionTokens: 300_000, cost: 1.5, elapsedMs: 60_000, rate: 1.7, etaMs: 180_000,
};

describe("progress view", () => {
  it("shows done/total, rate, ETA, tokens, cost, cached calls, errors and retries", () => {
    assert.equal(
      formatStage(snap, true),
      "judge: [#####...............] 102/400 (26%) | 1.7/s | ETA 3m00s | 1.5M tok | $1.50 | 50 cached | 2 errors | 1 failed call | 7 retries",
    );
    assert.equal(formatStage({ ...snap, total: undefined, etaMs: undefined, cost: 0, cachedCalls: 0, retries: 0, failed: 0, failedCalls: 0 }, false), "judge: 100 done | 1.7/s | ETA ? | 1.5M tok | 0 errors");
    assert.equal(formatStage({ ...snap, unit: "calls", dropped: 0, failed: 1 }, false), "judge: 101/400 (25%) | 1.7/s | ETA 3m00s | 1.5M tok | $1.50 | 50 cached | 1 error | 7 retries");
    assert.equal(formatStage({ ...snap, dropped: 40, failed: 0, failedCalls: 0 }, false), "judge: 100/400 (25%) | 1.7/s | ETA 3m00s | 1.5M tok | $1.50 | 50 cached | 40 not kept | 0 errors | 7 retries");
  });

  it("writes plain lines when the stream is not a terminal", () => {
    const tracker = new ProgressTracker();
    tracker.handle({ type: "stage", stage: "answer", total: 2 });
    tracker.handle({ type: "item", stage: "answer", ok: true });
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const view = new ProgressView(tracker, out as unknown as NodeJS.WriteStream, 10_000);
    view.start();
    view.stop();
    assert.match(text, /^answer: 1\/2 \(50%\) \| [\d.]+\/s \| ETA \d+s \| 0 tok \| 0 errors\noverall: elapsed \d+s \| ETA \d+s \| 0 tok \| \$0\.0000 so far\n$/);
    assert.equal(text.includes("\x1b"), false);
  });
});
