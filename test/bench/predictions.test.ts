import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { readPredictions } from "../../src/bench/predictions.js";
import { BenchFileError } from "../../src/bench/load/errors.js";
import { pandasColumnStrings, pyFloatRepr, type RawCell } from "../../src/bench/predictions/pandas.js";
import { readXlsxFirstSheet } from "../../src/bench/predictions/xlsx.js";
import { crc32 } from "../../src/bench/predictions/zip.js";
import { xlsx } from "../helpers/xlsx.js";
import type { BenchRow } from "../../src/bench/types.js";

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-pred-"));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function row(index: string): BenchRow {
  return { index, id: index, tag: "P-Level", inferType: "main", question: "Q?", image: { path: "x.png" }, answer: '["a"]', source: `t row ${index}` };
}
const bench = ["1", "2", "3", "4"].map(row);

describe("predictions: mmif JSONL", () => {
  test("keyed by index; index and prediction required; unknown and repeated indexes are issues", async () => {
    const file = path.join(dir, "predictions.jsonl");
    const lines = [
      { index: "1", id: "1", tag: "P-Level", infer_type: "main", prediction: "A cat." },
      { index: 2, prediction: "" },
      { index: "9", prediction: "stray" },
      { index: "1", prediction: "again" },
      { index: "3" },
      { prediction: "no index" },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n\nnot json\n");
    const { predictions, issues, format } = await readPredictions(file, bench);
    assert.equal(format, "mmif-jsonl");
    assert.deepEqual([...predictions], [["1", "A cat."], ["2", ""]]);
    assert.deepEqual(
      issues.map((i) => [i.row, i.field ?? null]),
      [[0, "index"], [3, "index"], [4, "index"], [5, "prediction"], [6, "index"], [8, null]],
    );
    assert.match(issues[0]!.message, /no prediction for 2 of the benchmark's 4 rows \(index 3, 4\)/);
  });
});

describe("predictions for some rows (--limit)", () => {
  test("a full file read for the first rows: the rest are dropped, not errors; only the scored rows count as missing", async () => {
    const tsv = path.join(dir, "full.tsv");
    fs.writeFileSync(tsv, "index\tprediction\n1\ta\n2\tb\n3\tc\n4\td\n");
    const some = await readPredictions(tsv, bench, { rows: bench.slice(0, 2) });
    assert.deepEqual([...some.predictions], [["1", "a"], ["2", "b"]]);
    assert.deepEqual(some.issues, []);
    const jsonl = path.join(dir, "partial.jsonl");
    fs.writeFileSync(jsonl, `${JSON.stringify({ index: "4", prediction: "d" })}\n`);
    const missing = await readPredictions(jsonl, bench, { rows: bench.slice(0, 2) });
    assert.deepEqual([...missing.predictions], []);
    assert.deepEqual(missing.issues.map((i) => i.message), ["no prediction for 2 of the 2 rows scored (index 1, 2)"]);
  });
});

describe("predictions: VLMEvalKit tables", () => {
  test("TSV: quoted multi-line predictions; empty and NA-like cells become \"nan\"", async () => {
    const file = path.join(dir, "model_MM-IFEval.tsv");
    fs.writeFileSync(file, 'index\tquestion\tprediction\n1\tq\t"Line one.\nLine ""two""."\n2\tq\t\n3\tq\tNone\n4\tq\t42\n');
    const { predictions, issues } = await readPredictions(file, bench);
    assert.deepEqual([...predictions], [["1", 'Line one.\nLine "two".'], ["2", "nan"], ["3", "nan"], ["4", "42"]]);
    assert.deepEqual(issues, []);
  });

  test("CSV as Excel saves it: byte order mark, CRLF, quoted line breaks and doubled quotes, no line break at the end", async () => {
    const file = path.join(dir, "excel.csv");
    fs.writeFileSync(file, '\ufeffindex,prediction\r\n1,"Say ""hi"",\r\nthen go."\r\n2,plain\r\n3,"é, 日本"\r\n4,"last ""one"""');
    const { predictions, issues } = await readPredictions(file, bench);
    assert.deepEqual([...predictions], [["1", 'Say "hi",\r\nthen go.'], ["2", "plain"], ["3", "é, 日本"], ["4", 'last "one"']]);
    assert.deepEqual(issues, []);
  });

  test("CSV: misaligned rows are issues but keyed by their own index; a number-only column prints like pandas", async () => {
    const file = path.join(dir, "model_MM-IFEval.csv");
    fs.writeFileSync(file, "index,prediction\n2,7\n1,5\n3,\n4,8\n");
    const { predictions, issues, format } = await readPredictions(file, bench);
    assert.equal(format, "vlmevalkit-csv");
    // the column holds numbers and a missing cell: float64 in pandas, so str() gives "7.0"
    assert.deepEqual([...predictions].sort(), [["1", "5.0"], ["2", "7.0"], ["3", "nan"], ["4", "8.0"]]);
    assert.deepEqual(
      issues.map((i) => [i.row, i.field]),
      [[1, "index"], [2, "index"]],
    );
    assert.match(issues[0]!.message, /misaligned: index "2", but benchmark row 1 has index "1"/);
  });

  test("xlsx: shared and inline strings, numbers, booleans, errors, empty cells", async () => {
    const file = path.join(dir, "model_MM-IFEval.xlsx");
    fs.writeFileSync(
      file,
      xlsx([
        ["index", "prediction", "extra"],
        [1, "A <b> & c\nsecond line", "x"],
        [2, null, "x"],
        [3, 42, "x"],
        [4, { inline: "inline _x000D_ text" }, { error: "#N/A" }],
        [5, 3.5, null],
      ]),
    );
    const { predictions, issues, format } = await readPredictions(file, bench);
    assert.equal(format, "vlmevalkit-xlsx");
    assert.deepEqual([...predictions], [["1", "A <b> & c\nsecond line"], ["2", "nan"], ["3", "42"], ["4", "inline _x000D_ text"]]);
    assert.deepEqual(
      issues.map((i) => [i.row, i.field]),
      [[5, "index"]],
    );
    assert.match(issues[0]!.message, /past the benchmark's 4 rows/);

    const sheet = await readXlsxFirstSheet(file);
    assert.equal(sheet.name, "Sheet1");
    assert.deepEqual(sheet.rows[4], [{ t: "num", v: "4" }, { t: "text", v: "inline _x000D_ text" }, { t: "na" }]);
    assert.deepEqual(sheet.rows[5]![2], { t: "na" });
  });

  test("a cell over maxFieldBytes is a bad row in .xlsx, .csv and .tsv (dropped as read)", async () => {
    const long = "é".repeat(40); // 80 UTF-8 bytes
    const xlsxFile = path.join(dir, "limit.xlsx");
    fs.writeFileSync(xlsxFile, xlsx([["index", "prediction"], [1, "ok"], [2, long], [3, "ok"], [4, "ok"]]));
    const csvFile = path.join(dir, "limit.csv");
    fs.writeFileSync(csvFile, `index,prediction\n1,ok\n2,"${long}"\n3,ok\n4,ok\n`);
    const tsvFile = path.join(dir, "limit.tsv");
    fs.writeFileSync(tsvFile, `index\tprediction\n1\tok\n2\t${long}\n3\tok\n4\tok\n`);
    for (const file of [xlsxFile, csvFile, tsvFile]) {
      const { predictions, issues } = await readPredictions(file, bench, { maxFieldBytes: 79 });
      assert.deepEqual([...predictions.keys()], ["1", "3", "4"], file);
      const over = issues.find((i) => i.row === 2)!;
      const where = file === xlsxFile ? 'sheet "Sheet1" cell B3: ' : "";
      assert.deepEqual([over.field, over.message], ["prediction", `${where}80 bytes, over the 79-byte limit (raise it with --max-field-bytes)`], file);
      assert.equal((await readPredictions(file, bench, { maxFieldBytes: 80 })).predictions.get("2"), long, file);
    }
    // A header cell over the limit: not a predictions table.
    const header = [["index", long], [1, "ok"]];
    fs.writeFileSync(xlsxFile, xlsx(header));
    fs.writeFileSync(csvFile, header.map((r) => r.join(",")).join("\n"));
    await assert.rejects(readPredictions(xlsxFile, bench, { maxFieldBytes: 79 }), (e: unknown) => e instanceof BenchFileError && /the header row's cell at sheet "Sheet1" cell B1 is 80 bytes, over the 79-byte limit \(raise it with --max-field-bytes\); a predictions table starts with a header row of column names/.test(e.message));
    await assert.rejects(readPredictions(csvFile, bench, { maxFieldBytes: 79 }), (e: unknown) => e instanceof BenchFileError && /the header row's cell at column 2 is 80 bytes, over the 79-byte limit \(raise it with --max-field-bytes\); a predictions table starts/.test(e.message));
  });

  test("a file without the columns, or of an unknown kind, is a BenchFileError", async () => {
    const file = path.join(dir, "cols.csv");
    fs.writeFileSync(file, "idx,answer\n1,a\n");
    await assert.rejects(readPredictions(file, bench), (e: unknown) => e instanceof BenchFileError && /no index or prediction column/.test(e.message));
    fs.writeFileSync(path.join(dir, "p.txt"), "");
    await assert.rejects(readPredictions(path.join(dir, "p.txt"), bench), BenchFileError);
    fs.writeFileSync(path.join(dir, "broken.xlsx"), "not a zip");
    await assert.rejects(readPredictions(path.join(dir, "broken.xlsx"), bench), /not a readable \.xlsx/);
  });
});

describe("pandas-compatible cell text", () => {
  const text = (...v: string[]): RawCell[] => v.map((s) => ({ t: "text", v: s }));
  test("Python float repr", () => {
    assert.deepEqual(
      [1, 2.5, 1e16, 1.5e-5, 0.0001, 123456789012345680, -0, 0.1 + 0.2, NaN, -Infinity].map(pyFloatRepr),
      ["1.0", "2.5", "1e+16", "1.5e-05", "0.0001", "1.2345678901234568e+17", "-0.0", "0.30000000000000004", "nan", "-inf"],
    );
  });

  test("column dtypes as pandas infers them (checked against pandas 2.3 read_csv/read_excel)", () => {
    assert.deepEqual(pandasColumnStrings(text("1", "007", "+5", "-3")), ["1", "7", "5", "-3"]);
    assert.deepEqual(pandasColumnStrings(text("1", "", "3")), ["1.0", "nan", "3.0"]);
    assert.deepEqual(pandasColumnStrings(text("1.5", "2", "3e20", "1e-5", "-0")), ["1.5", "2.0", "3e+20", "1e-05", "-0.0"]);
    assert.deepEqual(pandasColumnStrings(text("True", "false", "TRUE")), ["True", "False", "True"]);
    assert.deepEqual(pandasColumnStrings(text("1", "a", "2.50", "True", "", "nan", "NULL")), ["1", "a", "2.50", "True", "nan", "nan", "nan"]);
    assert.deepEqual(pandasColumnStrings(text("123456789012345678901", "1")), ["123456789012345678901", "1"]);
    // xlsx: integral numbers are ints, booleans join numeric columns as 1/0
    const num = (v: string): RawCell => ({ t: "num", v });
    assert.deepEqual(pandasColumnStrings([num("1"), num("2.5"), num("3.0"), { t: "na" }]), ["1.0", "2.5", "3.0", "nan"]);
    assert.deepEqual(pandasColumnStrings([{ t: "text", v: "x" }, num("3.0"), num("2.5")]), ["x", "3", "2.5"]);
    assert.deepEqual(pandasColumnStrings([{ t: "bool", v: true }, { t: "na" }, { t: "bool", v: false }]), ["1.0", "nan", "0.0"]);
    assert.deepEqual(pandasColumnStrings([{ t: "bool", v: true }, { t: "bool", v: false }]), ["True", "False"]);
  });

  test("crc32", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  });
});
