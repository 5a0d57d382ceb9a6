// The scripted server's part for `mmif generate`: every engine role, routed by model name (tasks, cons, compat,
// assign, resp, judge). Used by the end-to-end test and by bench:generate.
import { getSubcategory } from "../../src/constraints/taxonomy.js";
import { lastUserText, replies } from "./scripted-server.js";
import type { RecordedRequest } from "./scripted-server.js";

/** A valid choice of verify functions for each rule-checkable type, matching the taxonomy's example sentences. */
const RULES: Record<string, Array<{ func: string; params: unknown[] }>> = {
  paragraph_number_limit: [{ func: "check_whether_response_paragraph_number_in_range", params: [1, 3] }],
  sentence_number_limit: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 10] }],
  word_count_range_limit: [{ func: "check_whether_response_word_count_in_range", params: [5, 400] }],
  precision: [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }],
  punctuation: [{ func: "check_whether_whole_response_not_contain_certain_substring", params: [";"] }],
  prefix_and_suffix: [{ func: "check_whether_whole_response_begin_with_certain_substring", params: ["A"] }],
  mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["harbor"], 2, 4] }],
  not_mention: [{ func: "check_whether_whole_response_not_contain_certain_substrings", params: [["beautiful", "stunning"]] }],
  balanced_mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["light", "shadow", "color"], 1, 3] }],
};
// Meets every rule above: no digits, no ";", starts with "A", "harbor" twice, light/shadow/color once each.
export const ENGINE_ANSWER = "A calm harbor at dusk. The harbor glows with light, shadow and color.";

export function engineScript(req: RecordedRequest) {
  const text = lastUserText(req.body);
  switch (req.model) {
    case "tasks":
      // The question path's "refine & extract main task": the question's first sentence stands for its main task.
      if (text.includes('{"task"')) return replies.json({ task: /"""\n([^?.!]*[?.!])/.exec(text)?.[1] ?? "" });
      return replies.json({ tasks: ["Describe this scene for a travel blog.", "Write a short story set in this picture.", "Explain the mood of this image to a friend."] });
    case "cons": {
      const keys = [...text.matchAll(/^- `([a-z_]+)` \(/gm)].map((m) => m[1]!);
      if (text.includes('{"keys"')) return replies.json({ keys });
      return replies.json({ constraints: keys.map((key) => ({ key, value: getSubcategory(key)!.example })) });
    }
    case "compat": {
      const keys = [...text.matchAll(/^- `([a-z_]+)`: /gm)].map((m) => m[1]!);
      return replies.json({ verdicts: keys.map((key) => ({ key, compatible: key !== "natural_language", reason: key === "natural_language" ? "answering in another language clashes with the keywords" : "fine" })) });
    }
    case "assign": {
      const key = /type `([a-z_]+)`/.exec(text)?.[1] ?? "";
      return replies.json({ verify_funcs: RULES[key] ?? [] });
    }
    case "resp":
      return ENGINE_ANSWER;
    case "judge":
      if (text.includes("<start of constraint list>")) {
        const n = (text.match(/^Constraint_\d+:/gm) ?? []).length;
        return `Summary: ${Array.from({ length: n }, (_, i) => `Score of constraint_${i + 1}: 1/1`).join(", ")}.`;
      }
      return "Reasoning: clearly different.\nSummary: True";
    default:
      return `unexpected model ${req.model}`;
  }
}

