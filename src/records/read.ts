/**
 * One reader per file kind, used by every command that reads the file: each line (or the whole file) is parsed and
 * checked against the kind's schema, and a bad one comes back as an error naming the line and the field.
 */
import { createReadStream, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import type { z } from "zod";
import { readJsonObjects } from "../io/json-lines.js";
import { predictionSchema, resultSchema } from "./eval-files.js";
import { imageRecordSchema } from "./images.js";
import { itemSchema } from "./items.js";
import { droppedPairSchema, pairSchema } from "./pairs.js";
import { dpoStatsSchema, generateStatsSchema, summarySchema } from "./summaries.js";
import { zodMessage } from "./zod-message.js";

/** One line of a JSONL file: its record, or why it is not one (with the field at fault when the schema says so). */
export type RecordLine<T> = { line: number; value: T } | { line: number; error: string };

/** The kinds of JSONL file and their schemas. */
export const JSONL_KINDS = {
  "images.jsonl": imageRecordSchema,
  "items.jsonl": itemSchema,
  "pairs.jsonl": pairSchema,
  "dropped-pairs.jsonl": droppedPairSchema,
  "predictions.jsonl": predictionSchema,
  "results.jsonl": resultSchema,
} as const;

/** The kinds of JSON file and their schemas. */
export const JSON_KINDS = {
  "summary.json": summarySchema,
  "stats.json": generateStatsSchema,
  "dpo-stats.json": dpoStatsSchema,
} as const;

export type JsonlKind = keyof typeof JSONL_KINDS;
export type JsonKind = keyof typeof JSON_KINDS;

/** Checks one parsed line against its kind's schema: the record, or why it is not one (the field at fault). */
export function checkRecord<K extends JsonlKind>(kind: K, value: unknown): { value: z.infer<(typeof JSONL_KINDS)[K]> } | { error: string } {
  const checked = JSONL_KINDS[kind].safeParse(value);
  if (checked.success) return { value: checked.data as z.infer<(typeof JSONL_KINDS)[K]> };
  return { error: `not a record of ${kind}: ${zodMessage("", checked.error)}` };
}

/** Streams a JSONL file of one kind (a path, or an open stream) record by record. */
export async function* readRecords<K extends JsonlKind>(kind: K, input: string | Readable): AsyncGenerator<RecordLine<z.infer<(typeof JSONL_KINDS)[K]>>> {
  for await (const parsed of readJsonObjects(typeof input === "string" ? createReadStream(input) : input)) {
    if ("error" in parsed) {
      yield parsed;
      continue;
    }
    yield { line: parsed.line, ...checkRecord(kind, parsed.value) };
  }
}

/** Why a JSON file of a known kind cannot be read: the file, and the field at fault. */
export class RecordFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "RecordFileError";
  }
}

/** Reads and checks a whole JSON file of one kind; throws {@link RecordFileError}. */
export function readRecordFile<K extends JsonKind>(kind: K, path: string): z.infer<(typeof JSON_KINDS)[K]> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RecordFileError(path, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not valid JSON: ${(e as Error).message}`);
  }
  const checked = JSON_KINDS[kind].safeParse(value);
  if (!checked.success) throw new RecordFileError(path, `not a ${kind}: ${zodMessage("", checked.error)}`);
  return checked.data as z.infer<(typeof JSON_KINDS)[K]>;
}
