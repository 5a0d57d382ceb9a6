// Reading a run folder's files for a report, leniently: a missing file is "absent", a bad line is counted and skipped.
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { readJsonObjects } from "../io/json-lines.js";
import { ReportError } from "./errors.js";

/** A JSON object file, or undefined when it does not exist. Throws when it exists and is not a JSON object. */
export function readJsonObject<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ReportError(`${path} is not valid JSON (${(e as Error).message}); rerun the command that wrote it`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ReportError(`${path}: not a JSON object`);
  return value as T;
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
export async function readJsonl<T>(path: string, limit = Infinity, accept: (record: T) => boolean = () => true): Promise<JsonlRead<T>> {
  const out: JsonlRead<T> = { records: [], bad: 0, more: 0, exists: existsSync(path) };
  if (!out.exists) return out;
  for await (const line of readJsonObjects(createReadStream(path))) {
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
