/**
 * Safe markup for the reports. Every string from a run (model answers, judge replies, prompts, file names) is
 * untrusted: markup is built only through the `html` template tag, which escapes every interpolated value unless
 * it is already {@link SafeHtml}; the run's data travels as JSON in a `<script type="application/json">` block
 * that cannot be closed early; and the page carries a Content-Security-Policy that lets only our own script and
 * style run (by hash), with images from `data:` URLs only and no network at all.
 */
import { createHash } from "node:crypto";

/** Markup that is already safe (built by `html`, or constant). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Template tag: the literal parts are markup, every `${value}` is escaped (arrays are joined, SafeHtml kept). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Constant markup written in this code base (never pass run data here). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * JSON that can sit inside a `<script>` element: every `<` becomes `\u003c` (so neither `</script>` nor `<!--`
 * can appear), and U+2028/U+2029 are escaped too. `JSON.parse` of the element's text gives the data back.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export interface PageParts {
  title: string;
  css: string;
  /** The client script: runs after the body is parsed; reads the data block by its id. */
  script: string;
  body: SafeHtml;
  /** Embedded as `<script type="application/json" id="report-data">`. */
  data: unknown;
}

/** A whole self-contained document. */
export function page(parts: PageParts): string {
  const csp = [
    "default-src 'none'",
    "img-src data:",
    `style-src ${sha256(parts.css)}`,
    `script-src ${sha256(parts.script)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`, // hashes and keywords only: nothing to escape
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    html`<title>${parts.title}</title>`.value,
    `<style>${parts.css}</style>`,
    "</head>",
    "<body>",
    parts.body.value,
    `<script type="application/json" id="report-data">${jsonForScript(parts.data)}</script>`,
    `<script>${parts.script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** One decimal, or an en dash for a missing number. */
export function fmt1(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(1);
}

/** 12,345 */
export function fmtInt(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : Math.round(x).toLocaleString("en-US");
}

/** USD with cents (more digits under a dollar). */
export function fmtUsd(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
}
