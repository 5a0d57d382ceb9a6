// The three summary files: summary.json (`mmif eval`/`mmif score`), stats.json (`mmif generate`) and
// dpo-stats.json (`mmif dpo`). Each says which mmif and which format version wrote it, and the run's status.
import { z } from "zod";
import { runStatusFields, usageSchema, writtenBySchema } from "./format.js";

const counts = z.record(z.string(), z.number());
const interval = z.object({ low: z.number(), high: z.number() }).nullable();
/** Items by number of constraints, and the same as percent of `items`. */
const countHistogram = z.object({ items: z.number(), histogram: counts, percent: counts });
/**
 * Reasons grouped by kind (src/run/reasons.ts): how many, and up to 3 distinct examples. A file of format 1 has a
 * bare count per key; it is read as a group without examples.
 */
const reasonGroup = z.object({ count: z.number(), examples: z.array(z.string()) });
const reasonGroups = z.record(
  z.string(),
  z.union([reasonGroup, z.number().transform((count) => ({ count, examples: [] as string[] }))]),
);
const accuracy = z.record(z.string(), z.object({ accuracy: z.number(), constraints: z.number() }));

/** What `summarize()` computes from the results. */
export const scoresSchema = z.object({
  c_level: z.number().nullable(),
  p_level: z.number().nullable(),
  overall: z.number().nullable(),
  counts: z.object({
    c_items: z.number(),
    p_items: z.number(),
    failed_items: z.number(),
    failed_constraints: z.number(),
    scored_c_items: z.number(),
    scored_p_items: z.number(),
  }),
  strict: z.number().nullable(),
  by_method: accuracy,
  by_category: accuracy,
  ci95: z.object({ c_level: interval, p_level: interval, overall: interval, bootstrap_samples: z.number() }),
});

export const summarySchema = z.object({
  ...writtenBySchema.shape,
  ...runStatusFields,
  ...scoresSchema.shape,
  model: z.string().nullable(),
  judge: z.string(),
  perception_judge: z.string(),
  profile: z.string(),
  bench: z.string(),
  created_at: z.string(),
  /** Only with `--judge none`: rule_based accuracy and strict rate; C / P / Avg are then null. */
  rule_only: z
    .object({ accuracy: z.number().nullable(), constraints: z.number(), items: z.number(), strict: z.number().nullable(), note: z.string() })
    .optional(),
  usage: z.array(usageSchema),
  cost: z.number().nullable(),
  /** Present when --skip-bad-rows left items out: why these scores are not comparable with the full benchmark. */
  not_comparable: z.string().optional(),
});

export const generateStatsSchema = z.object({
  ...writtenBySchema.shape,
  ...runStatusFields,
  images: z.object({ total: z.number(), kept: z.number(), dropped: z.number(), drop_reasons: reasonGroups }),
  questions: z.object({ total: z.number(), rejected: z.number(), reject_reasons: reasonGroups }),
  items: z.object({
    total: z.number(),
    with_constraints: z.number(),
    answered: z.number(),
    scored: z.number(),
    kept: z.number(),
    kept_rate: z.number(),
    not_kept_reasons: reasonGroups,
  }),
  constraints: z.object({
    written: z.number(),
    dropped_by_compat: z.number(),
    dropped_other: z.number(),
    /** Dropped constraints by kind (incompatible, duplicate, ...); absent in files of format 1. */
    drop_reasons: reasonGroups.optional(),
    final: z.number(),
    per_item: z.object({ min: z.number(), max: z.number(), mean: z.number(), histogram: counts }),
    by_category: counts,
    by_subcategory: counts,
    by_method: counts,
    assignment_fallbacks: z.number(),
    kept_items_by_category: counts,
    /** Constraints per item against the target distribution (see README). */
    counts: z.object({ target: counts, all: countHistogram, kept: countHistogram, below_min: z.number() }),
  }),
  usage: z.array(usageSchema),
  cost: z.number().nullable(),
  seed: z.number(),
  stages: z.array(z.string()),
  /** Kept items written to bench.jsonl and sft.jsonl, and lines the exporter left out with a problem (absent in files written before it was added). */
  exports: z.object({ bench: z.number(), sft: z.number(), problems: z.number() }).optional(),
});

export const dpoStatsSchema = z.object({
  ...writtenBySchema.shape,
  ...runStatusFields,
  items_read: z.number(),
  items_used: z.number(),
  pairs: z.number(),
  dropped: z.number(),
  drop_reasons: reasonGroups,
  failed: z.number(),
  /** Why pairs could not be made, by kind; absent in files of format 1. */
  failed_reasons: reasonGroups.optional(),
  by_strategy: counts,
  removed_per_pair: z.object({ mean: z.number() }),
});

export type Scores = z.infer<typeof scoresSchema>;
export type SummaryFile = z.infer<typeof summarySchema>;
export type RuleOnlySummary = NonNullable<SummaryFile["rule_only"]>;
export type GenerateStats = z.infer<typeof generateStatsSchema>;
export type DpoStats = z.infer<typeof dpoStatsSchema>;
export type ReasonGroups = z.infer<typeof reasonGroups>;
