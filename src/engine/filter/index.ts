/**
 * The image filter, the first stage of `mmif generate` and the whole of `mmif filter`: every image gets a record,
 * kept or dropped, with every reason it was dropped.
 *
 * For each path, in input order:
 *  1. read: the file's bytes (at most 50 MiB, the model layer's limit) and their sha256;
 *  2. measure: one decode to a grey thumbnail → size, complexity, pHash (measure.ts); failures are "decode: ...";
 *  3. local checks: "resolution: WxH < min", "aspect: r > max (WxH)", "complexity: c < min (entropy, edges)";
 *  4. duplicates, among the images that passed 1–3 (so a small or corrupt copy never shadows a good one): "duplicate
 *     of <path>" / "near-duplicate of <path> (distance d)", the first in input order staying (duplicates.ts);
 *  5. external scorer, only for images still kept (duplicates are never sent): its score/tags go in `external`, its
 *     thresholds may drop the image; a failed call is a note ("external scorer: ...") on a kept image, or with
 *     `required` a reason (external.ts). A duplicate of an image the scorer then drops stays a duplicate: it shows
 *     the same content, and it would fare the same.
 *
 * Steps 1–2 and 5 run `concurrency` images at a time; step 4 runs in input order, so records are the same whatever
 * the concurrency. Memory: a bounded window of images in flight plus ~200 bytes of hash state per kept image.
 */
import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ImageError, formatBytes } from "../../model/images/errors.js";
import { MIME_TYPES } from "../../model/images/formats.js";
import { fileProblem } from "../../model/images/load.js";
import { DEFAULT_MAX_BYTES, type ImageFormat } from "../../model/images/types.js";
import type { ModelEvents } from "../../model/progress.js";
import type { ImageRecord } from "../types.js";
import { DuplicateIndex } from "./duplicates.js";
import { ExternalScorerError, callExternalScorer, externalReasons } from "./external.js";
import { measureImage, type Measurement } from "./measure.js";
import { mapOrdered } from "./ordered.js";
import { parseFilterOptions, type ExternalScorerOptions, type FilterOptions, type FilterOptionsInput } from "./options.js";

export { DuplicateIndex, hammingDistance, type DuplicateMatch } from "./duplicates.js";
export { ExternalScorerError, callExternalScorer, externalReasons, type ExternalRequest, type ExternalResult } from "./external.js";
export { measureImage, perceptualHash, greyEntropy, edgeDensity, complexityScore, type Measurement, type GreyImage } from "./measure.js";
export {
  DEFAULT_FILTER_OPTIONS,
  DEDUPE_MODES,
  EXTERNAL_SEND_MODES,
  FilterOptionsError,
  filterOptionsSchema,
  parseFilterOptions,
  type DedupeMode,
  type ExternalScorerOptions,
  type FilterOptions,
  type FilterOptionsInput,
} from "./options.js";
export { IMAGE_EXTENSIONS, scanImageFolder, type ScanResult } from "./scan.js";
export { FilterTally } from "./summary.js";

/** An ImageRecord plus notes on a kept image (an external scorer that failed without `required`). */
export interface FilterRecord extends ImageRecord {
  notes?: string[];
}

export interface FilterContext {
  /** Folder relative paths are resolved against (default: the current folder); records keep paths as given. */
  root?: string;
  /** Receives `stage` (with the total, when known) and one `item` per record (ok: false for unreadable or
   *  undecodable images and scorer errors). */
  events?: ModelEvents;
  /** Progress stage name (default "filter"). */
  stage?: string;
  /** Number of paths, for progress, when `paths` is not an array. */
  total?: number;
  /** When aborted, no new image is started; those in flight still get their records. */
  signal?: AbortSignal;
}

/** An image after steps 1–3. */
interface Measured {
  record: FilterRecord;
  /** Absolute path, for the external scorer. */
  file: string;
  /** True when steps 1–3 found nothing wrong: a candidate for the duplicate index. */
  clean: boolean;
  /** Could not be read or decoded. */
  broken: boolean;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function formatRatio(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

async function readImageFile(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, "r");
    const { size } = await handle.stat();
    if (size > DEFAULT_MAX_BYTES) throw new ImageError(file, `the file is ${formatBytes(size)}, over the ${formatBytes(DEFAULT_MAX_BYTES)} limit images are sent with`);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(file, fileProblem(err), { cause: err });
  } finally {
    await handle?.close();
  }
}

/** The reasons steps 1–3 drop a measured image for. */
function localReasons(m: Measurement, complexity: number, options: FilterOptions): string[] {
  const reasons: string[] = [];
  const short = Math.min(m.width, m.height);
  const long = Math.max(m.width, m.height);
  if (short < options.minSide) reasons.push(`resolution: ${m.width}x${m.height} < ${options.minSide}`);
  const aspect = long / short;
  if (aspect > options.maxAspect) reasons.push(`aspect: ${formatRatio(aspect)} > ${options.maxAspect} (${m.width}x${m.height})`);
  if (complexity < options.minComplexity) {
    reasons.push(`complexity: ${complexity} < ${options.minComplexity} (entropy ${m.entropy.toFixed(3)}, edges ${m.edgeDensity.toFixed(3)})`);
  }
  return reasons;
}

async function measureOne(path: string, root: string, options: FilterOptions): Promise<Measured> {
  const file = resolve(root, path);
  let bytes: Buffer;
  try {
    bytes = await readImageFile(file);
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    return { record: { path, sha256: "", kept: false, reasons: [`read: ${err.problem}`] }, file, clean: false, broken: true };
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length === 0) return { record: { path, sha256, kept: false, reasons: ["decode: empty file (0 bytes)"] }, file, clean: false, broken: true };
  let m: Measurement;
  try {
    m = await measureImage(bytes, path);
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    return { record: { path, sha256, kept: false, reasons: [`decode: ${err.problem}`] }, file, clean: false, broken: true };
  }
  // Rounded before the comparison, so a record never shows a value that contradicts its verdict.
  const complexity = round4(m.complexity);
  const reasons = localReasons(m, complexity, options);
  const record: FilterRecord = { path, sha256, width: m.width, height: m.height, format: m.format, complexity, phash: m.phash, kept: false, reasons };
  return { record, file, clean: reasons.length === 0, broken: false };
}

async function scoreOne(item: Measured, external: ExternalScorerOptions): Promise<void> {
  const { record } = item;
  try {
    let image = item.file;
    if (external.send === "data-url") {
      const bytes = await readFile(item.file).catch((err: unknown) => {
        throw new ExternalScorerError(`cannot read the image again: ${fileProblem(err)}`);
      });
      image = `data:${MIME_TYPES[record.format as ImageFormat]};base64,${bytes.toString("base64")}`;
    }
    const result = await callExternalScorer({ path: record.path, image }, external);
    record.external = result;
    record.reasons.push(...externalReasons(result, external));
  } catch (err) {
    if (!(err instanceof ExternalScorerError)) throw err;
    const message = `external scorer: ${err.message}`;
    if (external.required) record.reasons.push(message);
    else record.notes = [...(record.notes ?? []), message];
  }
}

/**
 * Filters images, yielding one record per path in input order. `paths` are file paths (relative ones against
 * `context.root`); give them in a deterministic order (scanImageFolder sorts) for deterministic duplicates.
 * Throws FilterOptionsError for bad options; problems with single images are records, never exceptions.
 */
export async function* filterImages(
  paths: Iterable<string> | AsyncIterable<string>,
  options: FilterOptionsInput = {},
  context: FilterContext = {},
): AsyncGenerator<FilterRecord> {
  const opts = parseFilterOptions(options);
  const root = resolve(context.root ?? ".");
  const stage = context.stage ?? "filter";
  const total = Array.isArray(paths) ? paths.length : context.total;
  if (total !== undefined) context.events?.emit({ type: "stage", stage, total });
  const index = new DuplicateIndex(opts.dedupe, opts.nearDistance);
  const external = opts.external;

  const measured = mapOrdered(paths, opts.concurrency, (path) => measureOne(path, root, opts), context.signal);
  // Duplicates are decided here, one image at a time in input order, as the measured images come out in order.
  async function* deduplicated(): AsyncGenerator<Measured> {
    for await (const item of measured) {
      const { record } = item;
      if (item.clean && opts.dedupe !== "off") {
        const match = index.find(record.sha256, record.phash);
        if (match?.kind === "exact") record.reasons.push(`duplicate of ${match.of}`);
        else if (match?.kind === "near") record.reasons.push(`near-duplicate of ${match.of} (distance ${match.distance})`);
        else index.add(record.path, record.sha256, record.phash);
      }
      yield item;
    }
  }
  const scored = external
    ? mapOrdered(deduplicated(), opts.concurrency, async (item) => {
        if (item.record.reasons.length === 0) await scoreOne(item, external);
        return item;
      })
    : deduplicated();

  for await (const item of scored) {
    const { record } = item;
    record.kept = record.reasons.length === 0;
    const scorerFailed = [...record.reasons, ...(record.notes ?? [])].some((r) => r.startsWith("external scorer:"));
    context.events?.emit({ type: "item", stage, ok: !item.broken && !scorerFailed });
    yield orderFields(record);
  }
}

/** The record with its fields in ImageRecord's order (JSON lines read the same for every image). */
function orderFields(r: FilterRecord): FilterRecord {
  const out: Record<string, unknown> = { path: r.path, sha256: r.sha256 };
  for (const key of ["width", "height", "format", "complexity", "phash", "external"] as const) {
    if (r[key] !== undefined) out[key] = r[key];
  }
  out.kept = r.kept;
  out.reasons = r.reasons;
  if (r.notes !== undefined) out.notes = r.notes;
  return out as unknown as FilterRecord;
}
