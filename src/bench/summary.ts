/**
 * Aggregation of judged items into the numbers people compare: C-Level, P-Level and overall scores (0–100,
 * unrounded), accuracy per judge method and per constraint category, the strict score, failures, and 95 %
 * bootstrap intervals. Pure: results in, summary out.
 */
import { categoryOf } from "../constraints/taxonomy.js";
import { rngFor } from "../common/random.js";
import type { Scores } from "../records/summaries.js";
import type { ItemResult } from "./score.js";

export type Summary = Scores;
type Interval = NonNullable<Scores["ci95"]["c_level"]>;
type Accuracy = Scores["by_method"][string];

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** C, P and overall (×100) from the items that count; overall weighs by item counts, as the reference does. */
function headline(c: readonly number[], p: readonly number[]): { c: number | null; p: number | null; overall: number | null } {
  const cm = mean(c);
  const pm = mean(p);
  const n = c.length + p.length;
  const overall = n === 0 ? null : ((cm ?? 0) * c.length + (pm ?? 0) * p.length) / n;
  return { c: cm === null ? null : cm * 100, p: pm === null ? null : pm * 100, overall: overall === null ? null : overall * 100 };
}

function percentile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Percentile bootstrap over items, resampling C and P items separately (their counts are fixed by design). */
function bootstrap(c: readonly number[], p: readonly number[], samples: number, seed: number): Summary["ci95"] {
  const rand = rngFor(seed, "bootstrap").next;
  const resample = (xs: readonly number[]) => {
    if (xs.length === 0) return [];
    const out = new Array<number>(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(rand() * xs.length)]!;
    return out;
  };
  const cs: number[] = [];
  const ps: number[] = [];
  const os: number[] = [];
  for (let b = 0; b < samples; b++) {
    const h = headline(resample(c), resample(p));
    if (h.c !== null) cs.push(h.c);
    if (h.p !== null) ps.push(h.p);
    if (h.overall !== null) os.push(h.overall);
  }
  const interval = (xs: number[]): Interval | null => {
    if (xs.length === 0) return null;
    xs.sort((a, b) => a - b);
    return { low: percentile(xs, 0.025), high: percentile(xs, 0.975) };
  };
  return { c_level: interval(cs), p_level: interval(ps), overall: interval(os), bootstrap_samples: samples };
}

function addTo(table: Map<string, { sum: number; n: number }>, key: string, score: number): void {
  const t = table.get(key) ?? { sum: 0, n: 0 };
  t.sum += score;
  t.n++;
  table.set(key, t);
}

function toAccuracy(table: Map<string, { sum: number; n: number }>): Record<string, Accuracy> {
  return Object.fromEntries([...table].sort(([a], [b]) => a.localeCompare(b)).map(([k, t]) => [k, { accuracy: (100 * t.sum) / t.n, constraints: t.n }]));
}

export function summarize(results: readonly ItemResult[], options: { bootstrapSamples?: number; seed?: number } = {}): Summary {
  const c: number[] = [];
  const p: number[] = [];
  const byMethod = new Map<string, { sum: number; n: number }>();
  const byCategory = new Map<string, { sum: number; n: number }>();
  let failedItems = 0;
  let failedConstraints = 0;
  let strictPassed = 0;
  let strictItems = 0;
  let cItems = 0;
  let pItems = 0;
  for (const r of results) {
    if (r.tag === "C-Level") cItems++;
    else pItems++;
    if (r.status === "failed") failedItems++;
    if (r.score !== null) (r.tag === "C-Level" ? c : p).push(r.score);
    if (r.tag !== "C-Level") continue;
    let allPassed = r.status === "scored";
    for (const v of r.constraints) {
      if (v.score === null) {
        failedConstraints++;
        allPassed = false;
        continue;
      }
      addTo(byMethod, v.method, v.score);
      addTo(byCategory, categoryOf(v.key), v.score);
      if (v.score < 1) allPassed = false;
    }
    if (r.score !== null) {
      strictItems++;
      if (allPassed) strictPassed++;
    }
  }
  const h = headline(c, p);
  return {
    c_level: h.c,
    p_level: h.p,
    overall: h.overall,
    counts: { c_items: cItems, p_items: pItems, failed_items: failedItems, failed_constraints: failedConstraints, scored_c_items: c.length, scored_p_items: p.length },
    strict: strictItems === 0 ? null : (100 * strictPassed) / strictItems,
    by_method: toAccuracy(byMethod),
    by_category: toAccuracy(byCategory),
    ci95: bootstrap(c, p, options.bootstrapSamples ?? 1000, options.seed ?? 20250410),
  };
}

const fmt = (x: number | null) => (x === null ? "  -  " : x.toFixed(1).padStart(5));

/** The paper's table row: `model | C | P | Avg`, one decimal. */
export function formatTable(model: string, s: Pick<Summary, "c_level" | "p_level" | "overall">): string {
  const width = Math.max(5, model.length);
  return [`${"model".padEnd(width)} |     C |     P |   Avg`, `${model.padEnd(width)} | ${fmt(s.c_level)} | ${fmt(s.p_level)} | ${fmt(s.overall)}`].join("\n");
}
