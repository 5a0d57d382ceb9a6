/**
 * What a generate run hands on, from the kept items of items.jsonl (read back as a stream):
 * - (images/<sha256>.<ext>, the kept items' images, are placed as items.jsonl is written: `image.copy`);
 * - bench.jsonl: an MM-IFEval bench in our JSONL format (a main row per kept item, an aux row per cmp_gpt
 *   constraint) that `mmif eval --bench` reads;
 * - sft.jsonl + dataset_info.json: the SFT set in LLaMA-Factory's ShareGPT format.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { readJsonObjects } from "../io/json-lines.js";
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { sftDatasetInfo, sftExample } from "../export/llamafactory.js";
import { assemblePrompt, toBenchConstraint } from "./respond.js";
import type { EngineItem } from "./types.js";

export const SFT_DATASET = "mmif_sft";

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
  const bench = new JsonlSink(join(dir, "bench.jsonl"));
  const sft = new JsonlSink(join(dir, "sft.jsonl"));
  let kept = 0;
  for await (const line of readJsonObjects(createReadStream(itemsPath))) {
    if ("error" in line) throw new Error(`${itemsPath} line ${line.line}: ${line.error}`);
    const item = line.value as unknown as EngineItem;
    if (item.kept !== true || item.response === undefined) continue;
    kept++;
    const image = item.image.copy;
    if (image === undefined) throw new Error(`${itemsPath}: kept item ${item.id} has no image.copy (generate places the image of every kept item)`);
    for (const row of benchRows(item, image)) await bench.write(row);
    await sft.write(sftExample(assemblePrompt(item.task, item.constraints), item.response, join(dir, image), dir));
  }
  await bench.close();
  await sft.close();
  writeJsonFile(join(dir, "dataset_info.json"), { [SFT_DATASET]: sftDatasetInfo("sft.jsonl") });
  return { kept };
}
