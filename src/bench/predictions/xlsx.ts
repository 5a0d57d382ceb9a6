// A minimal .xlsx reader: the first worksheet's cells, as pandas.read_excel (openpyxl engine) sees them.
//
// Why not a package: what VLMEvalKit writes is one plain sheet of strings and numbers, and what matters is
// reproducing openpyxl's reading of it exactly (shared strings with rich-text runs joined and phonetic runs
// left out, its `x005F_` unescaping, numbers as int or float, error cells as NaN), which is ~200 lines over
// node:zlib. The npm options are worse trades: SheetJS's npm release is frozen at 0.18.5 with published
// advisories (newer builds are only on its own CDN), exceljs pulls in a dozen dependencies for a writer we do
// not need, and none documents openpyxl parity.
//
// Read: the workbook's first sheet (pandas' sheet_name=0), via _rels/.rels → workbook → its rels; cells by their
// `r` reference (or position when it is missing), from A1. Cell types: shared string (s), inline string
// (inlineStr), formula string (str), boolean (b), error (e) → missing, number (n or none) → its text, date (d) →
// its text. XML text is decoded with XML's rules (entities, CDATA, line ends normalised to \n).
import { posix } from "node:path";
import type { RawCell } from "./pandas.js";
import { readZipDirectory, readZipEntry, ZipError, type ZipEntry } from "./zip.js";
import { InputError } from "../../common/errors.js";

export class XlsxError extends InputError {}

const PART_LIMIT = 512 * 1024 * 1024;
const P = "(?:[A-Za-z_][\\w.-]*:)?"; // optional namespace prefix

function elements(tag: string): RegExp {
  // <tag attrs/> or <tag attrs>content</tag>; group 1: attributes, group 2: content
  return new RegExp(`<${P}${tag}\\b([^>]*?)(?:\\/>|>([\\s\\S]*?)<\\/${P}${tag}\\s*>)`, "g");
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? decodeXml(m[1] ?? m[2] ?? "") : undefined;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML character data → text: line ends normalised, entities and character references decoded, CDATA kept. */
export function decodeXml(s: string): string {
  const decodeRun = (run: string) =>
    run.replace(/\r\n?/g, "\n").replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
      if (e[0] !== "#") return ENTITIES[e]!;
      const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
    });
  if (!s.includes("<![CDATA[")) return decodeRun(s);
  let out = "";
  let at = 0;
  for (;;) {
    const open = s.indexOf("<![CDATA[", at);
    if (open < 0) return out + decodeRun(s.slice(at));
    const close = s.indexOf("]]>", open + 9);
    const end = close < 0 ? s.length : close;
    out += decodeRun(s.slice(at, open)) + s.slice(open + 9, end).replace(/\r\n?/g, "\n");
    at = close < 0 ? s.length : close + 3;
  }
}

/** openpyxl's Text.content: the `<t>` texts of a string item, rich-text runs joined, phonetic runs (rPh) left out. */
function richText(content: string): string {
  const body = content.replace(new RegExp(`<${P}rPh\\b[\\s\\S]*?<\\/${P}rPh\\s*>`, "g"), "");
  let text = "";
  for (const m of body.matchAll(elements("t"))) text += decodeXml(m[2] ?? "");
  return text;
}

/** Column letters of a cell reference → 0-based column ("A1" → 0, "AB7" → 27). */
function columnOf(ref: string): number | undefined {
  const m = /^\$?([A-Za-z]{1,3})\$?\d*$/.exec(ref);
  if (!m) return undefined;
  let n = 0;
  for (const ch of m[1]!.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

interface Relationship {
  id: string;
  type: string;
  target: string;
}

function relationships(xml: string | undefined): Relationship[] {
  if (xml === undefined) return [];
  const out: Relationship[] = [];
  for (const m of xml.matchAll(elements("Relationship"))) {
    const a = m[1] ?? "";
    out.push({ id: attr(a, "Id") ?? "", type: attr(a, "Type") ?? "", target: attr(a, "Target") ?? "" });
  }
  return out;
}

function partPath(base: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  return posix.normalize(posix.join(posix.dirname(base), target));
}

function relsPathOf(part: string): string {
  return posix.join(posix.dirname(part), "_rels", `${posix.basename(part)}.rels`);
}

export interface XlsxSheet {
  name: string;
  /** Row-major cells from A1; every row has the same length; missing cells are {t: "na"}. */
  rows: RawCell[][];
}

/** The first worksheet of an .xlsx held in memory. Trailing empty rows and columns are dropped, as pandas does. */
export function readXlsxFirstSheet(buf: Buffer): XlsxSheet {
  let entries: Map<string, ZipEntry>;
  try {
    entries = readZipDirectory(buf);
  } catch (err) {
    throw new XlsxError(err instanceof ZipError ? `not a readable .xlsx file: ${err.message}` : String(err));
  }
  const lower = new Map([...entries.keys()].map((k) => [k.toLowerCase(), k]));
  const part = (name: string): string | undefined => {
    const key = entries.has(name) ? name : lower.get(name.toLowerCase());
    if (key === undefined) return undefined;
    try {
      return readZipEntry(buf, entries.get(key)!, PART_LIMIT).toString("utf8");
    } catch (err) {
      throw new XlsxError(err instanceof ZipError ? err.message : String(err));
    }
  };

  const office = relationships(part("_rels/.rels")).find((r) => r.type.endsWith("/officeDocument"));
  const workbookPath = office ? partPath("", office.target) : "xl/workbook.xml";
  const workbook = part(workbookPath);
  if (workbook === undefined) throw new XlsxError(`not an .xlsx workbook (no ${workbookPath})`);
  const rels = relationships(part(relsPathOf(workbookPath)));

  const firstSheet = elements("sheet").exec(workbook);
  const sheetAttrs = firstSheet?.[1] ?? "";
  const relId = /(?:^|\s)[A-Za-z_][\w.-]*:id\s*=\s*"([^"]*)"/.exec(sheetAttrs)?.[1];
  const sheetRel = rels.find((r) => r.id === relId);
  const sheetPath = sheetRel ? partPath(workbookPath, sheetRel.target) : "xl/worksheets/sheet1.xml";
  const sheetXml = part(sheetPath);
  if (sheetXml === undefined) throw new XlsxError(`the workbook's first sheet (${sheetPath}) is missing`);

  const sstRel = rels.find((r) => r.type.endsWith("/sharedStrings"));
  const sstXml = part(sstRel ? partPath(workbookPath, sstRel.target) : "xl/sharedStrings.xml");
  const shared: string[] = [];
  if (sstXml !== undefined) {
    // openpyxl's read_string_table: text.replace('x005F_', '')
    for (const m of sstXml.matchAll(elements("si"))) shared.push(richText(m[2] ?? "").replaceAll("x005F_", ""));
  }

  const grid = new Map<number, Map<number, RawCell>>();
  let lastRow = 0;
  for (const rm of sheetXml.matchAll(elements("row"))) {
    const r = Number(attr(rm[1] ?? "", "r") ?? lastRow + 1);
    const rowNo = Number.isInteger(r) && r > 0 ? r : lastRow + 1;
    lastRow = rowNo;
    let lastCol = -1;
    const cells = new Map<number, RawCell>();
    for (const cm of (rm[2] ?? "").matchAll(elements("c"))) {
      const a = cm[1] ?? "";
      const ref = attr(a, "r");
      const col = (ref !== undefined ? columnOf(ref) : undefined) ?? lastCol + 1;
      lastCol = col;
      const cell = cellValue(attr(a, "t") ?? "n", cm[2] ?? "", shared);
      if (cell.t !== "na") cells.set(col, cell);
    }
    if (cells.size > 0) {
      const existing = grid.get(rowNo);
      if (existing) for (const [c, v] of cells) existing.set(c, v);
      else grid.set(rowNo, cells);
    }
  }

  let maxRow = 0;
  let width = 0;
  for (const [r, cells] of grid) {
    if (cells.size === 0) continue;
    maxRow = Math.max(maxRow, r);
    for (const c of cells.keys()) width = Math.max(width, c + 1);
  }
  const rows: RawCell[][] = [];
  for (let r = 1; r <= maxRow; r++) {
    const cells = grid.get(r);
    const row: RawCell[] = [];
    for (let c = 0; c < width; c++) row.push(cells?.get(c) ?? { t: "na" });
    rows.push(row);
  }
  return { name: attr(sheetAttrs, "name") ?? "", rows };
}

function cellValue(type: string, content: string, shared: readonly string[]): RawCell {
  if (type === "inlineStr") {
    const is = elements("is").exec(content);
    if (!is) return { t: "na" };
    const text = richText(is[2] ?? "");
    return text === "" ? { t: "na" } : { t: "text", v: text };
  }
  const v = elements("v").exec(content);
  if (!v) return { t: "na" };
  const raw = decodeXml(v[2] ?? "");
  switch (type) {
    case "s": {
      const text = shared[Number(raw)];
      return text === undefined || text === "" ? { t: "na" } : { t: "text", v: text };
    }
    case "str":
    case "d":
      return raw === "" ? { t: "na" } : { t: "text", v: raw };
    case "b":
      return { t: "bool", v: raw.trim() === "1" || raw.trim().toLowerCase() === "true" };
    case "e":
      return { t: "na" };
    default:
      return raw.trim() === "" ? { t: "na" } : { t: "num", v: raw };
  }
}
