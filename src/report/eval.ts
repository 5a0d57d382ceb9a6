/**
 * The eval report: headline C / P / Avg with their 95 % intervals beside the published leaderboard, accuracy per
 * constraint category and judge method, the strict score, failures, usage, and the item browser.
 */
import { basename } from "node:path";
import { CLIENT_SCRIPT } from "./assets/client.js";
import { STYLE } from "./assets/style.js";
import { barChart, columnBars, type BarRow, type ColumnRow } from "./charts.js";
import { readEvalRun, type EvalReportOptions, type EvalRun, type ResultLine } from "./eval-data.js";
import { fmt1, html, page, type SafeHtml } from "./html.js";
import { LEADERBOARD, notComparableReason } from "./leaderboard.js";
import { categoryLabel, methodLabel, sortCategories } from "./labels.js";
import type { RuleOnlySummary } from "../bench/rule-only.js";
import { isSimulatedModel, SIMULATED_BANNER } from "../model/simulated.js";
import { bannerBlock, browserSection, card, notesBlock, statusBanner, usageTable } from "./sections.js";

type Metric = "c_level" | "p_level" | "overall";
const METRICS: Array<{ key: Metric; name: string; board: "c" | "p" | "overall" }> = [
  { key: "c_level", name: "C-Level", board: "c" },
  { key: "p_level", name: "P-Level", board: "p" },
  { key: "overall", name: "Avg", board: "overall" },
];

function headline(run: EvalRun): SafeHtml {
  const s = run.summary;
  const c = s.counts;
  const cards = METRICS.map((m) => {
    const ci = s.ci95?.[m.key];
    const n = m.key === "c_level" ? c?.scored_c_items : m.key === "p_level" ? c?.scored_p_items : (c?.scored_c_items ?? 0) + (c?.scored_p_items ?? 0);
    return card(m.name, html`<span data-metric="${m.key}">${fmt1(s[m.key])}</span>`, ci ? html`95% CI <span data-ci="${m.key}">[${fmt1(ci.low)}, ${fmt1(ci.high)}]</span> · ${n ?? "–"} items` : html`${n ?? "–"} items`);
  });
  return html`<div class="cards">${cards}${card("Strict", html`<span data-metric="strict">${fmt1(s.strict)}</span>`, "C-Level items with every constraint passed")}${card(
    "Failed items",
    html`<span data-metric="failed_items">${c?.failed_items ?? 0}</span>`,
    html`of ${(c?.c_items ?? 0) + (c?.p_items ?? 0)} items`,
  )}${card("Failed constraints", html`<span data-metric="failed_constraints">${c?.failed_constraints ?? 0}</span>`, "left without a verdict")}</div>`;
}

/** `--judge none`: rule_based accuracy and strict rate only, no C / P / Avg to set beside the leaderboard. */
function ruleOnlyHeadline(r: RuleOnlySummary): SafeHtml {
  return html`<div class="cards">${card("Rule-based accuracy", html`<span data-metric="rule_based">${fmt1(r.accuracy)}</span>`, `${r.constraints} rule_based constraints`)}${card(
    "Strict (rule-based)",
    html`<span data-metric="strict">${fmt1(r.strict)}</span>`,
    `${r.items} C-Level items with every rule_based constraint passed`,
  )}</div>`;
}

function leaderboard(run: EvalRun): SafeHtml {
  const s = run.summary;
  const ours: ColumnRow = {
    label: `${s.model ?? "this run"} (this run)`,
    values: METRICS.map((m) => s[m.key]),
    intervals: METRICS.map((m) => s.ci95?.[m.key] ?? null),
    highlight: true,
  };
  const rows: ColumnRow[] = [...LEADERBOARD.map((r) => ({ label: r.model, values: [r.c, r.p, r.overall] })), ours].sort((a, b) => (b.values[2] ?? -1) - (a.values[2] ?? -1));
  const partial = notComparableReason(s);
  const warning = partial ? html`<p class="caveat" data-not-comparable>Not comparable: ${partial}.</p>` : html``;
  return html`<section id="leaderboard"><h2>Against the published leaderboard</h2>${warning}<p class="hint">MM-IFEval paper, Table 3, ordered by Avg. This run in red, with its 95% bootstrap intervals.</p><figure class="panel wide">${columnBars(
    rows,
    METRICS.map((m) => m.name),
    { title: "C-Level, P-Level and Avg against the published leaderboard", width: 1100, labelWidth: 260 },
  )}</figure></section>`;
}

function accuracy(run: EvalRun): SafeHtml {
  const s = run.summary;
  const byCat = s.by_category ?? {};
  const byMethod = s.by_method ?? {};
  const catRows: BarRow[] = sortCategories(Object.keys(byCat)).map((k) => ({ label: categoryLabel(k), value: byCat[k]!.accuracy, detail: `n=${byCat[k]!.constraints}` }));
  const methodRows: BarRow[] = Object.keys(byMethod).map((k) => ({ label: methodLabel(k), value: byMethod[k]!.accuracy, detail: `n=${byMethod[k]!.constraints}` }));
  return html`<section id="accuracy"><h2>Constraint accuracy</h2><div class="panels"><figure class="panel"><figcaption>Per category</figcaption>${
    catRows.length ? barChart(catRows, { title: "Accuracy per constraint category", max: 100, width: 520, labelWidth: 150 }) : html`<p class="hint">No judged constraints.</p>`
  }</figure><figure class="panel"><figcaption>Per judge method</figcaption>${
    methodRows.length ? barChart(methodRows, { title: "Accuracy per judge method", max: 100, width: 520, labelWidth: 150 }) : html`<p class="hint">No judged constraints.</p>`
  }</figure></div></section>`;
}

const SHOWN_FAILURES = 100;

function failures(results: readonly ResultLine[]): SafeHtml {
  const items = results.filter((r) => r.status === "failed");
  const constraints = results.flatMap((r) => (r.constraints ?? []).filter((c) => c.score === null).map((c) => ({ id: r.id, ...c })));
  const more = (n: number) => (n > SHOWN_FAILURES ? html`<p class="hint">… and ${n - SHOWN_FAILURES} more; filter the item browser by “failed judging”.</p>` : "");
  const itemTable = items.length
    ? html`<table class="data" id="failed-items"><thead><tr><th>item</th><th>level</th><th>score</th><th>why</th></tr></thead><tbody>${items
        .slice(0, SHOWN_FAILURES)
        .map((r) => html`<tr><td>${r.id}</td><td>${r.tag}</td><td>${r.score === null ? "excluded" : fmt1(100 * r.score)}</td><td class="wrap">${r.error ?? ""}</td></tr>`)}</tbody></table>${more(items.length)}`
    : html`<p class="hint">None.</p>`;
  const constraintTable = constraints.length
    ? html`<table class="data" id="failed-constraints"><thead><tr><th>item</th><th>constraint</th><th>method</th><th>why</th></tr></thead><tbody>${constraints
        .slice(0, SHOWN_FAILURES)
        .map((c) => html`<tr><td>${c.id}</td><td>${c.key}</td><td>${methodLabel(c.method)}</td><td class="wrap">${c.error ?? c.note ?? ""}</td></tr>`)}</tbody></table>${more(constraints.length)}`
    : html`<p class="hint">None.</p>`;
  return html`<section id="failures"><h2>Failures</h2><h3>Items whose judging failed (${items.length})</h3>${itemTable}<h3>Constraints without a verdict (${constraints.length})</h3>${constraintTable}</section>`;
}

function simulated(s: EvalRun["summary"]): boolean {
  return [s.model, s.judge, s.perception_judge, ...(s.usage ?? []).map((u) => u.model)].some(isSimulatedModel);
}

export function renderEvalReport(run: EvalRun): string {
  const s = run.summary;
  const title = `MM-IFEval report: ${s.model ?? "predictions"}`;
  const meta = [
    `judge ${s.judge ?? "–"}`,
    s.perception_judge && s.perception_judge !== s.judge ? `perception judge ${s.perception_judge}` : "",
    `profile ${s.profile ?? "–"}`,
    s.bench ? `bench ${basename(s.bench)}` : "",
    // Not summary.json's created_at: a rerun of the same run must write the same bytes (and the page holds no time).
  ].filter(Boolean);
  const banners = [s.rule_only ? `${s.rule_only.note}. P-Level items and judged constraints were not scored.` : "", simulated(s) ? SIMULATED_BANNER : ""].filter(Boolean);
  const top = s.rule_only ? html`<section id="headline"><h2>Headline</h2>${ruleOnlyHeadline(s.rule_only)}</section>` : html`<section id="headline"><h2>Headline</h2>${headline(run)}</section>${leaderboard(run)}`;
  const body = html`<header><h1>${title}</h1><p class="meta">${meta.join(" · ")}</p>${statusBanner(s.status, s.status_reasons)}${bannerBlock(banners)}${notesBlock(run.notes)}</header><main>${top}${accuracy(
    run,
  )}${failures(run.results)}<section id="usage"><h2>Tokens and cost</h2>${usageTable(s.usage ?? [], s.cost ?? null)}</section>${browserSection(run.browser)}</main>`;
  return page({ title, css: STYLE, script: CLIENT_SCRIPT, body, data: run.browser });
}

export async function buildEvalReport(dir: string, options: EvalReportOptions = {}): Promise<string> {
  return renderEvalReport(await readEvalRun(dir, options));
}
