/**
 * The filter's thresholds, validated once (zod) with their defaults. The defaults run on a CPU with no model
 * weights and aim to drop only what is clearly unusable for instruction data, not to rank images:
 *
 * - minSide 224: the input side of most vision encoders (CLIP/SigLIP ViTs); smaller images carry too little detail
 *   for long, constraint-rich answers. The paper drops "low-resolution images" without a number.
 * - maxAspect 3: banners, strips and long screenshots past 3:1 tile badly in VLM preprocessing and rarely hold a
 *   describable scene; ordinary photos (4:3, 16:9 ≈ 1.78, 21:9 ≈ 2.33) pass.
 * - minComplexity 0.03: drops blank, single-colour and smooth-gradient images (0) and nearly empty ones (a dot
 *   0.002, a small logo on white 0.015) while keeping documents, which the paper draws on (MultiUI, ChartQA):
 *   measured on slides, charts and screenshots drawn at 1280×720 and 1920×1080 (test/engine/filter/
 *   documents.test.ts, PNG and JPEG), a title-only slide scores 0.05–0.06, a "Thank you!" slide 0.07, a title
 *   with two bullets 0.09–0.12, a line chart 0.18, a settings screenshot 0.26, a bar chart 0.33. The former
 *   default 0.1 dropped sparse slides. Denser documents score 0.4–0.75, a geometry diagram ≈ 0.16, photos
 *   0.3–0.95 (see measure.ts for the score).
 * - nearDistance 6 of 64 bits: JPEG re-encodes, small resizes and brightness changes of one picture differ by
 *   0–4 bits (0–2 for the 40 quality-70 re-encodes among 2,000 generated test images), while unrelated pictures
 *   sit at a median of 32 bits (the closest of those 2,000 images' 1.9 M unrelated pairs: 10 bits). Six leaves
 *   room for mild edits with a margin against false matches.
 * - external scorer: off unless a URL is given; timeout 30 s; a failed call keeps the image (noted) unless
 *   `required`, because an outage of an optional service should not silently empty a data set.
 */
import { z } from "zod";
import { InputError } from "../../common/errors.js";

export const DEDUPE_MODES = ["near", "exact", "off"] as const;
export type DedupeMode = (typeof DEDUPE_MODES)[number];

export const EXTERNAL_SEND_MODES = ["data-url", "path"] as const;

export const externalScorerSchema = z.strictObject({
  /** http(s) URL the filter POSTs each image to (protocol in external.ts). */
  url: z.url({ protocol: /^https?$/ }),
  /** Drop images whose score is below this; a reply without a score is then an error. */
  minScore: z.number().finite().optional(),
  /** Drop images with fewer tags than this; a reply without tags is then an error. */
  minTags: z.number().int().min(0).optional(),
  /** Per-image request deadline. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Drop an image the scorer could not score (error, timeout, bad reply); by default it is kept with a note. */
  required: z.boolean().default(false),
  /** What goes in the request's `image` field: the bytes as a data URL, or the absolute file path. */
  send: z.enum(EXTERNAL_SEND_MODES).default("data-url"),
});

export const filterOptionsSchema = z.strictObject({
  /** Drop images whose shorter side is below this many pixels. */
  minSide: z.number().int().min(1).default(224),
  /** Drop images whose longer side is more than this many times the shorter side. */
  maxAspect: z.number().min(1).default(3),
  /** Drop images whose complexity score (0–1) is below this; 0 keeps everything. */
  minComplexity: z.number().min(0).max(1).default(0.03),
  /** near: exact (sha256) and near (pHash) duplicates; exact: sha256 only; off: keep duplicates. */
  dedupe: z.enum(DEDUPE_MODES).default("near"),
  /** Largest pHash Hamming distance (bits of 64) that counts as a near duplicate. */
  nearDistance: z.number().int().min(0).max(32).default(6),
  /** Images read, decoded and scored at once. */
  concurrency: z.number().int().min(1).max(256).default(4),
  external: externalScorerSchema.optional(),
});

/** What callers pass: every field optional. */
export type FilterOptionsInput = z.input<typeof filterOptionsSchema>;
/** Validated options with every default filled in. */
export type FilterOptions = z.output<typeof filterOptionsSchema>;
export type ExternalScorerOptions = z.output<typeof externalScorerSchema>;

export const DEFAULT_FILTER_OPTIONS: FilterOptions = filterOptionsSchema.parse({});

/** Raised for options that cannot be used; the message names every bad field. */
export class FilterOptionsError extends InputError {}

export function parseFilterOptions(input: FilterOptionsInput = {}): FilterOptions {
  const parsed = filterOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(options)"}: ${i.message}`).join("; ");
    throw new FilterOptionsError(`filter options: ${issues}`);
  }
  return parsed.data;
}
