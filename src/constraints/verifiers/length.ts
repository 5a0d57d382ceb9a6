// Paragraph, sentence and word counts, exactly as the reference counts them.
import { cleanLines, isPySpaceCode, isPyWordCodePoint, paragraphs } from "../../text/pythonic.js";
import { sentCount } from "../../text/punkt/index.js";
import { BOUNDS, defineVerifier, inRange } from "../verify-function.js";

/**
 * `len(re.sub(r"[^\w\s.-]", "", t).split())`. Deleting characters never touches whitespace, so the words are
 * the whitespace-separated runs of `t` that keep at least one `\w`, `.` or `-` character: counted in one scan.
 */
export function countWords(t: string): number {
  let count = 0;
  let kept = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (isPySpaceCode(c)) {
      if (kept) count++;
      kept = false;
    } else if (!kept) {
      if (c === 0x2e || c === 0x2d) kept = true;
      else {
        const cp = t.codePointAt(i) as number;
        kept = isPyWordCodePoint(cp);
        if (cp > 0xffff) i++;
      }
    } else if (c >= 0xd800 && c <= 0xdbff) {
      i++;
    }
  }
  return kept ? count + 1 : count;
}

export const lengthVerifiers = [
  defineVerifier({
    name: "check_whether_response_paragraph_number_in_range",
    family: "length",
    params: BOUNDS,
    description: "The number of paragraphs (blocks separated by blank lines) is between lower_bound and upper_bound.",
    check: (t, lo, hi) => inRange(paragraphs(t).length, lo, hi),
  }),
  defineVerifier({
    name: "check_whether_response_sentence_number_in_range",
    family: "length",
    params: BOUNDS,
    description: "The number of sentences (NLTK Punkt) in the whole response is between lower_bound and upper_bound.",
    check: (t, lo, hi) => inRange(sentCount(cleanLines(t)), lo, hi),
  }),
  defineVerifier({
    name: "check_whether_each_paragraph_sentence_number_in_range",
    family: "length",
    params: BOUNDS,
    description: "Every paragraph has between lower_bound and upper_bound sentences.",
    check: (t, lo, hi) => paragraphs(t).every((p) => inRange(sentCount(p), lo, hi)),
  }),
  defineVerifier({
    name: "check_whether_each_paragraph_sentence_number_in_range_list",
    family: "length",
    params: [{ name: "ranges", type: "range[]", description: "one [lower, upper] sentence range per paragraph, in order" }],
    description: "There are exactly as many paragraphs as ranges, and paragraph i has a sentence count within ranges[i].",
    check: (t, ranges) => {
      const ps = paragraphs(t);
      return ps.length === ranges.length && ps.every((p, i) => inRange(sentCount(p), ranges[i]![0], ranges[i]![1]));
    },
  }),
  defineVerifier({
    name: "check_whether_response_word_count_in_range",
    family: "length",
    params: BOUNDS,
    description: "The number of words in the whole response is between lower_bound and upper_bound.",
    check: (t, lo, hi) => inRange(countWords(t), lo, hi),
  }),
  defineVerifier({
    name: "check_whether_each_paragraph_word_count_in_range",
    family: "length",
    params: BOUNDS,
    description: "Every paragraph has between lower_bound and upper_bound words.",
    check: (t, lo, hi) => paragraphs(t).every((p) => inRange(countWords(p), lo, hi)),
  }),
];
