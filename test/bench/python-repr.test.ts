// Python repr of JSON values (the perception prompt's {ground_truth}) and the JSON parser that keeps
// Python's number kinds: the parity vectors, plus `repr(json.loads(text))` from CPython 3.11.7.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePythonJson, PyDict, PyFloat, PyInt, PyJsonError } from "../../src/bench/python-json.js";
import { isPyPrintable, pyFloatRepr, pyRepr, pyReprOfJson, pyStrRepr } from "../../src/bench/python-repr.js";
import { referenceVectors } from "../helpers/parity.js";

const REPR_PY: Array<[string, string]> = [
  ["[1.0, 2.50, 1e2, 1E16, 1e-5, 1e15, 0.0001, 0.00001, -0.0, 0, -0, 1.5e300, 1e400, -1e400, 123456789012345678, 1.7976931348623157e308, 5e-324, 0.1, 100.0, 1e22, 12345678901234567890.0, 3.14159]", "[1.0, 2.5, 100.0, 1e+16, 1e-05, 1000000000000000.0, 0.0001, 1e-05, -0.0, 0, 0, 1.5e+300, inf, -inf, 123456789012345678, 1.7976931348623157e+308, 5e-324, 0.1, 100.0, 1e+22, 1.2345678901234567e+19, 3.14159]"],
  ["[NaN, Infinity, -Infinity]", "[nan, inf, -inf]"],
  ["{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"x\"}}", "{'a': 1, 'b': [True, False, None], 'c': {'d': 'x'}}"],
  ["{\"a\": 1, \"b\": 2, \"a\": 3}", "{'a': 3, 'b': 2}"],
  ["{}", "{}"],
  ["[[], [[]], {\"\": \"\"}]", "[[], [[]], {'': ''}]"],
  ["[\"\\u0000\\u001f\\u007f\\u0080\\u009f\\u00a0\\u00ad\\u00ff\\u0100\"]", "['\\x00\\x1f\\x7f\\x80\\x9f\\xa0\\xad\u00ff\u0100']"],
  ["[\"\\u2028\\u2029\\u200b\\u200e\\u3000\\ufeff\\ue000\\uffff\\ufffd\"]", "['\\u2028\\u2029\\u200b\\u200e\\u3000\\ufeff\\ue000\\uffff\ufffd']"],
  ["[\"\\ud83d\\ude00\", \"\\ud800\", \"\\udc00x\", \"\\udbff\\udfff\"]", "['\ud83d\ude00', '\\ud800', '\\udc00x', '\\U0010ffff']"],
  ["[\"\ud83d\udedc\", \"\ud884\udf50\", \"\udb40\udc01\", \"\udb80\udc00\"]", "['\\U0001f6dc', '\\U00031350', '\\U000e0001', '\\U000f0000']"],
  ["[\"a'b\\\"c\", \"'\", \"\\\"\", \"'\\\\\"]", "['a\\'b\"c', \"'\", '\"', \"'\\\\\"]"],
  ["[\"\\r\\n\\t\\b\\f\\/\"]", "['\\r\\n\\t\\x08\\x0c/']"],
  ["[123456789012345678901234567890, -5]", "[123456789012345678901234567890, -5]"],
  [" [ \"x\" , 1 ] ", "['x', 1]"],
  ["\"just a string\"", "'just a string'"],
  ["[\"\u0378\", \"\u0870\", \"\u1dfa\", \"\u0e3f\"]", "['\\u0378', '\u0870', '\u1dfa', '\u0e3f']"],
];

describe("python_repr_of_answer_list parity vectors", () => {
  const cases = referenceVectors().python_repr_of_answer_list as Array<{ json: string; rendered: string }>;
  test("has the parity cases", () => assert.ok(cases.length >= 13));
  for (const [i, c] of cases.entries()) {
    test(`#${i}: ${c.json}`, () => assert.equal(pyReprOfJson(c.json), c.rendered));
  }
});

describe("repr(json.loads(text)) against CPython 3.11", () => {
  for (const [i, [text, expected]] of REPR_PY.entries()) {
    test(`#${i}: ${JSON.stringify(text).slice(0, 70)}`, () => assert.equal(pyReprOfJson(text), expected));
  }
});

describe("pyFloatRepr", () => {
  const cases: Array<[number, string]> = [
    [1, "1.0"], [2.5, "2.5"], [100, "100.0"], [1e16, "1e+16"], [1e15, "1000000000000000.0"], [1e-5, "1e-05"],
    [1e-4, "0.0001"], [0.1 + 0.2, "0.30000000000000004"], [-1.5e-7, "-1.5e-07"], [1e100, "1e+100"],
    [5e-324, "5e-324"], [-0, "-0.0"], [0, "0.0"], [NaN, "nan"], [Infinity, "inf"], [-Infinity, "-inf"],
    [123456789.125, "123456789.125"], [9007199254740993, "9007199254740992.0"], [1.2345678901234567e16, "1.2345678901234568e+16"],
  ];
  for (const [x, s] of cases) test(`${x} → ${s}`, () => assert.equal(pyFloatRepr(x), s));
});

describe("pyStrRepr", () => {
  test("quote choice", () => {
    assert.equal(pyStrRepr("plain"), "'plain'");
    assert.equal(pyStrRepr("it's"), `"it's"`);
    assert.equal(pyStrRepr(`say "hi"`), `'say "hi"'`);
    assert.equal(pyStrRepr(`it's "x"`), `'it\\'s "x"'`);
    assert.equal(pyStrRepr(""), "''");
  });
  test("escapes", () => {
    assert.equal(pyStrRepr("a\\b\n\t\r"), "'a\\\\b\\n\\t\\r'");
    assert.equal(pyStrRepr("\x00\x1b\x7f\x85\xa0\xad"), "'\\x00\\x1b\\x7f\\x85\\xa0\\xad'");
    assert.equal(pyStrRepr("\u200b\u2028\ufeff"), "'\\u200b\\u2028\\ufeff'");
    assert.equal(pyStrRepr("\u{e0001}\u{10ffff}"), "'\\U000e0001\\U0010ffff'");
    assert.equal(pyStrRepr("\ud800"), "'\\ud800'");
    assert.equal(pyStrRepr("naïve 中文 😀 é"), "'naïve 中文 😀 é'");
  });
  test("printability follows CPython 3.11 (Unicode 14), not the engine's Unicode", () => {
    assert.equal(isPyPrintable(0x20), true);
    assert.equal(isPyPrintable(0x3000), false); // Zs other than space
    assert.equal(isPyPrintable(0x1f6dc), false); // assigned in Unicode 15.0: unassigned for Python 3.11
    assert.equal(isPyPrintable(0x31350), false);
    assert.equal(isPyPrintable(0x1dfa), true); // assigned in Unicode 14.0
    assert.equal(isPyPrintable(0x10ffff), false);
    assert.equal(isPyPrintable(0x4e2d), true);
  });
});

describe("parsePythonJson", () => {
  test("keeps int vs float, big ints, and dict semantics", () => {
    const v = parsePythonJson('{"a": 1, "b": 1.0, "c": 12345678901234567890123, "a": 2}');
    assert.ok(v instanceof PyDict);
    assert.deepEqual([...v.entries.keys()], ["a", "b", "c"]);
    assert.deepEqual(v.entries.get("a"), new PyInt(2n));
    assert.deepEqual(v.entries.get("b"), new PyFloat(1));
    assert.deepEqual(v.entries.get("c"), new PyInt(12345678901234567890123n));
    assert.equal(pyRepr(v), "{'a': 2, 'b': 1.0, 'c': 12345678901234567890123}");
  });
  test("errors carry Python's messages (from CPython 3.11)", () => {
    const cases: Array<[string, string]> = [
      ["[1,]", "JSONDecodeError: Expecting value: line 1 column 4 (char 3)"],
      ['{"a":1,}', "JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"],
      ["[1 2]", "JSONDecodeError: Expecting ',' delimiter: line 1 column 4 (char 3)"],
      ['{"a" 1}', "JSONDecodeError: Expecting ':' delimiter: line 1 column 6 (char 5)"],
      ['"abc', "JSONDecodeError: Unterminated string starting at: line 1 column 1 (char 0)"],
      ['"a\x01"', "JSONDecodeError: Invalid control character at: line 1 column 3 (char 2)"],
      ['"\\x"', "JSONDecodeError: Invalid \\escape: line 1 column 2 (char 1)"],
      ['"\\u12"', "JSONDecodeError: Invalid \\uXXXX escape: line 1 column 3 (char 2)"],
      ["[1] x", "JSONDecodeError: Extra data: line 1 column 5 (char 4)"],
      ["", "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
      ["  ", "JSONDecodeError: Expecting value: line 1 column 3 (char 2)"],
      ["\ufeff[]", "JSONDecodeError: Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"],
      ["[01]", "JSONDecodeError: Expecting ',' delimiter: line 1 column 3 (char 2)"],
      ["-", "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
      ["nan", "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parsePythonJson(text), (e: unknown) => e instanceof PyJsonError && e.message === message, text);
    }
  });
  test("int() digit limit", () => {
    assert.throws(() => parsePythonJson(`[${"7".repeat(4301)}]`), /ValueError: Exceeds the limit \(4300 digits\)/);
    assert.equal(pyReprOfJson(`[${"7".repeat(4300)}]`), `[${"7".repeat(4300)}]`);
  });
});
