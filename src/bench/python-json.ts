/**
 * A JSON parser that keeps what Python's `json.loads` keeps and JavaScript's `JSON.parse` loses: whether a
 * number is an `int` (`1`) or a `float` (`1.0`, `1e2`), arbitrary-size integers, and the order and collapse
 * of duplicate object keys (`dict(pairs)`: the first position, the last value). MM-IFEval's perception
 * prompt holds `repr(json.loads(answer))`, so `[1.0]` must render as `[1.0]`, not `[1]`.
 *
 * It accepts exactly what CPython's default decoder (the C scanner, `strict=True`) accepts: the JSON grammar
 * plus `NaN`, `Infinity` and `-Infinity`; ASCII digits only; no control characters inside strings; escaped
 * surrogates are kept as they are (an escaped pair forms one code point, a lone one stays lone); a leading
 * U+FEFF is refused. Errors carry Python's message and position (`Expecting value: line 1 column 1 (char 0)`).
 */
import { InputError } from "../common/errors.js";

/** A Python `int` from JSON. */
export class PyInt {
  constructor(readonly value: bigint) {}
}

/** A Python `float` from JSON (NaN and ±Infinity included). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python `dict` from a JSON object: insertion order of first occurrence, value of the last. */
export class PyDict {
  constructor(readonly entries: Map<string, PyJson>) {}
}

export type PyJson = null | boolean | string | PyInt | PyFloat | PyJson[] | PyDict;

/** Python's `json.JSONDecodeError` / `ValueError`, with the exception type in `pyType`. */
export class PyJsonError extends InputError {
  constructor(
    readonly pyType: "JSONDecodeError" | "ValueError",
    readonly pyMessage: string,
  ) {
    super(`${pyType}: ${pyMessage}`);
  }
}

/** CPython 3.11+'s default limit on digits in `int(str)` (`sys.get_int_max_str_digits()`). */
export const INT_MAX_STR_DIGITS = 4300;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** CPython's `NUMBER_RE` (the C scanner accepts ASCII digits only). */
const NUMBER = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

/** `json.loads(text)` with Python's value kinds. Throws {@link PyJsonError}. */
export function parsePythonJson(text: string): PyJson {
  return new Parser(text).parseDocument();
}

class Parser {
  private i = 0;

  constructor(private readonly s: string) {}

  parseDocument(): PyJson {
    if (this.s.charCodeAt(0) === 0xfeff) {
      throw new PyJsonError("JSONDecodeError", `Unexpected UTF-8 BOM (decode using utf-8-sig): ${this.where(0)}`);
    }
    this.skipWs();
    const value = this.parseValue();
    this.skipWs();
    if (this.i !== this.s.length) this.fail("Extra data", this.i);
    return value;
  }

  /** Python positions count code points; lines and columns are 1-based. */
  private where(pos: number): string {
    const before = this.s.slice(0, pos);
    const line = before.split("\n").length;
    const lastNl = before.lastIndexOf("\n");
    const char = [...before].length;
    const col = lastNl === -1 ? char + 1 : [...before.slice(lastNl + 1)].length + 1;
    return `line ${line} column ${col} (char ${char})`;
  }

  private fail(msg: string, pos: number): never {
    throw new PyJsonError("JSONDecodeError", `${msg}: ${this.where(pos)}`);
  }

  private skipWs(): void {
    while (this.i < this.s.length && WS.has(this.s.charCodeAt(this.i))) this.i++;
  }

  private startsWith(word: string): boolean {
    return this.s.startsWith(word, this.i);
  }

  private parseValue(): PyJson {
    const c = this.s[this.i];
    if (c === '"') return this.parseString();
    if (c === "{") return this.parseObject();
    if (c === "[") return this.parseArray();
    if (c === "n" && this.startsWith("null")) return this.advance(4, null);
    if (c === "t" && this.startsWith("true")) return this.advance(4, true);
    if (c === "f" && this.startsWith("false")) return this.advance(5, false);
    if (c === "N" && this.startsWith("NaN")) return this.advance(3, new PyFloat(Number.NaN));
    if (c === "I" && this.startsWith("Infinity")) return this.advance(8, new PyFloat(Number.POSITIVE_INFINITY));
    if (c === "-" && this.startsWith("-Infinity")) return this.advance(9, new PyFloat(Number.NEGATIVE_INFINITY));
    const num = this.parseNumber();
    if (num !== undefined) return num;
    this.fail("Expecting value", this.i);
  }

  private advance<T>(n: number, v: T): T {
    this.i += n;
    return v;
  }

  private parseNumber(): PyJson | undefined {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null) return undefined;
    const [all, intPart, frac, exp] = m as unknown as [string, string, string | undefined, string | undefined];
    this.i += all.length;
    if (frac === undefined && exp === undefined) {
      const digits = intPart.startsWith("-") ? intPart.length - 1 : intPart.length;
      if (digits > INT_MAX_STR_DIGITS) {
        throw new PyJsonError(
          "ValueError",
          `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
        );
      }
      return new PyInt(BigInt(intPart));
    }
    // float(str) and JavaScript's Number(str) both round a decimal string correctly (overflow → inf).
    return new PyFloat(Number(all));
  }

  private parseString(): string {
    const start = this.i;
    this.i++; // opening quote
    let out = "";
    let chunkStart = this.i;
    for (;;) {
      if (this.i >= this.s.length) this.fail("Unterminated string starting at", start);
      const code = this.s.charCodeAt(this.i);
      if (code === 0x22) {
        out += this.s.slice(chunkStart, this.i);
        this.i++;
        return out;
      }
      if (code < 0x20) this.fail("Invalid control character at", this.i);
      if (code !== 0x5c) {
        this.i++;
        continue;
      }
      out += this.s.slice(chunkStart, this.i);
      const esc = this.s[this.i + 1];
      if (esc === undefined) this.fail("Unterminated string starting at", start);
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (esc === "u") {
        const hex = this.s.slice(this.i + 2, this.i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("Invalid \\uXXXX escape", this.i + 1);
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 6;
      } else if (Object.hasOwn(simple, esc)) {
        out += simple[esc];
        this.i += 2;
      } else {
        this.fail("Invalid \\escape", this.i);
      }
      chunkStart = this.i;
    }
  }

  private parseArray(): PyJson[] {
    this.i++;
    const out: PyJson[] = [];
    this.skipWs();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.parseValue());
      this.skipWs();
      const c = this.s[this.i];
      if (c === "]") {
        this.i++;
        return out;
      }
      if (c !== ",") this.fail("Expecting ',' delimiter", this.i);
      this.i++;
    }
  }

  private parseObject(): PyDict {
    this.i++;
    const entries = new Map<string, PyJson>();
    this.skipWs();
    if (this.s[this.i] === "}") {
      this.i++;
      return new PyDict(entries);
    }
    for (;;) {
      this.skipWs();
      if (this.s[this.i] !== '"') this.fail("Expecting property name enclosed in double quotes", this.i);
      const key = this.parseString();
      this.skipWs();
      if (this.s[this.i] !== ":") this.fail("Expecting ':' delimiter", this.i);
      this.i++;
      this.skipWs();
      entries.set(key, this.parseValue());
      this.skipWs();
      const c = this.s[this.i];
      if (c === "}") {
        this.i++;
        return new PyDict(entries);
      }
      if (c !== ",") this.fail("Expecting ',' delimiter", this.i);
      this.i++;
    }
  }
}
