/**
 * The three MM-IFEval judge-reply parsers, with the reference's exact behaviour (VLMEvalKit `mmifeval.py`
 * a039b67; the authors' `score_multi_constraint_mp_with_image_v11.py` has the same three functions):
 * `extract_score_from_direct_gpt_resp`, `extract_score_from_cmp_gpt_resp`,
 * `extract_score_from_p_level_gpt_resp` (the authors' `extract_score_from_vision_gpt_resp`).
 *
 * Failures are values, not exceptions: `{ ok: false, error }` with the Python exception the reference raises,
 * as `"<Type>: <message>"` (e.g. `ValueError: No 'summary' found in response.`).
 *
 * Python details that change verdicts and are copied here:
 * - `\s` is Python's whitespace set, `\d` any Unicode decimal digit (and `int()` reads them), `\b` uses
 *   Unicode `\w` (from `../text/pythonic.ts`).
 * - `re.IGNORECASE` on a str pattern also folds `ı` (U+0131) and `İ` (U+0130) onto `i`, `ſ` (U+017F) onto
 *   `s` and `K` (U+212A) onto `k`; JavaScript's `iu` folds only the last two, so the other two are spelled
 *   out where a pattern has an `i` or a letter range.
 * - `int()` refuses more than 4,300 digits (CPython ≥ 3.11 default); `int / int` is correctly rounded,
 *   `x/0` raises ZeroDivisionError, a quotient beyond the float range raises OverflowError.
 * - `text.lower().rfind("summary")` is a code-point index into the *lower-cased* text, used to slice the
 *   original text: `İ` lower-cases to two code points, which shifts the slice, as in Python.
 */
import { INT_MAX_STR_DIGITS } from "./python-json.js";
import { PY_B, PY_D, PY_S, pyStrip } from "../text/pythonic.js";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

// ---------------------------------------------------------------------------------------------------------
// direct_gpt

const WS_RUN = new RegExp(`${PY_S}+`, "gu");
// The reference's `Score\s+of\s+([a-zA-Z0-9_\-]+):\s*(\d+)\s*/\s*(\d+)` with re.IGNORECASE.
const SCORE_PATTERN = new RegExp(
  `Score${PY_S}+of${PY_S}+([a-zA-Z0-9_\\-\\u0130\\u0131\\u017f\\u212a]+):${PY_S}*(${PY_D}+)${PY_S}*/${PY_S}*(${PY_D}+)`,
  "giu",
);
const ND = /\p{Nd}/u;

/** The value of one Unicode decimal digit: Nd digits come in runs of ten, consecutive runs adjoin. */
function digitValue(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  let start = cp;
  while (ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** `int(s)` for a run of `\d` characters. */
function pyIntOfDigits(s: string): bigint {
  const cps = [...s];
  if (cps.length > INT_MAX_STR_DIGITS) {
    throw new Error(
      `ValueError: Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${cps.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  if (/^[0-9]+$/.test(s)) return BigInt(s);
  return BigInt(cps.map((c) => String(digitValue(c.codePointAt(0)!))).join(""));
}

const TWO_53 = 2n ** 53n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** `a / b` for Python ints a ≥ 0, b ≥ 0: correctly rounded (half-even), or the exception Python raises. */
export function pyTrueDivide(a: bigint, b: bigint): number {
  if (b === 0n) throw new Error("ZeroDivisionError: division by zero");
  if (a <= TWO_53 && b <= TWO_53) return Number(a) / Number(b);
  if (a === 0n) return 0;
  // q = floor(a·2^k / b) with 55–56 significant bits; OR-ing the remainder into its lowest bit keeps the
  // rounding of Number(q) to 53 bits exact (round bit + sticky bit), then 2^-k scales exactly.
  const k = 55 + bitLength(b) - bitLength(a);
  const num = k >= 0 ? a << BigInt(k) : a;
  const den = k >= 0 ? b : b << BigInt(-k);
  let q = num / den;
  if (num % den !== 0n) q |= 1n;
  let x = Number(q);
  let e = -k;
  while (e > 0 && Number.isFinite(x)) {
    const step = Math.min(e, 1000);
    x *= 2 ** step;
    e -= step;
  }
  while (e < 0 && x !== 0) {
    const step = Math.max(e, -1000);
    x *= 2 ** step;
    e -= step;
  }
  if (!Number.isFinite(x)) throw new Error("OverflowError: integer division result too large for a float");
  return x;
}

/**
 * `extract_score_from_direct_gpt_resp`: collapse whitespace runs to one space, strip, delete every `*`, find
 * every `Score of NAME: x / y` (case-insensitive); NAME lower-cased; score = x / y, not clamped; a later
 * occurrence of a name replaces an earlier one (keeping its first position, like a dict). No match, `x/0`
 * anywhere, or an oversized number is a failure.
 */
export function parseDirectReply(reply: string): ParseResult<Map<string, number>> {
  const cleaned = pyStrip(reply.replace(WS_RUN, " ")).replace(/\*/g, "");
  const matches = [...cleaned.matchAll(SCORE_PATTERN)];
  if (matches.length === 0) return fail("ValueError: raw_score format is incorrect, cannot parse scores");
  const scores = new Map<string, number>();
  try {
    for (const m of matches) {
      // .strip() is a no-op (the name has no whitespace), and so is .replace(" ", "_").
      const name = m[1]!.toLowerCase();
      scores.set(name, pyTrueDivide(pyIntOfDigits(m[2]!), pyIntOfDigits(m[3]!)));
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  return ok(scores);
}

// ---------------------------------------------------------------------------------------------------------
// cmp_gpt

const TRUE_FALSE = new RegExp(`${PY_B}(true|false)${PY_B}`, "iu");

/**
 * `extract_score_from_cmp_gpt_resp`: the text after the LAST case-insensitive "summary"; the first whole
 * word `true` or `false` there (case-insensitive) decides: true → 1, false → 0.
 */
export function parseCompareReply(reply: string): ParseResult<0 | 1> {
  const lowered = reply.toLowerCase();
  const at = lowered.lastIndexOf("summary");
  if (at === -1) return fail("ValueError: No 'summary' found in response.");
  // Python indexes by code point, into the lower-cased text, and slices the original with that index.
  const cpIndex = [...lowered.slice(0, at)].length + "summary".length;
  const after = [...reply].slice(cpIndex).join("");
  const m = TRUE_FALSE.exec(after);
  if (m === null) return fail("ValueError: No valid 'True' or 'False' found after 'summary'.");
  return ok(m[1]!.toLowerCase() === "true" ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------------
// P-Level (perception)

// re.search("right", s, re.IGNORECASE): Python's `i` also matches ı and İ.
const RIGHT = /r[i\u0130\u0131]ght/iu;
const WRONG = /wrong/iu;

/**
 * `extract_score_from_p_level_gpt_resp`: exactly "right" → 1, exactly "wrong" → 0; else "right" anywhere
 * (case-insensitive, so "not right" and "copyright" score 1) → 1; else "wrong" anywhere → 0; else failure.
 */
export function parsePerceptionReply(reply: string): ParseResult<0 | 1> {
  if (reply === "right") return ok(1);
  if (reply === "wrong") return ok(0);
  if (RIGHT.test(reply)) return ok(1);
  if (WRONG.test(reply)) return ok(0);
  return fail("ValueError: raw_score format is incorrect, cannot parse scores");
}
