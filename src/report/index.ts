/**
 * Self-contained HTML reports of a run folder: `writeReport(dir)` recognises the run (summary.json → an eval or
 * score run; stats.json → a generate run) and writes `report.html` beside its files. One file, no network:
 * script, styles, charts and thumbnails are inline.
 */
import { existsSync, renameSync, writeFileSync } from "node:fs";
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

export async function buildReport(dir: string, options: ReportOptions = {}): Promise<{ kind: ReportKind; html: string }> {
  const kind = detectRunKind(dir);
  const common = { maxItems: options.maxItems, maxThumbnails: options.maxThumbnails };
  const html = kind === "eval" ? await buildEvalReport(dir, { ...common, rows: options.rows, bench: options.bench, imageRoot: options.imageRoot }) : await buildDatasetReport(dir, common);
  return { kind, html };
}

/** Writes the report (through a temporary file, so a reader never sees half of it); returns its path and kind. */
export async function writeReport(dir: string, options: ReportOptions = {}): Promise<{ path: string; kind: ReportKind }> {
  const { kind, html } = await buildReport(resolve(dir), options);
  const path = resolve(options.out ?? join(dir, "report.html"));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
  return { path, kind };
}
