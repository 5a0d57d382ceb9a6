/**
 * The dataset report of a generate run: the funnel from images to kept items with the drop reasons, the constraint
 * distribution per category (sunburst) and per item (histogram), kept rate, tokens and cost, dropped images, and
 * the item browser.
 */
import { basename, resolve } from "node:path";
import { getSubcategory } from "../constraints/taxonomy.js";
import { CLIENT_SCRIPT } from "./assets/client.js";
import { STYLE } from "./assets/style.js";
import { barChart, funnel, histogram, PALETTE, sunburst, type SunburstGroup } from "./charts.js";
import type { ReasonGroups } from "../records/index.js";
import { readDatasetRun, type DatasetReportOptions, type DatasetRun } from "./dataset-data.js";
import { fmt1, fmtInt, fmtUsd, html, page, type SafeHtml } from "./html.js";
import { categoryLabel, methodLabel, sortCategories } from "./labels.js";
import { isSimulatedModel, SIMULATED_BANNER } from "../model/simulated.js";
import { bannerBlock, browserSection, card, notesBlock, statusBanner, usageTable } from "./sections.js";

const count = (n: number) => String(Math.round(n));

function headline(run: DatasetRun): SafeHtml {
  const s = run.stats;
  const tokens = (s.usage ?? []).reduce((t, u) => t + (u.promptTokens || 0) + (u.completionTokens || 0), 0);
  return html`<div class="cards">${[
    card("Images kept", html`<span data-metric="images_kept">${fmtInt(s.images.kept)}</span>`, html`of ${fmtInt(s.images.total)} filtered`),
    card(
      "Items",
      html`<span data-metric="items">${fmtInt(s.items.total)}</span>`,
      html`${fmtInt(s.items.answered)} answered${s.questions.total > 0 ? html`; ${fmtInt(s.questions.total - s.questions.rejected)} of ${fmtInt(s.questions.total)} questions accepted` : ""}`,
    ),
    card("Kept items", html`<span data-metric="kept">${fmtInt(s.items.kept)}</span>`, "at or above the threshold"),
    card("Kept rate", html`<span data-metric="kept_rate">${fmt1(100 * s.items.kept_rate)}</span>%`, "kept / answered"),
    card("Constraints per item", html`<span data-metric="per_item_mean">${s.constraints.per_item.mean.toFixed(2)}</span>`, html`${s.constraints.per_item.min}–${s.constraints.per_item.max}, ${fmtInt(s.constraints.final)} in all`),
    card("Tokens", html`<span data-metric="tokens">${fmtInt(tokens)}</span>`, html`cost ${s.cost === null ? "unpriced" : fmtUsd(s.cost)}`),
  ]}</div>`;
}

/** One bar per reason kind (src/run/reasons.ts), and the kinds' examples under the chart. */
function reasonChart(title: string, groups: ReasonGroups | undefined): SafeHtml {
  const kinds = Object.entries(groups ?? {}).sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
  if (kinds.length === 0) return html`<figure class="panel"><figcaption>${title}</figcaption><p class="hint">None.</p></figure>`;
  const rows = kinds.map(([label, g]) => ({ label, value: g.count }));
  const examples = kinds.filter(([, g]) => g.examples.length > 0);
  const table = examples.length
    ? html`<details class="examples"><summary>Examples</summary><table class="data"><tbody>${examples.map(
        ([kind, g]) => html`<tr><td class="nowrap">${kind}</td><td class="wrap">${g.examples.map((e, i) => html`${i > 0 ? html`<br>` : ""}${e}`)}</td></tr>`,
      )}</tbody></table></details>`
    : "";
  return html`<figure class="panel"><figcaption>${title}</figcaption>${barChart(rows, { title, width: 520, labelWidth: 170, format: count })}${table}</figure>`;
}

function funnelSection(run: DatasetRun): SafeHtml {
  const s = run.stats;
  const stages = [
    { label: "Images", value: s.images.total },
    { label: "Kept by the filter", value: s.images.kept },
    { label: "Items", value: s.items.total, share: false },
    { label: "With constraints", value: s.items.with_constraints },
    { label: "Answered", value: s.items.answered },
    { label: "Scored", value: s.items.scored },
    { label: "Kept", value: s.items.kept },
  ];
  return html`<section id="funnel"><h2>From images to kept items</h2><p class="hint">Items are the tasks proposed for kept images plus the given questions.</p><div class="panels"><figure class="panel"><figcaption>Counts per stage (share of the stage before)</figcaption>${funnel(stages, {
    title: "Funnel from images to kept items",
    width: 560,
  })}</figure>${reasonChart("Images dropped, by reason", s.images.drop_reasons)}${s.questions.total > 0 ? reasonChart("Questions rejected, by rule", s.questions.reject_reasons) : ""}${reasonChart(
    "Items not kept, by reason",
    s.items.not_kept_reasons,
  )}</div></section>`;
}

function sunburstGroups(run: DatasetRun): SunburstGroup[] {
  const c = run.stats.constraints;
  return sortCategories(Object.keys(c.by_category)).map((cat) => {
    const children = Object.entries(c.by_subcategory)
      .filter(([key]) => (getSubcategory(key)?.category ?? "other") === cat)
      .sort((a, b) => b[1] - a[1])
      .map(([key, value]) => ({ label: getSubcategory(key)?.name ?? key, value }));
    const value = c.by_category[cat]!;
    const rest = value - children.reduce((t, ch) => t + ch.value, 0);
    return { label: categoryLabel(cat), value, children: rest > 0 ? [...children, { label: "(other)", value: rest }] : children };
  });
}

function constraintsSection(run: DatasetRun): SafeHtml {
  const c = run.stats.constraints;
  const groups = sunburstGroups(run);
  const total = groups.reduce((t, g) => t + g.value, 0) || 1;
  const legend = html`<table class="data legend"><thead><tr><th>category</th><th class="n">constraints</th><th class="n">share</th><th>largest subcategories</th></tr></thead><tbody>${groups.map(
    (g, i) =>
      html`<tr><td class="nowrap"><svg class="swatch" width="12" height="12" viewBox="0 0 12 12"><rect width="12" height="12" rx="2" fill="${PALETTE[i % PALETTE.length]}"/></svg> ${g.label}</td><td class="n">${fmtInt(g.value)}</td><td class="n">${fmt1((100 * g.value) / total)}%</td><td class="wrap">${g.children
        .slice(0, 4)
        .map((ch) => `${ch.label} (${ch.value})`)
        .join(", ")}</td></tr>`,
  )}</tbody></table>`;
  const bins = Object.entries(c.per_item.histogram)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([label, value]) => ({ label, value }));
  const methods = Object.entries(c.by_method).map(([k, v]) => ({ label: methodLabel(k), value: v }));
  const keptByCat = sortCategories(Object.keys(c.kept_items_by_category)).map((k) => ({ label: categoryLabel(k), value: c.kept_items_by_category[k]! }));
  const flow = html`<table class="data" id="constraint-flow"><tbody><tr><td>written</td><td class="n">${fmtInt(c.written)}</td></tr><tr><td>dropped by the compatibility check</td><td class="n">${fmtInt(
    c.dropped_by_compat,
  )}</td></tr><tr><td>dropped otherwise</td><td class="n">${fmtInt(c.dropped_other)}</td></tr><tr><td>final</td><td class="n">${fmtInt(c.final)}</td></tr><tr><td>verify-function fallbacks to the direct judge</td><td class="n">${fmtInt(
    c.assignment_fallbacks,
  )}</td></tr></tbody></table>`;
  const dropped = c.drop_reasons && Object.keys(c.drop_reasons).length > 0 ? reasonChart("Constraints dropped, by reason", c.drop_reasons) : "";
  return html`<section id="constraints"><h2>Constraints</h2><div class="panels"><figure class="panel sunburst"><figcaption>Per category (inner ring) and subcategory (outer ring)</figcaption>${sunburst(groups, {
    title: "Constraint distribution per category",
    size: 300,
  })}${legend}</figure><figure class="panel"><figcaption>Constraints per item</figcaption>${histogram(bins, { title: "Constraints per item", width: 520, xLabel: "constraints in the item" })}${flow}</figure><figure class="panel"><figcaption>Per judge method</figcaption>${
    methods.length ? barChart(methods, { title: "Constraints per judge method", width: 520, labelWidth: 150, format: count }) : html`<p class="hint">None.</p>`
  }</figure><figure class="panel"><figcaption>In kept items, per category</figcaption>${
    keptByCat.length ? barChart(keptByCat, { title: "Constraints of kept items per category", width: 520, labelWidth: 150, format: count }) : html`<p class="hint">None.</p>`
  }</figure>${dropped}</div></section>`;
}

function droppedImages(run: DatasetRun): SafeHtml {
  if (run.droppedImagesTotal === 0) return html``;
  const more = run.droppedImagesTotal - run.droppedImages.length;
  return html`<section id="dropped-images"><h2>Dropped images (${run.droppedImagesTotal})</h2><table class="data"><thead><tr><th>image</th><th>size</th><th>why</th></tr></thead><tbody>${run.droppedImages.map(
    (r) => html`<tr><td class="wrap">${r.path}</td><td>${r.width && r.height ? `${r.width}×${r.height}` : "–"}</td><td class="wrap">${(r.reasons ?? []).join("; ")}</td></tr>`,
  )}</tbody></table>${more > 0 ? html`<p class="hint">… and ${more} more in images.jsonl.</p>` : ""}</section>`;
}

export function renderDatasetReport(run: DatasetRun): string {
  const s = run.stats;
  const title = `MM-IFEngine dataset report: ${basename(resolve(run.dir))}`;
  const meta = [`seed ${s.seed}`, `stages ${(s.stages ?? []).join(", ")}`].join(" · ");
  const body = html`<header><h1>${title}</h1><p class="meta">${meta}</p>${statusBanner(s.status, s.status_reasons)}${bannerBlock((s.usage ?? []).some((u) => isSimulatedModel(u.model)) ? [SIMULATED_BANNER] : [])}${notesBlock(run.notes)}</header><main><section id="headline"><h2>Headline</h2>${headline(run)}</section>${funnelSection(
    run,
  )}${constraintsSection(run)}<section id="usage"><h2>Tokens and cost</h2>${usageTable(s.usage ?? [], s.cost ?? null)}</section>${droppedImages(run)}${browserSection(run.browser)}</main>`;
  return page({ title, css: STYLE, script: CLIENT_SCRIPT, body, data: run.browser });
}

/** The report's HTML, and the items whose image is missing or unreadable (shown with a placeholder). */
export async function buildDatasetReport(dir: string, options: DatasetReportOptions = {}): Promise<{ html: string; problems: string[] }> {
  const run = await readDatasetRun(dir, options);
  return { html: renderDatasetReport(run), problems: run.imageProblems };
}
