import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VerifyFuncError } from "../../src/constraints/params.js";
import { bindVerifyFunc, getVerifyFunction, VERIFY_FUNCTIONS } from "../../src/constraints/registry.js";
import { verify } from "../../src/constraints/rule-verdict.js";

const SPEC_NAMES = [
  "check_whether_response_paragraph_number_in_range",
  "check_whether_response_sentence_number_in_range",
  "check_whether_each_paragraph_sentence_number_in_range",
  "check_whether_each_paragraph_sentence_number_in_range_list",
  "check_whether_response_word_count_in_range",
  "check_whether_each_paragraph_word_count_in_range",
  "check_whether_whole_response_not_contain_certain_substrings",
  "check_whether_whole_response_not_contain_certain_substring",
  "check_whether_each_sentence_begin_with_certain_substring",
  "check_whether_each_paragraph_begin_with_certain_substring",
  "check_whether_each_paragraph_end_with_certain_substring",
  "check_whether_each_sentence_end_with_certain_substring",
  "check_whether_whole_response_begin_with_certain_substring",
  "check_whether_whole_response_end_with_certain_substring",
  "check_whether_each_keyword_in_list_metioned_in_range",
  "check_whether_total_keyword_in_list_metioned_in_range",
  "check_percentage_number_precision_in_response",
  "check_number_precision_in_response",
  "check_whether_has_no_arabic_number_in_response",
];

function errorOf(fn: () => unknown): VerifyFuncError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof VerifyFuncError, `expected VerifyFuncError, got ${e}`);
    return e;
  }
  assert.fail("expected an error");
}

describe("verify function registry", () => {
  it("holds exactly the 19 reference names, typo included", () => {
    assert.deepEqual(VERIFY_FUNCTIONS.map((f) => f.name), SPEC_NAMES);
    assert.ok(getVerifyFunction("check_whether_each_keyword_in_list_metioned_in_range"));
    assert.equal(getVerifyFunction("check_whether_each_keyword_in_list_mentioned_in_range"), undefined);
  });

  it("gives every function a description and described parameters", () => {
    for (const f of VERIFY_FUNCTIONS) {
      assert.ok(f.description.length > 20, f.name);
      for (const p of f.params) assert.ok(p.name && p.description, `${f.name}.${p.name}`);
    }
  });

  it("rejects an unknown function with a suggestion", () => {
    const e = errorOf(() => bindVerifyFunc({ func: "check_whether_each_keyword_in_list_mentioned_in_range", params: [["a"], 1, 2] }, 2));
    assert.equal(e.func, "check_whether_each_keyword_in_list_mentioned_in_range");
    assert.equal(e.index, 2);
    assert.match(e.message, /unknown verify function "check_whether_each_keyword_in_list_mentioned_in_range"/);
    assert.match(e.message, /did you mean "check_whether_each_keyword_in_list_metioned_in_range"/);
  });

  it("rejects a wrong arity, naming the function and the expected parameters", () => {
    const e = errorOf(() => verify("x", [{ func: "check_whether_response_word_count_in_range", params: [10] }]));
    assert.match(e.message, /check_whether_response_word_count_in_range: takes 2 parameter\(s\) after the response, got 1/);
    assert.match(e.message, /expected check_whether_response_word_count_in_range\(response, lower_bound: int, upper_bound: int\)/);
  });

  it("rejects wrong types, naming the parameter", () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["check_whether_response_word_count_in_range", ["10", 20], /parameter 1 \(lower_bound\) must be int, got "10"/],
      ["check_whether_response_word_count_in_range", [1.5, 20], /parameter 1 \(lower_bound\) must be int, got 1.5/],
      ["check_whether_each_keyword_in_list_metioned_in_range", ["apple", 1, 2], /parameter 1 \(keywords\) must be list\[str\]/],
      ["check_whether_each_paragraph_sentence_number_in_range_list", [[[1, 2], [3]]], /parameter 1 \(ranges\) must be list\[\[int, int\]\]/],
      ["check_whether_whole_response_begin_with_certain_substring", [3], /parameter 1 \(substring\) must be str, got 3/],
      ["check_number_precision_in_response", 2, /params must be a list/],
    ];
    for (const [func, params, pattern] of cases) assert.match(errorOf(() => verify("x", [{ func, params }])).message, pattern);
  });

  it("raises where the reference raises: missing params or verify_funcs are KeyErrors", () => {
    const e = errorOf(() => verify("no digits", [{ func: "check_whether_has_no_arabic_number_in_response" }]));
    assert.deepEqual(e.raises, { type: "KeyError", key: "params" });
    assert.deepEqual(errorOf(() => verify("x", undefined)).raises, { type: "KeyError", key: "verify_funcs" });
    assert.deepEqual(errorOf(() => verify("x", [{ func: "nope" }])).raises, { type: "KeyError", key: "nope" });
  });

  it("spreads non-list params as Python's *params does", () => {
    // A one-character string is one positional argument; a longer one is too many.
    assert.deepEqual(verify("a, b", [{ func: "check_whether_whole_response_not_contain_certain_substring", params: "," }]), { results: [false], pass: false });
    assert.match(errorOf(() => verify("x", [{ func: "check_whether_whole_response_not_contain_certain_substring", params: ",;" }])).message, /takes 1 parameter/);
    assert.equal(errorOf(() => verify("x", [{ func: "check_number_precision_in_response", params: null }])).raises?.type, "TypeError");
  });

  it("short-circuits: a bad func after a failing one is not reached", () => {
    const v = verify("x", [{ func: "check_whether_response_word_count_in_range", params: [5, 9] }, { func: "nope", params: [] }]);
    assert.deepEqual(v, { results: [false, null], pass: false });
    const e = errorOf(() => verify("x", [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }, { func: "nope", params: [] }]));
    assert.equal(e.index, 1);
  });

  it("rejects a call that is not an object", () => {
    assert.match(errorOf(() => verify("x", ["check_number_precision_in_response" as never])).message, /must be an object/);
  });
});
