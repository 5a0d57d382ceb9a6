// Paragraph, sentence and word counts, exactly as the reference counts them.
import { cleanLines, paragraphs, pyCountSplit, PY_W_CLASS, PY_WS_CLASS } from "../../text/pythonic.js";
import { sentCount } from "../../text/punkt/index.js";
import { BOUNDS, defineVerifier, inRange } from "../verify-function.js";

/** `re.sub(r"[^\w\s.-]", "", t)`: the reference deletes these before splitting into words. */
const NON_WORD_CHARS = new RegExp(`[^${PY_W_CLASS}${PY_WS_CLASS}.\\-]`, "gu");

/** `len(re.sub(r"[^\w\s.-]", "", t).split())` */
export function countWords(t: string): number {
  return pyCountSplit(t.replace(NON_WORD_CHARS, ""));
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
