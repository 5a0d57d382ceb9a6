// Streaming line input: a 1 GB JSONL file is read a chunk at a time, never whole, and handed on a chunk's lines at
// a time, so a fast consumer pays no per-line stream or promise overhead.
import { isAscii } from "node:buffer";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

export interface NumberedLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
  /** The line's bytes as read (UTF-8, without the line ending), for passing a line through without re-encoding it. */
  bytes: Buffer;
}

/** Opens a file path, or standard input for "-". */
export function openInput(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

const LF = 0x0a;
const CR = 0x0d;

function numbered(line: number, bytes: Buffer): NumberedLine {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
  // An ASCII line reads the same as Latin-1: a copy, several times cheaper than decoding UTF-8.
  return { line, text: end.toString(isAscii(end) ? "latin1" : "utf8"), bytes: end };
}

/**
 * Yields the lines that each chunk of input completes, with their 1-based numbers; `\n` and `\r\n` both end a line.
 * Lines are split on bytes (a newline byte never occurs inside a multi-byte UTF-8 character), then decoded.
 */
export async function* readLineBatches(input: Readable): AsyncGenerator<NumberedLine[]> {
  let partial: Buffer[] = []; // the start of a line that continues in the next chunk
  let line = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let nl = buf.indexOf(LF);
    if (nl === -1) {
      partial.push(buf);
      continue;
    }
    const batch: NumberedLine[] = [];
    let start = 0;
    if (partial.length > 0) {
      partial.push(buf.subarray(0, nl));
      batch.push(numbered(++line, Buffer.concat(partial)));
      partial = [];
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    while (nl !== -1) {
      batch.push(numbered(++line, buf.subarray(start, nl)));
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    if (start < buf.length) partial.push(buf.subarray(start));
    yield batch;
  }
  if (partial.length > 0) yield [numbered(++line, Buffer.concat(partial))];
}

/** Yields every line with its 1-based number; `\n` and `\r\n` both end a line. */
export async function* readLines(input: Readable): AsyncGenerator<NumberedLine> {
  for await (const batch of readLineBatches(input)) yield* batch;
}
