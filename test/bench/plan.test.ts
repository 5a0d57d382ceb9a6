// The dry run's estimates: OpenAI's high-detail image tokens at the size sent, and a plan whose costs leave out
// what the ledger holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { CallPlan, ImageSizes, openaiImageTokens } from "../../src/bench/plan.js";

test("image tokens follow OpenAI's high-detail rule", () => {
  assert.equal(openaiImageTokens(1024, 1024), 765); // 768² → 4 tiles
  assert.equal(openaiImageTokens(2048, 4096), 1105); // → 1024×2048 → 768×1536: 2×3 tiles
  assert.equal(openaiImageTokens(320, 240), 255); // small: one tile
});

test("a unit replayed to its end counts its recorded calls, all paid; another counts its estimate, less what the ledger gave it", () => {
  const plan = new CallPlan();
  const estimate = [
    { model: "m", stage: "tasks", inputTokens: 100, outputTokens: 10 },
    { model: "m", stage: "answer", inputTokens: 200, outputTokens: 300 },
    { model: "j", stage: "judge:direct", inputTokens: 50, outputTokens: 5 },
  ];
  plan.addUnit([], { complete: true, recorded: [{ model: "m", stage: "tasks", promptTokens: 90, completionTokens: 9 }, { model: "m", stage: "tasks", promptTokens: 95, completionTokens: 9 }] });
  plan.addUnit(estimate, { complete: false, recorded: [{ model: "m", stage: "tasks", promptTokens: 80, completionTokens: 8 }] });
  const stages = plan.priced({ m: { input: 1, output: 2 } });
  assert.deepEqual(
    stages.map((s) => [s.model, s.stage, s.calls, s.inLedger, s.inputTokens, s.outputTokens]),
    [
      ["m", "tasks", 3, 3, 90 + 95 + 80, 9 + 9 + 8],
      ["m", "answer", 1, 0, 200, 300],
      ["j", "judge:direct", 1, 0, 50, 5],
    ],
  );
  assert.equal(stages[0]!.cost, 0, "every tasks call is paid");
  assert.equal(stages[1]!.cost, (200 * 1 + 300 * 2) / 1e6);
  assert.equal(stages[2]!.cost, null, "no price for j");
});

test("an image's tokens are those of the size sent: the endpoint's downscale, or detail low", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mmif-plan-"));
  try {
    const path = join(dir, "big.png");
    await sharp({ create: { width: 2048, height: 1024, channels: 3, background: "white" } }).png().toFile(path);
    const sizes = new ImageSizes();
    assert.equal(await sizes.tokens({ path }), openaiImageTokens(2048, 1024));
    assert.equal(await sizes.tokens({ path }, { maxSide: 512 }), openaiImageTokens(512, 256));
    assert.equal(await sizes.tokens({ path }, { detail: "low" }), 85);
    const request = { messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "x".repeat(40) }, { type: "image" as const, source: { path }, maxSide: 512 }] }] };
    assert.equal(await sizes.requestTokens(request), 10 + openaiImageTokens(512, 256));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
