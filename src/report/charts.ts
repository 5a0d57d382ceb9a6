/**
 * Hand-written inline SVG charts for the reports: horizontal bars (with optional interval whiskers), a funnel,
 * a sunburst (two rings) and a histogram. Every label goes through the escaping `html` tag; every number is
 * rounded so the markup stays small. No chart library, no script: the charts are static markup.
 */
import { html, type SafeHtml } from "./html.js";

export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

const r1 = (x: number) => Math.round(x * 10) / 10;

/** A round scale for counts: a step of 1, 2 or 5 × 10^k giving about four ticks, and the maximum as a whole step. */
export function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!);
  return { max: Math.ceil(max / step) * step, step };
}

/** Labels longer than `max` characters end in "…" (the full text is in the element's tooltip). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function svg(width: number, height: number, label: string, body: SafeHtml[] | SafeHtml, cls = "chart"): SafeHtml {
  return html`<svg class="${cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${r1(width)} ${r1(height)}" width="${r1(width)}" height="${r1(height)}" role="img" aria-label="${label}">${body}</svg>`;
}

export interface BarRow {
  label: string;
  value: number | null;
  /** Interval drawn as a whisker. */
  low?: number | null;
  high?: number | null;
  /** Drawn in the accent colour (this run among published rows). */
  highlight?: boolean;
  /** Shown after the value, e.g. "n=120". */
  detail?: string;
  color?: string;
}

export interface BarOptions {
  title: string;
  /** Scale maximum (100 for percentages; default: the largest value). */
  max?: number;
  width?: number;
  labelWidth?: number;
  /** Room right of the plot for the value text. */
  valueWidth?: number;
  format?: (x: number) => string;
}

/** Horizontal bars, one row each, in the given order. */
export function barChart(rows: readonly BarRow[], options: BarOptions): SafeHtml {
  const width = options.width ?? 560;
  const labelWidth = options.labelWidth ?? 200;
  const valueWidth = options.valueWidth ?? 80;
  const rowH = 22;
  const top = 6;
  const axisH = 20;
  const plot = width - labelWidth - valueWidth;
  const finite = rows.flatMap((r) => [r.value, r.high ?? null]).filter((x): x is number => x !== null && Number.isFinite(x));
  const scale = options.max === undefined ? niceScale(Math.max(0, ...finite)) : { max: options.max, step: options.max / 4 };
  const max = scale.max;
  const x = (v: number) => labelWidth + (plot * Math.max(0, Math.min(v, max))) / max;
  const format = options.format ?? ((v: number) => v.toFixed(1));
  const height = top + rows.length * rowH + axisH;
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += scale.step) ticks.push(t);
  const grid = ticks.map(
    (t) =>
      html`<line class="grid" x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${top}" y2="${top + rows.length * rowH}"/><text class="tick" x="${r1(x(t))}" y="${height - 6}" text-anchor="middle">${Number.isInteger(t) ? t : t.toFixed(1)}</text>`,
  );
  const bars = rows.map((r, i) => {
    const y = top + i * rowH;
    const fill = r.color ?? (r.highlight ? "#e15759" : "#4e79a7");
    const value = r.value !== null && Number.isFinite(r.value) ? r.value : null;
    const whisker =
      r.low !== undefined && r.high !== undefined && r.low !== null && r.high !== null
        ? html`<line class="whisker" x1="${r1(x(r.low))}" x2="${r1(x(r.high))}" y1="${y + rowH / 2}" y2="${y + rowH / 2}"/><line class="whisker" x1="${r1(x(r.low))}" x2="${r1(x(r.low))}" y1="${y + 6}" y2="${y + rowH - 6}"/><line class="whisker" x1="${r1(x(r.high))}" x2="${r1(x(r.high))}" y1="${y + 6}" y2="${y + rowH - 6}"/>`
        : "";
    const text = value === null ? "–" : format(value);
    const interval = whisker ? ` [${format(r.low!)}, ${format(r.high!)}]` : "";
    const tip = `${r.label}: ${text}${interval}${r.detail ? ` (${r.detail})` : ""}`;
    return html`<g class="${r.highlight ? "bar hl" : "bar"}"><title>${tip}</title><text class="label" x="${labelWidth - 6}" y="${y + rowH / 2 + 4}" text-anchor="end">${clip(r.label, Math.floor(labelWidth / 6.6))}</text>${
      value === null ? "" : html`<rect x="${labelWidth}" y="${y + 3}" width="${r1(x(value) - labelWidth)}" height="${rowH - 6}" fill="${fill}" rx="2"/>`
    }${whisker}<text class="value" x="${r1(x(Math.max(value ?? 0, r.high ?? 0)) + 5)}" y="${y + rowH / 2 + 4}">${text}${r.detail ? html`<tspan class="detail"> ${r.detail}</tspan>` : ""}</text></g>`;
  });
  return svg(width, height, options.title, [...grid, ...bars]);
}

export interface FunnelStage {
  label: string;
  value: number;
  /** Show the share of the stage before (default true; false where the unit changes, e.g. images → items). */
  share?: boolean;
}

/** Centred bars narrowing stage by stage, with the count and the share of the stage before. */
export function funnel(stages: readonly FunnelStage[], options: { title: string; width?: number }): SafeHtml {
  const width = options.width ?? 560;
  const labelWidth = 150;
  const valueWidth = 130;
  const rowH = 30;
  const plot = width - labelWidth - valueWidth;
  const max = Math.max(1, ...stages.map((s) => s.value));
  const parts = stages.map((s, i) => {
    const w = Math.max(2, (plot * s.value) / max);
    const y = i * rowH;
    const prev = i > 0 && s.share !== false ? stages[i - 1]!.value : null;
    const share = prev ? ` (${((100 * s.value) / prev).toFixed(1)}%)` : "";
    return html`<g class="stage"><title>${s.label}: ${s.value}${share}</title><text class="label" x="${labelWidth - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${clip(s.label, 22)}</text><rect x="${r1(labelWidth + (plot - w) / 2)}" y="${y + 3}" width="${r1(w)}" height="${rowH - 6}" fill="${PALETTE[i % PALETTE.length]}" rx="3"/><text class="value" x="${labelWidth + plot + 8}" y="${y + rowH / 2 + 4}">${s.value.toLocaleString("en-US")}${share}</text></g>`;
  });
  return svg(width, stages.length * rowH + 4, options.title, parts);
}

export interface SunburstGroup {
  label: string;
  value: number;
  children: ReadonlyArray<{ label: string; value: number }>;
}

function polar(cx: number, cy: number, r: number, a: number): [number, number] {
  return [r1(cx + r * Math.sin(a)), r1(cy - r * Math.cos(a))];
}

/** An annular sector from angle a0 to a1 (radians, clockwise from 12 o'clock) between radii r0 and r1. */
export function arcPath(cx: number, cy: number, rInner: number, rOuter: number, a0: number, a1: number): string {
  const span = Math.min(a1 - a0, 2 * Math.PI - 1e-4);
  const end = a0 + span;
  const large = span > Math.PI ? 1 : 0;
  const [x0, y0] = polar(cx, cy, rOuter, a0);
  const [x1, y1] = polar(cx, cy, rOuter, end);
  const [x2, y2] = polar(cx, cy, rInner, end);
  const [x3, y3] = polar(cx, cy, rInner, a0);
  return `M${x0} ${y0}A${rOuter} ${rOuter} 0 ${large} 1 ${x1} ${y1}L${x2} ${y2}A${rInner} ${rInner} 0 ${large} 0 ${x3} ${y3}Z`;
}

/** Two rings: groups inside (categories), their children outside (subcategories); the total in the middle. */
export function sunburst(groups: readonly SunburstGroup[], options: { title: string; size?: number }): SafeHtml {
  const size = options.size ?? 320;
  const c = size / 2;
  const total = groups.reduce((s, g) => s + g.value, 0);
  if (total === 0) return svg(size, 40, options.title, html`<text class="tick" x="0" y="20">no constraints</text>`);
  const rings = { hole: size * 0.16, mid: size * 0.31, outer: size * 0.48 };
  const parts: SafeHtml[] = [];
  let a = 0;
  groups.forEach((g, gi) => {
    const color = PALETTE[gi % PALETTE.length]!;
    const span = (2 * Math.PI * g.value) / total;
    const pct = ((100 * g.value) / total).toFixed(1);
    parts.push(html`<path class="arc inner" d="${arcPath(c, c, rings.hole, rings.mid, a, a + span)}" fill="${color}"><title>${g.label}: ${g.value} (${pct}%)</title></path>`);
    let b = a;
    const childTotal = g.children.reduce((s, ch) => s + ch.value, 0) || 1;
    g.children.forEach((ch, ci) => {
      const cspan = (span * ch.value) / childTotal;
      const opacity = ci % 2 === 0 ? 0.85 : 0.6;
      const cpct = ((100 * ch.value) / total).toFixed(1);
      parts.push(html`<path class="arc outer" d="${arcPath(c, c, rings.mid + 1, rings.outer, b, b + cspan)}" fill="${color}" fill-opacity="${opacity}"><title>${g.label} / ${ch.label}: ${ch.value} (${cpct}%)</title></path>`);
      b += cspan;
    });
    if (span > 0.45) {
      const [tx, ty] = polar(c, c, (rings.hole + rings.mid) / 2, a + span / 2);
      parts.push(html`<text class="arc-label" x="${tx}" y="${ty + 4}" text-anchor="middle">${pct}%</text>`);
    }
    a += span;
  });
  parts.push(html`<text class="center" x="${c}" y="${c - 2}" text-anchor="middle">${total.toLocaleString("en-US")}</text><text class="tick" x="${c}" y="${c + 14}" text-anchor="middle">constraints</text>`);
  return svg(size, size, options.title, parts);
}

/** Vertical bars over ordered bins, the count above each bar. */
export function histogram(bins: ReadonlyArray<{ label: string; value: number }>, options: { title: string; width?: number; height?: number; xLabel?: string }): SafeHtml {
  const width = options.width ?? 560;
  const height = options.height ?? 220;
  const left = 10;
  const bottom = 40;
  const top = 18;
  const max = Math.max(1, ...bins.map((b) => b.value));
  const n = Math.max(1, bins.length);
  const slot = (width - left * 2) / n;
  const plotH = height - top - bottom;
  const parts = bins.map((b, i) => {
    const h = (plotH * b.value) / max;
    const x = left + i * slot;
    return html`<g class="bin"><title>${b.label}: ${b.value}</title><rect x="${r1(x + slot * 0.1)}" y="${r1(top + plotH - h)}" width="${r1(slot * 0.8)}" height="${r1(h)}" fill="#4e79a7" rx="2"/><text class="value" x="${r1(x + slot / 2)}" y="${r1(top + plotH - h - 4)}" text-anchor="middle">${b.value}</text><text class="tick" x="${r1(x + slot / 2)}" y="${top + plotH + 14}" text-anchor="middle">${clip(b.label, 8)}</text></g>`;
  });
  const axis = html`<line class="axis" x1="${left}" x2="${width - left}" y1="${top + plotH}" y2="${top + plotH}"/>${
    options.xLabel ? html`<text class="tick" x="${width / 2}" y="${height - 6}" text-anchor="middle">${options.xLabel}</text>` : ""
  }`;
  return svg(width, height, options.title, [...parts, axis]);
}

export interface ColumnRow {
  label: string;
  /** One value per column (0–100). */
  values: ReadonlyArray<number | null>;
  /** One interval per column, drawn as a whisker. */
  intervals?: ReadonlyArray<{ low: number; high: number } | null>;
  highlight?: boolean;
}

/** A table of bars: one row per label, one 0–100 bar column per metric, side by side (a leaderboard). */
export function columnBars(rows: readonly ColumnRow[], columns: readonly string[], options: { title: string; width?: number; labelWidth?: number }): SafeHtml {
  const width = options.width ?? 1100;
  const labelWidth = options.labelWidth ?? 250;
  const rowH = 21;
  const top = 24;
  const colW = (width - labelWidth) / columns.length;
  const plot = colW - 56;
  const height = top + rows.length * rowH + 18;
  const x = (col: number, v: number) => labelWidth + col * colW + (plot * Math.max(0, Math.min(v, 100))) / 100;
  const parts: SafeHtml[] = columns.map(
    (name, col) =>
      html`<text class="col-head" x="${r1(labelWidth + col * colW)}" y="14">${name}</text>${[0, 50, 100].map(
        (t) =>
          html`<line class="grid" x1="${r1(x(col, t))}" x2="${r1(x(col, t))}" y1="${top - 4}" y2="${top + rows.length * rowH}"/><text class="tick" x="${r1(x(col, t))}" y="${height - 4}" text-anchor="middle">${t}</text>`,
      )}`,
  );
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const cells = columns.map((name, col) => {
      const v = r.values[col] ?? null;
      const ci = r.intervals?.[col] ?? null;
      if (v === null || !Number.isFinite(v)) return html`<text class="value" x="${r1(x(col, 0) + 4)}" y="${y + rowH / 2 + 4}">–</text>`;
      const tip = `${r.label}, ${name}: ${v.toFixed(1)}${ci ? ` (95% CI ${ci.low.toFixed(1)}–${ci.high.toFixed(1)})` : ""}`;
      const whisker = ci
        ? html`<line class="whisker" x1="${r1(x(col, ci.low))}" x2="${r1(x(col, ci.high))}" y1="${y + rowH / 2}" y2="${y + rowH / 2}"/><line class="whisker" x1="${r1(x(col, ci.low))}" x2="${r1(x(col, ci.low))}" y1="${y + 6}" y2="${y + rowH - 6}"/><line class="whisker" x1="${r1(x(col, ci.high))}" x2="${r1(x(col, ci.high))}" y1="${y + 6}" y2="${y + rowH - 6}"/>`
        : "";
      return html`<g><title>${tip}</title><rect x="${r1(x(col, 0))}" y="${y + 3}" width="${r1(x(col, v) - x(col, 0))}" height="${rowH - 6}" fill="${r.highlight ? "#e15759" : "#4e79a7"}" rx="2"/>${whisker}<text class="value" x="${r1(x(col, Math.max(v, ci?.high ?? 0)) + 4)}" y="${y + rowH / 2 + 4}">${v.toFixed(1)}</text></g>`;
    });
    parts.push(
      html`<g class="${r.highlight ? "bar hl" : "bar"}">${r.highlight ? html`<rect class="row-hl" x="0" y="${y}" width="${width}" height="${rowH}"/>` : ""}<g><title>${r.label}</title><text class="label" x="${labelWidth - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${clip(r.label, Math.floor(labelWidth / 6.4))}</text></g>${cells}</g>`,
    );
  });
  return svg(width, height, options.title, parts);
}
