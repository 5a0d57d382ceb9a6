import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ledger } from "../../src/model/ledger.js";
import { usageWithCost } from "../../src/model/accounting.js";
import { tempDir } from "../helpers/cli.js";

const usage = (p: number, c: number) => ({ promptTokens: p, completionTokens: c });

describe("Ledger", () => {
  const dir = tempDir();

  it("records successes and failures, and a success is never overwritten", () => {
    const ledger = new Ledger(":memory:");
    ledger.recordFailure({ key: "k1", model: "m", stage: "s", request: "{}", error: "500", attempts: 3 });
    assert.equal(ledger.getSuccess("k1"), undefined);
    assert.equal(ledger.get("k1")?.status, "failed");
    ledger.recordSuccess({ key: "k1", model: "m", stage: "s", request: "{}", content: "hi", finishReason: "stop", usage: usage(10, 2), latencyMs: 5, attempts: 1 });
    const ok = ledger.getSuccess("k1");
    assert.equal(ok?.content, "hi");
    assert.equal(ok?.attempts, 4, "attempts of the failed run are kept");
    ledger.recordFailure({ key: "k1", model: "m", stage: "s", request: "{}", error: "later", attempts: 1 });
    ledger.recordSuccess({ key: "k1", model: "m", stage: "s", request: "{}", content: "other", finishReason: "stop", usage: usage(1, 1), latencyMs: 5, attempts: 1 });
    assert.equal(ledger.getSuccess("k1")?.content, "hi");
    assert.equal(ledger.get("k1")?.error, null);
  });

  it("totals usage per model and stage over successful calls", () => {
    const ledger = new Ledger(":memory:");
    const ok = (key: string, model: string, stage: string, p: number, c: number) =>
      ledger.recordSuccess({ key, model, stage, request: "{}", content: "x", finishReason: "stop", usage: usage(p, c), latencyMs: 1, attempts: 1 });
    ok("a", "m1", "answer", 10, 1);
    ok("b", "m1", "answer", 20, 2);
    ok("c", "m2", "judge", 5, 5);
    ledger.recordFailure({ key: "d", model: "m2", stage: "judge", request: "{}", error: "x", attempts: 6 });
    assert.deepEqual(ledger.usageTotals(), [
      { model: "m1", stage: "answer", calls: 2, failed: 0, promptTokens: 30, completionTokens: 3 },
      { model: "m2", stage: "judge", calls: 1, failed: 1, promptTokens: 5, completionTokens: 5 },
    ]);
    assert.equal(ledger.count("ok"), 3);
    assert.equal(ledger.count(), 4);
    const costs = usageWithCost(ledger, { m1: { input: 1_000_000, output: 2_000_000 } });
    assert.deepEqual(costs.map((c) => c.cost), [30 + 6, null]);
  });

  it("persists across reopening, in WAL mode, creating parent folders", () => {
    const path = join(dir, "nested", "calls.sqlite");
    const a = new Ledger(path);
    a.recordSuccess({ key: "k", model: "m", stage: "s", request: "{}", content: "kept", finishReason: null, usage: usage(1, 1), latencyMs: 1, attempts: 1 });
    a.recordAttemptError({ key: "k", attempt: 1, kind: "server", status: 500, message: "boom" });
    a.close();
    const b = new Ledger(path);
    assert.equal(b.getSuccess("k")?.content, "kept");
    assert.deepEqual(b.attemptErrors("k"), [{ key: "k", attempt: 1, kind: "server", status: 500, message: "boom" }]);
    b.close();
  });
});
