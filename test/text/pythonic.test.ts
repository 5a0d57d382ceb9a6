// Expected values below were produced by CPython 3.11 (`str.splitlines`, `strip`, `split`, `re`).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rngFor } from "../../src/common/random.js";
import {
  cleanLines,
  escapeRegExp,
  firstIsLower,
  firstIsUpper,
  isPySpaceCode,
  paragraphs,
  PY_B,
  PY_D,
  PY_W,
  pyCountSplit,
  pyLen,
  pyLstrip,
  pyRstrip,
  pySplit,
  pySplitlines,
  pyStrip,
} from "../../src/text/pythonic.js";

const PYTHON_WHITESPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

describe("Python whitespace", () => {
  it("is exactly str.isspace() over the whole BMP", () => {
    const ours: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isPySpaceCode(c)) ours.push(c);
    assert.deepEqual(ours, PYTHON_WHITESPACE);
  });

  it("has \\x1c-\\x1f and \\x85 but not \\ufeff, unlike JS \\s", () => {
    assert.equal(pyStrip("\x1c\x85 a \x1f"), "a");
    assert.equal(pyStrip("\ufeff a \ufeff"), "\ufeff a \ufeff");
    assert.deepEqual(pySplit("\ufeff a \ufeff"), ["\ufeff", "a", "\ufeff"]);
    assert.deepEqual(pySplit("a\ufeffb\u00a0c"), ["a\ufeffb", "c"]);
  });

  it("strip, lstrip, rstrip and split", () => {
    assert.equal(pyLstrip(" \t a b \n"), "a b \n");
    assert.equal(pyRstrip(" \t a b \n"), " \t a b");
    assert.equal(pyStrip(""), "");
    assert.equal(pyStrip(" \u3000 "), "");
    assert.deepEqual(pySplit(""), []);
    assert.deepEqual(pySplit("  a\u2003b\n\nc  "), ["a", "b", "c"]);
    for (const s of ["", " ", "a", " a  b ", "x\x1fy\u2028z", "\ufeff"]) assert.equal(pyCountSplit(s), pySplit(s).length, JSON.stringify(s));
  });
});

describe("splitlines", () => {
  it("breaks on \\n \\r \\r\\n \\v \\f \\x1c \\x1d \\x1e \\x85 \\u2028 \\u2029 but not \\x1f", () => {
    assert.deepEqual(pySplitlines("a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u2029h\r\ni\rj\x0bk\x0cl\nm"), [
      "a", "b", "c", "d\x1fe", "f", "g", "h", "i", "j", "k", "l", "m",
    ]);
  });

  it("drops only the final empty line", () => {
    assert.deepEqual(pySplitlines("x\n"), ["x"]);
    assert.deepEqual(pySplitlines("\n"), [""]);
    assert.deepEqual(pySplitlines(""), []);
    assert.deepEqual(pySplitlines("a\n\nb\n"), ["a", "", "b"]);
  });
});

describe("line cleaning and paragraphs", () => {
  it("strips each line and the whole", () => {
    assert.equal(cleanLines("  a  \r\n\t b\x85 c \u2028\n"), "a\nb\nc");
  });

  it("equals the reference's clean_text, written the plain way, on random mixes of text, spaces and line breaks", () => {
    const plain = (t: string) => pyStrip(pySplitlines(t).map(pyStrip).join("\n"));
    const alphabet = ["a", "b", ".", "\n", "\n", "\n\n", " ", "\t", "\r", "\r\n", "\v", "\f", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u2029", "\x1d", "\x1e", "\u3000", "\ufeff", "é"];
    const rng = rngFor("test:cleanLines", 1);
    for (let k = 0; k < 20_000; k++) {
      const t = Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join("");
      assert.equal(cleanLines(t), plain(t), JSON.stringify(t));
      assert.equal(cleanLines(`${t} `), plain(`${t} `), JSON.stringify(`${t} `)); // a new input, not the remembered one
    }
  });

  it("splits paragraphs on blank lines made of Python whitespace only", () => {
    assert.deepEqual(paragraphs("P1 line\n \u3000 \nP2\n\n\n\nP3\n\ufeff\nP3b"), ["P1 line", "P2", "P3\n\ufeff\nP3b"]);
    assert.deepEqual(paragraphs(""), []);
    assert.deepEqual(paragraphs("\n\n \n"), []);
  });
});

describe("Unicode \\w, \\d and \\b", () => {
  it("\\w is letters, numbers and underscore (not combining marks)", () => {
    const words = "naïve café_1 ½ Ⅻ x\u0301y 𝟘𝟙 中文 ٣".match(new RegExp(`${PY_W}+`, "gu"));
    assert.deepEqual(words, ["naïve", "café_1", "½", "Ⅻ", "x", "y", "𝟘𝟙", "中文", "٣"]);
  });

  it("\\d is every decimal digit, not other numbers", () => {
    assert.deepEqual("12 ٣٤ ½ 𝟘𝟙 Ⅻ".match(new RegExp(`${PY_D}+`, "gu")), ["12", "٣٤", "𝟘𝟙"]);
  });

  it("\\b is emulated with Python's \\w", () => {
    assert.equal("ab cd".match(new RegExp(PY_B, "gu"))?.length, 4);
    assert.deepEqual("cat concat cat_ cat-fish cat".match(new RegExp(`${PY_B}cat${PY_B}`, "gu")), ["cat", "cat", "cat"]);
    assert.equal(new RegExp(`${PY_B}é${PY_B}`, "u").test("café"), false);
  });

  it("escapes every regex syntax character for u-flag patterns", () => {
    const raw = "a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o/p-q";
    assert.ok(new RegExp(`^${escapeRegExp(raw)}$`, "u").test(raw));
  });
});

describe("code points and case", () => {
  it("len counts code points", () => {
    assert.equal(pyLen("𝟘𝟙"), 2);
    assert.equal(pyLen("ab"), 2);
    assert.equal(pyLen("\ud835"), 1);
  });

  it("isupper/islower of the first code point", () => {
    assert.equal(firstIsUpper("Ábc"), true);
    assert.equal(firstIsUpper("ǅx"), false);
    assert.equal(firstIsLower("ǅx"), false);
    assert.equal(firstIsUpper("𝐀"), true);
    assert.equal(firstIsLower("ß"), true);
    assert.equal(firstIsUpper("1A"), false);
    assert.equal(firstIsLower(""), false);
  });
});
