// Reads a file mmif wrote through that kind's reader and fails the test on any line the schema rejects.
import assert from "node:assert/strict";
import { readRecordFile, readRecords, type JsonKind, type JsonlKind, type JSONL_KINDS } from "../../src/records/index.js";
import type { z } from "zod";

export async function readChecked<K extends JsonlKind>(kind: K, path: string): Promise<Array<z.infer<(typeof JSONL_KINDS)[K]>>> {
  const out: Array<z.infer<(typeof JSONL_KINDS)[K]>> = [];
  for await (const line of readRecords(kind, path)) {
    assert.ok(!("error" in line), `${path} line ${line.line}: ${"error" in line ? line.error : ""}`);
    out.push(line.value);
  }
  return out;
}

export const readCheckedFile = <K extends JsonKind>(kind: K, path: string) => readRecordFile(kind, path);
