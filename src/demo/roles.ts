// What the simulated endpoint answers, by model name: every role `mmif generate`, `mmif dpo` and `mmif eval` call.
// The replies are fixed rules, not a model: they read the structured-output prompts just enough to give valid
// answers, and vary by a hash of the prompt so the demo's numbers are not all 100.
import { createHash } from "node:crypto";
import { getSubcategory } from "../constraints/taxonomy.js";
import { SIMULATED_MODEL_PREFIX } from "../model/simulated.js";

export const DEMO_MODELS = {
  tasks: `${SIMULATED_MODEL_PREFIX}task-proposer`,
  constraints: `${SIMULATED_MODEL_PREFIX}constraint-writer`,
  compat: `${SIMULATED_MODEL_PREFIX}compat-checker`,
  assign: `${SIMULATED_MODEL_PREFIX}verify-assigner`,
  responder: `${SIMULATED_MODEL_PREFIX}responder`,
  judge: `${SIMULATED_MODEL_PREFIX}judge`,
  /** The weaker model of dpo and the model under test of eval. */
  student: `${SIMULATED_MODEL_PREFIX}student-vlm`,
} as const;

/** Verify functions for the rule-checkable types, all met by GOOD_ANSWER (the engine's tests use them too). */
export const SIMULATED_RULES: Record<string, Array<{ func: string; params: unknown[] }>> = {
  paragraph_number_limit: [{ func: "check_whether_response_paragraph_number_in_range", params: [1, 3] }],
  sentence_number_limit: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 10] }],
  word_count_range_limit: [{ func: "check_whether_response_word_count_in_range", params: [5, 400] }],
  precision: [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }],
  punctuation: [{ func: "check_whether_whole_response_not_contain_certain_substring", params: [";"] }],
  prefix_and_suffix: [{ func: "check_whether_whole_response_begin_with_certain_substring", params: ["A"] }],
  mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["picture"], 1, 4] }],
  not_mention: [{ func: "check_whether_whole_response_not_contain_certain_substrings", params: [["beautiful", "stunning"]] }],
  balanced_mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["light", "shadow", "color"], 1, 3] }],
};
export const GOOD_ANSWER = "A calm picture with soft light. The picture plays shadow against color, and the scene feels quiet.";
const WEAK_ANSWERS = [
  "This is a beautiful image; it shows 3 things and a lot of detail.",
  "Nice scene. Lots of color here.",
  GOOD_ANSWER,
];

function pick<T>(text: string, options: readonly T[]): T {
  return options[createHash("sha256").update(text).digest()[0]! % options.length]!;
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

function judge(text: string): string {
  if (text.includes("<start of constraint list>")) {
    const n = (text.match(/^Constraint_\d+:/gm) ?? []).length;
    const good = text.includes(GOOD_ANSWER);
    return `Judgement: simulated.\nSummary: ${Array.from({ length: n }, (_, i) => `Score of constraint_${i + 1}: ${good || i % 2 === 0 ? 1 : 0}/1`).join(", ")}.`;
  }
  if (text.includes("Ground Truth List:")) return pick(text, ["right", "wrong"]);
  return text.includes(GOOD_ANSWER) ? "Reasoning: simulated.\nSummary: True" : 'Reasoning: simulated.\nSummary: "False".';
}

/** The reply of the simulated model `model` to a prompt whose last user text is `text`. */
export function simulatedReply(model: string, text: string): string {
  switch (model) {
    case DEMO_MODELS.tasks:
      if (text.includes('{"task"')) return json({ task: /"""\n([^?.!]*[?.!])/.exec(text)?.[1] ?? "Describe the picture." });
      return json({ tasks: ["Describe this picture for a travel blog.", "Write a short story set in this picture.", "Explain the mood of this picture to a friend."] });
    case DEMO_MODELS.constraints: {
      const keys = [...text.matchAll(/^- `([a-z_]+)` \(/gm)].map((m) => m[1]!);
      if (text.includes('{"keys"')) return json({ keys });
      return json({ constraints: keys.map((key) => ({ key, value: getSubcategory(key)?.example ?? key })) });
    }
    case DEMO_MODELS.compat: {
      const keys = [...text.matchAll(/^- `([a-z_]+)`: /gm)].map((m) => m[1]!);
      return json({ verdicts: keys.map((key) => ({ key, compatible: key !== "natural_language", reason: key === "natural_language" ? "another language clashes with the keywords" : "fine" })) });
    }
    case DEMO_MODELS.assign:
      return json({ verify_funcs: SIMULATED_RULES[/type `([a-z_]+)`/.exec(text)?.[1] ?? ""] ?? [] });
    case DEMO_MODELS.responder:
      return GOOD_ANSWER;
    case DEMO_MODELS.judge:
      return judge(text);
    case DEMO_MODELS.student:
      return pick(text, WEAK_ANSWERS);
    default:
      return `The simulated endpoint has no model named "${model}".`;
  }
}
