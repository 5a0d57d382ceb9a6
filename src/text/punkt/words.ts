/**
 * Punkt's word tokenizer (`PunktLanguageVars.word_tokenize` applied line by line, as `_tokenize_words` does),
 * hand-compiled into a linear scanner instead of a regex. `test/text/punkt-regex.test.ts` checks it against a
 * literal translation of NLTK's `_word_tokenize_fmt`.
 *
 * All functions work on `s` restricted to `[start, end)`: `end` plays the role of Python's end of string.
 */
import { isNonWordCode, isSpaceCode, isWordStartCode } from "./language-vars.js";

const DOT = 0x2e;
const DASH = 0x2d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * End of a `_re_multi_char_punct` match at `i` (`-{2,}`, `\.{2,}` or `(?:\.\s){2,}\.`, tried in that order,
 * greedy), or -1.
 */
export function multiCharEnd(s: string, i: number, end: number): number {
  if (i + 1 >= end) return -1;
  const c = s.charCodeAt(i);
  const next = s.charCodeAt(i + 1);
  if (c === DASH) {
    if (next !== DASH) return -1;
    let j = i + 2;
    while (j < end && s.charCodeAt(j) === DASH) j++;
    return j;
  }
  if (c !== DOT) return -1;
  if (next === DOT) {
    let j = i + 2;
    while (j < end && s.charCodeAt(j) === DOT) j++;
    return j;
  }
  if (!isSpaceCode(next)) return -1;
  // Greedy `(?:\.\s){2,}` then `\.`; if the character after the last pair is not a period, backtracking gives
  // one pair back and that pair's own period closes the match.
  let pairs = 0;
  let j = i;
  while (j + 1 < end && s.charCodeAt(j) === DOT && isSpaceCode(s.charCodeAt(j + 1))) {
    pairs++;
    j += 2;
  }
  if (pairs >= 2 && j < end && s.charCodeAt(j) === DOT) return j + 1;
  if (pairs >= 3) return j - 1;
  return -1;
}

/** The lookahead that ends a word at `e`: whitespace, end, non-word punctuation, multi-char punctuation, or a final comma. */
function wordEndsAt(s: string, e: number, end: number): boolean {
  if (e >= end) return true;
  const c = s.charCodeAt(e);
  if (isSpaceCode(c) || isNonWordCode(c)) return true;
  if ((c === DOT || c === DASH) && multiCharEnd(s, e, end) >= 0) return true;
  if (c === COMMA) {
    const f = e + 1;
    if (f >= end) return true;
    const d = s.charCodeAt(f);
    return isSpaceCode(d) || isNonWordCode(d) || ((d === DOT || d === DASH) && multiCharEnd(s, f, end) >= 0);
  }
  return false;
}

/**
 * End of the token `word_tokenize` finds at `p` in the line `s[p, end)`, where `s[p]` is not whitespace:
 * multi-char punctuation first, then a word (`(?=WordStart)\S+?` up to the first position where a word may
 * end; whitespace always qualifies), else the single character.
 */
export function tokenEnd(s: string, p: number, end: number): number {
  const q = multiCharEnd(s, p, end);
  if (q >= 0) return q;
  if (!isWordStartCode(s.charCodeAt(p))) return p + 1;
  let e = p + 1;
  while (!wordEndsAt(s, e, end)) e++;
  return e;
}

/** End of the line that starts at `start` (the next `\n`, or `end`). Bounded so long texts stay linear. */
export function lineEnd(s: string, start: number, end: number): number {
  let q = start;
  while (q < end && s.charCodeAt(q) !== NEWLINE) q++;
  return q;
}

/** `_tokenize_words` over a whole string: split on `\n` only, tokenize each line (for tests and debugging). */
export function punktWords(text: string): string[] {
  const out: string[] = [];
  const end = text.length;
  for (let ls = 0; ls <= end; ) {
    const le = lineEnd(text, ls, end);
    for (let p = ls; p < le; ) {
      if (isSpaceCode(text.charCodeAt(p))) {
        p++;
        continue;
      }
      const q = tokenEnd(text, p, le);
      out.push(text.slice(p, q));
      p = q;
    }
    ls = le + 1;
  }
  return out;
}
