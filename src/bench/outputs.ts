/**
 * The files an eval run leaves in --out: predictions.jsonl (every row, aux included), results.jsonl (one line per
 * main item), summary.json. Written whole at the end of a run from the ledger-backed results, through a temporary
 * file and a rename, so a reader never sees half a file.
 */
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { join } from "node:path";
import type { PredictionLine, ResultLine, SummaryFile } from "../records/index.js";
import type { Prediction } from "./run.js";
import type { ItemResult } from "./score.js";

export type { SummaryFile };

async function writeJsonl(path: string, records: Iterable<unknown>): Promise<void> {
  const file = new JsonlSink(path);
  for (const r of records) await file.write(r);
  await file.close();
}

export function predictionRecord(p: Prediction): PredictionLine {
  const r = p.row;
  return {
    index: r.index,
    id: r.id,
    tag: r.tag,
    infer_type: r.inferType,
    ...(r.delCons !== undefined ? { del_cons: r.delCons } : {}),
    question: r.question,
    prediction: p.prediction,
    ...(p.finishReason ? { finish_reason: p.finishReason } : {}),
    ...(p.error ? { error: p.error } : {}),
  };
}

export function resultRecord(r: ItemResult): ResultLine {
  return {
    id: r.id,
    tag: r.tag,
    score: r.score,
    status: r.status,
    ...(r.tag === "C-Level" ? { constraints: r.constraints } : {}),
    ...(r.answer !== undefined ? { answer: r.answer } : {}),
    replies: r.replies,
    rounds: r.rounds,
    ...(r.error ? { error: r.error } : {}),
  };
}

export async function writeRunOutputs(dir: string, predictions: readonly Prediction[] | null, results: readonly ItemResult[], summary: SummaryFile): Promise<void> {
  if (predictions) await writeJsonl(join(dir, "predictions.jsonl"), predictions.map(predictionRecord));
  await writeJsonl(join(dir, "results.jsonl"), results.map(resultRecord));
  writeJsonFile(join(dir, "summary.json"), summary);
}
