/**
 * An eval or score run folder read for its report: summary.json, results.jsonl, predictions.jsonl (questions and
 * answers; absent in score runs of an older mmif), and the bench rows (given by the caller, or loaded again from the
 * bench path in summary.json) for the images. Verdicts carry their constraint's text, method and verify funcs, and P-Level results their ground truth,
 * so the rest renders from the run folder alone; results.jsonl files written before those fields take them from the
 * bench when it is there. Anything missing is left out, never fatal, except summary.json itself.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { loadBench } from "../bench/load/index.js";
import type { PredictionLine, ResultLine, SummaryFile } from "../records/index.js";
import { categoryOf } from "../constraints/taxonomy.js";
import type { BenchRow } from "../bench/types.js";
import type { Constraint } from "../constraints/schema.js";
import type { ImageSource } from "../model/images.js";
import { PAGE_SIZE, type BrowserData, type Unit } from "./browser-data.js";
import { categoryLabel, sortCategories } from "./labels.js";
import { cut, readJsonObject, readJsonl, verdictOf } from "./read.js";
import { makeThumbnails } from "./thumbnails.js";

export type { ResultLine };

export interface EvalItem {
  id: string;
  tag: string;
  status: string;
  verdict: string;
  score: number | null;
  rounds?: number;
  error?: string;
  question?: string;
  prediction?: string | null;
  predictionError?: string;
  finishReason?: string;
  truth?: string;
  img?: string;
  constraints: Array<{ key: string; cat: string; method: string; value?: string; check?: string; score: number | null; verdict: string; error?: string; note?: string }>;
  replies: Array<{ name: string; text: string; aux?: string }>;
}

export interface EvalReportOptions {
  /** The bench rows when the caller has them (saves loading the bench again). */
  rows?: readonly BenchRow[];
  /** Bench to read images, verify funcs and P-Level ground truths from instead of summary.json's `bench`. */
  bench?: string;
  /** The authors' layout: the folder its image paths are relative to (as `mmif eval --image-root`). */
  imageRoot?: string;
  /** Items carried by the page's browser (default 5000). */
  maxItems?: number;
  /** Distinct thumbnails (default 1000). */
  maxThumbnails?: number;
  /** Longest text kept per field (default 20,000 characters). */
  maxText?: number;
}

export interface EvalRun {
  dir: string;
  summary: SummaryFile;
  /** Every result line (small: no texts), for the failure tables. */
  results: ResultLine[];
  browser: BrowserData<EvalItem>;
  notes: string[];
}

function imageKey(source: ImageSource): string | undefined {
  if ("path" in source) return `path:${source.path}`;
  if ("base64" in source) return `b64:${createHash("sha256").update(source.base64).digest("hex")}`;
  if ("bytes" in source) return `bytes:${createHash("sha256").update(source.bytes).digest("hex")}`;
  return undefined;
}

function checkText(funcs: Constraint["judge"]["verify_funcs"]): string | undefined {
  if (!funcs || funcs.length === 0) return undefined;
  const args = (params: unknown) => (Array.isArray(params) ? params.map((p) => JSON.stringify(p)).join(", ") : `*${JSON.stringify(params)}`);
  return funcs.map((f) => `${f.func}(${args(f.params ?? [])})`).join("; ");
}

/** Whether results.jsonl predates verify funcs in verdicts and ground truths in P-Level results (only the bench has them). */
function lacksBenchFields(results: readonly ResultLine[]): boolean {
  return results.some((r) => (r.tag === "P-Level" && r.answer === undefined) || (r.constraints ?? []).some((v) => v.method === "rule_based" && v.verify_funcs === undefined));
}

async function benchRows(summary: SummaryFile, dir: string, results: readonly ResultLine[], options: EvalReportOptions, notes: string[]): Promise<readonly BenchRow[]> {
  if (options.rows) return options.rows;
  const path = options.bench ?? summary.bench;
  const unshown = `images are not shown${lacksBenchFields(results) ? ", nor the verify funcs and P-Level ground truths this results.jsonl (from an older mmif) does not carry" : ""}.`;
  if (!path || !existsSync(path)) {
    notes.push(`The bench (${path || "not named in summary.json"}) was not found: ${unshown}`);
    return [];
  }
  try {
    const loaded = await loadBench(path, { imageDir: join(dir, "images"), imageRoot: options.imageRoot });
    return loaded.rows;
  } catch (e) {
    notes.push(`The bench ${path} could not be read (${e instanceof Error ? e.message : String(e)}): ${unshown}`);
    return [];
  }
}

export async function readEvalRun(dir: string, options: EvalReportOptions = {}): Promise<EvalRun> {
  const summary = readJsonObject("summary.json", join(dir, "summary.json"));
  if (!summary) throw new Error(`${dir}: no summary.json`);
  const notes: string[] = [];
  const maxText = options.maxText ?? 20_000;
  const maxItems = options.maxItems ?? 5000;
  const results = await readJsonl("results.jsonl", join(dir, "results.jsonl"));
  if (!results.exists) notes.push("results.jsonl is missing: no items to show.");
  if (results.bad > 0) notes.push(`results.jsonl: ${results.bad} unreadable line(s) skipped.`);
  const predictions = await readJsonl("predictions.jsonl", join(dir, "predictions.jsonl"));
  if (!predictions.exists) notes.push("No predictions.jsonl (a `mmif score` run of an older mmif): answers are not shown, and questions only when the bench is there.");
  const rows = await benchRows(summary, dir, results.records, options, notes);

  const mainPred = new Map<string, PredictionLine>();
  const auxPred = new Map<string, PredictionLine>();
  for (const p of predictions.records) {
    if (p.infer_type === "main") mainPred.set(String(p.id), p);
    else if (p.del_cons !== undefined) auxPred.set(`${p.id}\u0000${p.del_cons}`, p);
  }
  const mainRow = new Map<string, BenchRow>();
  for (const r of rows) if (r.inferType === "main") mainRow.set(r.id, r);

  const thumbRequests: Array<{ key: string; source: ImageSource }> = [];
  const items: Array<EvalItem & { units: Unit[] }> = [];
  for (const r of results.records.slice(0, maxItems)) {
    const id = String(r.id);
    const pred = mainPred.get(id);
    const row = mainRow.get(id);
    const benchConstraints = row?.constraints ?? [];
    // The verdict carries its constraint's position, text and verify funcs: no join by key (keys can repeat). Older
    // results.jsonl files lack the verify funcs: those come from the bench constraint at the verdict's index.
    // An item the stopped run never finished is neither a pass, a fail nor a judging failure.
    const notAttempted = r.status === "not_attempted";
    const constraints = (r.constraints ?? []).map((v) => ({
      key: v.key,
      cat: categoryOf(v.key),
      method: v.method,
      value: cut(v.text, maxText),
      check: v.method === "rule_based" ? checkText(v.verify_funcs ?? benchConstraints[v.index]?.judge.verify_funcs) : undefined,
      score: v.score,
      verdict: notAttempted ? "not_attempted" : verdictOf(v.score),
      error: v.error,
      note: v.note,
    }));
    const replies = Object.entries(r.replies ?? {}).map(([name, text]) => {
      const aux = name.startsWith("cmp:") ? auxPred.get(`${id}\u0000${name.slice(4)}`) : undefined;
      return { name, text: cut(String(text), maxText)!, aux: aux ? (cut(aux.prediction, maxText) ?? `(no answer: ${aux.error ?? "unknown"})`) : undefined };
    });
    const verdict = notAttempted ? "not_attempted" : r.status === "failed" ? "failed" : verdictOf(r.score);
    const units: Unit[] = r.tag === "P-Level" ? [[verdict, "perception"]] : constraints.length > 0 ? constraints.map((c) => [c.verdict, c.cat]) : [[verdict, ""]];
    const key = row ? imageKey(row.image) : undefined;
    if (key && row) thumbRequests.push({ key, source: row.image });
    items.push({
      id,
      tag: r.tag,
      status: r.status,
      verdict,
      score: r.score,
      rounds: r.rounds,
      error: r.error,
      question: cut(pred?.question ?? row?.question, maxText),
      prediction: pred ? (cut(pred.prediction, maxText) ?? null) : undefined,
      predictionError: pred?.error,
      finishReason: pred?.finish_reason,
      truth: r.tag === "P-Level" ? cut(r.answer ?? row?.answer, maxText) : undefined,
      img: key,
      constraints,
      replies,
      units,
    });
  }
  if (results.records.length > maxItems) notes.push(`The item browser holds the first ${maxItems.toLocaleString("en-US")} of ${results.records.length.toLocaleString("en-US")} items (mmif report --max-items).`);

  const thumbs = await makeThumbnails(thumbRequests, { limit: options.maxThumbnails ?? 1000 });
  if (thumbs.overLimit > 0) notes.push(`${thumbs.overLimit} image(s) past the thumbnail limit are shown as placeholders (mmif report --max-thumbnails).`);
  const [firstKey, firstWhy] = [...thumbs.failed][0] ?? [];
  if (firstKey) notes.push(`${thumbs.failed.size} image(s) could not be made into thumbnails, e.g. ${basename(firstKey.replace(/^[a-z0-9]+:/, ""))}: ${firstWhy}`);

  const categories = sortCategories(items.flatMap((it) => it.units.map((u) => u[1])).filter((c) => c !== ""));
  const browser: BrowserData<EvalItem> = {
    kind: "eval",
    pageSize: PAGE_SIZE,
    statusLabel: "Verdict",
    statusOptions: [
      ["pass", "pass"],
      ["fail", "fail"],
      ["failed", "failed judging"],
      ["not_attempted", "not attempted (run stopped)"],
    ],
    categoryOptions: categories.map((c) => [c, categoryLabel(c)]),
    items,
    total: results.records.length,
    thumbs: Object.fromEntries(thumbs.urls),
  };
  return { dir, summary, results: results.records, browser, notes };
}
