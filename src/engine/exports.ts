/**
 * What a generate run hands on, from the kept items of items.jsonl (read back as a stream):
 * - images/<sha256>.<ext>: the kept items' images (hard links where possible, else copies), so the folder is
 *   self-contained;
 * - bench.jsonl: an MM-IFEval bench in our JSONL format (a main row per kept item, an aux row per cmp_gpt
 *   constraint) that `mmif eval --bench` reads;
 * - sft.jsonl + dataset_info.json: the SFT set in LLaMA-Factory's ShareGPT format.
 */
import { closeSync, copyFileSync, createReadStream, existsSync, linkSync, mkdirSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { readJsonObjects } from "../io/json-lines.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { sniffImageFormat } from "../model/images.js";
import { sftDatasetInfo, sftExample } from "../export/llamafactory.js";
import { assemblePrompt, toBenchConstraint } from "./respond.js";
import type { EngineItem } from "./types.js";

export const SFT_DATASET = "mmif_sft";

function extensionOf(path: string): string {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(32);
    readSync(fd, head, 0, 32, 0);
    const format = sniffImageFormat(head);
    return format === "jpeg" ? "jpg" : (format ?? "bin");
  } finally {
    closeSync(fd);
  }
}

/** Puts the image into `<dir>/images/` under its hash; returns the path relative to `dir`. */
function placeImage(dir: string, image: { path: string; sha256: string }): string {
  const relative = `images/${image.sha256}.${extensionOf(image.path)}`;
  const target = join(dir, relative);
  if (!existsSync(target)) {
    try {
      linkSync(image.path, target);
    } catch {
      copyFileSync(image.path, target);
    }
  }
  return relative;
}

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

export async function exportKeptItems(itemsPath: string, dir: string): Promise<{ kept: number }> {
  mkdirSync(join(dir, "images"), { recursive: true });
  const bench = new JsonlSink(join(dir, "bench.jsonl"));
  const sft = new JsonlSink(join(dir, "sft.jsonl"));
  let kept = 0;
  for await (const line of readJsonObjects(createReadStream(itemsPath))) {
    if ("error" in line) throw new Error(`${itemsPath} line ${line.line}: ${line.error}`);
    const item = line.value as unknown as EngineItem;
    if (item.kept !== true || item.response === undefined) continue;
    kept++;
    const image = placeImage(dir, item.image);
    for (const row of benchRows(item, image)) await bench.write(row);
    await sft.write(sftExample(assemblePrompt(item.task, item.constraints), item.response, join(dir, image), dir));
  }
  await bench.close();
  await sft.close();
  writeJsonFile(join(dir, "dataset_info.json"), { [SFT_DATASET]: sftDatasetInfo("sft.jsonl") });
  return { kept };
}
