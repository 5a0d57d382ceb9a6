// The dry run's estimates: OpenAI's high-detail image tokens, and costs that leave out what the ledger holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openaiImageTokens } from "../../src/bench/plan.js";

test("image tokens follow OpenAI's high-detail rule", () => {
  assert.equal(openaiImageTokens(1024, 1024), 765); // 768² → 4 tiles
  assert.equal(openaiImageTokens(2048, 4096), 1105); // → 1024×2048 → 768×1536: 2×3 tiles
  assert.equal(openaiImageTokens(320, 240), 255); // small: one tile
});
