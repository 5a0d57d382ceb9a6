// Whole-word keyword counts on the lower-cased, line-cleaned response.
import { cleanLines, isPyWordBoundary } from "../../text/pythonic.js";
import { BOUNDS, defineVerifier, inRange } from "../verify-function.js";

const KEYWORD_LIST = { name: "keywords", type: "string[]", description: "keywords, matched case-insensitively as whole words" } as const;
const PARAMS = [KEYWORD_LIST, ...BOUNDS] as const;

/**
 * `len(re.findall(r"\b" + re.escape(kw.lower()) + r"\b", text_lower))`. The pattern is a literal between two
 * boundaries, so a substring search plus a boundary test at both ends finds the same non-overlapping matches,
 * left to right, an order of magnitude faster than the regex with emulated `\b`.
 */
export function countKeyword(textLower: string, keyword: string): number {
  const needle = keyword.toLowerCase();
  if (needle === "") return countBoundaries(textLower);
  let n = 0;
  let from = 0;
  for (;;) {
    const at = textLower.indexOf(needle, from);
    if (at < 0) return n;
    if (isPyWordBoundary(textLower, at) && isPyWordBoundary(textLower, at + needle.length)) {
      n++;
      from = at + needle.length;
    } else {
      from = at + 1;
    }
  }
}

/** An empty keyword: Python's findall returns one empty match per boundary position (code points). */
function countBoundaries(text: string): number {
  let n = 0;
  for (let i = 0; i <= text.length; i++) {
    if (isPyWordBoundary(text, i)) n++;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  return n;
}

function lowerClean(t: string): string {
  return cleanLines(t).toLowerCase();
}

export const keywordVerifiers = [
  defineVerifier({
    name: "check_whether_each_keyword_in_list_metioned_in_range",
    family: "keywords",
    params: PARAMS,
    description: "Each keyword occurs as a whole word (case-insensitive) between lower_bound and upper_bound times.",
    check: (t, keywords, lo, hi) => {
      const text = lowerClean(t);
      return keywords.every((k) => inRange(countKeyword(text, k), lo, hi));
    },
  }),
  defineVerifier({
    name: "check_whether_total_keyword_in_list_metioned_in_range",
    family: "keywords",
    params: PARAMS,
    description: "The keywords together occur as whole words (case-insensitive) between lower_bound and upper_bound times.",
    check: (t, keywords, lo, hi) => {
      const text = lowerClean(t);
      return inRange(keywords.reduce((sum, k) => sum + countKeyword(text, k), 0), lo, hi);
    },
  }),
];
