// Whole-word keyword counts on the lower-cased, line-cleaned response.
import { cleanLines, escapeRegExp, PY_B } from "../../text/pythonic.js";
import { BOUNDS, defineVerifier, inRange } from "../verify-function.js";

const KEYWORD_LIST = { name: "keywords", type: "string[]", description: "keywords, matched case-insensitively as whole words" } as const;
const PARAMS = [KEYWORD_LIST, ...BOUNDS] as const;

// Compiling a regex costs far more than running it; benchmarks and generated data reuse a few keywords a lot.
const patternCache = new Map<string, RegExp>();
const CACHE_LIMIT = 4096;

function keywordPattern(keyword: string): RegExp {
  const lower = keyword.toLowerCase();
  let re = patternCache.get(lower);
  if (re === undefined) {
    re = new RegExp(`${PY_B}${escapeRegExp(lower)}${PY_B}`, "gu");
    if (patternCache.size >= CACHE_LIMIT) patternCache.clear();
    patternCache.set(lower, re);
  }
  return re;
}

/** `len(re.findall(r"\b" + re.escape(kw.lower()) + r"\b", text_lower))` */
export function countKeyword(textLower: string, keyword: string): number {
  const re = keywordPattern(keyword);
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(textLower) !== null) {
    n++;
    // A zero-width match (empty keyword) must still move on, one code point at a time like Python.
    if (keyword === "") re.lastIndex += (textLower.codePointAt(re.lastIndex) ?? 0) > 0xffff ? 2 : 1;
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
