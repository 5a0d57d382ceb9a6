/**
 * stats.json of a generate run: counts per stage, drop reasons, constraint distribution per category, kept
 * rate, and tokens and cost per stage and model. Folded record by record, so it never holds the items.
 */
import { writtenBy, type GenerateStats } from "../records/index.js";
import type { RunVerdict } from "../run/status.js";
import { addReason, reasonKind, type ReasonGroups } from "../run/reasons.js";
import { countDistribution, type CountDistribution } from "./constraint-types.js";
import { rejectingRule } from "./questions.js";
import type { EngineItem, ImageRecord } from "./types.js";

export type { GenerateStats };

export type CountHistogram = GenerateStats["constraints"]["counts"]["all"];

function percentOf(h: Record<string, number>, total: number): Record<string, number> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, total === 0 ? 0 : Math.round((10000 * v) / total) / 100]));
}

/** Adds an item's or image's reasons to `groups`: once per kind, with the first reason of that kind. */
function addReasons(groups: ReasonGroups, reasons: readonly string[]): void {
  const seen = new Set<string>();
  for (const reason of reasons) {
    const kind = reasonKind(reason);
    if (seen.has(kind)) continue;
    seen.add(kind);
    addReason(groups, reason, kind);
  }
}

function bump(table: Record<string, number>, key: string, by = 1): void {
  table[key] = (table[key] ?? 0) + by;
}

export class StatsCollector {
  private readonly s: Omit<GenerateStats, keyof RunVerdict | "usage" | "cost" | "seed" | "stages" | "mmif_version" | "format_version">;
  private constraintTotal = 0;

  constructor(distribution?: CountDistribution) {
    const target = Object.fromEntries(countDistribution(distribution).map(([n, p]) => [String(n), Math.round(p * 10000) / 100]));
    this.s = {
      images: { total: 0, kept: 0, dropped: 0, drop_reasons: {} },
      questions: { total: 0, rejected: 0, reject_reasons: {} },
      items: { total: 0, with_constraints: 0, answered: 0, scored: 0, kept: 0, kept_rate: 0, not_kept_reasons: {} },
      constraints: {
        written: 0,
        dropped_by_compat: 0,
        dropped_other: 0,
        drop_reasons: {},
        final: 0,
        per_item: { min: 0, max: 0, mean: 0, histogram: {} },
        by_category: {},
        by_subcategory: {},
        by_method: {},
        assignment_fallbacks: 0,
        kept_items_by_category: {},
        counts: { target, all: { items: 0, histogram: {}, percent: {} }, kept: { items: 0, histogram: {}, percent: {} }, below_min: 0 },
      },
    };
  }

  image(r: ImageRecord): void {
    const i = this.s.images;
    i.total++;
    if (r.kept) i.kept++;
    else {
      i.dropped++;
      addReasons(i.drop_reasons, r.reasons);
    }
  }

  item(it: EngineItem): void {
    const items = this.s.items;
    const c = this.s.constraints;
    items.total++;
    if (it.source === "question") {
      this.s.questions.total++;
      // Grouped by the screening rule that fired ("too_short", "numbered_example", ...). A failed or unusable call of
      // the main-task step is not a rejection: the item counts under its kind in items.not_kept_reasons.
      for (const reason of it.reasons) {
        const rule = rejectingRule(reason);
        if (rule === undefined) continue;
        this.s.questions.rejected++;
        addReason(this.s.questions.reject_reasons, reason, rule);
        break;
      }
    }
    const n = it.constraints.length;
    if (n > 0) {
      items.with_constraints++;
      c.per_item.min = items.with_constraints === 1 ? n : Math.min(c.per_item.min, n);
      c.per_item.max = Math.max(c.per_item.max, n);
      this.constraintTotal += n;
      c.per_item.mean = this.constraintTotal / items.with_constraints;
      bump(c.per_item.histogram, String(n));
    }
    if (it.target_constraints !== undefined) {
      c.counts.all.items++;
      bump(c.counts.all.histogram, String(n));
      if (it.reasons.some((r) => r.startsWith("too few constraints"))) c.counts.below_min++;
    }
    if (it.kept) {
      c.counts.kept.items++;
      bump(c.counts.kept.histogram, String(n));
    }
    c.final += n;
    c.written += n + it.dropped.length;
    for (const d of it.dropped) {
      const kind = reasonKind(d.reason);
      kind === "incompatible constraints" ? c.dropped_by_compat++ : c.dropped_other++;
      addReason(c.drop_reasons!, d.reason, kind);
    }
    for (const k of it.constraints) {
      bump(c.by_category, k.category);
      bump(c.by_subcategory, k.key);
      bump(c.by_method, k.judge.method);
      if (k.assignment?.startsWith("fallback")) c.assignment_fallbacks++;
      if (it.kept) bump(c.kept_items_by_category, k.category);
    }
    if (it.response !== undefined) items.answered++;
    if (it.verdicts !== undefined && it.score !== null && it.score !== undefined) items.scored++;
    if (it.kept) items.kept++;
    else addReasons(items.not_kept_reasons, it.reasons);
    items.kept_rate = items.answered === 0 ? 0 : items.kept / items.answered;
  }

  finish(extra: Pick<GenerateStats, keyof RunVerdict | "usage" | "cost" | "seed" | "stages" | "exports">): GenerateStats {
    const out = structuredClone(this.s);
    for (const h of [out.constraints.counts.all, out.constraints.counts.kept]) h.percent = percentOf(h.histogram, h.items);
    // The writer and the status first: what a reader must see before any count.
    const { status, status_reasons, ...rest } = extra;
    return { ...writtenBy(), status, status_reasons, ...out, ...rest };
  }
}
