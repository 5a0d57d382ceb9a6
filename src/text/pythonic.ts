/**
 * Python `str` and `re` semantics that MM-IFEval's reference scorer relies on.
 *
 * JavaScript differs from Python in ways that flip verdicts: JS `\s` has U+FEFF and lacks U+001C–U+001F and
 * U+0085; JS `\w`, `\d` and `\b` are ASCII-only; `String.prototype.split("\n")` is not `splitlines()`. Every
 * regex source fragment below is meant to be used with the `u` flag.
 */

/** Characters Python treats as whitespace (`str.isspace`, `re` `\s`, `strip()`, `split()`), as a class body. */
export const PY_WS_CLASS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Python `\s` (Unicode str pattern). */
export const PY_S = `[${PY_WS_CLASS}]`;
/** Python `\S`. */
export const PY_NOT_S = `[^${PY_WS_CLASS}]`;
/** Python `\w` for str patterns: `str.isalnum()` or `_`. */
export const PY_W_CLASS = "\\p{L}\\p{N}_";
export const PY_W = `[${PY_W_CLASS}]`;
/** Python `\W`. */
export const PY_NOT_W = `[^${PY_W_CLASS}]`;
/** Python `\d` for str patterns: any Unicode decimal digit. */
export const PY_D = "\\p{Nd}";
/** Python `\b`: a boundary between a `\w` character and a non-`\w` character (or the text's ends). */
export const PY_B = `(?:(?<=${PY_W})(?!${PY_W})|(?<!${PY_W})(?=${PY_W}))`;

const WS_SET = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * `ch.isspace()` for one UTF-16 code unit (every Python whitespace character is in the BMP). Hot in every
 * scanner: ASCII letters and punctuation answer without a set lookup.
 */
export function isPySpaceCode(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  return code >= 0x85 && WS_SET.has(code);
}

/** `s.strip()` */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpaceCode(s.charCodeAt(start))) start++;
  while (end > start && isPySpaceCode(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** `s.lstrip()` */
export function pyLstrip(s: string): string {
  let start = 0;
  while (start < s.length && isPySpaceCode(s.charCodeAt(start))) start++;
  return start === 0 ? s : s.slice(start);
}

/** `s.rstrip()` */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpaceCode(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `s.split()` with no separator: runs of whitespace separate, no empty strings. */
export function pySplit(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isPySpaceCode(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isPySpaceCode(s.charCodeAt(i))) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

/** `len(s.split())` without building the list. */
export function pyCountSplit(s: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = isPySpaceCode(s.charCodeAt(i));
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** Whether `code` ends a line for `str.splitlines()` (`\r\n` is handled by the caller). */
function isLineBreakCode(code: number): boolean {
  return (code >= 0x0a && code <= 0x0d) || code === 0x1c || code === 0x1d || code === 0x1e || code === 0x85 || code === 0x2028 || code === 0x2029;
}

/** `s.splitlines()` (without keepends): no trailing empty line for a final break. */
export function pySplitlines(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const code = s.charCodeAt(i);
    if (isLineBreakCode(code)) {
      out.push(s.slice(start, i));
      i += code === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  if (start < n) out.push(s.slice(start));
  return out;
}

// Several verify functions clean the same response in a row; remembering the last one saves a rescan each.
let lastCleanInput: string | undefined;
let lastCleanOutput = "";
let lastParagraphsInput: string | undefined;
let lastParagraphsOutput: readonly string[] = [];

/** The reference's `clean_text`: `"\n".join(line.strip() for line in t.splitlines()).strip()`. */
export function cleanLines(t: string): string {
  if (t !== lastCleanInput) {
    lastCleanOutput = computeCleanLines(t);
    lastCleanInput = t;
  }
  return lastCleanOutput;
}

/** Line breaks of `splitlines()` other than `\n`. */
const OTHER_LINE_BREAK = /[\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

/**
 * Whether cleaning `t` only strips its two ends: every line break is `\n` and no other whitespace touches one,
 * so no line but the first and last has anything to strip (a blank line stays a blank line). Most responses are
 * like this; native scans (a regex class, indexOf) decide it far faster than the character loop below.
 */
function onlyEndsToStrip(t: string): boolean {
  if (OTHER_LINE_BREAK.test(t)) return false;
  for (let nl = t.indexOf("\n"); nl >= 0; nl = t.indexOf("\n", nl + 1)) {
    const before = t.charCodeAt(nl - 1);
    const after = t.charCodeAt(nl + 1);
    if ((before !== 0x0a && isPySpaceCode(before)) || (after !== 0x0a && isPySpaceCode(after))) return false;
  }
  return true;
}

function computeCleanLines(t: string): string {
  if (onlyEndsToStrip(t)) return pyStrip(t);
  const parts: string[] = [];
  const n = t.length;
  let start = 0;
  let i = 0;
  for (;;) {
    const atEnd = i >= n;
    const code = atEnd ? 0 : t.charCodeAt(i);
    if (atEnd || isLineBreakCode(code)) {
      let a = start;
      let b = i;
      while (a < b && isPySpaceCode(t.charCodeAt(a))) a++;
      while (b > a && isPySpaceCode(t.charCodeAt(b - 1))) b--;
      // splitlines() yields no line after a final break, so nothing is pushed for it.
      if (!atEnd || start < n) parts.push(t.slice(a, b));
      if (atEnd) break;
      i += code === 0x0d && t.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  return pyStrip(parts.join("\n"));
}

/**
 * In cleaned text every line is stripped and every line break is `\n`, so the reference's `\n\s*\n` can only
 * match a run of two or more `\n`: whitespace between them would have been stripped from its line.
 */
const PARAGRAPH_BREAK = /\n\n+/;

/** `[p for p in re.split(r"\n\s*\n", clean(t)) if p.strip()]` (read-only: the list may be shared). */
export function paragraphs(t: string): readonly string[] {
  if (t !== lastParagraphsInput) {
    const cleaned = cleanLines(t);
    lastParagraphsOutput = cleaned === "" ? [] : cleaned.split(PARAGRAPH_BREAK).filter((p) => pyStrip(p) !== "");
    lastParagraphsInput = t;
  }
  return lastParagraphsOutput;
}

/** Python `\w` for one code point. */
const WORD_CHAR = new RegExp(PY_W, "u");
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = /[A-Za-z0-9_]/.test(String.fromCharCode(c)) ? 1 : 0;

export function isPyWordCodePoint(cp: number): boolean {
  return cp < 0x80 ? ASCII_WORD[cp] === 1 : WORD_CHAR.test(String.fromCodePoint(cp));
}

/** The code point ending just before UTF-16 index `i` (-1 at the start). */
function codePointBefore(s: string, i: number): number {
  if (i <= 0) return -1;
  const low = s.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = s.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

/** Whether Python's `\b` holds at UTF-16 index `i` of `s`. */
export function isPyWordBoundary(s: string, i: number): boolean {
  const before = codePointBefore(s, i);
  const after = i < s.length ? (s.codePointAt(i) as number) : -1;
  return (before >= 0 && isPyWordCodePoint(before)) !== (after >= 0 && isPyWordCodePoint(after));
}

/** `len(s)` in Python: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** `re.escape` for embedding a literal in a JS `u`-flag regex (outside a character class). */
export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

const UPPER = /^\p{Uppercase}/u;
const LOWER = /^\p{Lowercase}/u;

/** `s[0].isupper()` on the first code point (false for an empty string); ASCII answers without a regex. */
export function firstIsUpper(s: string): boolean {
  const c = s.charCodeAt(0);
  return c < 0x80 ? c >= 0x41 && c <= 0x5a : UPPER.test(s);
}

/** `s[0].islower()` on the first code point (false for an empty string); ASCII answers without a regex. */
export function firstIsLower(s: string): boolean {
  const c = s.charCodeAt(0);
  return c < 0x80 ? c >= 0x61 && c <= 0x7a : LOWER.test(s);
}
