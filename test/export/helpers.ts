// Reading exports back: JSONL, Parquet (with hyparquet, a reader independent of the writer's encoder), images.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";

export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  const text = readFileSync(path, "utf8").trim();
  return text === "" ? [] : text.split("\n").map((l) => JSON.parse(l) as T);
}

function arrayBuffer(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export interface ParquetContents {
  rows: Array<Record<string, unknown>>;
  rowGroups: number[];
  /** The `huggingface` metadata: `{info: {features}}`. */
  huggingface: { info: { features: Record<string, unknown> } } | undefined;
  columns: string[];
}

/** Every row (byte arrays without a string annotation stay bytes), the row-group sizes and the HF metadata. */
export async function readParquet(path: string): Promise<ParquetContents> {
  const file = arrayBuffer(path);
  const meta = parquetMetadata(file);
  const hf = meta.key_value_metadata?.find((kv) => kv.key === "huggingface")?.value;
  const rows = (await parquetReadObjects({ file, utf8: false })) as Array<Record<string, unknown>>;
  return {
    rows,
    rowGroups: meta.row_groups.map((g) => Number(g.num_rows)),
    huggingface: hf === undefined ? undefined : JSON.parse(hf),
    columns: topLevelColumns(meta.schema),
  };
}

function topLevelColumns(schema: Array<{ name: string; num_children?: number }>): string[] {
  const names: string[] = [];
  let i = 1;
  const skip = (): void => {
    const n = schema[i]?.num_children ?? 0;
    i++;
    for (let k = 0; k < n; k++) skip();
  };
  while (i < schema.length) {
    names.push(schema[i]!.name);
    skip();
  }
  return names;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A placed image: named `images/<sha256 of its bytes>.<ext>` under `outDir`, with the source's bytes. */
export function assertPlacedImage(outDir: string, ref: unknown, source: string): void {
  assert.equal(typeof ref, "string");
  const m = /^images\/([0-9a-f]{64})\.(png|jpg)$/.exec(ref as string);
  assert.ok(m, `image path ${String(ref)}`);
  const bytes = readFileSync(join(outDir, ref as string));
  assert.deepEqual(bytes, readFileSync(source));
  assert.equal(m[1], sha256(bytes));
}

/** Occurrences of `token` at the very start of `text`, repeated. */
export function leadingTokens(text: string, token: string): { count: number; rest: string } {
  let count = 0;
  let rest = text;
  while (rest.startsWith(token)) {
    count++;
    rest = rest.slice(token.length);
  }
  return { count, rest };
}
