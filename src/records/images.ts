// images.jsonl (`mmif filter`, `mmif generate`): one record per image, kept or dropped and why.
import { z } from "zod";

export const imageRecordSchema = z.object({
  /** Relative to the image folder when found by scanning it. */
  path: z.string(),
  /** sha256 of the bytes; "" when the file could not be read. */
  sha256: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
  format: z.string().optional(),
  /** CPU complexity score in [0, 1]. */
  complexity: z.number().optional(),
  /** 64-bit perceptual hash, hex. */
  phash: z.string().optional(),
  external: z.object({ score: z.number().optional(), tags: z.array(z.string()).optional() }).optional(),
  kept: z.boolean(),
  /** Why it was dropped; empty when kept. */
  reasons: z.array(z.string()),
  notes: z.array(z.string()).optional(),
});

export type ImageRecord = z.infer<typeof imageRecordSchema>;
