// Streaming line input: a 1 GB JSONL file is read a chunk at a time, never whole.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export interface NumberedLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

/** Opens a file path, or standard input for "-". */
export function openInput(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path);
}

/** Yields every line with its 1-based number; `\n` and `\r\n` both end a line. */
export async function* readLines(input: Readable): AsyncGenerator<NumberedLine> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    yield { line, text };
  }
}
