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
import { checkRecord, readRecords, writtenBy, type DpoStats } from "../records/index.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import type { ModelEvents } from "../model/progress.js";
import { addReason } from "../run/reasons.js";
import type { RunVerdict } from "../run/status.js";
import { ExportImageError, ImagePlacer } from "../export/images.js";
import { makePair, type PairOptions, type PairOutcome } from "./pairs.js";

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

/** Kept items with an answer and their line, image paths resolved against the items file's folder; bad lines become issues. */
async function* keptItems(path: string, issues: RowIssue[], counts: { read: number }, limit: number, events?: ModelEvents): AsyncGenerator<{ item: EngineItem; line: number }> {
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
    if (used++ >= limit) return;
    events?.emit({ type: "items", stage: "pairs", count: 1 });
    const { copy, ...image } = item.image;
    yield { item: { ...item, image: { ...image, path: resolve(root, image.path), ...(copy !== undefined ? { copy: resolve(root, copy) } : {}) } }, line: line.line };
  }
}

export interface DpoRunOptions extends PairOptions {
  limit?: number;
  window?: number;
  /** How the run ended, asked once the work is done (src/run/status.ts); complete when not given. */
  verdict?: () => RunVerdict;
  /** Progress: a "pairs" line, one item per kept item read. */
  events?: ModelEvents;
}

/** The drop reason (dpo-stats.json `drop_reasons`) of an item whose image is missing or unreadable. */
export const IMAGE_DROP = "image missing or unreadable";

/**
 * The pair of one kept item, its image read from the run's copy or else the original and linked into the dpo
 * folder's images/ (recorded as the pair's `image.copy`); an item whose image is readable at neither is dropped.
 */
async function pairFor(item: EngineItem, line: number, placer: ImagePlacer, itemsPath: string, options: DpoRunOptions, issues: RowIssue[]): Promise<PairOutcome | { imageProblem: string; item_id: string }> {
  let placed;
  try {
    placed = await placer.place(item.image);
  } catch (e) {
    if (!(e instanceof ExportImageError)) throw e;
    issues.push({ file: itemsPath, row: line, field: "image", message: `${IMAGE_DROP}, the item is left out: ${e.message}` });
    return { imageProblem: `${IMAGE_DROP}: ${e.message}`, item_id: item.id };
  }
  const { copy: _, ...original } = item.image;
  const outcome = await makePair({ ...item, image: { path: join(placer.outDir, placed.ref), sha256: original.sha256 } }, options);
  if ("pair" in outcome) outcome.pair.image = { ...original, copy: placed.ref };
  return outcome;
}

export async function runDpo(itemsPath: string, outDir: string, options: DpoRunOptions, issues: RowIssue[]): Promise<DpoStats> {
  mkdirSync(outDir, { recursive: true });
  const pairsOut = new JsonlSink(join(outDir, "pairs.jsonl"));
  const droppedOut = new JsonlSink(join(outDir, "dropped-pairs.jsonl"));
  const counts = { read: 0 };
  const stats: DpoStats = { ...writtenBy(), status: "complete", status_reasons: [], items_read: 0, items_used: 0, pairs: 0, dropped: 0, drop_reasons: {}, failed: 0, failed_reasons: {}, by_strategy: {}, removed_per_pair: { mean: 0 } };
  let removedTotal = 0;
  const ordered = new OrderedJsonlWriter<unknown>(pairsOut);
  const dropped = new OrderedJsonlWriter<unknown>(droppedOut);
  const placer = new ImagePlacer(outDir, "link");
  stats.items_used = await forEachBounded(
    keptItems(itemsPath, issues, counts, options.limit ?? Infinity, options.events),
    options.window ?? 256,
    ({ item, line }) => pairFor(item, line, placer, itemsPath, options, issues),
    async (position, outcome) => {
      if ("imageProblem" in outcome) {
        options.events?.emit({ type: "item", stage: "pairs", ok: true, dropped: true });
        stats.dropped++;
        addReason(stats.drop_reasons, outcome.imageProblem);
        await Promise.all([ordered.put(position, []), dropped.put(position, [{ item_id: outcome.item_id, reason: outcome.imageProblem }])]);
        return;
      }
      options.events?.emit({ type: "item", stage: "pairs", ok: !("error" in outcome), dropped: !("error" in outcome) && !outcome.kept });
      if ("error" in outcome) {
        stats.failed++;
        addReason(stats.failed_reasons!, outcome.error);
        await Promise.all([ordered.put(position, []), dropped.put(position, [{ item_id: outcome.item_id, reason: outcome.error }])]);
        return;
      }
      if (outcome.kept) {
        stats.pairs++;
        stats.by_strategy[outcome.pair.strategy] = (stats.by_strategy[outcome.pair.strategy] ?? 0) + 1;
        removedTotal += outcome.pair.removed.length;
        await Promise.all([ordered.put(position, [outcome.pair]), dropped.put(position, [])]);
      } else {
        stats.dropped++;
        addReason(stats.drop_reasons, outcome.reason!);
        await Promise.all([ordered.put(position, []), dropped.put(position, [{ ...outcome.pair, reason: outcome.reason }])]);
      }
    },
  );
  await pairsOut.close();
  await droppedOut.close();
  stats.items_read = counts.read;
  stats.removed_per_pair.mean = stats.pairs === 0 ? 0 : removedTotal / stats.pairs;
  Object.assign(stats, options.verdict?.() ?? {});
  writeJsonFile(join(outDir, "dpo-stats.json"), stats);
  return stats;
}
