/**
 * What `mmif export` reads: the items of `mmif generate` (items.jsonl, EngineItem) or the preference pairs of
 * `mmif dpo` (pairs.jsonl), streamed and checked line by line. The kind of file is told by its first record:
 * `chosen`/`rejected` make pairs, `constraints`/`task` make items. Each line is checked by its kind's schema (the
 * readers of src/records) and becomes an SFT record, a preference record, a skip (an item that was not kept or has
 * no answer), or an error naming the line and the field.
 */
import { createReadStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { readJsonObjects } from "../io/json-lines.js";
import { assemblePrompt } from "../constraints/prompt.js";
import { checkRecord } from "../records/read.js";
import type { ItemImage } from "../records/items.js";

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
  itemId: string;
  /** The full prompt, shown with the image to both answers. */
  prompt: string;
  chosen: string;
  rejected: string;
  strategy: string;
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

/** A record's image with `path` and `copy` resolved against the folder of the file that names it. */
export function sourceImage(image: ItemImage, baseDir: string): SourceImage {
  return {
    path: resolve(baseDir, image.path),
    sha256: SHA256.test(image.sha256) ? image.sha256.toLowerCase() : "",
    ...(image.copy !== undefined ? { copy: resolve(baseDir, image.copy) } : {}),
  };
}

/** Turns one parsed line into a record, a skip or an error (with the field at fault), checked by the file kind's schema. */
export function toRecord(kind: InputKind, value: Record<string, unknown>, baseDir: string): RecordOutcome {
  if (kind === "items") {
    const checked = checkRecord("items.jsonl", value);
    if ("error" in checked) return checked;
    const item = checked.value;
    if (item.kept !== true) return { skip: "not kept" };
    if (item.response === undefined) return { skip: "no response" };
    const prompt = item.prompt ?? assemblePrompt(item.task, item.constraints);
    return { record: { kind: "sft", id: item.id, prompt, response: item.response, image: sourceImage(item.image, baseDir) } };
  }
  const checked = checkRecord("pairs.jsonl", value);
  if ("error" in checked) return checked;
  const p = checked.value;
  return { record: { kind: "preference", id: p.id, itemId: p.item_id, prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, strategy: p.strategy, image: sourceImage(p.image, baseDir) } };
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
