import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verdictLine, verifyRecord } from "../../src/constraints/verify-record.js";

const WORDS = { func: "check_whether_response_word_count_in_range", params: [1, 3] };
const NO_DIGITS = { func: "check_whether_has_no_arabic_number_in_response", params: [] };

describe("verifyRecord", () => {
  it("gives one verdict per verify func and whether all passed", () => {
    const out = verifyRecord({ id: 7, response: "two words", verify_funcs: [WORDS, NO_DIGITS], extra: { a: 1 } });
    assert.deepEqual(out, { ok: true, results: [true, true], pass: true });
    assert.deepEqual(verifyRecord({ response: "x", verify_funcs: [] }), { ok: true, results: [], pass: true });
  });

  it("checks only the rule_based constraints, in list order, from a list or a JSON string", () => {
    const constraints = [
      { key: "a", value: "v", judge: { method: "rule_based", verify_funcs: [WORDS] } },
      { key: "b", value: "v", judge: { method: "direct_gpt" } },
      { key: "c", value: "v", judge: { method: "rule_based", verify_funcs: [NO_DIGITS] } },
      { key: "d", value: "v", judge: { method: "rule_based", verify_funcs: [] } },
    ];
    for (const c of [constraints, JSON.stringify(constraints)]) {
      const out = verifyRecord({ response: "has 4 words here", constraints: c });
      assert.ok(out.ok);
      assert.deepEqual(out.results, [false, false]);
      assert.equal(out.pass, false);
    }
  });

  it("reports what is wrong and where", () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /must be a JSON object/],
      [{ verify_funcs: [] }, /missing field "response"/],
      [{ response: 3, verify_funcs: [] }, /"response" must be a string/],
      [{ response: "x" }, /needs a "verify_funcs" list or a "constraints" list/],
      [{ response: "x", verify_funcs: {} }, /"verify_funcs" must be a list/],
      [{ response: "x", verify_funcs: [WORDS, { func: "nope", params: [] }] }, /^verify_funcs\[1\]: unknown verify function "nope"/],
      [{ response: "x", constraints: "[oops" }, /"constraints" is a string but not valid JSON/],
      [{ response: "x", constraints: [{ key: "a" }] }, /constraints\[0\] must be an object with a "judge" object/],
      [
        { response: "x", constraints: [{ key: "a", judge: { method: "rule_based", verify_funcs: [{ func: WORDS.func, params: [1] }] } }] },
        /^constraints\[0\]\.judge\.verify_funcs\[0\]: check_whether_response_word_count_in_range: takes 2 parameter/,
      ],
      [{ response: "x", constraints: [{ key: "a", judge: { method: "rule_based" } }] }, /^constraints\[0\]\.judge\.verify_funcs: .*KeyError: 'verify_funcs'/],
    ];
    for (const [input, pattern] of cases) {
      const out = verifyRecord(input);
      assert.equal(out.ok, false, JSON.stringify(input));
      if (!out.ok) assert.match(out.error, pattern);
    }
  });
});

describe("verdictLine", () => {
  const line = (text: string, verdicts = { results: [true, false], pass: false }) => {
    const out = verdictLine(Buffer.from(text), JSON.parse(text), verdicts);
    return out.map((p) => p.toString()).join("");
  };

  it("keeps the input line's text and adds results and pass before its closing brace", () => {
    const text = '{"id": 7, "response": "é \\u00e9", "n": 1.50, "nested": {"a": [1, {}]}}';
    const out = line(`${text}  \r`);
    assert.equal(out, `${text.slice(0, -1)},"results":[true,false],"pass":false}`);
    assert.deepEqual(JSON.parse(out), { ...JSON.parse(text), results: [true, false], pass: false });
  });

  it("handles an empty object and whitespace before the closing brace", () => {
    assert.equal(line("{ }", { results: [], pass: true }), '{ "results":[],"pass":true}');
    assert.deepEqual(JSON.parse(line('{"a": 1 \t}')), { a: 1, results: [true, false], pass: false });
  });

  it("replaces results and pass a record already has, in place", () => {
    const out = line('{"results": "old", "id": 1, "pass": 0}');
    assert.equal(out, '{"results":[true,false],"id":1,"pass":false}');
  });
});
