// JSON Lines input: every non-blank line parsed as a JSON object, or an error saying why it is not one.
import type { Readable } from "node:stream";
import { readLines } from "./lines.js";

export type JsonObjectLine = { line: number; value: Record<string, unknown> } | { line: number; error: string };

/** Streams a JSONL input; blank lines are skipped, a UTF-8 byte-order mark on the first line is ignored. */
export async function* readJsonObjects(input: Readable): AsyncGenerator<JsonObjectLine> {
  for await (const { line, text } of readLines(input)) {
    const t = line === 1 ? text.replace(/^\ufeff/, "") : text;
    if (t.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      yield { line, error: `not valid JSON: ${(e as Error).message}` };
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) yield { line, error: "each line must be a JSON object" };
    else yield { line, value: value as Record<string, unknown> };
  }
}
