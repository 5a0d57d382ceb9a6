/**
 * NLTK 3.8's `PunktSentenceTokenizer` inference: candidate breaks (`_match_potential_end_contexts`), break
 * decisions (`_slices_from_text`), and `_realign_boundaries`.
 *
 * Offsets are UTF-16 code units (JS string indices); Python reports code points. Every decision here depends
 * only on BMP characters, so the sentences are the same strings either way.
 */
import { containsSentbreak } from "./annotate.js";
import { isAsciiWhitespaceCode, isCloserCode, isNonWordCode, isSpaceCode } from "./language-vars.js";
import type { PunktParameters } from "./params.js";

/** `[start, end)` of one sentence in the text. */
export type Span = [start: number, end: number];

/** Index just past `text.rstrip()` (Python whitespace). */
function rstripEnd(text: string): number {
  let end = text.length;
  while (end > 0 && isSpaceCode(text.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * `re_boundary_realignment.match(text[start:end])` for `["')\]}]+?(?:\s+|(?=--)|$)`: the number of closing
 * characters matched (0 when there is no match). Lazy `+?` means: after each closer, try `\s+`, then `(?=--)`,
 * then the end of the slice (`$` before a `\n` is already covered by `\s+`).
 */
function realignClosers(text: string, start: number, end: number): number {
  let q = start;
  while (q < end && isCloserCode(text.charCodeAt(q))) {
    q++;
    if (q === end || isSpaceCode(text.charCodeAt(q))) return q - start;
    if (q + 1 < end && text.charCodeAt(q) === 0x2d && text.charCodeAt(q + 1) === 0x2d) return q - start;
  }
  return 0;
}

/** Length of the whitespace run at `start` (bounded by `end`): the `\s+` part of a realignment match. */
function spaceRun(text: string, start: number, end: number): number {
  let q = start;
  while (q < end && isSpaceCode(text.charCodeAt(q))) q++;
  return q - start;
}

export class PunktSentenceTokenizer {
  constructor(readonly params: PunktParameters) {}

  /**
   * `_slices_from_text`: the raw sentence slices, flat as `[start0, end0, start1, end1, ...]`.
   *
   * Candidates are `.?!` followed by non-word punctuation or by whitespace and a token (`_period_context_fmt`).
   * A candidate's context is `text[wordStart : end of the following token]`, where `wordStart` follows the last
   * ASCII whitespace (`string.whitespace`, not Python `\s`) since the previous candidate. When there is none,
   * the previous candidate is dropped unjudged and its word start is inherited (NLTK's post-ReDoS overlap rule;
   * "acting!!! I" is judged once, at the last `!`). Like NLTK, whitespace at index 0 of the text counts as none.
   */
  rawSlices(text: string): number[] {
    const params = this.params;
    const n = text.length;
    const out: number[] = [];
    let lastBreak = 0;
    let prevMatch = -1;
    let prevSliceStart = 0;
    let prevSliceStop = 0;
    let prevAfterEnd = 0;
    let prevNextTok = -1;
    // Next occurrence of each of `sent_end_chars` (`.`, `?`, `!`); `indexOf` skips the text between candidates.
    let dot = text.indexOf(".");
    let question = text.indexOf("?");
    let bang = text.indexOf("!");

    for (;;) {
      let i = dot;
      if (question >= 0 && (i < 0 || question < i)) i = question;
      if (bang >= 0 && (i < 0 || bang < i)) i = bang;
      if (i < 0 || i >= n - 1) break;
      if (i === dot) dot = text.indexOf(".", i + 1);
      else if (i === question) question = text.indexOf("?", i + 1);
      else bang = text.indexOf("!", i + 1);

      // `_period_context_fmt`: followed by non-word punctuation, or by whitespace and a token.
      const next = text.charCodeAt(i + 1);
      let afterEnd: number;
      let nextTok: number;
      if (isNonWordCode(next)) {
        afterEnd = i + 2;
        nextTok = -1;
      } else if (isSpaceCode(next)) {
        let j = i + 2;
        while (j < n && isSpaceCode(text.charCodeAt(j))) j++;
        if (j >= n) continue;
        let k = j + 1;
        while (k < n && !isSpaceCode(text.charCodeAt(k))) k++;
        afterEnd = k;
        nextTok = j;
      } else {
        continue;
      }

      // `_get_last_whitespace_index(text[prevSliceStop:i])`, where index 0 means "not found".
      let ws = i - 1;
      while (ws >= prevSliceStop && !isAsciiWhitespaceCode(text.charCodeAt(ws))) ws--;
      const sliceStart = ws > prevSliceStop ? ws + 1 : prevSliceStart;

      // The previous candidate is judged only if this one's word does not overlap it.
      if (prevMatch >= 0 && prevSliceStop <= sliceStart && containsSentbreak(text, prevSliceStart, prevAfterEnd, params)) {
        out.push(lastBreak, prevMatch + 1);
        lastBreak = prevNextTok >= 0 ? prevNextTok : prevMatch + 1;
      }
      prevMatch = i;
      prevSliceStart = sliceStart;
      prevSliceStop = i;
      prevAfterEnd = afterEnd;
      prevNextTok = nextTok;
    }
    if (prevMatch >= 0 && containsSentbreak(text, prevSliceStart, prevAfterEnd, params)) {
      out.push(lastBreak, prevMatch + 1);
      lastBreak = prevNextTok >= 0 ? prevNextTok : prevMatch + 1;
    }
    // The last sentence runs to the end of `text.rstrip()`.
    out.push(lastBreak, rstripEnd(text));
    return out;
  }

  /**
   * `span_tokenize`: sentence spans, with closing punctuation that follows a break moved onto the sentence
   * before it (`_realign_boundaries`) unless `realignBoundaries` is false. Empty sentences are dropped.
   */
  spanTokenize(text: string, realignBoundaries = true): Span[] {
    const raw = this.rawSlices(text);
    const spans: Span[] = [];
    const count = raw.length / 2;
    if (!realignBoundaries) {
      for (let s = 0; s < count; s++) {
        const start = raw[2 * s]!;
        const end = raw[2 * s + 1]!;
        spans.push([start, end]);
      }
      return spans;
    }
    let realign = 0;
    for (let s = 0; s < count; s++) {
      const start = raw[2 * s]! + realign;
      const end = raw[2 * s + 1]!;
      if (s === count - 1) {
        if (start < end) spans.push([start, end]);
        break;
      }
      const nextStart = raw[2 * s + 2]!;
      const nextEnd = raw[2 * s + 3]!;
      const closers = realignClosers(text, nextStart, nextEnd);
      if (closers > 0) {
        // The sentence takes the closers; the next one starts after them and the whitespace (`m.end()`).
        spans.push([start, nextStart + closers]);
        realign = closers + spaceRun(text, nextStart + closers, nextEnd);
      } else {
        realign = 0;
        if (start < end) spans.push([start, end]);
      }
    }
    return spans;
  }

  /** `tokenize`: the sentences of `text`. */
  tokenize(text: string, realignBoundaries = true): string[] {
    return this.spanTokenize(text, realignBoundaries).map(([start, end]) => text.slice(start, end));
  }

  /** `len(tokenize(text))` without building the strings. */
  count(text: string): number {
    return this.spanTokenize(text).length;
  }

  /** `text_contains_sentbreak`. */
  textContainsSentbreak(text: string): boolean {
    return containsSentbreak(text, 0, text.length, this.params);
  }
}
