// items.jsonl (`mmif generate`): one item per task, from the task to its verdicts; `mmif dpo`, `mmif export` and
// the dataset report read it.
import { z } from "zod";
import { constraintRecordSchema } from "./constraint.js";
import { verdictSchema } from "./verdict.js";

/** The constraint record as items.jsonl stores it (records/constraint.ts). */
export const engineConstraintSchema = constraintRecordSchema;

export const droppedConstraintSchema = z.object({ key: z.string(), value: z.string(), reason: z.string() });

export const itemImageSchema = z.object({
  /** The original image: absolute, or relative to the folder of the file that names it. */
  path: z.string(),
  sha256: z.string(),
  /**
   * The run's own copy, `images/<sha256>.<ext>` relative to the folder of the file that names it (kept items and
   * pairs). Readers try it first, then `path`, so a run folder can be moved or copied elsewhere.
   */
  copy: z.string().optional(),
});

export const itemSchema = z.object({
  id: z.string(),
  image: itemImageSchema,
  source: z.enum(["generated", "question"]),
  task: z.string(),
  constraints: z.array(engineConstraintSchema),
  /** The number of constraints this item aimed for (drawn from the count distribution). */
  target_constraints: z.number().int().optional(),
  dropped: z.array(droppedConstraintSchema),
  /** The full prompt: the task, then each constraint's value after one space. */
  prompt: z.string().optional(),
  response: z.string().optional(),
  /** Answers without each cmp_gpt constraint (key → answer). */
  aux: z.record(z.string(), z.string()).optional(),
  verdicts: z.array(verdictSchema).optional(),
  score: z.number().nullable().optional(),
  kept: z.boolean().optional(),
  reasons: z.array(z.string()),
});

export type EngineConstraint = z.infer<typeof engineConstraintSchema>;
export type DroppedConstraint = z.infer<typeof droppedConstraintSchema>;
export type EngineItem = z.infer<typeof itemSchema>;
export type ItemImage = z.infer<typeof itemImageSchema>;
export type TaskSource = EngineItem["source"];
