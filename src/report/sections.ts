// Pieces both reports use: stat cards, notes, the usage table, and the item browser's frame (filled client-side).
import type { UsageWithCost } from "../model/accounting.js";
import type { BrowserData } from "./browser-data.js";
import { fmtInt, fmtUsd, html, type SafeHtml } from "./html.js";

export function card(label: string, value: SafeHtml | string, sub?: SafeHtml | string): SafeHtml {
  return html`<div class="card"><div class="card-label">${label}</div><div class="card-value">${value}</div>${sub ? html`<div class="card-sub">${sub}</div>` : ""}</div>`;
}

/** Warnings that change how every number on the page must be read (rule-only scoring, a simulated model). */
export function bannerBlock(banners: readonly string[]): SafeHtml {
  return html`${banners.map((b) => html`<p class="banner" role="note">${b}</p>`)}`;
}

export function notesBlock(notes: readonly string[]): SafeHtml {
  return notes.length ? html`<ul class="notes">${notes.map((n) => html`<li>${n}</li>`)}</ul>` : html``;
}

const STATUS_TEXT: Record<string, string> = {
  incomplete: "INCOMPLETE: this run did not finish, so its numbers are partial. Rerun the same command to finish it.",
  unreliable: "UNRELIABLE: too many items could not be judged for these numbers to be compared with other runs.",
};

/** The banner over a run that is not complete (status and reasons from summary.json / stats.json); nothing otherwise. */
export function statusBanner(status: string | undefined, reasons: readonly string[] | undefined): SafeHtml {
  if (status === undefined || status === "complete") return html``;
  const text = STATUS_TEXT[status] ?? `${status.toUpperCase()}: this run is not complete.`;
  return html`<div class="banner" role="alert" data-status="${status}"><strong>${text}</strong>${(reasons ?? []).length ? html`<ul>${(reasons ?? []).map((r) => html`<li>${r}</li>`)}</ul>` : ""}</div>`;
}

export function usageTable(usage: readonly UsageWithCost[], cost: number | null): SafeHtml {
  if (usage.length === 0) return html`<p class="hint">No model calls recorded.</p>`;
  const sum = (f: (u: UsageWithCost) => number) => usage.reduce((s, u) => s + (f(u) || 0), 0);
  return html`<table class="data" id="usage-table"><thead><tr><th>model</th><th>stage</th><th class="n">calls</th><th class="n">failed</th><th class="n">prompt tokens</th><th class="n">completion tokens</th><th class="n">cost</th></tr></thead><tbody>${usage.map(
    (u) => html`<tr><td>${u.model}</td><td>${u.stage}</td><td class="n">${fmtInt(u.calls)}</td><td class="n">${fmtInt(u.failed)}</td><td class="n">${fmtInt(u.promptTokens)}</td><td class="n">${fmtInt(u.completionTokens)}</td><td class="n">${fmtUsd(u.cost)}</td></tr>`,
  )}</tbody><tfoot><tr><td>total</td><td></td><td class="n">${fmtInt(sum((u) => u.calls))}</td><td class="n">${fmtInt(sum((u) => u.failed))}</td><td class="n">${fmtInt(sum((u) => u.promptTokens))}</td><td class="n">${fmtInt(
    sum((u) => u.completionTokens),
  )}</td><td class="n" data-metric="cost">${cost === null ? "no prices given" : fmtUsd(cost)}</td></tr></tfoot></table>`;
}

function pager(where: string): SafeHtml {
  return html`<div class="pager" data-pager="${where}"><button type="button" class="prev">‹ previous</button><span class="page-info"></span><button type="button" class="next">next ›</button></div>`;
}

/** The item browser's controls and empty list; the client script fills both from the embedded data. */
export function browserSection(data: BrowserData<unknown>): SafeHtml {
  const shown = data.items.length < data.total ? html` <span class="hint">(the first ${data.items.length} of ${data.total})</span>` : "";
  return html`<section id="browser"><h2>Items${shown}</h2><div class="filters"><label>${data.statusLabel} <select id="f-status"><option value="">all</option></select></label><label>Category <select id="f-category"><option value="">all</option></select></label><label>Search <input id="f-search" type="search" placeholder="id or text"></label><span id="match-count" class="hint"></span></div>${pager(
    "top",
  )}<div id="items"><noscript>The item browser needs JavaScript.</noscript></div>${pager("bottom")}</section>`;
}
