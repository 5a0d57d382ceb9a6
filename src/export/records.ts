/**
 * What `mmif export` reads: the items of `mmif generate` (items.jsonl, EngineItem) or the preference pairs of
 * `mmif dpo` (pairs.jsonl), streamed and checked line by line. The kind of file is told by its first record:
 * `chosen`/`rejected` make pairs, `constraints`/`task` make items. Each line becomes an SFT record, a preference
 * record, a skip (an item that was not kept or has no answer), or an error naming the line and the field.
 */
import { createReadStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { readJsonObjects } from "../io/json-lines.js";
import { InputError } from "../common/errors.js";

export type InputKind = "items" | "pairs";

/** An image as the input names it; `path` and `copy` are resolved against the input file's folder. */
export interface SourceImage {
  path: string;
  /** The run's own copy (`images/<sha256>.<ext>` of a generate or dpo run), tried before `path`. */
  copy?: string;
  /** The sha256 the record gives (lower-case hex), or "" when it gives none: then it is computed from the file. */
  sha256: string;
}

export interface SftRecord {
  kind: "sft";
  id: string;
  prompt: string;
  response: string;
  image: SourceImage;
}

export interface PreferenceRecord {
  kind: "preference";
  id: string;
  itemId: string | null;
  /** The full prompt, shown with the image to both answers. */
  prompt: string;
  chosen: string;
  rejected: string;
  strategy: string | null;
  image: SourceImage;
}

export type ExportRecord = SftRecord | PreferenceRecord;

export type RecordOutcome = { record: ExportRecord } | { skip: string } | { error: string };

export interface InputLine {
  line: number;
  outcome: RecordOutcome;
}

const SHA256 = /^[0-9a-f]{64}$/i;

/** The kind of file a record comes from, or undefined when it looks like neither. */
export function detectKind(value: Record<string, unknown>): InputKind | undefined {
  if ("chosen" in value || "rejected" in value) return "pairs";
  if ("constraints" in value || "task" in value || "response" in value) return "items";
  return undefined;
}

class FieldError extends InputError {}

function str(value: Record<string, unknown>, field: string): string {
  const v = value[field];
  if (typeof v !== "string") throw new FieldError(`${field}: ${v === undefined ? "missing" : `expected a string, got ${describe(v)}`}`);
  return v;
}

function optionalStr(value: Record<string, unknown>, field: string): string | null {
  const v = value[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new FieldError(`${field}: expected a string, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function image(value: Record<string, unknown>, baseDir: string): SourceImage {
  const img = value.image;
  if (typeof img !== "object" || img === null || Array.isArray(img)) throw new FieldError(`image: ${img === undefined ? "missing" : `expected an object {path, sha256}, got ${describe(img)}`}`);
  const { path, sha256, copy } = img as Record<string, unknown>;
  if (typeof path !== "string" || path === "") throw new FieldError(`image.path: ${path === undefined ? "missing" : "expected a non-empty string"}`);
  if (sha256 !== undefined && typeof sha256 !== "string") throw new FieldError(`image.sha256: expected a string, got ${describe(sha256)}`);
  if (copy !== undefined && (typeof copy !== "string" || copy === "")) throw new FieldError(`image.copy: expected a non-empty string, got ${describe(copy)}`);
  return {
    path: resolve(baseDir, path),
    sha256: sha256 !== undefined && SHA256.test(sha256) ? sha256.toLowerCase() : "",
    ...(copy !== undefined ? { copy: resolve(baseDir, copy) } : {}),
  };
}

/** The user prompt of an item: its `prompt`, or the task followed by each constraint after one space. */
function itemPrompt(value: Record<string, unknown>): string {
  if (value.prompt !== undefined) return str(value, "prompt");
  const task = str(value, "task");
  const constraints = value.constraints;
  if (!Array.isArray(constraints)) throw new FieldError(`constraints: ${constraints === undefined ? "missing (and no prompt)" : `expected a list, got ${describe(constraints)}`}`);
  let prompt = task;
  constraints.forEach((c, i) => {
    const v = typeof c === "object" && c !== null ? (c as Record<string, unknown>).value : undefined;
    if (typeof v !== "string") throw new FieldError(`constraints[${i}].value: expected a string`);
    prompt += ` ${v}`;
  });
  return prompt;
}

function itemRecord(value: Record<string, unknown>, baseDir: string): RecordOutcome {
  const id = str(value, "id");
  if (value.kept !== true) return { skip: "not kept" };
  if (value.response === undefined || value.response === null) return { skip: "no response" };
  return { record: { kind: "sft", id, prompt: itemPrompt(value), response: str(value, "response"), image: image(value, baseDir) } };
}

function pairRecord(value: Record<string, unknown>, baseDir: string): RecordOutcome {
  return {
    record: {
      kind: "preference",
      id: str(value, "id"),
      itemId: optionalStr(value, "item_id"),
      prompt: str(value, "prompt"),
      chosen: str(value, "chosen"),
      rejected: str(value, "rejected"),
      strategy: optionalStr(value, "strategy"),
      image: image(value, baseDir),
    },
  };
}

/** Turns one parsed line into a record, a skip or an error (with the field at fault). */
export function toRecord(kind: InputKind, value: Record<string, unknown>, baseDir: string): RecordOutcome {
  try {
    return kind === "items" ? itemRecord(value, baseDir) : pairRecord(value, baseDir);
  } catch (e) {
    if (e instanceof FieldError) return { error: e.message };
    throw e;
  }
}

/**
 * Streams the records of an items.jsonl or pairs.jsonl file. The kind is fixed by the first line that parses
 * (or by `kind`); `onKind` hears it before the first record. Image paths resolve against the file's folder.
 */
export async function* readExportRecords(path: string, options: { kind?: InputKind; onKind?: (kind: InputKind) => void } = {}): AsyncGenerator<InputLine> {
  const baseDir = dirname(resolve(path));
  let kind = options.kind;
  let announced = false;
  for await (const parsed of readJsonObjects(createReadStream(path))) {
    if ("error" in parsed) {
      yield { line: parsed.line, outcome: { error: parsed.error } };
      continue;
    }
    if (kind === undefined) {
      kind = detectKind(parsed.value);
      if (kind === undefined) {
        yield { line: parsed.line, outcome: { error: "neither an item (constraints, response) nor a pair (chosen, rejected); cannot tell the kind of file" } };
        continue;
      }
    }
    if (!announced) {
      announced = true;
      options.onKind?.(kind);
    }
    yield { line: parsed.line, outcome: toRecord(kind, parsed.value, baseDir) };
  }
}
