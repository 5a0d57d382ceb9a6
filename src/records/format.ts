// What every summary file says about its writer, so a reader can tell which mmif and which layout wrote it.
import { z } from "zod";
import { packageVersion } from "../common/version.js";

/**
 * The layout of the files below; raised when a field changes meaning or goes away (adding one does not).
 * 2: the reason tables of stats.json and dpo-stats.json are grouped by kind (`{count, examples}`), not bare counts.
 */
export const FORMAT_VERSION = 2;

export const writtenBySchema = z.object({
  /** The mmif (package) version that wrote the file. */
  mmif_version: z.string(),
  format_version: z.number().int(),
});

export type WrittenBy = z.infer<typeof writtenBySchema>;

export function writtenBy(): WrittenBy {
  return { mmif_version: packageVersion(), format_version: FORMAT_VERSION };
}

/** A run's status (issue #10): complete, incomplete (work left undone) or unreliable (too much failed). */
export const runStatusFields = {
  status: z.enum(["complete", "incomplete", "unreliable"]),
  /** Why the run is not complete, one sentence each; empty when it is. */
  status_reasons: z.array(z.string()),
};

/** Calls and tokens per model and stage over the ledger, with cost (USD; null without a price). */
export const usageSchema = z.object({
  model: z.string(),
  stage: z.string(),
  calls: z.number(),
  failed: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cost: z.number().nullable(),
});
