// Forbidden substrings: case-sensitive, on the raw response.
import { defineVerifier } from "../verify-function.js";

export const substringVerifiers = [
  defineVerifier({
    name: "check_whether_whole_response_not_contain_certain_substrings",
    family: "substrings",
    params: [{ name: "substrings", type: "string[]", description: "strings that must not occur (case-sensitive)" }],
    description: "None of the given substrings occurs anywhere in the response (case-sensitive).",
    check: (t, subs) => subs.every((s) => !t.includes(s)),
  }),
  defineVerifier({
    name: "check_whether_whole_response_not_contain_certain_substring",
    family: "substrings",
    params: [{ name: "substring", type: "string", description: "a string that must not occur (case-sensitive)" }],
    description: "The substring does not occur anywhere in the response (case-sensitive).",
    check: (t, s) => !t.includes(s),
  }),
];
