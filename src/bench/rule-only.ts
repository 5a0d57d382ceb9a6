/**
 * `--judge none`: quick checks of a model with no judge key. Only rule_based constraints are scored (through the
 * one rule verdict), so only C-Level main items that have one are answered; P-Level items and aux rows need a
 * judge and are left out. The numbers are rule_based accuracy and the strict rate over those constraints, never a
 * C / P / Avg headline: they are not comparable with MM-IFEval scores.
 */
import { ruleVerdict } from "../constraints/rule-verdict.js";
import type { Profile } from "./profiles.js";
import type { ConstraintVerdict, ItemResult } from "./score.js";
import { summarize, type Summary } from "./summary.js";
import type { BenchRow } from "./types.js";
import type { RuleOnlySummary } from "../records/summaries.js";
import { unscoredVerdict } from "../records/verdict.js";

export const NOT_COMPARABLE = "rule_based constraints only (--judge none): not comparable with MM-IFEval scores";

/** What summary.json carries for a rule-only run, beside a Summary whose C / P / Avg are null. */
export type { RuleOnlySummary };

const isRuleBased = (c: { judge: { method: string } }) => c.judge.method === "rule_based";

/** The rows a rule-only run answers: C-Level main rows with at least one rule_based constraint. */
export function ruleOnlyRows(rows: readonly BenchRow[]): BenchRow[] {
  return rows.filter((r) => r.inferType === "main" && r.tag === "C-Level" && (r.constraints ?? []).some(isRuleBased));
}

/** One item's rule verdicts: the item score is their mean; a constraint the reference would raise on fails the item. */
export function scoreRuleOnly(main: BenchRow, prediction: string, profile: Profile): ItemResult {
  const text = profile.predictionText(prediction);
  const verdicts: ConstraintVerdict[] = [];
  let error: string | undefined;
  for (const [index, c] of (main.constraints ?? []).entries()) {
    if (!isRuleBased(c)) continue;
    const base = unscoredVerdict(c, index);
    try {
      verdicts.push({ ...base, score: ruleVerdict(text, c.judge.verify_funcs).pass ? 1 : 0, counted: true });
    } catch (e) {
      const message = `rule_based constraint "${c.key}": ${(e as Error).message}`;
      verdicts.push({ ...base, score: null, counted: false, error: message });
      error ??= message;
    }
  }
  const scores = verdicts.map((v) => v.score).filter((s): s is number => s !== null);
  if (error !== undefined) return { id: main.id, tag: main.tag, status: "failed", score: profile.failedItemScore(main.tag), constraints: verdicts, replies: {}, rounds: 1, error };
  return { id: main.id, tag: main.tag, status: "scored", score: scores.reduce((a, b) => a + b, 0) / scores.length, constraints: verdicts, replies: {}, rounds: 1 };
}

/** The summary of a rule-only run: no C / P / Avg, no intervals; rule_based accuracy and strict rate instead. */
export function summarizeRuleOnly(results: readonly ItemResult[]): Summary & { rule_only: RuleOnlySummary } {
  const s = summarize(results, { bootstrapSamples: 0 });
  const rule = s.by_method.rule_based;
  return {
    ...s,
    c_level: null,
    p_level: null,
    overall: null,
    ci95: { c_level: null, p_level: null, overall: null, bootstrap_samples: 0 },
    rule_only: { accuracy: rule?.accuracy ?? null, constraints: rule?.constraints ?? 0, items: results.length, strict: s.strict, note: NOT_COMPARABLE },
  };
}

const fmt = (x: number | null) => (x === null ? "  -  " : x.toFixed(1).padStart(5));

/** The table a rule-only run ends with, labelled so it is not read as an MM-IFEval score. */
export function formatRuleOnlyTable(model: string, r: RuleOnlySummary): string {
  const width = Math.max(5, model.length);
  return [
    `${"model".padEnd(width)} | rule_based acc | strict | constraints | items`,
    `${model.padEnd(width)} |          ${fmt(r.accuracy)} |  ${fmt(r.strict)} | ${String(r.constraints).padStart(11)} | ${String(r.items).padStart(5)}`,
    r.note,
  ].join("\n");
}
