// What `str(value)` gives for a cell of a column that pandas read (read_csv / read_excel with default options),
// since the reference scorers use `str(line["prediction"])`.
//
// What is reproduced:
// - Missing values: an empty cell, and a text cell equal to one of pandas' default NA strings ("", "NA", "N/A",
//   "nan", "NaN", "None", "null", "NULL", "#N/A", "<NA>", ... — PANDAS_NA_STRINGS), become NaN → "nan". So do
//   xlsx error cells (#N/A, #DIV/0!).
// - Column dtype inference, which changes how numbers print:
//     * every non-missing cell an integer and none missing → int64: "42", "007" → "7", "+5" → "5";
//     * every non-missing cell a number (integers with some missing, or any decimal) → float64: Python's float
//       repr: "42.0", "3.5", "1e+16", "nan";
//     * every non-missing cell a boolean word (True/TRUE/true/False/FALSE/false) → "True" / "False";
//     * otherwise object: text cells exactly as written (a "42" among words stays "42"); xlsx numeric cells as
//       pandas' openpyxl reader gives them (an integral number → int: 3.0 → "3"; else float repr: "3.5").
//     * integers beyond 64 bits make a CSV column text (as written);
//     * xlsx booleans: a column of only booleans → "True"/"False"; with numbers or missing cells they count as
//       1/0 (pandas converts them): "1", or "1.0" in a float column.
// What is not: dates and times (an xlsx cell with a date format prints as its serial number here, as a
// Timestamp in pandas), an xlsx column mixing booleans with the numbers 0/1 and text (pandas prints whichever
// of True/1 it met first for both), and per-column options (dtype=, na_values=, converters=), which the
// reference does not pass.

/** One cell before typing. */
export type RawCell =
  /** A CSV/TSV field, or an xlsx string cell. */
  | { t: "text"; v: string }
  /** An xlsx numeric cell: the text of its `<v>`. */
  | { t: "num"; v: string }
  /** An xlsx boolean cell. */
  | { t: "bool"; v: boolean }
  /** An xlsx empty or error cell. */
  | { t: "na" };

/** pandas' default NA strings (pandas._libs.parsers.STR_NA_VALUES, pandas 2.x). */
export const PANDAS_NA_STRINGS: ReadonlySet<string> = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);

type Typed =
  | { k: "na" }
  /** `num`: the value as a float64 (keeps "-0" negative). */
  | { k: "int"; v: bigint; num: number }
  | { k: "float"; v: number }
  | { k: "bool"; v: boolean; excel: boolean }
  | { k: "str"; v: string };

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function typeText(text: string): Typed {
  if (PANDAS_NA_STRINGS.has(text)) return { k: "na" };
  if (INT_RE.test(text)) {
    const v = BigInt(text);
    // beyond 64 bits pandas gives up on numbers and keeps the column as text
    return v >= INT64_MIN && v <= UINT64_MAX ? { k: "int", v, num: Number(text) } : { k: "str", v: text };
  }
  if (FLOAT_RE.test(text)) return { k: "float", v: Number(text) };
  const inf = INF_RE.exec(text);
  if (inf) return { k: "float", v: inf[1] === "-" ? -Infinity : Infinity };
  if (text === "True" || text === "TRUE" || text === "true") return { k: "bool", v: true, excel: false };
  if (text === "False" || text === "FALSE" || text === "false") return { k: "bool", v: false, excel: false };
  return { k: "str", v: text };
}

/** An xlsx number as pandas' openpyxl reader returns it: an int when integral, else a float. */
function typeExcelNumber(text: string): Typed {
  const t = text.trim();
  // Python ints: -0 is 0
  if (INT_RE.test(t)) return { k: "int", v: BigInt(t), num: Number(BigInt(t)) };
  const v = Number(t);
  if (!Number.isFinite(v)) return t === "" ? { k: "na" } : { k: "str", v: text };
  return Number.isInteger(v) ? { k: "int", v: BigInt(v), num: v === 0 ? 0 : v } : { k: "float", v };
}

function typeCell(cell: RawCell): Typed {
  switch (cell.t) {
    case "na":
      return { k: "na" };
    case "bool":
      return { k: "bool", v: cell.v, excel: true };
    case "num":
      return typeExcelNumber(cell.v);
    case "text":
      return typeText(cell.v);
  }
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** `str(value)` for every cell of one column, after pandas' dtype inference over the whole column. */
export function pandasColumnStrings(cells: readonly RawCell[]): string[] {
  const typed = cells.map(typeCell);
  let na = 0;
  let ints = 0;
  let floats = 0;
  let bools = 0;
  let excelBools = 0;
  for (const t of typed) {
    if (t.k === "na") na++;
    else if (t.k === "int") ints++;
    else if (t.k === "float") floats++;
    else if (t.k === "bool") {
      bools++;
      if (t.excel) excelBools++;
    }
  }
  const present = typed.length - na;
  const nan = "nan";
  if (present === 0) return typed.map(() => nan);
  // bool dtype
  if (bools === present && na === 0) return typed.map((t) => ((t as { v: boolean }).v ? "True" : "False"));
  // numeric dtypes; xlsx booleans count as 0/1 here (pandas' maybe_convert_numeric), text "True" does not
  if (ints + floats + excelBools === present) {
    if (floats === 0 && na === 0) return typed.map((t) => (t.k === "int" ? t.v.toString() : (t as { v: boolean }).v ? "1" : "0"));
    return typed.map((t) => (t.k === "na" ? nan : t.k === "int" ? pyFloatRepr(t.num) : t.k === "float" ? pyFloatRepr(t.v) : (t as { v: boolean }).v ? "1.0" : "0.0"));
  }
  // text booleans with missing values: an object column of True/False/NaN
  if (bools === present) return typed.map((t) => (t.k === "na" ? nan : (t as { v: boolean }).v ? "True" : "False"));
  // object column: text as written; xlsx typed values as Python prints them
  return typed.map((t, i) => {
    const cell = cells[i]!;
    if (t.k === "na") return nan;
    if (cell.t === "text") return cell.v;
    if (t.k === "int") return t.v.toString();
    if (t.k === "float") return pyFloatRepr(t.v);
    if (t.k === "bool") return t.v ? "True" : "False";
    return t.v;
  });
}
