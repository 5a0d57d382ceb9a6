// `--judge none` scoring: only rule_based constraints, each verdict the reference's (the parity corpus), and a
// summary with no C / P / Avg headline but rule_based accuracy and the strict rate.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VLMEVALKIT } from "../../src/bench/profiles.js";
import { NOT_COMPARABLE, formatRuleOnlyTable, ruleOnlyRows, scoreRuleOnly, summarizeRuleOnly } from "../../src/bench/rule-only.js";
import type { BenchRow } from "../../src/bench/types.js";
import { verifyCorpus } from "../helpers/parity.js";

const row = (id: string, constraints: BenchRow["constraints"], extra: Partial<BenchRow> = {}): BenchRow => ({
  index: id,
  id,
  tag: "C-Level",
  inferType: "main",
  question: "q",
  image: { path: "x.png" },
  constraints,
  source: `test row ${id}`,
  ...extra,
});
const rule = (key: string, verify_funcs: unknown) => ({ key, value: key, judge: { method: "rule_based", verify_funcs } }) as NonNullable<BenchRow["constraints"]>[number];
const judged = (key: string, method: string) => ({ key, value: key, judge: { method } }) as NonNullable<BenchRow["constraints"]>[number];

describe("rule-only scoring", () => {
  it("every verdict equals the reference's on the parity corpus", () => {
    for (const c of verifyCorpus()) {
      const r = scoreRuleOnly(row(c.id, [rule("k", c.verify_funcs)]), c.response, VLMEVALKIT);
      assert.equal(r.constraints[0]!.score, c.expected ? 1 : 0, c.id);
    }
  });

  it("keeps only rule_based constraints; the item score is their mean", () => {
    const main = row("1", [
      judged("tone", "direct_gpt"),
      rule("two sentences", [{ func: "check_whether_response_sentence_number_in_range", params: [2, 2] }]),
      judged("audience", "cmp_gpt"),
      rule("no digits", [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }]),
    ]);
    const r = scoreRuleOnly(main, "One 2 three. Four.", VLMEVALKIT);
    assert.deepEqual(r.constraints.map((v) => [v.key, v.score]), [["two sentences", 1], ["no digits", 0]]);
    assert.equal(r.score, 0.5);
    assert.equal(r.status, "scored");
  });

  it("a constraint the reference raises on fails the item with the reason", () => {
    const r = scoreRuleOnly(row("2", [rule("bad", [{ func: "no_such_function", params: [] }])]), "x", VLMEVALKIT);
    assert.equal(r.status, "failed");
    assert.match(r.error!, /no_such_function/);
  });

  it("answers only C-Level main rows that have a rule_based constraint", () => {
    const rows = [
      row("1", [rule("r", [])]),
      row("1:aux", undefined, { inferType: "aux_cmp_gpt", id: "1" }),
      row("2", [judged("tone", "direct_gpt")]),
      row("3", undefined, { tag: "P-Level", answer: "[\"cat\"]" }),
    ];
    assert.deepEqual(ruleOnlyRows(rows).map((r) => r.index), ["1"]);
  });

  it("summary: no C / P / Avg, rule_based accuracy and strict rate, labelled not comparable", () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => rule(`r${i}`, [{ func: "check_whether_whole_response_not_contain_certain_substring", params: [`Z${i}`] }]));
    const results = [scoreRuleOnly(row("1", rules(2)), "fine", VLMEVALKIT), scoreRuleOnly(row("2", rules(2)), "Z0 here", VLMEVALKIT)];
    const s = summarizeRuleOnly(results);
    assert.equal(s.c_level, null);
    assert.equal(s.p_level, null);
    assert.equal(s.overall, null);
    assert.deepEqual(s.ci95, { c_level: null, p_level: null, overall: null, bootstrap_samples: 0 });
    assert.deepEqual(s.rule_only, { accuracy: 75, constraints: 4, items: 2, strict: 50, note: NOT_COMPARABLE });
    const table = formatRuleOnlyTable("m", s.rule_only);
    assert.match(table, /rule_based acc/);
    assert.ok(!/\| +C +\|/.test(table), "no C / P / Avg columns");
    assert.match(table, /not comparable with MM-IFEval scores/);
  });
});
