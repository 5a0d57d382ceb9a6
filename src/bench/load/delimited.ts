// Streaming CSV/TSV parsing with the rules of pandas' C parser under its defaults (`pd.read_csv(path, sep=...)`):
// quotechar `"`, doublequote (`""` inside quotes is one `"`), no escape character, QUOTE_MINIMAL.
//
// - A field that STARTS with `"` is quoted: delimiters, `\r` and `\n` inside it are data, `""` is a `"`. After
//   the closing quote, anything up to the next delimiter or line end is appended as is (`"ab"cd` → `abcd`).
// - A `"` that is not the first character of a field is an ordinary character.
// - Records end at `\n`, `\r\n` or a lone `\r` (and, like pandas, a delimiter right after a skipped blank line
//   ended by a lone `\r` is dropped).
// - Blank lines are skipped (skip_blank_lines): an empty line, or one of only spaces (and tabs when the delimiter
//   is not a tab), unless a quote is on it.
// - A UTF-8 byte order mark at the start is dropped.
// Records come out one at a time, so a file of hundreds of MB is never held whole; only the record being read
// (one row, e.g. one base64 image) is in memory. With a field limit (`--max-field-bytes`, see FieldLimits), a field
// that grows past it stops being kept: only its size is counted and the record carries it in `oversized`.
import { isAscii } from "node:buffer";
import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { BoundedText } from "../../io/field-limit.js";
import { startsWithUtf16Bom } from "../../io/lines.js";
import { BenchFileError } from "./errors.js";

export interface DelimitedRecord {
  /** The fields, unquoted. */
  fields: string[];
  /** 1-based number of the record in the file (blank lines not counted; the header, if any, is record 1). */
  record: number;
  /** Set on the last record when the file ended inside a quoted field (pandas: "EOF inside string"). */
  unterminatedQuote?: true;
  /** Fields over their limit: their text was dropped (the field is ""), their UTF-8 size kept. */
  oversized?: OversizedField[];
  /**
   * The text of the pieced columns (see {@link DelimitedParser}), column → the pieces it was read in, in order
   * (none for an empty field); the field itself is "". Set from the first row after the header.
   */
  pieces?: Map<number, string[]>;
}

export interface OversizedField {
  /** 0-based column. */
  column: number;
  /** The field's size in UTF-8 bytes, unquoted. */
  bytes: number;
  limit: number;
}

/** The largest field kept, in UTF-8 bytes: `bytes` for every column, or per column once the header is read. */
export interface FieldLimits {
  bytes: number;
  /** Called with the header (record 1): a column's own limit, or undefined for `bytes`. */
  column?: (name: string) => number | undefined;
}

const READ_BYTES = 1 << 20;

const enum State {
  StartField,
  InField,
  InQuoted,
  QuoteInQuoted,
  AfterCr,
  /** After a skipped blank line ended by a lone \r: pandas then also swallows one delimiter (EAT_CRNL_NOP). */
  AfterCrBlank,
}

/** Push-style parser: feed text chunks, collect complete records. */
export class DelimitedParser {
  private state = State.StartField;
  /** The field being read, dropped past its limit (`--max-field-bytes`). */
  private readonly text = new BoundedText();
  private fields: string[] = [];
  private quotedOnRecord = false;
  private records = 0;
  private started = false;
  private readonly blank: RegExp;
  // Next index of the delimiter, `\n` and `\r` in the current chunk (its length when there is none), found with
  // indexOf: a base64 field of 1.4 MB is crossed at memchr speed, several times faster than a regex class.
  private nextDelimiter = -1;
  private nextLf = -1;
  private nextCr = -1;
  private limits: number[] = [];
  private defaultLimit = Infinity;
  private oversized: OversizedField[] = [];
  /** Per column after the header: whether it is pieced. */
  private piecedAt: boolean[] = [];
  private pieces: Map<number, string[]> | undefined;

  /**
   * `pieced`: header names of columns whose text comes as its pieces in `record.pieces` rather than one string,
   * for a large field the caller decodes at once (a base64 image): see BoundedText.takePieces.
   */
  constructor(
    private readonly delimiter: string,
    private readonly fieldLimits?: FieldLimits,
    private readonly pieced?: ReadonlySet<string>,
  ) {
    if (fieldLimits) this.defaultLimit = fieldLimits.bytes;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
      throw new RangeError(`the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
    }
    this.blank = delimiter === "\t" ? /^ *$/ : /^[ \t]*$/;
  }

  /** Parses a chunk; returns the records it completed. */
  push(chunk: string): DelimitedRecord[] {
    const out: DelimitedRecord[] = [];
    let s = chunk;
    if (!this.started && s.length > 0) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    const n = s.length;
    const delim = this.delimiter;
    let i = 0;
    this.nextDelimiter = this.nextLf = this.nextCr = -1;
    while (i < n) {
      switch (this.state) {
        case State.AfterCr:
          if (s[i] === "\n") i++;
          this.state = State.StartField;
          break;
        case State.AfterCrBlank:
          if (s[i] === "\n" || s[i] === delim) i++;
          this.state = State.StartField;
          break;
        case State.StartField:
          if (s[i] === '"') {
            this.quotedOnRecord = true;
            this.state = State.InQuoted;
            i++;
          } else this.state = State.InField;
          break;
        case State.InField: {
          const j = this.nextSpecial(s, i);
          if (j > i) this.append(s.slice(i, j));
          if (j === n) {
            i = n;
            break;
          }
          i = j + 1;
          this.endOfFieldChar(s[j]!, out);
          break;
        }
        case State.InQuoted: {
          const j = s.indexOf('"', i);
          if (j < 0) {
            this.append(i === 0 ? s : s.slice(i));
            i = n;
            break;
          }
          if (j > i) this.append(s.slice(i, j));
          this.state = State.QuoteInQuoted;
          i = j + 1;
          break;
        }
        case State.QuoteInQuoted: {
          const c = s[i]!;
          if (c === '"') {
            this.append('"');
            this.state = State.InQuoted;
            i++;
          } else if (c === delim || c === "\n" || c === "\r") {
            i++;
            this.endOfFieldChar(c, out);
          } else this.state = State.InField; // the rest of the field is unquoted text
          break;
        }
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if the file did not end with a line break. */
  end(): DelimitedRecord[] {
    const out: DelimitedRecord[] = [];
    const open = this.state === State.InQuoted;
    const pending = this.text.started || this.fields.length > 0 || this.state === State.QuoteInQuoted || open;
    if (this.state !== State.AfterCr && this.state !== State.AfterCrBlank && pending) {
      this.endField();
      this.endRecord(out, open);
    }
    this.state = State.StartField;
    return out;
  }

  /** Index of the first delimiter, `\n` or `\r` at or after `i` in chunk `s`, or `s.length`. */
  private nextSpecial(s: string, i: number): number {
    if (this.nextDelimiter < i) this.nextDelimiter = indexOrEnd(s, this.delimiter, i);
    if (this.nextLf < i) this.nextLf = indexOrEnd(s, "\n", i);
    if (this.nextCr < i) this.nextCr = indexOrEnd(s, "\r", i);
    return Math.min(this.nextDelimiter, this.nextLf, this.nextCr);
  }

  private endOfFieldChar(c: string, out: DelimitedRecord[]): void {
    this.endField();
    if (c === this.delimiter) {
      this.state = State.StartField;
      return;
    }
    const kept = this.endRecord(out, false);
    this.state = c !== "\r" ? State.StartField : kept ? State.AfterCr : State.AfterCrBlank;
  }

  /** Adds a piece of the current field, or only its size once the field is past its limit. */
  private append(piece: string): void {
    this.text.add(piece, this.limits[this.fields.length] ?? this.defaultLimit);
  }

  private endField(): void {
    const column = this.fields.length;
    const limit = this.limits[column] ?? this.defaultLimit;
    const field = this.piecedAt[column] ? this.text.takePieces(limit) : this.text.take(limit);
    if (typeof field === "string") this.fields.push(field);
    else if (Array.isArray(field)) {
      (this.pieces ??= new Map()).set(column, field);
      this.fields.push("");
    } else {
      this.oversized.push({ column, ...field });
      this.fields.push("");
    }
  }

  /** Emits the record unless it is a blank line; returns whether it was emitted. */
  private endRecord(out: DelimitedRecord[], unterminated: boolean): boolean {
    const fields = this.fields;
    this.fields = [];
    const quoted = this.quotedOnRecord;
    this.quotedOnRecord = false;
    const oversized = this.oversized;
    const pieces = this.pieces;
    this.pieces = undefined;
    if (oversized.length > 0) this.oversized = [];
    else if (!unterminated && !quoted && fields.length === 1 && this.blank.test(fields[0]!) && !pieces?.get(0)?.some((p) => !this.blank.test(p))) return false;
    this.records++;
    const record: DelimitedRecord = { fields, record: this.records };
    if (unterminated) record.unterminatedQuote = true;
    if (oversized.length > 0) record.oversized = oversized;
    if (pieces) record.pieces = pieces;
    const perColumn = this.fieldLimits?.column;
    if (this.records === 1 && perColumn) this.limits = fields.map((name) => perColumn(name) ?? this.defaultLimit);
    if (this.records === 1 && this.pieced) this.piecedAt = fields.map((name) => this.pieced!.has(name));
    out.push(record);
    return true;
  }
}

function indexOrEnd(s: string, c: string, from: number): number {
  const at = s.indexOf(c, from);
  return at < 0 ? s.length : at;
}

/** Parses a whole string (tests, small files). */
export function parseDelimited(text: string, delimiter: string, limits?: FieldLimits): DelimitedRecord[] {
  const parser = new DelimitedParser(delimiter, limits);
  return [...parser.push(text), ...parser.end()];
}

/**
 * Streams the records of a UTF-8 file, reading 1 MiB at a time; with `limits`, a field over them is dropped as it is
 * read; `pieced` columns come in `record.pieces`. A UTF-16 file (Excel's "Unicode Text" export; pandas' default UTF-8
 * cannot read it either) is a BenchFileError.
 */
export async function* readDelimitedFile(path: string, delimiter: string, limits?: FieldLimits, pieced?: ReadonlySet<string>): AsyncGenerator<DelimitedRecord> {
  const parser = new DelimitedParser(delimiter, limits, pieced);
  const decoder = new StringDecoder("utf8");
  // One read buffer for the whole file: each read's text is copied out of it (a 1 MiB Latin-1 copy is an external
  // string, cheap to make and to free), where a stream would allocate, fault in and collect a fresh 1 MiB per read.
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  // Whether the decoder may hold the start of a character the last chunk cut: only when that chunk ended in a
  // non-ASCII byte (an ASCII byte ends any sequence before it).
  let mayHold = false;
  let started = false;
  const file = await open(path, "r");
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      if (!started) {
        started = true;
        if (startsWithUtf16Bom(chunk)) {
          throw new BenchFileError(path, "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 (in Excel: CSV UTF-8, or Unicode Text re-saved as UTF-8)");
        }
      }
      // A benchmark TSV is mostly base64: an ASCII chunk is the same text read as Latin-1, a copy instead of a decode.
      const text = !mayHold && isAscii(chunk) ? chunk.toString("latin1") : decoder.write(chunk);
      mayHold = chunk[chunk.length - 1]! >= 0x80;
      yield* parser.push(text);
    }
    const rest = decoder.end();
    if (rest !== "") yield* parser.push(rest);
  } finally {
    await file.close();
  }
  yield* parser.end();
}
