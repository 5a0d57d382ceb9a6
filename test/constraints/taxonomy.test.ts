import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getVerifyFunction, VERIFY_FUNCTIONS } from "../../src/constraints/registry.js";
import { CATEGORIES, getSubcategory, JUDGE_METHODS, SUBCATEGORIES, subcategoriesOf } from "../../src/constraints/taxonomy.js";

describe("constraint taxonomy", () => {
  it("has 6 categories and 32 subcategories with the spec's counts per category", () => {
    assert.equal(CATEGORIES.length, 6);
    assert.equal(SUBCATEGORIES.length, 32);
    const counts = Object.fromEntries(CATEGORIES.map((c) => [c.id, subcategoriesOf(c.id).length]));
    assert.deepEqual(counts, { text_length: 3, math: 2, format: 14, rhetoric_logic: 2, action: 7, keyword: 4 });
  });

  it("uses unique keys, including every key seen in the paper's data", () => {
    assert.equal(new Set(SUBCATEGORIES.map((s) => s.key)).size, 32);
    for (const key of [
      "paragraph_number_limit", "sentence_number_limit", "word_count_range_limit", "precision", "prefix_and_suffix", "mention",
      "not_mention", "tense_requirements", "highlight_requirements", "title_requirements", "case_requirements",
      "unstrict_formatting_requirements", "wrap_up_requirement", "tone_requirement", "perspective_requirement",
      "target_audience_requirement",
    ]) assert.ok(getSubcategory(key), key);
  });

  it("gives each subcategory a known judge method, guidance and an example", () => {
    for (const s of SUBCATEGORIES) {
      assert.ok(JUDGE_METHODS.includes(s.method), s.key);
      assert.ok(s.guidance.length > 10 && s.example.length > 10, s.key);
    }
  });

  it("has the spec's default methods", () => {
    const method = (k: string) => getSubcategory(k)?.method;
    assert.equal(method("word_count_range_limit"), "rule_based");
    assert.equal(method("punctuation"), "rule_based");
    assert.equal(method("writing_style"), "cmp_gpt");
    assert.equal(method("tone_requirement"), "cmp_gpt");
    assert.equal(method("perspective_requirement"), "direct_gpt");
    assert.equal(method("keyword_variation"), "direct_gpt");
    // No released verify function checks scientific notation (issue 13): the judge decides.
    assert.equal(method("scientific_notation"), "direct_gpt");
    assert.deepEqual(getSubcategory("scientific_notation")!.verifyFuncs, []);
  });

  it("names only registered verify functions, gives every rule_based subcategory some, and covers all 19", () => {
    const used = new Set<string>();
    for (const s of SUBCATEGORIES) {
      if (s.method === "rule_based") assert.ok(s.verifyFuncs.length > 0, s.key);
      for (const f of s.verifyFuncs) {
        assert.ok(getVerifyFunction(f), `${s.key}: ${f}`);
        used.add(f);
      }
    }
    assert.deepEqual([...VERIFY_FUNCTIONS.map((f) => f.name)].filter((n) => !used.has(n)), []);
  });
});
