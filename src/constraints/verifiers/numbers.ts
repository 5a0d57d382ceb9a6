// Number formatting: decimal precision, percentages, and the absence of Arabic numerals.
import { PY_D, PY_S, PY_W, PY_W_CLASS, pyLen } from "../../text/pythonic.js";
import { defineVerifier } from "../verify-function.js";

const D = PY_D;
const PERCENT = new RegExp(`(${D}+\\.${D}+|${D}+)${PY_S}*%`, "gu");
const NUMBER = new RegExp(
  `(?<!${PY_W})[+-]?(?:${D}{1,3}(?:,${D}{3})*(?:\\.${D}+)?|${D}+\\.${D}+|\\.${D}+|${D}+)(?:[eE][+-]?${D}+)?%?(?!${PY_W})`,
  "gu",
);
// The reference compiles this with IGNORECASE; it changes nothing here ([eE] already has both cases).
const ARABIC_NUMBER = new RegExp(
  `(?<![.${PY_W_CLASS}])(?:${D}{1,3}(?:,${D}{3})+(?:\\.${D}+)?%?|${D}+\\.${D}+%?|${D}+%?|${D}+(?:\\.${D}+)?(?:[eE][+-]?${D}+))(?![.${PY_W_CLASS}])`,
  "u",
);
const PRECISION = [{ name: "precision", type: "int", description: "required number of decimal places" }] as const;

/** Python's `s.split(".")[-1]` length, in code points. */
function decimalsAfterLastDot(s: string): number {
  return pyLen(s.slice(s.lastIndexOf(".") + 1));
}

export const numberVerifiers = [
  defineVerifier({
    name: "check_percentage_number_precision_in_response",
    family: "numbers",
    params: PRECISION,
    description: "Every number followed by % has a decimal point and exactly `precision` decimals (an integer percentage fails).",
    check: (t, precision) => {
      if (!t.includes("%")) return true; // every match ends in %: a text without one has none (a native scan)
      for (const m of t.matchAll(PERCENT)) {
        const num = m[1]!;
        // The reference takes split('.')[1]; the pattern allows only one dot, so it is the last part too.
        if (!num.includes(".") || decimalsAfterLastDot(num) !== precision) return false;
      }
      return true;
    },
  }),
  defineVerifier({
    name: "check_number_precision_in_response",
    family: "numbers",
    params: PRECISION,
    description: "Every number (commas, signs, %, scientific notation allowed) has exactly `precision` decimals, or none when precision is 0.",
    check: (t, precision) => {
      for (const m of t.matchAll(NUMBER)) {
        let num = m[0].replaceAll(",", "");
        while (num.endsWith("%")) num = num.slice(0, -1);
        const e = num.search(/[eE]/);
        const mantissa = e < 0 ? num : num.slice(0, e);
        if (mantissa.includes(".") ? decimalsAfterLastDot(mantissa) !== precision : precision !== 0) return false;
      }
      return true;
    },
  }),
  defineVerifier({
    name: "check_whether_has_no_arabic_number_in_response",
    family: "numbers",
    params: [],
    description: "The response contains no number written in digits (integers, decimals, percentages, 1,000-style, scientific).",
    check: (t) => !ARABIC_NUMBER.test(t),
  }),
];
