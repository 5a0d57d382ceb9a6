// pairs.jsonl and dropped-pairs.jsonl (`mmif dpo`): preference pairs; `mmif export` reads them.
import { z } from "zod";
import { itemImageSchema } from "./items.js";
import { verdictSchema } from "./verdict.js";

export const STRATEGIES = ["drop-all", "drop-two-thirds", "drop-one-third", "no-image"] as const;

export const pairSchema = z.object({
  /** `<item id>:<strategy>`. */
  id: z.string(),
  item_id: z.string(),
  image: itemImageSchema,
  /** The full prompt, shown with the image. */
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  strategy: z.enum(STRATEGIES),
  /** Keys of the constraints left out of the rejected answer's prompt. */
  removed: z.array(z.string()),
  /** The prompt the weaker model answered. */
  degraded_prompt: z.string(),
  rejected_verdicts: z.array(verdictSchema),
  rejected_score: z.number().nullable(),
  rejected_passes_all: z.boolean(),
});

/** dropped-pairs.jsonl: a pair with why it was dropped, or only the item and why no pair could be made. */
export const droppedPairSchema = z.union([pairSchema.extend({ reason: z.string() }), z.object({ item_id: z.string(), reason: z.string() })]);

export type PreferencePair = z.infer<typeof pairSchema>;
export type DroppedPair = z.infer<typeof droppedPairSchema>;
