import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ItemResult } from "../../src/bench/score.js";
import { formatTable, summarize } from "../../src/bench/summary.js";
import { categoryOf } from "../../src/constraints/taxonomy.js";

function c(id: string, score: number | null, constraints: Array<[string, string, number | null]>, status: "scored" | "failed" = "scored"): ItemResult {
  return { id, tag: "C-Level", status, score, constraints: constraints.map(([key, method, s], index) => ({ index, key, text: `${key} text`, method, score: s, counted: s !== null, ...(s === null ? { error: "x" } : {}) })), replies: {}, rounds: 1 };
}
function p(id: string, score: number | null, status: "scored" | "failed" = "scored"): ItemResult {
  return { id, tag: "P-Level", status, score, constraints: [], replies: {}, rounds: 1 };
}

describe("summarize", () => {
  const results = [
    c("1", 1, [["paragraph_number_limit", "rule_based", 1], ["tone_requirement", "cmp_gpt", 1]]),
    c("2", 0.5, [["paragraph_number_limit", "rule_based", 0], ["tone_requirement", "cmp_gpt", 1], ["weird_key", "cmp_gpt", null]]),
    c("3", 0, [["mention", "direct_gpt", null]], "failed"),
    p("4", 1),
    p("5", 0),
    p("6", null, "failed"),
  ];
  const s = summarize(results, { bootstrapSamples: 200 });

  it("computes C, P and the item-weighted overall on 0–100, unrounded", () => {
    assert.equal(s.c_level, 50); // (1 + 0.5 + 0) / 3
    assert.equal(s.p_level, 50); // the failed P item (score null) is excluded
    assert.equal(s.overall, ((0.5 * 3 + 0.5 * 2) / 5) * 100);
  });

  it("counts items, failures and constraints without a verdict", () => {
    assert.deepEqual(s.counts, { c_items: 3, p_items: 3, failed_items: 2, failed_constraints: 2, scored_c_items: 3, scored_p_items: 2 });
  });

  it("reports accuracy per judge method and per taxonomy category, and the strict score", () => {
    assert.deepEqual(s.by_method, { cmp_gpt: { accuracy: 100, constraints: 2 }, rule_based: { accuracy: 50, constraints: 2 } });
    assert.deepEqual(s.by_category, { action: { accuracy: 100, constraints: 2 }, text_length: { accuracy: 50, constraints: 2 } });
    assert.equal(s.strict, 100 / 3);
    assert.equal(categoryOf("no_such_key"), "other");
  });

  it("gives reproducible 95 % bootstrap intervals around the estimates", () => {
    const again = summarize(results, { bootstrapSamples: 200 });
    assert.deepEqual(again.ci95, s.ci95);
    assert.ok(s.ci95.c_level!.low <= s.c_level! && s.c_level! <= s.ci95.c_level!.high);
    assert.ok(s.ci95.overall!.low >= 0 && s.ci95.overall!.high <= 100);
  });

  it("prints the paper's C / P / Avg row", () => {
    assert.equal(formatTable("gpt-4o", { c_level: 71.46, p_level: 44, overall: 64.6 }), "model  |     C |     P |   Avg\ngpt-4o |  71.5 |  44.0 |  64.6");
  });
});
