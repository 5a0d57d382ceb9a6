/**
 * `mmif dpo` as a library call: streams items.jsonl, makes a pair for every kept item with a bounded number in
 * flight, and writes pairs.jsonl (kept pairs), dropped-pairs.jsonl (with the reason) and dpo-stats.json.
 */
import { createReadStream, mkdirSync } from "node:fs";
import { readJsonObjects } from "../io/json-lines.js";
import { dirname, join, resolve } from "node:path";
import type { RowIssue } from "../bench/types.js";
import { OrderedJsonlWriter, forEachBounded } from "../io/ordered-writer.js";
import type { EngineItem } from "../engine/types.js";
import { checkRecord, readRecords, type DpoStats } from "../records/index.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import type { ModelEvents } from "../model/progress.js";
import { ShardRecorder, inShard, sha256Text, type Shard } from "../run/shard.js";
import type { RunVerdict } from "../run/status.js";
import { ExportImageError, ImagePlacer } from "../export/images.js";
import { makePair, type PairOptions, type PairOutcome } from "./pairs.js";
import { DROPPED_FILE, DpoStatsCollector, IMAGE_DROP, PAIRS_FILE } from "./stats.js";

export type { DpoStats };

/**
 * Why `path` is not an items.jsonl of `mmif generate` (judged from its first record), or undefined: an empty file,
 * pairs.jsonl, or any other JSONL would otherwise "succeed" with 0 pairs.
 */
export async function itemsFileProblem(path: string): Promise<string | undefined> {
  for await (const line of readJsonObjects(createReadStream(path))) {
    if ("error" in line) return `${path} line ${line.line}: ${line.error}; expected the items.jsonl of mmif generate`;
    if ("chosen" in line.value && "rejected" in line.value) return `${path} holds preference pairs (pairs.jsonl of mmif dpo), not items; give the items.jsonl of mmif generate`;
    const checked = checkRecord("items.jsonl", line.value);
    return "error" in checked ? `${path} line ${line.line}: ${checked.error}; give the items.jsonl of mmif generate` : undefined;
  }
  return `${path} is empty; give the items.jsonl of mmif generate`;
}

/**
 * The content hash that places a kept item in a shard: the sha256 of the item's JSON as read and checked (the
 * record's fields in the schema's order), so the same items.jsonl splits the same way on every machine.
 */
export function itemShardHash(item: EngineItem): string {
  return sha256Text(JSON.stringify(item));
}

/**
 * Kept items with an answer and their line, image paths resolved against the items file's folder; bad lines become
 * issues. With a shard, every kept item is counted (for --limit and its place in the run) but only the shard's own
 * are yielded, chosen by the sha256 of the item's JSON.
 */
export async function* keptItems(path: string, issues: RowIssue[], counts: { read: number }, limit: number, events?: ModelEvents, shard?: Shard, recorder?: ShardRecorder): AsyncGenerator<{ item: EngineItem; line: number }> {
  const root = dirname(resolve(path));
  let used = 0;
  for await (const line of readRecords("items.jsonl", path)) {
    counts.read++;
    if ("error" in line) {
      issues.push({ file: path, row: line.line, message: line.error });
      continue;
    }
    const item = line.value;
    if (item.kept !== true) continue;
    if (item.response === undefined) {
      issues.push({ file: path, row: line.line, field: "response", message: "a kept item needs a response" });
      continue;
    }
    if (used >= limit) return;
    const position = used++;
    if (shard !== undefined && !inShard(shard, itemShardHash(item))) continue;
    recorder?.took(position);
    events?.emit({ type: "items", stage: "pairs", count: 1 });
    const { copy, ...image } = item.image;
    yield { item: { ...item, image: { ...image, path: resolve(root, image.path), ...(copy !== undefined ? { copy: resolve(root, copy) } : {}) } }, line: line.line };
  }
}

/** The line an outcome writes: to pairs.jsonl (a kept pair) or dropped-pairs.jsonl (a dropped pair, an image problem, or a failure). */
function outcomeLine(outcome: DpoOutcome): { file: typeof PAIRS_FILE | typeof DROPPED_FILE; record: Record<string, unknown> } {
  if ("imageProblem" in outcome) return { file: DROPPED_FILE, record: { item_id: outcome.item_id, reason: outcome.imageProblem } };
  if ("error" in outcome) return { file: DROPPED_FILE, record: { item_id: outcome.item_id, reason: outcome.error } };
  if (outcome.kept) return { file: PAIRS_FILE, record: outcome.pair as unknown as Record<string, unknown> };
  return { file: DROPPED_FILE, record: { ...outcome.pair, reason: outcome.reason } };
}

export interface DpoRunOptions extends PairOptions {
  limit?: number;
  window?: number;
  /** How the run ended, asked once the work is done (src/run/status.ts); complete when not given. */
  verdict?: () => RunVerdict;
  /** Progress: a "pairs" line, one item per kept item read. */
  events?: ModelEvents;
  /** --shard i/n: only the kept items whose sha256 falls in this part; `config` goes into shard.json (see src/run/shard.ts). */
  shard?: { part: Shard; config: Record<string, unknown> };
}

export { IMAGE_DROP };

/** What one kept item comes to: a pair (kept or dropped), a failure, or an item left out for its image. */
type DpoOutcome = PairOutcome | { imageProblem: string; item_id: string };

/**
 * The item with the image its pair is made from: the run's copy when it can be read, else the original, placed by
 * `placer` (linked into the dpo folder's images/, or left where it is for a dry run); or, when neither can be
 * read, why (also reported in `issues`: the item is left out).
 */
export async function placeItemImage(item: EngineItem, line: number, placer: ImagePlacer, itemsPath: string, issues: RowIssue[]): Promise<{ item: EngineItem; ref: string } | { imageProblem: string }> {
  let placed;
  try {
    placed = await placer.place(item.image);
  } catch (e) {
    if (!(e instanceof ExportImageError)) throw e;
    issues.push({ file: itemsPath, row: line, field: "image", message: `${IMAGE_DROP}, the item is left out: ${e.message}` });
    return { imageProblem: `${IMAGE_DROP}: ${e.message}` };
  }
  return { item: { ...item, image: { path: resolve(placer.outDir, placed.ref), sha256: item.image.sha256 } }, ref: placed.ref };
}

/** The pair of one kept item (its image placed by placeItemImage, recorded as the pair's `image.copy`). */
async function pairFor(item: EngineItem, line: number, placer: ImagePlacer, itemsPath: string, options: DpoRunOptions, issues: RowIssue[]): Promise<DpoOutcome> {
  const placed = await placeItemImage(item, line, placer, itemsPath, issues);
  if ("imageProblem" in placed) return { imageProblem: placed.imageProblem, item_id: item.id };
  const { copy: _, ...original } = item.image;
  const outcome = await makePair(placed.item, options);
  if ("pair" in outcome) outcome.pair.image = { ...original, copy: placed.ref };
  return outcome;
}

export async function runDpo(itemsPath: string, outDir: string, options: DpoRunOptions, issues: RowIssue[]): Promise<DpoStats> {
  mkdirSync(outDir, { recursive: true });
  const sinks = { [PAIRS_FILE]: new JsonlSink(join(outDir, PAIRS_FILE)), [DROPPED_FILE]: new JsonlSink(join(outDir, DROPPED_FILE)) };
  const counts = { read: 0 };
  const stats = new DpoStatsCollector();
  const recorder = options.shard ? new ShardRecorder([PAIRS_FILE, DROPPED_FILE]) : undefined;
  const placer = new ImagePlacer(outDir, "link");
  // One writer in input order for both files, folding the stats as lines are written: the same file whatever order
  // the answers come back in.
  const ordered = new OrderedJsonlWriter<DpoOutcome>({
    write: async (outcome) => {
      const { file, record } = outcomeLine(outcome);
      stats.line(file, record);
      await sinks[file].write(record);
    },
  });
  const itemsUsed = await forEachBounded(
    keptItems(itemsPath, issues, counts, options.limit ?? Infinity, options.events, options.shard?.part, recorder),
    options.window ?? 256,
    ({ item, line }) => pairFor(item, line, placer, itemsPath, options, issues),
    async (position, outcome) => {
      if ("imageProblem" in outcome) options.events?.emit({ type: "item", stage: "pairs", ok: true, dropped: true });
      else options.events?.emit({ type: "item", stage: "pairs", ok: !("error" in outcome), dropped: !("error" in outcome) && !outcome.kept });
      recorder?.wrote(position, { [outcomeLine(outcome).file]: 1 });
      await ordered.put(position, [outcome]);
    },
  );
  await sinks[PAIRS_FILE].close();
  await sinks[DROPPED_FILE].close();
  const result = stats.finish({ items_read: counts.read, items_used: itemsUsed }, options.verdict?.() ?? { status: "complete", status_reasons: [] });
  writeJsonFile(join(outDir, "dpo-stats.json"), result);
  if (options.shard && recorder) {
    const { part, config } = options.shard;
    recorder.write(outDir, { kind: "dpo", shard: part, seed: options.seed, config, settings: { items_read: counts.read } });
  }
  return result;
}
