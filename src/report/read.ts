// Reading a run folder's files for a report, through the one reader per kind, leniently: a missing file is
// "absent", a bad line is counted and skipped.
import { existsSync } from "node:fs";
import type { z } from "zod";
import { readRecordFile, readRecords, RecordFileError, type JSON_KINDS, type JSONL_KINDS, type JsonKind, type JsonlKind } from "../records/index.js";
import { ReportError } from "./errors.js";

/** A summary file of one kind, or undefined when it does not exist. Throws when it is not a valid file of its kind. */
export function readJsonObject<K extends JsonKind>(kind: K, path: string): z.infer<(typeof JSON_KINDS)[K]> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readRecordFile(kind, path);
  } catch (e) {
    if (e instanceof RecordFileError) throw new ReportError(`${e.message}; rerun the command that wrote it`);
    throw e;
  }
}

export interface JsonlRead<T> {
  records: T[];
  /** Lines that are not JSON objects. */
  bad: number;
  /** Records past `limit`, counted but not kept. */
  more: number;
  exists: boolean;
}

/**
 * The objects of a JSONL file that `accept` takes (the first `limit` of them; the rest counted), or an empty read
 * when the file is absent. Streamed: only the records kept are held.
 */
export async function readJsonl<K extends JsonlKind, T = z.infer<(typeof JSONL_KINDS)[K]>>(
  kind: K,
  path: string,
  limit = Infinity,
  accept: (record: T) => boolean = () => true,
): Promise<JsonlRead<T>> {
  const out: JsonlRead<T> = { records: [], bad: 0, more: 0, exists: existsSync(path) };
  if (!out.exists) return out;
  for await (const line of readRecords(kind, path)) {
    if ("error" in line) out.bad++;
    else if (!accept(line.value as T)) continue;
    else if (out.records.length < limit) out.records.push(line.value as T);
    else out.more++;
  }
  return out;
}

/** Text cut to `max` characters, saying how much was left out. */
export function cut(text: string | null | undefined, max: number): string | undefined {
  if (text === null || text === undefined) return undefined;
  if (typeof text !== "string") return String(text);
  return text.length <= max ? text : `${text.slice(0, max)}\n… [${(text.length - max).toLocaleString("en-US")} more characters not shown in the report]`;
}

/** Verdict of one score: pass (full marks), fail (less), failed (no verdict). */
export function verdictOf(score: number | null | undefined): "pass" | "fail" | "failed" {
  if (score === null || score === undefined || !Number.isFinite(score)) return "failed";
  return score >= 1 ? "pass" : "fail";
}
