/**
 * The files an eval run leaves in --out: predictions.jsonl (every row, aux included), results.jsonl (one line per
 * main item), summary.json. Written whole at the end of a run from the ledger-backed results, through a temporary
 * file and a rename, so a reader never sees half a file.
 */
import { JsonlSink, writeJsonFile } from "../io/jsonl-file.js";
import { join } from "node:path";
import type { UsageWithCost } from "../model/accounting.js";
import type { RuleOnlySummary } from "./rule-only.js";
import type { RunVerdict } from "../run/status.js";
import type { Prediction } from "./run.js";
import type { ItemResult } from "./score.js";
import type { Summary } from "./summary.js";

export interface RunInfo {
  model: string | null;
  judge: string;
  perception_judge: string;
  profile: string;
  bench: string;
  created_at: string;
}

export interface SummaryFile extends RunVerdict, Summary, RunInfo {
  /** Only with `--judge none`: rule_based accuracy and strict rate; C / P / Avg are then null. */
  rule_only?: RuleOnlySummary;
  usage: UsageWithCost[];
  /** USD over the models with a price; null when none has one. */
  cost: number | null;
  /** Present when --skip-bad-rows left items out: why these scores are not comparable with the full benchmark. */
  not_comparable?: string;
}

async function writeJsonl(path: string, records: Iterable<unknown>): Promise<void> {
  const file = new JsonlSink(path);
  for (const r of records) await file.write(r);
  await file.close();
}

export function predictionRecord(p: Prediction): Record<string, unknown> {
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

export function resultRecord(r: ItemResult): Record<string, unknown> {
  return {
    id: r.id,
    tag: r.tag,
    score: r.score,
    status: r.status,
    ...(r.tag === "C-Level" ? { constraints: r.constraints } : {}),
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
