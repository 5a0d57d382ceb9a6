// A minimal .xlsx reader: the first worksheet's cells, as pandas.read_excel (openpyxl engine) sees them.
//
// Why not a package: what VLMEvalKit writes is one plain sheet of strings and numbers, and what matters is
// reproducing openpyxl's reading of it exactly (shared strings with rich-text runs joined and phonetic runs
// left out, its `x005F_` unescaping, numbers as int or float, error cells as NaN), which is a few hundred lines over
// node:zlib. The npm options are worse trades: SheetJS's npm release is frozen at 0.18.5 with published
// advisories (newer builds are only on its own CDN), exceljs pulls in a dozen dependencies for a writer we do
// not need, and none documents openpyxl parity.
//
// Bounded: the archive is read from its file, never whole; the shared strings and the sheet are streamed through
// zlib's inflateRaw and a streaming XML tokenizer (xml-stream.ts), and a cell whose text grows past `maxCellBytes`
// (--max-field-bytes) stops being kept as it is read: only its size is counted, and the sheet lists it in
// `oversized`. So a 50 MB cell costs no more memory than the limit.
//
// Read: the workbook's first sheet (pandas' sheet_name=0), via _rels/.rels → workbook → its rels; cells by their
// `r` reference (or position when it is missing), from A1. Cell types: shared string (s), inline string
// (inlineStr), formula string (str), boolean (b), error (e) → missing, number (n or none) → its text, date (d) →
// its text. XML text is decoded with XML's rules (entities, CDATA, line ends normalised to \n).
import { posix } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { BoundedText, type DroppedText } from "../../io/field-limit.js";
import { InputError } from "../../common/errors.js";
import type { RawCell } from "./pandas.js";
import { decodeXmlText, XmlError, XmlTokenizer, type XmlHandler } from "./xml-stream.js";
import { ZipError, ZipFile, type ZipEntry } from "./zip.js";

export class XlsxError extends InputError {}

/** The largest workbook part read whole (relationships, workbook.xml): they list parts, not cells. */
const SMALL_PART_LIMIT = 64 * 1024 * 1024;
const P = "(?:[A-Za-z_][\\w.-]*:)?"; // optional namespace prefix

function elements(tag: string): RegExp {
  // <tag attrs/> or <tag attrs>content</tag>; group 1: attributes, group 2: content
  return new RegExp(`<${P}${tag}\\b([^>]*?)(?:\\/>|>([\\s\\S]*?)<\\/${P}${tag}\\s*>)`, "g");
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? decodeXmlText(m[1] ?? m[2] ?? "") : undefined;
}

/** Column letters of a cell reference → 0-based column ("A1" → 0, "AB7" → 27). */
function columnOf(ref: string): number | undefined {
  const m = /^\$?([A-Za-z]{1,3})\$?\d*$/.exec(ref);
  if (!m) return undefined;
  let n = 0;
  for (const ch of m[1]!.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** 0-based column → its letters (27 → "AB"). */
function columnLetters(column: number): string {
  let s = "";
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
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

/** A cell whose text went over the limit: not kept, only measured. */
export interface OversizedCell {
  /** 1-based sheet row and 0-based column. */
  row: number;
  column: number;
  /** The cell reference, e.g. "B4". */
  ref: string;
  /** The cell's text in UTF-8 bytes (its shared string's, for a shared-string cell). */
  bytes: number;
  limit: number;
}

export interface XlsxSheet {
  name: string;
  /** Row-major cells from A1; every row has the same length; missing cells are {t: "na"}, and so are oversized ones. */
  rows: RawCell[][];
  /** Cells over `maxCellBytes`, in sheet order. */
  oversized: OversizedCell[];
}

export interface XlsxOptions {
  /** A cell whose text is larger than this (UTF-8 bytes) is not kept but listed in `oversized`; default no limit. */
  maxCellBytes?: number;
}

/** The first worksheet of an .xlsx file. Trailing empty rows and columns are dropped, as pandas does. */
export async function readXlsxFirstSheet(path: string, options: XlsxOptions = {}): Promise<XlsxSheet> {
  let zip: ZipFile;
  try {
    zip = await ZipFile.open(path);
  } catch (err) {
    if (err instanceof ZipError) throw new XlsxError(`not a readable .xlsx file: ${err.message}`, { cause: err });
    throw err;
  }
  try {
    return await readSheet(zip, options.maxCellBytes ?? Infinity);
  } catch (err) {
    if (err instanceof ZipError) throw new XlsxError(err.message, { cause: err });
    throw err;
  } finally {
    await zip.close();
  }
}

async function readSheet(zip: ZipFile, limit: number): Promise<XlsxSheet> {
  const lower = new Map([...zip.entries.keys()].map((k) => [k.toLowerCase(), k]));
  const entry = (name: string): ZipEntry | undefined => zip.entries.get(zip.entries.has(name) ? name : (lower.get(name.toLowerCase()) ?? ""));
  const part = async (name: string): Promise<string | undefined> => {
    const e = entry(name);
    return e === undefined ? undefined : (await zip.read(e, SMALL_PART_LIMIT)).toString("utf8");
  };

  const office = relationships(await part("_rels/.rels")).find((r) => r.type.endsWith("/officeDocument"));
  const workbookPath = office ? partPath("", office.target) : "xl/workbook.xml";
  const workbook = await part(workbookPath);
  if (workbook === undefined) throw new XlsxError(`not an .xlsx workbook (no ${workbookPath})`);
  const rels = relationships(await part(relsPathOf(workbookPath)));

  const firstSheet = elements("sheet").exec(workbook);
  const sheetAttrs = firstSheet?.[1] ?? "";
  const relId = /(?:^|\s)[A-Za-z_][\w.-]*:id\s*=\s*"([^"]*)"/.exec(sheetAttrs)?.[1];
  const sheetRel = rels.find((r) => r.id === relId);
  const sheetPath = sheetRel ? partPath(workbookPath, sheetRel.target) : "xl/worksheets/sheet1.xml";
  const sheetEntry = entry(sheetPath);
  if (sheetEntry === undefined) throw new XlsxError(`the workbook's first sheet (${sheetPath}) is missing`);

  const sstRel = rels.find((r) => r.type.endsWith("/sharedStrings"));
  const sstEntry = entry(sstRel ? partPath(workbookPath, sstRel.target) : "xl/sharedStrings.xml");
  const shared = new SharedStrings(limit);
  if (sstEntry !== undefined) await parsePart(zip, sstEntry, shared);
  const cells = new SheetCells(limit, shared.strings);
  await parsePart(zip, sheetEntry, cells);
  return { name: attr(sheetAttrs, "name") ?? "", ...cells.table() };
}

/** Streams one XML part of the archive through `handler`. */
async function parsePart(zip: ZipFile, entry: ZipEntry, handler: XmlHandler): Promise<void> {
  const tokenizer = new XmlTokenizer(handler);
  const decoder = new StringDecoder("utf8");
  try {
    for await (const piece of zip.stream(entry)) tokenizer.push(decoder.write(piece));
    tokenizer.push(decoder.end());
    tokenizer.end();
  } catch (err) {
    if (err instanceof XmlError) throw new XlsxError(`${entry.name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The shared-string table: each `<si>` is openpyxl's Text.content (the `<t>` texts, rich-text runs joined,
 * phonetic runs `<rPh>` left out) with its read_string_table's `x005F_` removal; one over the limit is its size.
 */
class SharedStrings implements XmlHandler {
  readonly strings: Array<string | DroppedText> = [];
  private inItem = false;
  private inText = 0;
  private phonetic = 0;
  private readonly item = new BoundedText();

  constructor(private readonly limit: number) {}

  get wantsText(): boolean {
    return this.inText > 0 && this.phonetic === 0;
  }

  open(name: string): void {
    if (name === "si") this.inItem = true;
    else if (!this.inItem) return;
    else if (name === "rPh") this.phonetic++;
    else if (name === "t") this.inText++;
  }

  close(name: string): void {
    if (!this.inItem) return;
    if (name === "si") {
      const text = this.item.take(this.limit);
      this.strings.push(typeof text === "string" ? text.replaceAll("x005F_", "") : text);
      this.inItem = false;
      this.inText = this.phonetic = 0;
    } else if (name === "rPh") this.phonetic--;
    else if (name === "t") this.inText--;
  }

  text(piece: string): void {
    this.item.add(piece, this.limit);
  }
}

/** The cells of a sheet: rows (`<row r>`), cells (`<c r t>`) and their value (`<v>`, or `<is>` for inline strings). */
class SheetCells implements XmlHandler {
  private readonly grid = new Map<number, Map<number, RawCell>>();
  private readonly oversized: OversizedCell[] = [];
  private inRow = false;
  private row = 0;
  private lastRow = 0;
  private lastCol = -1;
  /** The cell being read: its column and type, and the text of its first `<v>` and of its `<is>`. */
  private cell: { col: number; type: string; v?: string | DroppedText; is?: string | DroppedText } | undefined;
  private inValue = false;
  private inInline = false;
  private inText = 0;
  private phonetic = 0;
  private readonly value = new BoundedText();

  constructor(
    private readonly limit: number,
    private readonly shared: ReadonlyArray<string | DroppedText>,
  ) {}

  get wantsText(): boolean {
    return this.inValue || (this.inInline && this.inText > 0 && this.phonetic === 0);
  }

  open(name: string, attrs: string): void {
    if (name === "row") {
      const r = Number(attr(attrs, "r") ?? this.lastRow + 1);
      this.row = this.lastRow = Number.isInteger(r) && r > 0 ? r : this.lastRow + 1;
      this.lastCol = -1;
      this.inRow = true;
      return;
    }
    if (!this.inRow) return;
    const cell = this.cell;
    if (name === "c") {
      const ref = attr(attrs, "r");
      this.lastCol = (ref !== undefined ? columnOf(ref) : undefined) ?? this.lastCol + 1;
      this.cell = { col: this.lastCol, type: attr(attrs, "t") ?? "n" };
    } else if (cell === undefined) return;
    else if (name === "v" && cell.v === undefined && !this.inInline) this.inValue = true;
    else if (name === "is" && cell.is === undefined) this.inInline = true;
    else if (this.inInline && name === "t") this.inText++;
    else if (this.inInline && name === "rPh") this.phonetic++;
  }

  close(name: string): void {
    if (name === "row") {
      this.inRow = false;
      return;
    }
    const cell = this.cell;
    if (cell === undefined) return;
    if (name === "v" && this.inValue) {
      cell.v = this.value.take(this.limit);
      this.inValue = false;
    } else if (name === "is" && this.inInline) {
      cell.is = this.value.take(this.limit);
      this.inInline = false;
      this.inText = this.phonetic = 0;
    } else if (name === "t" && this.inInline) this.inText--;
    else if (name === "rPh" && this.inInline) this.phonetic--;
    else if (name === "c") {
      this.cell = undefined;
      this.store(cell.col, cellValue(cell.type, cell.v, cell.is, this.shared));
    }
  }

  text(piece: string): void {
    this.value.add(piece, this.limit);
  }

  private store(col: number, value: RawCell | DroppedText): void {
    let cells = this.grid.get(this.row);
    if ("bytes" in value) {
      this.oversized.push({ row: this.row, column: col, ref: `${columnLetters(col)}${this.row}`, bytes: value.bytes, limit: value.limit });
      value = { t: "na" }; // kept in the grid so that its row and column count, as the cell did
    } else if (value.t === "na") return;
    if (cells === undefined) this.grid.set(this.row, (cells = new Map()));
    cells.set(col, value);
  }

  table(): Pick<XlsxSheet, "rows" | "oversized"> {
    let maxRow = 0;
    let width = 0;
    for (const [r, cells] of this.grid) {
      maxRow = Math.max(maxRow, r);
      for (const c of cells.keys()) width = Math.max(width, c + 1);
    }
    const rows: RawCell[][] = [];
    for (let r = 1; r <= maxRow; r++) {
      const cells = this.grid.get(r);
      const row: RawCell[] = [];
      for (let c = 0; c < width; c++) row.push(cells?.get(c) ?? { t: "na" });
      rows.push(row);
    }
    return { rows, oversized: this.oversized };
  }
}

/** A cell's value from its type and texts, as openpyxl reads it; a text over the limit is its size. */
function cellValue(type: string, v: string | DroppedText | undefined, is: string | DroppedText | undefined, shared: ReadonlyArray<string | DroppedText>): RawCell | DroppedText {
  if (type === "inlineStr") {
    if (is === undefined || typeof is !== "string") return is ?? { t: "na" };
    return is === "" ? { t: "na" } : { t: "text", v: is };
  }
  if (v === undefined || typeof v !== "string") return v ?? { t: "na" };
  switch (type) {
    case "s": {
      const text = shared[Number(v)];
      if (text !== undefined && typeof text !== "string") return text;
      return text === undefined || text === "" ? { t: "na" } : { t: "text", v: text };
    }
    case "str":
    case "d":
      return v === "" ? { t: "na" } : { t: "text", v };
    case "b":
      return { t: "bool", v: v.trim() === "1" || v.trim().toLowerCase() === "true" };
    case "e":
      return { t: "na" };
    default:
      return v.trim() === "" ? { t: "na" } : { t: "num", v };
  }
}
