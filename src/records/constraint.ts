// The one constraint record, from the taxonomy to the report: the engine builds it (engine/assign.ts), items.jsonl
// stores it, dpo and the scorer read it, the dataset report shows it. Verdicts (verdict.ts) point back at it by
// its index in the item's list and carry its text, so no reader joins by key.
import { z } from "zod";
import { CATEGORY_IDS, JUDGE_METHODS, subcategoryKey } from "../constraints/taxonomy.js";

/** How a constraint is judged: by verify functions, by a judge that sees the image, or by comparison. */
export const judgeMethodSchema = z.enum(JUDGE_METHODS);

export const constraintRecordSchema = z.object({
  /** The constraint key (MM-IFEval `key`): the subcategory's key. */
  key: z.string(),
  /** The taxonomy category key (`text_length`, `format`, ...). */
  category: z.enum(CATEGORY_IDS),
  /**
   * The taxonomy subcategory key (the same as `key` for generated constraints). Items written before this record
   * held the display name ("Paragraph count"): read as its key.
   */
  subcategory: z.string().transform(subcategoryKey),
  /** The constraint's text, appended to the task (MM-IFEval `value`). */
  value: z.string(),
  judge: z.object({
    method: judgeMethodSchema,
    /** rule_based: the verify functions and their parameters (after the response). */
    verify_funcs: z.array(z.object({ func: z.string(), params: z.array(z.unknown()) })).optional(),
  }),
  /** How the judge method was settled: "default", "rule", or "fallback: <why>". */
  assignment: z.string().optional(),
});

export type ConstraintRecord = z.infer<typeof constraintRecordSchema>;
