/**
 * What a generate run hands on, from the kept items of items.jsonl (read back as a stream):
 * - (images/<sha256>.<ext>, the kept items' images, are placed as items.jsonl is written: `image.copy`);
 * - sft.jsonl + dataset_info.json: the SFT set in LLaMA-Factory's ShareGPT format, written by `mmif export`'s
 *   exporter (src/export): the same checks, the same `images/<sha256>.<ext>` (read from the item's copy), and the
 *   entry merged into an existing dataset_info.json;
 * - bench.jsonl: an MM-IFEval bench in our JSONL format (a main row per kept item, an aux row per cmp_gpt
 *   constraint) that `mmif eval --bench` reads, its images named as the exporter names them.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { assemblePrompt } from "../constraints/prompt.js";
import { ExportImageError, ImagePlacer, runExport, sourceImage, type ExportProblem, type ExportSummary } from "../export/index.js";
import { JsonlSink } from "../io/jsonl-file.js";
import { readRecords } from "../records/read.js";
import { toBenchConstraint } from "./respond.js";
import type { EngineItem } from "./types.js";

/** The SFT set's dataset name (its dataset_info.json key) and file. */
export const SFT_DATASET = "mmif_sft";
export const SFT_FILE = "sft.jsonl";

/** The MM-IFEval rows of one kept item: its main row and one aux row per cmp_gpt constraint. */
export function benchRows(item: EngineItem, imagePath: string): Array<Record<string, unknown>> {
  const main = {
    index: item.id,
    id: item.id,
    tag: "C-Level",
    infer_type: "main",
    question: assemblePrompt(item.task, item.constraints),
    constraints: item.constraints.map(toBenchConstraint),
    image: imagePath,
  };
  const aux = item.constraints
    .filter((c) => c.judge.method === "cmp_gpt")
    .map((c) => ({ index: `${item.id}:${c.key}`, id: item.id, tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: c.key, question: assemblePrompt(item.task, item.constraints, c.key), image: imagePath }));
  return [main, ...aux];
}

/** bench.jsonl from the kept items; an item whose image cannot be placed (or a bad line) is a problem, left out. */
async function writeBench(itemsPath: string, dir: string, onProblem: (p: ExportProblem) => void): Promise<number> {
  const placer = new ImagePlacer(dir, "link");
  const itemsDir = dirname(resolve(itemsPath));
  const bench = new JsonlSink(join(dir, "bench.jsonl"));
  let kept = 0;
  try {
    for await (const line of readRecords("items.jsonl", itemsPath)) {
      if ("error" in line) {
        onProblem({ line: line.line, message: line.error });
        continue;
      }
      const item = line.value;
      if (item.kept !== true || item.response === undefined) continue;
      let image;
      try {
        image = await placer.place(sourceImage(item.image, itemsDir));
      } catch (e) {
        if (!(e instanceof ExportImageError)) throw e;
        onProblem({ line: line.line, message: `image.path: ${e.message}` });
        continue;
      }
      for (const row of benchRows(item, image.ref)) await bench.write(row);
      kept++;
    }
  } catch (e) {
    await bench.abort();
    throw e;
  }
  await bench.close();
  return kept;
}

export interface RunExports {
  /** Kept items written to bench.jsonl. */
  bench: number;
  /** The SFT export: kept items exported, lines left out with a problem. */
  sft: ExportSummary;
  /** Lines of items.jsonl left out of bench.jsonl or sft.jsonl (a line left out of both counts once). */
  problems: number;
}

/**
 * bench.jsonl, then sft.jsonl and dataset_info.json through the exporter. Problems (a kept item holding a literal
 * `<image>`, an image that cannot be placed) are handed to `onProblem` with the file they concern.
 */
export async function exportKeptItems(itemsPath: string, dir: string, onProblem: (file: string, p: ExportProblem) => void = () => {}): Promise<RunExports> {
  await mkdir(dir, { recursive: true });
  const lines = new Set<number>();
  const problem = (file: string, p: ExportProblem) => {
    lines.add(p.line);
    onProblem(file, p);
  };
  const bench = await writeBench(itemsPath, dir, (p) => problem("bench.jsonl", p));
  const sft = await runExport({
    input: itemsPath,
    format: "llamafactory",
    outDir: dir,
    imageMode: "link",
    name: SFT_DATASET,
    fileStem: SFT_FILE.replace(/\.jsonl$/, ""),
    kind: "items",
    allowEmpty: true,
    onProblem: (p) => problem(SFT_FILE, p),
  });
  return { bench, sft, problems: lines.size };
}
