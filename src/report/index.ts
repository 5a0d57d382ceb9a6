/**
 * Self-contained HTML reports of a run folder: `writeReport(dir)` recognises the run (summary.json → an eval or
 * score run; stats.json → a generate run) and writes `report.html` beside its files. One file, no network:
 * script, styles, charts and thumbnails are inline.
 */
import { existsSync } from "node:fs";
import { writeFileAtomic } from "../io/jsonl-file.js";
import { join, resolve } from "node:path";
import type { BenchRow } from "../bench/types.js";
import { buildDatasetReport } from "./dataset.js";
import { buildEvalReport } from "./eval.js";
import { ReportError } from "./errors.js";

export type ReportKind = "eval" | "dataset";

export interface ReportOptions {
  /** Where to write (default `<dir>/report.html`). */
  out?: string;
  /** Eval runs: the bench rows, when the caller has them loaded. */
  rows?: readonly BenchRow[];
  /** Eval runs: read images, verify funcs and P-Level ground truths from this bench instead of summary.json's. */
  bench?: string;
  /** Eval runs on the authors' layout: the folder its image paths are relative to. */
  imageRoot?: string;
  /** Items in the page's browser (default 5000). */
  maxItems?: number;
  /** Distinct thumbnails (default 1000). */
  maxThumbnails?: number;
}

export { ReportError } from "./errors.js";

/** eval when the folder has summary.json, dataset when it has stats.json. */
export function detectRunKind(dir: string): ReportKind {
  if (existsSync(join(dir, "summary.json"))) return "eval";
  if (existsSync(join(dir, "stats.json"))) return "dataset";
  throw new ReportError(`${dir} is not a run folder: it has neither summary.json (mmif eval, mmif score) nor stats.json (mmif generate)`);
}

/** A report, and the problems met making it that the user should hear of (items whose image is missing or unreadable). */
export interface BuiltReport {
  kind: ReportKind;
  html: string;
  problems: string[];
}

export async function buildReport(dir: string, options: ReportOptions = {}): Promise<BuiltReport> {
  const kind = detectRunKind(dir);
  const common = { maxItems: options.maxItems, maxThumbnails: options.maxThumbnails };
  if (kind === "eval") return { kind, html: await buildEvalReport(dir, { ...common, rows: options.rows, bench: options.bench, imageRoot: options.imageRoot }), problems: [] };
  return { kind, ...(await buildDatasetReport(dir, common)) };
}

/** Writes the report through a temporary file (so a reader never sees half of it); returns its path, kind and problems. */
export async function writeReport(dir: string, options: ReportOptions = {}): Promise<{ path: string; kind: ReportKind; problems: string[] }> {
  const { kind, html, problems } = await buildReport(resolve(dir), options);
  const path = resolve(options.out ?? join(dir, "report.html"));
  await writeFileAtomic(path, html);
  return { path, kind, problems };
}
