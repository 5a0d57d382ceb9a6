// The three judge-reply parsers against the reference Python: the parity vectors, plus cases produced by
// running VLMEvalKit's parsers (a039b67) under CPython 3.11.7 on Unicode and number edge cases.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCompareReply, parseDirectReply, parsePerceptionReply, pyTrueDivide, type ParseResult } from "../../src/bench/parsers.js";
import { referenceVectors } from "../helpers/parity.js";

interface ReplyVector {
  resp: string;
  result: unknown;
}

/** The parity file's form: a value, or "EXCEPTION <Type>: <message>". */
function asReference<T>(r: ParseResult<T>, convert: (v: T) => unknown = (v) => v): unknown {
  return r.ok ? convert(r.value) : `EXCEPTION ${r.error}`;
}

const mapToObject = (m: Map<string, number>): Record<string, number> => Object.fromEntries(m);

const DIRECT_PY: Array<[string, unknown]> = [
  ["Score of constraint_1: \u0661/\u0661, Score of constraint_2: \u0663/\u0664", {"constraint_1": 1.0, "constraint_2": 0.75}],
  ["Score of constra\u0131nt_1: 1/1 Score of constraint_1: 0/1", {"constra\u0131nt_1": 1.0, "constraint_1": 0.0}],
  ["Score of constra\u0130nt_1: 1/1", {"constrai\u0307nt_1": 1.0}],
  ["Score\u3000of\u00a0constraint_1:\u20021 / 3", {"constraint_1": 0.3333333333333333}],
  ["Score\u200bof constraint_1: 1/1", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
  ["Score\ufeffof constraint_1: 1/1", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
  ["S\u017fcore of constraint_1: 1/1", {"constraint_1": 1.0}],
  ["\u017fcore of constraint_1: 1/1, SCORE OF \u212aey: 2/3", {"constraint_1": 1.0, "key": 0.6666666666666666}],
  ["Score of constraint_1: 1/3, Score of constraint_2: 2/3", {"constraint_1": 0.3333333333333333, "constraint_2": 0.6666666666666666}],
  ["Score of constraint_1: 123456789012345678901234567890/3", {"constraint_1": 4.115226300411523e+28}],
  ["Score of constraint_1: 1/123456789012345678901234567890", {"constraint_1": 8.1000000729e-30}],
  ["Score of constraint_1: 1/1, Score of instruction: 1/0", "EXCEPTION ZeroDivisionError: division by zero"],
  ["Score of constraint_1: 007/010", {"constraint_1": 0.7}],
  ["Score * of constraint_1: 1/1", {"constraint_1": 1.0}],
  ["Score of constraint_1 : 1/1", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
  ["Score of con-straint_1: 1/1", {"con-straint_1": 1.0}],
  ["Score\u001cof constraint_1: 1/1", {"constraint_1": 1.0}],
  ["Score\u0085of constraint_1: 1/1", {"constraint_1": 1.0}],
  ["Score of \ud835\udfd9: \ud835\udfe3/\ud835\udfcf", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
];

const COMPARE_PY: Array<[string, unknown]> = [
  ["\u0130\u0130 summary: True", 1],
  ["\u0130 Summary: false", 0],
  ["Summary: \u0130true", "EXCEPTION ValueError: No valid 'True' or 'False' found after 'summary'."],
  ["SUMMARY:true", 1],
  ["summaryTrue", 1],
  ["Summary: true_ish false", 0],
  ["Summary: \u00e9true false", 0],
  ["Summary: Truth? FALSE", 0],
  ["summary: tru\u0435 false", 0],
  ["Summary: Fal\u017fe", 0],
  ["\u03a3 summary. x\u03a3 TRUE", 1],
  ["summary\u0301 true", 1],
];

const PERCEPTION_PY: Array<[string, unknown]> = [
  ["r\u0131ght", 1],
  ["R\u0130GHT", 1],
  [" right ", 1],
  ["Wrong!", 0],
  ["WRONG", 0],
  ["ri ght", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
  ["", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
  ["rIGHT", 1],
  ["wr\u00f6ng", "EXCEPTION ValueError: raw_score format is incorrect, cannot parse scores"],
];

const vectors = referenceVectors();

describe("parseDirectReply (extract_score_from_direct_gpt_resp)", () => {
  const cases = vectors.extract_direct_gpt as ReplyVector[];
  test("has the parity cases", () => assert.ok(cases.length >= 8));
  for (const [i, c] of cases.entries()) {
    test(`parity #${i}: ${JSON.stringify(c.resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parseDirectReply(c.resp), mapToObject), c.result);
    });
  }
  for (const [i, [resp, expected]] of DIRECT_PY.entries()) {
    test(`python #${i}: ${JSON.stringify(resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parseDirectReply(resp), mapToObject), expected);
    });
  }
  test("int() refuses more than 4300 digits", () => {
    assert.deepEqual(
      asReference(parseDirectReply(`Score of constraint_1: ${"1".repeat(4301)}/1`)),
      "EXCEPTION ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit",
    );
    assert.equal(parseDirectReply(`Score of constraint_1: ${"0".repeat(4299)}1/1`).ok, true);
  });
  test("a quotient beyond the float range is an OverflowError", () => {
    assert.deepEqual(
      asReference(parseDirectReply(`Score of constraint_1: ${"9".repeat(400)}/1`)),
      "EXCEPTION OverflowError: integer division result too large for a float",
    );
  });
  test("the last occurrence of a name wins, keeping its first position", () => {
    const r = parseDirectReply("Score of constraint_2: 1/1, Score of constraint_1: 1/1, Score of CONSTRAINT_2: 0/1");
    assert.ok(r.ok);
    assert.deepEqual([...r.value], [["constraint_2", 0], ["constraint_1", 1]]);
  });
});

describe("pyTrueDivide", () => {
  test("small operands divide as floats", () => {
    assert.equal(pyTrueDivide(1n, 3n), 1 / 3);
    assert.equal(pyTrueDivide(0n, 5n), 0);
    assert.throws(() => pyTrueDivide(1n, 0n), /ZeroDivisionError: division by zero/);
  });
  test("large operands are rounded once, correctly (values from CPython)", () => {
    assert.equal(pyTrueDivide(123456789012345678901234567890n, 3n), 4.115226300411523e28);
    assert.equal(pyTrueDivide(1n, 123456789012345678901234567890n), 8.1000000729e-30);
    // 2^53 + 1 is not a float: float(a)/float(b) would round twice.
    assert.equal(pyTrueDivide(2n ** 54n + 2n, 2n), 2 ** 53);
    assert.equal(pyTrueDivide(2n ** 54n + 6n, 2n), 2 ** 53 + 4);
    assert.equal(pyTrueDivide(10n ** 30n + 1n, 10n ** 30n), 1);
  });
});

describe("parseCompareReply (extract_score_from_cmp_gpt_resp)", () => {
  const cases = vectors.extract_cmp_gpt as ReplyVector[];
  test("has the parity cases", () => assert.ok(cases.length >= 8));
  for (const [i, c] of cases.entries()) {
    test(`parity #${i}: ${JSON.stringify(c.resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parseCompareReply(c.resp)), c.result);
    });
  }
  for (const [i, [resp, expected]] of COMPARE_PY.entries()) {
    test(`python #${i}: ${JSON.stringify(resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parseCompareReply(resp)), expected);
    });
  }
  test("İ before 'summary' shifts the slice, as Python's lower() does (values from CPython)", () => {
    assert.deepEqual(asReference(parseCompareReply("\u0130\u0130\u0130\u0130\u0130 summary: x true false")), 0);
    assert.deepEqual(asReference(parseCompareReply("Summary: true. \u0130\u0130 no more")), 1);
  });
});

describe("parsePerceptionReply (extract_score_from_p_level_gpt_resp)", () => {
  const cases = vectors.extract_p_level as ReplyVector[];
  test("has the parity cases", () => assert.ok(cases.length >= 9));
  for (const [i, c] of cases.entries()) {
    test(`parity #${i}: ${JSON.stringify(c.resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parsePerceptionReply(c.resp)), c.result);
    });
  }
  for (const [i, [resp, expected]] of PERCEPTION_PY.entries()) {
    test(`python #${i}: ${JSON.stringify(resp).slice(0, 60)}`, () => {
      assert.deepEqual(asReference(parsePerceptionReply(resp)), expected);
    });
  }
});
