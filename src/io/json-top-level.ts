/**
 * A byte walker over one JSON document fed in pieces that follows only its top level: for each member of the
 * top-level object, its key and where its value starts and ends in the bytes; short scalar values are kept. Nothing
 * else is kept or parsed, and strings are crossed with Buffer#indexOf (native memchr), so a 50 MB field or a 1 MB
 * base64 image costs about one pass over memory. Used to measure the fields of an over-long input line
 * (field-limit.ts) and, by the tests' scripted server, to read `model` and `stream` off a request body unbuffered.
 * It is not a validator: `valid` only says the bytes are one balanced `{...}` with nothing but whitespace around it.
 */

/** One member of the top-level object, reported when its value ends. */
export interface TopLevelMember {
  /** Its key, decoded (only the first KEY_BYTES bytes of a longer key). */
  key: string;
  /** Byte offsets of its value: from its first byte to the byte after its last (whitespace before `,` or `}` included). */
  start: number;
  end: number;
  /** A string value of at most CAPTURE_BYTES bytes as written, decoded. */
  string?: string;
  /** A literal's text (`true`, `12`, `null`), when at most CAPTURE_BYTES bytes. */
  literal?: string;
}

/** Keys and scalar values worth keeping are short. */
const CAPTURE_BYTES = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const BOM = [0xef, 0xbb, 0xbf];

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class TopLevelJson {
  /** Bytes fed so far. */
  position = 0;
  /** The key of the member being read, and where its value started (-1: no value open). */
  key = "";
  valueStart = -1;
  private depth = 0;
  private started = false;
  private ended = false;
  private invalid = false;
  private inString = false;
  private escaped = false;
  /** At depth 1: reading a key (before its colon) or a value (after it). */
  private inKey = true;
  /** The bytes of the key or scalar value being kept (null: not keeping, or too long). */
  private capture: Buffer[] | null = null;
  private captured = 0;
  private captureKind: "key" | "string" | "literal" = "key";
  private notObject = false;
  /** How many bytes of a byte order mark may still be skipped before the `{`. */
  private bomLeft: number;

  /** `skipBom`: a UTF-8 byte order mark before the `{` is allowed (the first line of a file). */
  constructor(
    private readonly onMember: (member: TopLevelMember) => void,
    options: { skipBom?: boolean } = {},
  ) {
    this.bomLeft = options.skipBom ? 3 : 0;
  }

  /** False once the first byte (after whitespace) is not `{`: the document is not an object, and is not walked on. */
  get isObject(): boolean {
    return !this.notObject;
  }

  /** One balanced top-level object, nothing but whitespace around it. */
  get valid(): boolean {
    return this.ended && !this.invalid && !this.inString;
  }

  feed(buf: Buffer, start = 0, end = buf.length): void {
    const base = this.position - start;
    this.position += end - start;
    if (this.invalid) return;
    let i = start;
    let nextQuote = -2; // -2: not searched yet in this piece; -1: none left in it
    let nextBackslash = -2;
    while (i < end) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          this.keep(buf, i, i + 1);
          i++;
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = indexIn(buf, QUOTE, i, end);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = indexIn(buf, BACKSLASH, i, end);
        const q = nextQuote < 0 ? end : nextQuote;
        const b = nextBackslash < 0 ? end : nextBackslash;
        if (b < q) {
          // An escape: kept raw (`\x`), decoded with the whole string.
          const stop = Math.min(b + 2, end);
          this.keep(buf, i, stop);
          if (b + 1 >= end) this.escaped = true;
          i = stop;
        } else if (q < end) {
          this.keep(buf, i, q);
          this.endString();
          i = q + 1;
        } else {
          this.keep(buf, i, end);
          i = end;
        }
        continue;
      }
      const c = buf[i]!;
      if (this.bomLeft > 0 && !this.started && c === BOM[3 - this.bomLeft]) {
        this.bomLeft--;
        i++;
        continue;
      }
      this.bomLeft = 0;
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (this.ended || (!this.started && c !== OPEN_BRACE)) {
        if (!this.started) this.notObject = true;
        this.invalid = true;
        return;
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1) {
          if (this.inKey) this.startCapture("key");
          else if (this.valueStart < 0) {
            this.valueStart = base + i;
            this.startCapture("string");
          }
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.depth === 1 && !this.inKey && this.valueStart < 0) {
          this.valueStart = base + i;
          this.capture = null;
        }
        this.depth++;
        this.started = true;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth < 0) {
          this.invalid = true;
          return;
        }
        if (this.depth === 0) {
          this.endValue(base + i);
          this.ended = true;
        }
      } else if (this.depth === 1) {
        if (c === COLON) this.inKey = false;
        else if (c === COMMA) {
          this.endValue(base + i);
          this.inKey = true;
        } else if (!this.inKey) {
          // A literal (number, true, false, null): kept byte by byte while short.
          if (this.valueStart < 0) {
            this.valueStart = base + i;
            this.startCapture("literal");
          }
          this.keep(buf, i, i + 1);
        }
      }
      i++;
    }
  }

  /** The document ended: a value still open ends here (a line cut short). */
  finish(): void {
    this.endValue(this.position);
  }

  private startCapture(kind: "key" | "string" | "literal"): void {
    this.capture = [];
    this.captured = 0;
    this.captureKind = kind;
  }

  /** Keeps bytes of the key or scalar being read: a key up to CAPTURE_BYTES, a longer scalar not at all. */
  private keep(buf: Buffer, from: number, to: number): void {
    if (this.capture === null || to <= from) return;
    const room = CAPTURE_BYTES - this.captured;
    if (to - from <= room) {
      this.capture.push(Buffer.from(buf.subarray(from, to)));
      this.captured += to - from;
    } else if (this.captureKind === "key") {
      if (room > 0) this.capture.push(Buffer.from(buf.subarray(from, from + room)));
      this.captured = CAPTURE_BYTES;
    } else this.capture = null;
  }

  private endString(): void {
    this.inString = false;
    if (this.depth !== 1 || !this.inKey) return;
    this.key = this.capture === null ? "" : decodeString(Buffer.concat(this.capture).toString("utf8"));
    this.capture = null;
  }

  private endValue(at: number): void {
    if (this.valueStart < 0) return;
    const member: TopLevelMember = { key: this.key, start: this.valueStart, end: at };
    if (this.capture !== null) {
      const raw = Buffer.concat(this.capture).toString("utf8");
      if (this.captureKind === "string") member.string = decodeString(raw);
      else member.literal = raw;
    }
    this.valueStart = -1;
    this.capture = null;
    this.onMember(member);
  }
}

/** The index of `byte` in buf[from, end), or -1. */
function indexIn(buf: Buffer, byte: number, from: number, end: number): number {
  const at = buf.indexOf(byte, from);
  return at >= 0 && at < end ? at : -1;
}

/** A JSON string's content as written → its text (as written when it does not decode, e.g. cut mid-escape). */
function decodeString(raw: string): string {
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
