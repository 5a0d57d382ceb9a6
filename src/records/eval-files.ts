// predictions.jsonl and results.jsonl (`mmif eval`, `mmif score`); the eval report reads them.
import { z } from "zod";
import { verdictSchema } from "./verdict.js";

export const tagSchema = z.enum(["C-Level", "P-Level"]);

export const predictionSchema = z.object({
  index: z.string(),
  id: z.string(),
  tag: tagSchema,
  infer_type: z.enum(["main", "aux_cmp_gpt"]),
  /** Aux rows: the key of the constraint left out. */
  del_cons: z.string().optional(),
  question: z.string(),
  /** null when the model never answered. */
  prediction: z.string().nullable(),
  finish_reason: z.string().optional(),
  error: z.string().optional(),
});

export const resultSchema = z.object({
  id: z.string(),
  tag: tagSchema,
  /** The item's score as it enters the average; null when the profile excludes it. */
  score: z.number().nullable(),
  /** not_attempted: the run was stopped before the item's calls were made or finished (rerun to finish it). */
  status: z.enum(["scored", "failed", "not_attempted"]),
  /** C-Level: every constraint's verdict, in the item's order. */
  constraints: z.array(verdictSchema).optional(),
  /** P-Level: the ground truth as the bench gives it; absent in files written before it. */
  answer: z.string().optional(),
  /** Raw judge replies of the final round: "direct", "cmp:<key>", "perception". */
  replies: z.record(z.string(), z.string()),
  rounds: z.number().int(),
  error: z.string().optional(),
});

export type PredictionLine = z.infer<typeof predictionSchema>;
export type ResultLine = z.infer<typeof resultSchema>;
