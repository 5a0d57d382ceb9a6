/**
 * `mmif generate` as a library call: filter the images, run every input through the pipeline with a bounded
 * number in flight, write images.jsonl and items.jsonl in input order as results arrive, then the kept items as
 * an MM-IFEval bench and a LLaMA-Factory SFT set, and stats.json.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ExportImageError, IMAGES_DIR, ImagePlacer, type ExportProblem } from "../export/index.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { keepOnlyFiles } from "../io/tidy.js";
import { pricesByModel, usageWithCost, type Price } from "../model/accounting.js";
import type { Ledger } from "../model/ledger.js";
import { ShardRecorder, inShard, type Shard } from "../run/shard.js";
import type { RunVerdict } from "../run/status.js";
import { allClients } from "./clients.js";
import { exportKeptItems } from "./exports.js";
import { OrderedJsonlWriter, forEachBounded } from "../io/ordered-writer.js";
import { processInput, type PipelineInput, type PipelineOptions } from "./pipeline.js";
import { StatsCollector, type GenerateStats } from "./stats.js";
import type { EngineItem, ImageRecord } from "./types.js";

export interface GenerateOptions extends PipelineOptions {
  outDir: string;
  ledger: Ledger;
  /** Image records from the filter stage (kept and dropped), in order. */
  images?: AsyncIterable<ImageRecord>;
  /** Folder the records' relative paths are relative to. */
  imageRoot?: string;
  /** Images that come with a question. */
  questions?: AsyncIterable<PipelineInput & { kind: "question" }>;
  /** At most this many inputs (images kept by the filter, then questions). */
  limit?: number;
  /** Inputs in flight at once; bounds memory. */
  window?: number;
  /** How the run ended, asked once the work is done (src/run/status.ts); complete when not given. */
  verdict?: () => RunVerdict;
  /** Hears each kept item the exports leave out (a literal `<image>`, an image that cannot be placed). */
  onExportProblem?: (file: string, problem: ExportProblem) => void;
  /** --shard i/n: only the inputs whose image hash falls in this part; `config` (the settings that decide the
   *  outputs) goes into shard.json so that `mmif merge` refuses shards of different runs. */
  shard?: { part: Shard; config: Record<string, unknown> };
}

/** The files a generate run writes one record per line for, in the shard manifest. */
export const GENERATE_LINE_FILES = ["items.jsonl"] as const;

/** What stats.json needs besides the records: kept in shard.json so that a merge can recompute it. */
export interface GenerateSummarySettings {
  distribution?: Record<number, number>;
  stages: string[];
  seed: number;
  /** USD per million tokens by model name, as the run's clients were configured. */
  prices: Record<string, Price | undefined>;
}

/** stats.json from the folded records, the ledger's usage priced, and how the run ended. */
export function finishGenerateStats(stats: StatsCollector, ledger: Ledger, settings: GenerateSummarySettings, verdict: RunVerdict, exports: GenerateStats["exports"]): GenerateStats {
  const usage = usageWithCost(ledger, settings.prices);
  const priced = usage.filter((u) => u.cost !== null);
  return stats.finish({
    ...verdict,
    usage,
    cost: priced.length === 0 ? null : priced.reduce((s, u) => s + u.cost!, 0),
    seed: settings.seed,
    stages: settings.stages,
    exports,
  });
}

/**
 * Inputs for the pipeline: kept images (writing every filter record on the way, when asked), then questions. With a
 * shard, every input is still counted (its position is its place in the unsharded run), but only the shard's own are
 * yielded.
 */
export async function* pipelineInputs(options: Pick<GenerateOptions, "images" | "questions" | "limit" | "imageRoot" | "shard">, imagesOut?: JsonlSink, stats?: StatsCollector, recorder?: ShardRecorder): AsyncGenerator<PipelineInput> {
  let taken = 0;
  const limit = options.limit ?? Infinity;
  const part = options.shard?.part;
  if (options.images) {
    for await (const record of options.images) {
      stats?.image(record);
      await imagesOut?.write(record);
      if (!record.kept || taken >= limit) continue;
      const position = taken++;
      if (!inShard(part, record.sha256)) continue;
      recorder?.took(position);
      yield { kind: "image", id: record.sha256.slice(0, 16), image: { path: resolve(options.imageRoot ?? ".", record.path), sha256: record.sha256 }, position };
    }
  }
  if (options.questions) {
    for await (const q of options.questions) {
      if (taken >= limit) break;
      const position = taken++;
      if (!inShard(part, q.image.sha256)) continue;
      recorder?.took(position);
      yield { ...q, position };
    }
  }
}

export async function runGenerate(options: GenerateOptions): Promise<GenerateStats> {
  mkdirSync(options.outDir, { recursive: true });
  const stats = new StatsCollector(options.counts.distribution);
  const images = options.images ? new JsonlSink(join(options.outDir, "images.jsonl")) : undefined;
  const items = new JsonlSink(join(options.outDir, "items.jsonl"));
  // A kept item's image is put into images/<sha256>.<ext> (a hard link where possible) and recorded as its `copy`.
  const placer = new ImagePlacer(options.outDir, "link");
  const keptImages = new Set<string>();
  // Before an item is counted and written: a kept item whose image can no longer be read (moved or deleted since
  // its calls) is not kept, for "image: <why>" (an unreadable image), and the run goes on; its calls stay paid for.
  const placeKept = async (out: EngineItem[]) => {
    for (const it of out) {
      if (it.kept !== true) continue;
      try {
        const placed = await placer.place(it.image);
        keptImages.add(placed.name);
        it.image = { ...it.image, copy: placed.ref };
      } catch (e) {
        if (!(e instanceof ExportImageError)) throw e;
        it.kept = false;
        it.reasons = [...it.reasons, `image: ${e.message}`];
      }
    }
  };
  const ordered = new OrderedJsonlWriter<EngineItem>(items, (it) => {
    stats.item(it);
    // Not kept is an outcome, not an error.
    options.events?.emit({ type: "item", stage: "items", ok: true, dropped: it.kept !== true });
  });
  const recorder = options.shard ? new ShardRecorder(GENERATE_LINE_FILES) : undefined;
  await forEachBounded(
    pipelineInputs(options, images, stats, recorder),
    options.window ?? 256,
    (input) => processInput(input, options),
    async (position, out) => {
      recorder?.wrote(position, { "items.jsonl": out.length });
      await placeKept(out);
      return ordered.put(position, out);
    },
  );
  await images?.close();
  await items.close();
  // images/ holds exactly the kept items' images, also after a rerun that keeps fewer.
  keepOnlyFiles(join(options.outDir, IMAGES_DIR), keptImages);

  const exported = await exportKeptItems(join(options.outDir, "items.jsonl"), options.outDir, options.onExportProblem);
  const settings: GenerateSummarySettings = {
    ...(options.counts.distribution ? { distribution: { ...options.counts.distribution } } : {}),
    stages: [...options.stages],
    seed: options.seed,
    prices: pricesByModel(allClients(options.clients).map((c) => c.endpoint)),
  };
  const exports = { bench: exported.bench, sft: exported.sft.exported, problems: exported.problems };
  const result = finishGenerateStats(stats, options.ledger, settings, options.verdict?.() ?? { status: "complete", status_reasons: [] }, exports);
  writeJsonFile(join(options.outDir, "stats.json"), result);
  if (options.shard && recorder) {
    const { part, config } = options.shard;
    recorder.write(options.outDir, { kind: "generate", shard: part, seed: options.seed, config, settings: { ...settings } });
  }
  return result;
}
