// Reading a model's answers to the benchmark rows, keyed by row index.
//
// ## mmif predictions (`*.jsonl`)
// One JSON object per line (blank lines skipped), as `mmif eval` writes them: `{index, id, tag, infer_type,
// prediction, ...}`. Required: `index` (string or whole number; a row index of the benchmark) and `prediction`
// (string; `null`, which a run writes with an `error` field when the model never answered, is an issue quoting
// that error). Other fields are ignored. A line that is not an object, lacks either field, names an index the
// benchmark does not have, or repeats an index (the first one stays) is an issue.
//
// ## VLMEvalKit prediction files (`*.xlsx`, `*.tsv`, `*.csv`)
// A table with a header row holding at least `index` and `prediction` (other columns are ignored), one row per
// benchmark row, in benchmark order. The cells are read as the reference reads them (pd.read_excel /
// pd.read_csv(sep="\t") / pd.read_csv) and turned into text as its `str(prediction)` does: see
// predictions/pandas.ts. Notably an empty cell, or one holding "NA", "None", "null", "nan"..., becomes "nan",
// and a column of numbers prints as Python prints its ints or floats. xlsx: the first sheet; see
// predictions/xlsx.ts.
// The reference pairs prediction row i with benchmark row i (it takes each row's image by position). Row i whose
// `index` is not benchmark row i's index is an issue ("misaligned"); we still key its prediction by its own
// index when the benchmark has that index, so our scores stay right, but the reference's would not be. A row
// whose index the benchmark lacks, or that repeats an index, is an issue and left out.
//
// ## Both
// Benchmark rows left without a prediction are reported by ONE issue with `row: 0` (the file as a whole) that
// counts them and names the first few. Indexes match as text, or as numbers when both are numeric ("12" = "12.0",
// since pandas may read an index column as floats). The file itself missing, of an unknown type, or without the
// two columns is a BenchFileError.
//
// ## Field limit (`maxFieldBytes`, src/io/field-limit.ts)
// A JSONL line or a TSV/CSV/XLSX cell larger than the limit is dropped as it is read (only its size is kept) and its
// row is an issue. An .xlsx is read from its file and its sheet streamed (predictions/xlsx.ts), never whole.
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import { oversizedSize } from "../io/field-limit.js";
import { readJsonObjects } from "../io/json-lines.js";
import { openInput } from "../io/lines.js";
import { readDelimitedFile, type OversizedField } from "./load/delimited.js";
import { BenchFileError } from "./load/errors.js";
import { pandasColumnStrings, type RawCell } from "./predictions/pandas.js";
import { readXlsxFirstSheet, XlsxError, type OversizedCell } from "./predictions/xlsx.js";
import type { BenchRow, RowIssue } from "./types.js";

export type PredictionFormat = "mmif-jsonl" | "vlmevalkit-xlsx" | "vlmevalkit-tsv" | "vlmevalkit-csv";

export interface ReadPredictions {
  /** Benchmark row index → the prediction text. */
  predictions: Map<string, string>;
  issues: RowIssue[];
  format: PredictionFormat;
}

/** How many missing indexes the summary issue names. */
const MISSING_SHOWN = 10;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function predictionFormatOf(path: string): PredictionFormat {
  switch (extname(path).toLowerCase()) {
    case ".jsonl":
      return "mmif-jsonl";
    case ".xlsx":
      return "vlmevalkit-xlsx";
    case ".tsv":
      return "vlmevalkit-tsv";
    case ".csv":
      return "vlmevalkit-csv";
    default:
      throw new BenchFileError(path, "cannot tell the prediction file's format from its name: expected .jsonl (mmif), or .xlsx, .tsv or .csv (VLMEvalKit)");
  }
}

/** Looks benchmark rows up by index, as text or as a number. */
class IndexLookup {
  private readonly exact = new Map<string, string>();
  private readonly numeric = new Map<number, string>();
  constructor(bench: readonly BenchRow[]) {
    for (const row of bench) {
      if (!this.exact.has(row.index)) this.exact.set(row.index, row.index);
      if (NUMERIC.test(row.index) && !this.numeric.has(Number(row.index))) this.numeric.set(Number(row.index), row.index);
    }
  }
  find(index: string): string | undefined {
    return this.exact.get(index) ?? (NUMERIC.test(index) ? this.numeric.get(Number(index)) : undefined);
  }
}

function sameIndex(a: string, b: string): boolean {
  return a === b || (NUMERIC.test(a) && NUMERIC.test(b) && Number(a) === Number(b));
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `maxFieldBytes`: a JSONL field or table cell larger than this is refused as an issue (src/io/field-limit.ts). */
/**
 * Reads a predictions file against the whole benchmark (`bench`: index lookup, and the row positions a table
 * pairs by). `options.rows`: the rows this run scores (a --limit); predictions for other rows of the benchmark
 * are dropped, not errors, and only these rows count as missing.
 */
export async function readPredictions(path: string, bench: readonly BenchRow[], options: { maxFieldBytes?: number; rows?: readonly BenchRow[] } = {}): Promise<ReadPredictions> {
  const format = predictionFormatOf(path);
  const info = await stat(path).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BenchFileError(path, code === "ENOENT" ? "file not found" : `cannot read it: ${(err as Error).message}`, { cause: err });
  });
  if (!info.isFile()) throw new BenchFileError(path, "is not a regular file");

  const lookup = new IndexLookup(bench);
  const predictions = new Map<string, string>();
  const issues: RowIssue[] = [];
  if (format === "mmif-jsonl") await readJsonl(path, lookup, predictions, issues, options.maxFieldBytes);
  else {
    const limit = options.maxFieldBytes;
    const table = format === "vlmevalkit-xlsx" ? await xlsxTable(path, issues, limit) : await delimitedTable(path, format === "vlmevalkit-tsv" ? "\t" : ",", issues, limit);
    tableRows(path, table, bench, lookup, predictions, issues);
  }

  const wanted = options.rows ?? bench;
  if (options.rows) {
    const scored = new Set(wanted.map((row) => row.index));
    for (const index of [...predictions.keys()]) if (!scored.has(index)) predictions.delete(index);
  }
  const missing = wanted.filter((row) => !predictions.has(row.index)).map((row) => row.index);
  if (missing.length > 0) {
    const shown = missing.slice(0, MISSING_SHOWN).join(", ");
    const of = wanted.length < bench.length ? `the ${wanted.length} rows scored` : `the benchmark's ${bench.length} rows`;
    issues.push({
      file: path,
      row: 0,
      field: "index",
      message: `no prediction for ${missing.length} of ${of} (index ${shown}${missing.length > MISSING_SHOWN ? ", ..." : ""})`,
    });
  }
  issues.sort((a, b) => a.row - b.row);
  return { predictions, issues, format };
}

async function readJsonl(path: string, lookup: IndexLookup, predictions: Map<string, string>, issues: RowIssue[], maxFieldBytes?: number): Promise<void> {
  const firstLine = new Map<string, number>();
  for await (const parsed of readJsonObjects(openInput(path), { maxFieldBytes })) {
    const line = parsed.line;
    const bad = (field: string | undefined, message: string) =>
      issues.push(field === undefined ? { file: path, row: line, message } : { file: path, row: line, field, message });
    if ("error" in parsed) {
      bad(parsed.field, parsed.error);
      continue;
    }
    const obj = parsed.value;
    const { index, prediction } = obj as { index?: unknown; prediction?: unknown };
    let key: string | undefined;
    if (typeof index === "string" && index !== "") key = index;
    else if (typeof index === "number" && Number.isSafeInteger(index)) key = String(index);
    else bad("index", index === undefined || index === null || index === "" ? "index is missing" : `index must be a string or a whole number, got ${show(index)}`);
    if (typeof prediction !== "string") {
      const error = (obj as { error?: unknown }).error;
      bad(
        "prediction",
        prediction === undefined
          ? "prediction is missing"
          : prediction === null
            ? `no prediction (null)${typeof error === "string" ? `: the run recorded the error ${show(error)}` : ""}`
            : `prediction must be a string, got ${show(prediction)}`,
      );
      continue;
    }
    if (key === undefined) continue;
    const benchIndex = lookup.find(key);
    if (benchIndex === undefined) {
      bad("index", `index ${show(key)} is not a row of the benchmark`);
      continue;
    }
    const first = firstLine.get(benchIndex);
    if (first !== undefined) {
      bad("index", `a second prediction for index ${show(benchIndex)} (the first, on line ${first}, is kept)`);
      continue;
    }
    firstLine.set(benchIndex, line);
    predictions.set(benchIndex, prediction);
  }
}

interface Table {
  header: string[];
  /** Data rows with their 1-based row numbers (header excluded); undefined cells are rows that failed to parse. */
  rows: Array<{ row: number; cells: RawCell[] }>;
}

async function xlsxTable(path: string, issues: RowIssue[], maxFieldBytes?: number): Promise<Table> {
  let sheet;
  try {
    sheet = await readXlsxFirstSheet(path, { maxCellBytes: maxFieldBytes });
  } catch (err) {
    if (err instanceof XlsxError) throw new BenchFileError(path, err.message, { cause: err });
    throw err;
  }
  const where = (o: OversizedCell) => `sheet ${JSON.stringify(sheet.name)} cell ${o.ref}`;
  const over = new Map<number, Array<OversizedCell & { at: string }>>();
  for (const o of sheet.oversized) {
    if (o.row === 1) throw headerTooLarge(path, `${where(o)}`, o);
    over.set(o.row, [...(over.get(o.row) ?? []), { ...o, at: where(o) }]);
  }
  const [head, ...data] = sheet.rows;
  const header = (head ?? []).map((c) => (c.t === "text" || c.t === "num" ? c.v : c.t === "bool" ? (c.v ? "True" : "False") : ""));
  const rows: Table["rows"] = [];
  data.forEach((cells, i) => {
    // Data row i + 1 is sheet row i + 2 (the header is row 1).
    const refused = over.get(i + 2);
    if (refused === undefined) rows.push({ row: i + 1, cells });
    else oversizedIssues(path, i + 1, header, refused, issues);
  });
  return { header, rows };
}

/** A header cell over the limit: column names are short, so this is not a predictions table (or the limit is far too low). */
function headerTooLarge(path: string, where: string, o: OversizedField): BenchFileError {
  const size = oversizedSize({ fieldBytes: o.bytes, lineBytes: o.bytes, limit: o.limit });
  return new BenchFileError(path, `the header row's cell at ${where} is ${size}; a predictions table starts with a header row of column names (index, prediction, ...)`);
}

/** One issue per cell over the limit; `at` says where in the file the cell is when the row number does not (an .xlsx cell). */
function oversizedIssues(path: string, row: number, header: readonly string[], over: ReadonlyArray<OversizedField & { at?: string }>, issues: RowIssue[]): void {
  for (const o of over) {
    const field = header[o.column] || `column ${o.column + 1}`;
    const size = oversizedSize({ field, fieldBytes: o.bytes, lineBytes: o.bytes, limit: o.limit });
    issues.push({ file: path, row, field, message: o.at === undefined ? size : `${o.at}: ${size}` });
  }
}

async function delimitedTable(path: string, delimiter: string, issues: RowIssue[], maxFieldBytes?: number): Promise<Table> {
  let header: string[] | undefined;
  const rows: Table["rows"] = [];
  for await (const record of readDelimitedFile(path, delimiter, maxFieldBytes === undefined ? undefined : { bytes: maxFieldBytes })) {
    if (!header) {
      if (record.oversized) throw headerTooLarge(path, `column ${record.oversized[0]!.column + 1}`, record.oversized[0]!);
      header = record.fields;
      continue;
    }
    const row = record.record - 1;
    if (record.oversized) {
      oversizedIssues(path, row, header, record.oversized, issues);
      continue;
    }
    if (record.unterminatedQuote) {
      issues.push({ file: path, row, message: 'the file ends inside a quoted field that starts on this row (a " without its closing ")' });
      continue;
    }
    if (record.fields.length > header.length) {
      issues.push({ file: path, row, message: `expected ${header.length} fields (as in the header), found ${record.fields.length}` });
      continue;
    }
    rows.push({ row, cells: header.map((_, i) => ({ t: "text", v: record.fields[i] ?? "" })) });
  }
  return { header: header ?? [], rows };
}

function tableRows(
  path: string,
  table: Table,
  bench: readonly BenchRow[],
  lookup: IndexLookup,
  predictions: Map<string, string>,
  issues: RowIssue[],
): void {
  const col = (name: string) => table.header.indexOf(name);
  const indexCol = col("index");
  const predCol = col("prediction");
  const missing = [indexCol < 0 ? "index" : "", predCol < 0 ? "prediction" : ""].filter(Boolean);
  if (missing.length > 0) {
    throw new BenchFileError(path, `no ${missing.join(" or ")} column in the header (found: ${table.header.slice(0, 20).join(", ") || "nothing"})`);
  }
  const indexes = pandasColumnStrings(table.rows.map((r) => r.cells[indexCol] ?? { t: "na" }));
  const texts = pandasColumnStrings(table.rows.map((r) => r.cells[predCol] ?? { t: "na" }));
  const firstRow = new Map<string, number>();
  table.rows.forEach(({ row }, i) => {
    const bad = (message: string) => issues.push({ file: path, row, field: "index", message });
    const index = indexes[i]!;
    if (index === "nan") {
      bad("index is empty");
      return;
    }
    // The reference pairs by position: data row `row` goes with bench row `row`.
    const expected = bench[row - 1];
    if (!expected) bad(`row ${row} is past the benchmark's ${bench.length} rows (the reference pairs rows by position)`);
    else if (!sameIndex(index, expected.index)) {
      bad(`misaligned: index ${show(index)}, but benchmark row ${row} has index ${show(expected.index)} (the reference pairs rows by position, so it would judge this prediction with another row's image)`);
    }
    const benchIndex = lookup.find(index);
    if (benchIndex === undefined) {
      if (expected) bad(`index ${show(index)} is not a row of the benchmark`);
      return;
    }
    const first = firstRow.get(benchIndex);
    if (first !== undefined) {
      bad(`a second prediction for index ${show(benchIndex)} (the first, on row ${first}, is kept)`);
      return;
    }
    firstRow.set(benchIndex, row);
    predictions.set(benchIndex, texts[i]!);
  });
}
