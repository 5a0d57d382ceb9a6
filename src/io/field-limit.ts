/**
 * The limit on one field of an input line (`--max-field-bytes`): a line whose JSON object has a top-level field
 * larger than this is refused with its line number, field and size instead of being read into memory, so a 50 MB
 * (or 5 GB) field costs no more memory than the limit. The field is found by a byte scanner run only on lines
 * longer than the limit; shorter lines never pay for it.
 */
import { TopLevelJson } from "./json-top-level.js";

/** 16 MiB: far above any text field of MM-IFEval, and above base64 images of up to 12 MiB. */
export const DEFAULT_MAX_FIELD_BYTES = 16 * 1024 * 1024;

/** The flag that raises the limit, named in every refusal. */
export const MAX_FIELD_FLAG = "--max-field-bytes";

/** A refused line: its size, and the field found over the limit (undefined when the line is not a JSON object). */
export interface OversizedLine {
  /** The top-level key whose value is over the limit. */
  field?: string;
  /** The field's size in bytes as written in the file (or the line's, without a field). */
  fieldBytes: number;
  lineBytes: number;
  limit: number;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** `52,428,810 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`: for a message that names the field. */
export function oversizedSize(o: OversizedLine): string {
  return `${fmt(o.fieldBytes)} bytes, over the ${fmt(o.limit)}-byte limit (raise it with ${MAX_FIELD_FLAG})`;
}

/**
 * `field "response" is 52,428,810 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`; with
 * `file`, `field "response" of answers.jsonl is …` (for callers whose messages do not name the file already).
 */
export function oversizedMessage(o: OversizedLine, file?: string): string {
  const of = file === undefined ? "" : ` of ${file}`;
  const what = o.field === undefined ? `the line${of} is ${fmt(o.lineBytes)} bytes and not a JSON object with fields under` : `field "${o.field}"${of} is ${fmt(o.fieldBytes)} bytes, over`;
  return `${what} the ${fmt(o.limit)}-byte limit (raise it with ${MAX_FIELD_FLAG})`;
}

/** Parses a `--max-field-bytes` value: bytes, or with a K/M/G suffix (powers of 1024). */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "").toLowerCase()[0];
  const n = Number(m[1]) * (unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1);
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined;
}

/**
 * Follows one line's bytes, fed in pieces, and measures each top-level field of its JSON object (from the first
 * byte of the value to the last) with the top-level walker (json-top-level.ts). `over` is set once a field passes
 * the limit; feeding on (without keeping the bytes) completes that field's size.
 */
export class FieldSizeScanner {
  over: OversizedLine | undefined;
  private readonly walker: TopLevelJson;

  constructor(private readonly limit: number) {
    this.walker = new TopLevelJson((member) => this.measure(member.key, member.end - member.start), { skipBom: true });
  }

  /** Bytes fed so far. */
  get position(): number {
    return this.walker.position;
  }

  /** Whether the field found over the limit has been measured to its end (or the line has no fields). */
  get measured(): boolean {
    return this.over !== undefined && (!this.walker.isObject || this.walker.valueStart < 0);
  }

  feed(buf: Buffer, start = 0, end = buf.length): void {
    this.walker.feed(buf, start, end);
    this.check();
  }

  /** The line ended: the field still open ends here. */
  finish(): void {
    this.check();
    this.walker.finish();
    this.check();
    if (this.over) this.over.lineBytes = this.position;
  }

  /** A field over the limit so far (its value still open) is `over` now, with the size seen so far; a line that is not an object, as a whole. */
  private check(): void {
    const w = this.walker;
    if (!w.isObject) {
      if (this.position > this.limit) this.over ??= { fieldBytes: this.position, lineBytes: this.position, limit: this.limit };
      if (this.over && this.over.field === undefined) this.over.fieldBytes = this.over.lineBytes = this.position;
      return;
    }
    if (w.valueStart >= 0) this.measure(w.key, this.position - w.valueStart);
  }

  private measure(key: string, size: number): void {
    if (size <= this.limit) return;
    if (this.over === undefined) this.over = { field: key, fieldBytes: size, lineBytes: this.position, limit: this.limit };
    else if (this.over.field === key) this.over.fieldBytes = size;
  }
}

/** The first top-level field of `bytes` (one whole line) over `limit`, or undefined. */
export function oversizedField(bytes: Buffer, limit: number): OversizedLine | undefined {
  const s = new FieldSizeScanner(limit);
  s.feed(bytes);
  s.finish();
  return s.over;
}

/** What {@link BoundedText.take} gives for a field that went over its limit: its size, not its text. */
export interface DroppedText {
  bytes: number;
  limit: number;
}

/**
 * The text of one field (a CSV/TSV cell, an .xlsx cell) read in pieces and kept while it is within its limit in
 * UTF-8 bytes; past the limit the text is dropped and only its size is counted, so a 50 MB cell costs no more
 * memory than the limit. Lengths are counted in UTF-16 units first (cheap): only past a third of the limit (a unit
 * is at most 3 UTF-8 bytes) are the bytes counted.
 */
export class BoundedText {
  private parts: string[] = [];
  private units = 0;
  private bytes = -1;
  private dropping = false;

  /** Whether any text (even an empty piece) was added since the last take. */
  get started(): boolean {
    return this.parts.length > 0 || this.dropping;
  }

  add(piece: string, limit: number): void {
    this.units += piece.length;
    if (this.units * 3 <= limit) {
      this.parts.push(piece);
      return;
    }
    if (this.bytes < 0) this.bytes = this.parts.reduce((sum, p) => sum + Buffer.byteLength(p, "utf8"), 0);
    this.bytes += Buffer.byteLength(piece, "utf8");
    if (this.dropping) return;
    if (this.bytes <= limit) {
      this.parts.push(piece);
      return;
    }
    this.dropping = true;
    this.parts = [];
  }

  /** The field's text, or its size when it went over `limit`; then starts the next field. */
  take(limit: number): string | DroppedText {
    const parts = this.takePieces(limit);
    if (!Array.isArray(parts)) return parts;
    // A piece cut from a chunk is copied out of it: V8 keeps a slice's whole parent alive, so kept short fields
    // would otherwise pin a 1 MiB chunk each (a 687-row TSV pinned ~450 MB).
    return parts.length === 0 ? "" : parts.length === 1 ? detached(parts[0]!) : parts.join("");
  }

  /**
   * The field's text as the pieces it was read in (slices of the chunks, neither copied nor joined), or its size
   * when it went over `limit`; then starts the next field. For a large field used at once and dropped (a base64
   * image decoded piece by piece): joining 1.4 MB into one string is a fresh large allocation in V8's heap, several
   * times the cost of decoding it.
   */
  takePieces(limit: number): string[] | DroppedText {
    const out: string[] | DroppedText = this.dropping ? { bytes: this.bytes, limit } : this.parts;
    this.parts = [];
    this.units = 0;
    this.bytes = -1;
    this.dropping = false;
    return out;
  }
}

/** A copy of `s` that shares no memory with the string it was sliced from. */
function detached(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1); // shorter slices are copied by V8 anyway; the concatenation flattens into a new string
}
