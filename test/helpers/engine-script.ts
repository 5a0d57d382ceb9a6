// The scripted server's part for `mmif generate`: every engine role, routed by model name (tasks, cons, compat,
// assign, resp, judge). Used by the end-to-end test and by bench:generate.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
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


/** The generate flags that route each role to this script. */
export const ENGINE_ROLE_FLAGS = ["--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge"];

/** `n` distinct, detailed 320×240 photos (`photo-1.png`, …) that the filter keeps. */
export async function makeKeptPhotos(dir: string, n = 3): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let seed = 1; seed <= n; seed++) {
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40 * seed, g: 90, b: 200 - 30 * seed }, noise: { type: "gaussian", mean: 100 + seed * 20, sigma: 70 } } })
      .png()
      .toFile(join(dir, `photo-${seed}.png`));
  }
}
