// The Parquet writer: bounded row groups, the schema `datasets` maps to its features, values that round-trip.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parquetMetadata } from "hyparquet";
import { ParquetSink, hfFeatures, parquetSchema, type ColumnSpec } from "../../src/export/parquet.js";
import { tempDir } from "../helpers/cli.js";
import { readParquet } from "./helpers.js";

const COLUMNS: ColumnSpec[] = [
  { name: "id", type: "string" },
  { name: "images", type: { list: "image" } },
  { name: "tags", type: { list: "string" } },
  { name: "turns", type: { list: { struct: [["role", "string"], ["parts", { list: { struct: [["type", "string"], ["text", "string"]] } }]] } } },
];

describe("parquetSchema and hfFeatures", () => {
  it("lays lists out as <name>/list/item with optional fields, and images as {bytes, path}", () => {
    const schema = parquetSchema(COLUMNS.slice(0, 2));
    assert.deepEqual(
      schema.map((e) => [e.name, e.repetition_type, e.type, e.converted_type, e.num_children]),
      [
        ["schema", undefined, undefined, undefined, 2],
        ["id", "OPTIONAL", "BYTE_ARRAY", "UTF8", undefined],
        ["images", "OPTIONAL", undefined, "LIST", 1],
        ["list", "REPEATED", undefined, undefined, 1],
        ["item", "OPTIONAL", undefined, undefined, 2],
        ["bytes", "OPTIONAL", "BYTE_ARRAY", undefined, undefined],
        ["path", "OPTIONAL", "BYTE_ARRAY", "UTF8", undefined],
      ],
    );
  });

  it("declares the features as datasets stores them (lists in the [feature] notation)", () => {
    assert.deepEqual(hfFeatures(COLUMNS), {
      id: { dtype: "string", _type: "Value" },
      images: [{ _type: "Image" }],
      tags: [{ dtype: "string", _type: "Value" }],
      turns: [{ role: { dtype: "string", _type: "Value" }, parts: [{ type: { dtype: "string", _type: "Value" }, text: { dtype: "string", _type: "Value" } }] }],
    });
  });
});

describe("ParquetSink", () => {
  const dir = tempDir();
  const row = (i: number) => ({
    id: `row-${i}`,
    images: [{ bytes: new Uint8Array([i & 255, 1, 2, 3]), path: `${i}.png` }],
    tags: i % 3 === 0 ? [] : ["a", `t${i}`],
    turns: [{ role: "user", parts: [{ type: "image" }, { type: "text", text: `héllo ${i}\n"quoted"` }] }],
  });

  it("cuts row groups at the row limit and reads back every value", async () => {
    const path = join(dir, "rows.parquet");
    const sink = new ParquetSink(path, COLUMNS, { rowGroupRows: 100 });
    for (let i = 0; i < 1050; i++) await sink.write(row(i), 100);
    await sink.close();
    const { rows, rowGroups, huggingface, columns } = await readParquet(path);
    assert.deepEqual(rowGroups, [...Array(10).fill(100), 50]);
    assert.deepEqual(columns, ["id", "images", "tags", "turns"]);
    assert.deepEqual(huggingface, { info: { features: hfFeatures(COLUMNS) } });
    assert.equal(rows.length, 1050);
    rows.forEach((r, i) => {
      const want = row(i);
      assert.equal(r.id, want.id);
      const [cell] = r.images as Array<{ bytes: Uint8Array; path: string }>;
      assert.deepEqual(Array.from(cell!.bytes), Array.from(want.images[0]!.bytes));
      assert.equal(cell!.path, want.images[0]!.path);
      assert.deepEqual(r.tags, want.tags);
      assert.deepEqual(r.turns, [{ role: "user", parts: [{ type: "image", text: null }, want.turns[0]!.parts[1]] }]);
    });
  });

  it("cuts row groups at the byte limit (large embedded images stay bounded)", async () => {
    const path = join(dir, "bytes.parquet");
    const sink = new ParquetSink(path, COLUMNS, { rowGroupRows: 10_000, rowGroupBytes: 1 << 20 });
    const big = new Uint8Array(300_000).fill(7);
    for (let i = 0; i < 10; i++) await sink.write({ id: `b${i}`, images: [{ bytes: big, path: "big.png" }] }, big.byteLength);
    await sink.close();
    const { rows, rowGroups } = await readParquet(path);
    assert.deepEqual(rowGroups, [4, 4, 2]);
    assert.equal(rows.length, 10);
    assert.equal((rows[9]!.images as Array<{ bytes: Uint8Array }>)[0]!.bytes.length, 300_000);
    assert.equal(rows[9]!.tags, null); // a cell the row did not give
  });

  it("writes an empty table that still has its schema", async () => {
    const path = join(dir, "empty.parquet");
    const sink = new ParquetSink(path, COLUMNS);
    await sink.close();
    const buf = readFileSync(path);
    const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    assert.equal(Number(meta.num_rows), 0);
    assert.equal(meta.schema[0]!.num_children, 4);
  });

  it("leaves no file under the real name until close, and none at all after abort", async () => {
    const path = join(dir, "aborted.parquet");
    const sink = new ParquetSink(path, COLUMNS);
    await sink.write(row(1), 10);
    assert.throws(() => readFileSync(path), /ENOENT/);
    await sink.abort();
    assert.throws(() => readFileSync(path), /ENOENT/);
    assert.throws(() => readFileSync(`${path}.tmp-${process.pid}`), /ENOENT/);
  });
});
