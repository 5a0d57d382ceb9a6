// JSON Lines input: every non-blank line parsed as a JSON object, or an error saying why it is not one.
import type { Readable } from "node:stream";
import { oversizedMessage, oversizedSize } from "./field-limit.js";
import { readLines, startsWithUtf16Bom, type LineOptions } from "./lines.js";

/** A parsed line, or why it is not one (`field`: the field refused under `maxFieldBytes`; `error` then gives its size). */
export type JsonObjectLine = { line: number; value: Record<string, unknown> } | { line: number; error: string; field?: string };

/** The message for a UTF-16 input, which is read no further: every line of it would be garbage. */
export const UTF16_MESSAGE = "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8";

/**
 * Streams a JSONL input; blank lines are skipped, a UTF-8 byte-order mark on the first line is ignored (readLines
 * drops it). A UTF-16 input gives one error on line 1 and nothing more.
 */
export async function* readJsonObjects(input: Readable, options: LineOptions = {}): AsyncGenerator<JsonObjectLine> {
  for await (const { line, text, bytes, oversized } of readLines(input, options)) {
    if (line === 1 && startsWithUtf16Bom(bytes)) {
      yield { line, error: UTF16_MESSAGE };
      return;
    }
    if (oversized) {
      yield oversized.field === undefined ? { line, error: oversizedMessage(oversized) } : { line, error: oversizedSize(oversized), field: oversized.field };
      continue;
    }
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { line, error: `not valid JSON: ${(e as Error).message}` };
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) yield { line, error: "each line must be a JSON object" };
    else yield { line, value: value as Record<string, unknown> };
  }
}
