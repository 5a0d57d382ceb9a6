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
import { readRecords, writtenBy, type DpoStats } from "../records/index.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import type { ModelEvents } from "../model/progress.js";
import type { RunVerdict } from "../run/status.js";
import { makePair, type PairOptions } from "./pairs.js";

export type { DpoStats };

/**
 * Why `path` is not an items.jsonl of `mmif generate` (judged from its first record), or undefined: an empty file,
 * pairs.jsonl, or any other JSONL would otherwise "succeed" with 0 pairs.
 */
export async function itemsFileProblem(path: string): Promise<string | undefined> {
  for await (const line of readJsonObjects(createReadStream(path))) {
    if ("error" in line) return `${path} line ${line.line}: ${line.error}; expected the items.jsonl of mmif generate`;
    const first = line.value;
    if ("chosen" in first && "rejected" in first) return `${path} holds preference pairs (pairs.jsonl of mmif dpo), not items; give the items.jsonl of mmif generate`;
    const missing = ["task", "constraints", "kept"].filter((f) => !(f in first));
    if (missing.length > 0) return `${path} line ${line.line} is not an item of mmif generate (no ${missing.join(", ")}); give the items.jsonl of mmif generate`;
    return undefined;
  }
  return `${path} is empty; give the items.jsonl of mmif generate`;
}

/** Kept items with an answer, image paths resolved against the items file's folder; bad lines become issues. */
async function* keptItems(path: string, issues: RowIssue[], counts: { read: number }, limit: number, events?: ModelEvents): AsyncGenerator<EngineItem> {
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
    yield { ...item, image: { ...item.image, path: resolve(root, item.image.path) } };
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

export async function runDpo(itemsPath: string, outDir: string, options: DpoRunOptions, issues: RowIssue[]): Promise<DpoStats> {
  mkdirSync(outDir, { recursive: true });
  const pairsOut = new JsonlSink(join(outDir, "pairs.jsonl"));
  const droppedOut = new JsonlSink(join(outDir, "dropped-pairs.jsonl"));
  const counts = { read: 0 };
  const stats: DpoStats = { ...writtenBy(), status: "complete", status_reasons: [], items_read: 0, items_used: 0, pairs: 0, dropped: 0, drop_reasons: {}, failed: 0, by_strategy: {}, removed_per_pair: { mean: 0 } };
  let removedTotal = 0;
  const ordered = new OrderedJsonlWriter<unknown>(pairsOut);
  const dropped = new OrderedJsonlWriter<unknown>(droppedOut);
  stats.items_used = await forEachBounded(
    keptItems(itemsPath, issues, counts, options.limit ?? Infinity, options.events),
    options.window ?? 256,
    (item) => makePair(item, options),
    async (position, outcome) => {
      options.events?.emit({ type: "item", stage: "pairs", ok: !("error" in outcome), dropped: !("error" in outcome) && !outcome.kept });
      if ("error" in outcome) {
        stats.failed++;
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
        stats.drop_reasons[outcome.reason!] = (stats.drop_reasons[outcome.reason!] ?? 0) + 1;
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
