// Streaming line input: a 1 GB JSONL file is read a chunk at a time, never whole, and handed on a chunk's lines at
// a time, so a fast consumer pays no per-line stream or promise overhead.
import { isAscii } from "node:buffer";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { FieldSizeScanner, oversizedField, type OversizedLine } from "./field-limit.js";

export interface NumberedLine {
  /** 1-based line number in the input. */
  line: number;
  text: string;
  /** The line's bytes as read (UTF-8, without the line ending), for passing a line through without re-encoding it. */
  bytes: Buffer;
  /** Set when the line was refused under `maxFieldBytes`: what was too large (`text` and `bytes` are then empty). */
  oversized?: OversizedLine;
}

/** Opens a file path, or standard input for "-". */
export function openInput(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}

const LF = 0x0a;
const CR = 0x0d;

/** Whether `bytes` starts with the UTF-8 byte order mark (EF BB BF), which some editors put before line 1. */
function hasBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Whether `bytes` starts with a UTF-16 byte order mark (FF FE or FE FF): a file our UTF-8 readers must refuse. */
export function startsWithUtf16Bom(bytes: Buffer): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

function numbered(line: number, bytes: Buffer): NumberedLine {
  const text = line === 1 && hasBom(bytes) ? bytes.subarray(3) : bytes;
  const end = text.length > 0 && text[text.length - 1] === CR ? text.subarray(0, -1) : text;
  // An ASCII line reads the same as Latin-1: a copy, several times cheaper than decoding UTF-8.
  return { line, text: end.toString(isAscii(end) ? "latin1" : "utf8"), bytes: end };
}

export interface LineOptions {
  /**
   * Refuse a line with a top-level JSON field larger than this many bytes (see field-limit.ts): it comes out as an
   * {@link NumberedLine} with `oversized` set and no text, and at most about this many of its bytes are ever held.
   */
  maxFieldBytes?: number;
}

/** The line being read across chunks: its pieces, or, once a field of it is over the limit, only its size. */
class OpenLine {
  private pieces: Buffer[] = [];
  private bytes = 0;
  private scanner: FieldSizeScanner | undefined;

  constructor(private readonly limit: number) {}

  get open(): boolean {
    return this.bytes > 0 || this.pieces.length > 0;
  }

  add(piece: Buffer): void {
    this.bytes += piece.length;
    const scanner = this.scanner;
    if (scanner === undefined) {
      this.pieces.push(piece);
      if (this.bytes > this.limit) {
        // Longer than the limit: from now on its fields are measured as it grows.
        this.scanner = new FieldSizeScanner(this.limit);
        for (const p of this.pieces) this.scanner.feed(p);
        if (this.scanner.over) this.pieces = [];
      }
      return;
    }
    if (scanner.measured) return;
    scanner.feed(piece);
    if (scanner.over) this.pieces = [];
    else this.pieces.push(piece);
  }

  close(line: number): NumberedLine {
    const scanner = this.scanner;
    const pieces = this.pieces;
    const bytes = this.bytes;
    this.pieces = [];
    this.bytes = 0;
    this.scanner = undefined;
    if (scanner !== undefined) {
      scanner.finish();
      if (scanner.over) return refused(line, { ...scanner.over, lineBytes: bytes });
    }
    return numbered(line, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
  }
}

function refused(line: number, over: OversizedLine): NumberedLine {
  return { line, text: "", bytes: EMPTY, oversized: over };
}

const EMPTY = Buffer.alloc(0);

/** A whole line inside one chunk: checked only when it is longer than the limit. */
function whole(line: number, bytes: Buffer, limit: number): NumberedLine {
  if (bytes.length <= limit) return numbered(line, bytes);
  const over = oversizedField(bytes, limit);
  return over ? refused(line, over) : numbered(line, bytes);
}

/**
 * Yields the lines that each chunk of input completes, with their 1-based numbers; `\n` and `\r\n` both end a line,
 * and a UTF-8 byte order mark before line 1 is dropped. Lines are split on bytes (a newline byte never occurs inside a multi-byte UTF-8 character), then decoded.
 */
export async function* readLineBatches(input: Readable, options: LineOptions = {}): AsyncGenerator<NumberedLine[]> {
  const limit = options.maxFieldBytes ?? Infinity;
  const partial = new OpenLine(limit); // the start of a line that continues in the next chunk
  let line = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let nl = buf.indexOf(LF);
    if (nl === -1) {
      partial.add(buf);
      continue;
    }
    const batch: NumberedLine[] = [];
    let start = 0;
    if (partial.open) {
      partial.add(buf.subarray(0, nl));
      batch.push(partial.close(++line));
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    while (nl !== -1) {
      batch.push(nl - start > limit ? whole(++line, buf.subarray(start, nl), limit) : numbered(++line, buf.subarray(start, nl)));
      start = nl + 1;
      nl = buf.indexOf(LF, start);
    }
    if (start < buf.length) partial.add(buf.subarray(start));
    yield batch;
  }
  if (partial.open) yield [partial.close(++line)];
}

/** Yields every line with its 1-based number; `\n` and `\r\n` both end a line; a byte order mark is dropped. */
export async function* readLines(input: Readable, options: LineOptions = {}): AsyncGenerator<NumberedLine> {
  for await (const batch of readLineBatches(input, options)) yield* batch;
}
