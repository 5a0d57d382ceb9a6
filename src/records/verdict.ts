// One constraint's verdict, as results.jsonl, items.jsonl and pairs.jsonl record it: it carries the constraint's
// position, text, judge method and verify funcs, so no reader has to join it back to a constraint list by key (keys
// can repeat) or keep the bench file to show it.
import { z } from "zod";
import { verifyFuncCallSchema, type Constraint } from "../constraints/schema.js";

export const verdictSchema = z.object({
  /** Position of the constraint in its item's list (0-based). */
  index: z.number().int(),
  key: z.string(),
  /** The constraint's text (its `value`). */
  text: z.string(),
  /** The judge method as the constraint gives it (a bench may hold methods the reference ignores). */
  method: z.string(),
  /** The constraint's verify funcs as given (rule_based); absent when it has none, and in files written before them. */
  verify_funcs: z.array(verifyFuncCallSchema).optional(),
  /** 1/0 for rule_based and cmp_gpt, num/den for direct_gpt (not clamped); null when not scored. */
  score: z.number().nullable(),
  /** Whether the score entered the item's mean (false for a key repeated later, an ignored method, a failure). */
  counted: z.boolean(),
  /** Why there is no score. */
  error: z.string().optional(),
  /** Not an error: an ignored method, a key superseded by a later constraint. */
  note: z.string().optional(),
});

export type Verdict = z.infer<typeof verdictSchema>;

/** The verdict of constraint `index` before it is judged: what every scorer starts from. */
export function unscoredVerdict(c: Constraint, index: number): Verdict {
  // The scorer also sees constraints without a judge (the reference raises on them later): method "" then.
  const judge = c.judge as Constraint["judge"] | undefined;
  return { index, key: c.key, text: c.value, method: judge?.method ?? "", ...(judge?.verify_funcs !== undefined ? { verify_funcs: judge.verify_funcs } : {}), score: null, counted: false };
}
