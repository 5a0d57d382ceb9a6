// Prefixes and suffixes of the whole response, each paragraph, or each sentence.
import { cleanLines, paragraphs, pyStrip } from "../../text/pythonic.js";
import { sentTokenize } from "../../text/punkt/index.js";
import type { ParamSpec } from "../params.js";
import { defineVerifier } from "../verify-function.js";

const SUBSTRING = [{ name: "substring", type: "string", description: "the required prefix or suffix (case-sensitive)" }] as const satisfies readonly ParamSpec[];

export const affixVerifiers = [
  defineVerifier({
    name: "check_whether_each_sentence_begin_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "Every sentence (NLTK Punkt, after line cleaning) starts with the substring.",
    check: (t, s) => sentTokenize(cleanLines(t)).every((x) => x.startsWith(s)),
  }),
  defineVerifier({
    name: "check_whether_each_paragraph_begin_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "Every paragraph starts with the substring.",
    check: (t, s) => paragraphs(t).every((p) => p.startsWith(s)),
  }),
  defineVerifier({
    name: "check_whether_each_paragraph_end_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "Every paragraph ends with the substring.",
    check: (t, s) => paragraphs(t).every((p) => p.endsWith(s)),
  }),
  defineVerifier({
    name: "check_whether_each_sentence_end_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "Every sentence (NLTK Punkt, after line cleaning) ends with the substring.",
    check: (t, s) => sentTokenize(cleanLines(t)).every((x) => x.endsWith(s)),
  }),
  defineVerifier({
    name: "check_whether_whole_response_begin_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "The response, stripped of surrounding whitespace, starts with the substring.",
    check: (t, s) => pyStrip(t).startsWith(s),
  }),
  defineVerifier({
    name: "check_whether_whole_response_end_with_certain_substring",
    family: "affixes",
    params: SUBSTRING,
    description: "The response, stripped of surrounding whitespace, ends with the substring.",
    check: (t, s) => pyStrip(t).endsWith(s),
  }),
];
