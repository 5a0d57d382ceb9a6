// Parity with the reference Python verify functions: every vector and every corpus case.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verify } from "../../src/constraints/rule-verdict.js";
import { countWords } from "../../src/constraints/verifiers/length.js";
import { countKeyword } from "../../src/constraints/verifiers/keywords.js";
import { referenceVectors, verifyCorpus } from "../helpers/parity.js";

describe("reference vectors: rule_based", () => {
  const vectors = referenceVectors().rule_based;
  it("covers all 19 functions", () => {
    assert.equal(new Set(vectors.map((v) => v.func)).size, 19);
  });
  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.func} ${JSON.stringify(v.response).slice(0, 50)} ${JSON.stringify(v.params)}`, () => {
      assert.equal(verify(v.response, [{ func: v.func, params: v.params }]).results[0], v.result);
    });
  }
});

describe("verify corpus (2,949 reference verdicts)", () => {
  const corpus = verifyCorpus();
  it("has the expected size", () => assert.equal(corpus.length, 2949));

  it("matches every per-function verdict and every overall verdict", () => {
    const mismatches: string[] = [];
    for (const c of corpus) {
      const { results, pass } = verify(c.response, c.verify_funcs);
      c.verify_funcs.forEach((f, i) => {
        if (results[i] !== c.expected_each[i]) mismatches.push(`${c.id} ${f.func}${JSON.stringify(f.params)}: got ${results[i]}`);
      });
      if (pass !== c.expected) mismatches.push(`${c.id}: overall got ${pass}`);
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });
});

describe("details the reference depends on", () => {
  it("words: punctuation other than . and - is deleted before splitting", () => {
    assert.equal(countWords("Hello, world! — e.g. well-known ... ok"), 6);
    assert.equal(countWords("« » — !!"), 0);
    assert.equal(countWords("a\ufeffb c"), 2);
  });

  it("keywords: whole words on lower-cased text, special characters literal", () => {
    assert.equal(countKeyword("reddit redditor reddit's", "Reddit"), 2);
    assert.equal(countKeyword("c++ and c++", "C++"), 0); // `\b` after "+" needs a word character next, as in Python
    assert.equal(countKeyword("a.b a.b", "a.b"), 2);
    assert.equal(countKeyword("ab cd", ""), 4); // Python's findall finds an empty match at every boundary
  });

  it("short-circuits in order and passes an empty list", () => {
    assert.deepEqual(verify("x", []), { results: [], pass: true });
  });

  it("percentages: integers fail, decimals counted in code points", () => {
    const f = (t: string, p: number) => verify(t, [{ func: "check_percentage_number_precision_in_response", params: [p] }]).pass;
    assert.equal(f("50 %", 0), false);
    assert.equal(f("12.50% and 3.14 %", 2), true);
    assert.equal(f("𝟏.𝟐𝟑%", 2), true);
    assert.equal(f("no numbers", 5), true);
  });

  it("number precision: commas, signs, scientific mantissa", () => {
    const f = (t: string, p: number) => verify(t, [{ func: "check_number_precision_in_response", params: [p] }]).pass;
    assert.equal(f("1,234.56 and -3.20e5 and 7.00%", 2), true);
    assert.equal(f("1,234 and 12", 0), true);
    assert.equal(f("x2.50 is glued", 0), true);
    assert.equal(f("3.1", 2), false);
  });

  it("no Arabic numbers: words with digits inside do not count", () => {
    const f = (t: string) => verify(t, [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }]).pass;
    assert.equal(f("MP3 players and COVID-19"), false);
    assert.equal(f("abc1 version.2"), true);
    assert.equal(f("five apples"), true);
    assert.equal(f("٣ apples"), false);
  });
});
