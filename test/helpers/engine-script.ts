// The scripted server's part for `mmif generate`: every engine role, routed by model name (tasks, cons, compat,
// assign, resp, judge). Used by the end-to-end test and by bench:generate.
import { getSubcategory } from "../../src/constraints/taxonomy.js";
import { GOOD_ANSWER, SIMULATED_RULES as RULES } from "../../src/demo/roles.js";
import { lastUserText, replies } from "./scripted-server.js";
import type { RecordedRequest } from "./scripted-server.js";

// The verify functions per rule-checkable type and an answer that meets them all: the demo's simulated endpoint's.
export const ENGINE_ANSWER = GOOD_ANSWER;

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

