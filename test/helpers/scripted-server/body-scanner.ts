// A streaming scan of a JSON request body that keeps nothing but a few top-level scalars.
//
// Used when `keepBodies` is false: the body is never buffered nor parsed, yet the server still learns the
// top-level `model` and `stream`, counts the bytes, and rejects what is plainly not a JSON object. Strings are
// skipped with Buffer#indexOf (native memchr), so a 1 MB base64 image costs about one pass over memory.
// It is not a validator: it checks that the body is one balanced `{...}` with nothing around it, no more.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_CAPTURE = 512; // top-level keys and scalar values we care about are short

export class TopLevelScanner {
  bytes = 0;
  model: string | undefined;
  stream: boolean | undefined;

  private depth = 0;
  private started = false;
  private ended = false;
  private invalid = false;
  private inString = false;
  private escape = false;
  /** Capturing the current string (a top-level key or a top-level string value). */
  private capture: Buffer[] | null = null;
  private captureLength = 0;
  private expectKey = false;
  private key: string | undefined;
  /** A top-level literal (number, true, false, null) being read. */
  private literal = "";

  /** True when the body looked like one JSON object. */
  get valid(): boolean {
    return this.ended && !this.invalid && !this.inString;
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.invalid) return;
    const n = chunk.length;
    let i = 0;
    let nextQuote = -2; // -2: not searched yet in this chunk; -1: none left
    let nextBackslash = -2;
    while (i < n) {
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          this.keep(chunk, i, i + 1);
          i++;
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const q = nextQuote === -1 ? n : nextQuote;
        const b = nextBackslash === -1 ? n : nextBackslash;
        if (b < q) {
          // an escape: keep `\x` raw, JSON.parse decodes it at the end
          const stop = Math.min(b + 2, n);
          this.keep(chunk, i, stop);
          if (b + 1 >= n) this.escape = true;
          i = stop;
        } else if (q < n) {
          this.keep(chunk, i, q);
          this.endString();
          i = q + 1;
        } else {
          this.keep(chunk, i, n);
          i = n;
        }
        continue;
      }
      const c = chunk[i]!;
      i++;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        this.endLiteral();
        continue;
      }
      if (this.ended || (!this.started && c !== 0x7b)) {
        this.invalid = true;
        return;
      }
      switch (c) {
        case QUOTE:
          this.endLiteral();
          this.inString = true;
          this.capture = this.depth === 1 ? [] : null;
          this.captureLength = 0;
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.endLiteral();
          this.started = true;
          this.depth++;
          if (this.depth === 1) this.expectKey = true;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.endLiteral();
          this.depth--;
          if (this.depth === 0) this.ended = true;
          if (this.depth < 0) this.invalid = true;
          break;
        case 0x2c: // ,
          this.endLiteral();
          if (this.depth === 1) this.expectKey = true;
          break;
        case 0x3a: // :
          this.endLiteral();
          break;
        default:
          if (this.depth === 1 && this.literal.length < MAX_CAPTURE) this.literal += String.fromCharCode(c);
      }
    }
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (this.capture === null || to <= from) return;
    this.captureLength += to - from;
    if (this.captureLength > MAX_CAPTURE) this.capture = null;
    else this.capture.push(Buffer.from(chunk.subarray(from, to)));
  }

  private endString(): void {
    this.inString = false;
    const parts = this.capture;
    this.capture = null;
    if (this.depth !== 1) return;
    let value: string | undefined;
    if (parts !== null) {
      try {
        value = JSON.parse(`"${Buffer.concat(parts).toString("utf8")}"`) as string;
      } catch {
        value = undefined;
      }
    }
    if (this.expectKey) {
      this.key = value;
      this.expectKey = false;
    } else if (this.key === "model" && value !== undefined) {
      this.model = value;
    }
  }

  private endLiteral(): void {
    if (this.literal === "") return;
    if (this.key === "stream") this.stream = this.literal === "true";
    this.literal = "";
  }
}
