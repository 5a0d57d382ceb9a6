// One constraint's verdict, as results.jsonl, items.jsonl and pairs.jsonl record it: it carries the constraint's
// position and text, so no reader has to join it back to a constraint list by key (keys can repeat).
import { z } from "zod";

export const verdictSchema = z.object({
  /** Position of the constraint in its item's list (0-based). */
  index: z.number().int(),
  key: z.string(),
  /** The constraint's text (its `value`). */
  text: z.string(),
  /** The judge method as the constraint gives it (a bench may hold methods the reference ignores). */
  method: z.string(),
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
