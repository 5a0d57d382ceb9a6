// Turns any ImageSource into its original bytes, with errors that name the source and say what to do.
import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BufferPool } from "../../io/buffer-pool.js";
import { ImageError, formatBytes } from "./errors.js";
import { streamUrl, urlLabel } from "./download.js";
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, type ImageOptions, type ImageSource } from "./types.js";
import type { DownloadLimits } from "./download.js";

/** Classifies a string: a `data:` URL is base64, `http(s)://` a URL, `file://` and anything else a path. */
export function imageSource(value: string): ImageSource {
  if (/^data:/i.test(value)) return { base64: value };
  if (/^https?:\/\//i.test(value)) return { url: value };
  if (/^file:\/\//i.test(value)) return { path: fileURLToPath(value) };
  return { path: value };
}

/** The name error messages use for a source: the path, the URL, `<bytes name>` or `<base64 name>`. */
export function sourceLabel(source: ImageSource): string {
  if ("path" in source) return source.path;
  if ("url" in source) return urlLabel(source.url);
  if (!("bytes" in source) && !("base64" in source)) {
    throw new TypeError("an image source needs one of: path, url, bytes, base64");
  }
  const kind = "bytes" in source ? "bytes" : "base64";
  return source.name ? `<${kind} ${source.name}>` : `<${kind}>`;
}

/** Rejects option values that can only be mistakes, before any work is done. */
export function checkOptions(options: ImageOptions): void {
  const { maxSide, maxPixels, timeoutMs, maxBytes } = options;
  if (maxSide !== undefined && !(Number.isInteger(maxSide) && maxSide > 0)) {
    throw new RangeError(`maxSide must be a positive whole number of pixels, got ${maxSide}`);
  }
  if (maxPixels !== undefined && !(Number.isInteger(maxPixels) && maxPixels > 0)) {
    throw new RangeError(`maxPixels must be a positive whole number of pixels, got ${maxPixels}`);
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  if (maxBytes !== undefined && !(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  if (options.detail !== undefined && !["auto", "low", "high"].includes(options.detail)) {
    throw new RangeError(`detail must be "auto", "low" or "high", got ${JSON.stringify(options.detail)}`);
  }
}

export function limitsOf(options: ImageOptions): DownloadLimits {
  return { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES };
}

/** Explains a file-system error code in words ("file not found") rather than "ENOENT: ...". */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "file not found";
  if (code === "EISDIR") return "is a directory, not an image file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return `cannot read the file: ${err instanceof Error ? err.message : String(err)}`;
}

async function readPath(path: string, maxBytes: number, pool?: BufferPool): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, "r");
    // One open file for both the size check and the read, so the file cannot change in between.
    const info = await handle.stat();
    const { size } = info;
    if (size > maxBytes) {
      throw new ImageError(path, `the file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (maxBytes); raise maxBytes or shrink the image`);
    }
    if (!info.isFile()) {
      // A pipe or device has no size up front: read it to the end, then apply the limit.
      const piped = await handle.readFile();
      if (piped.length > maxBytes) throw new ImageError(path, `the input is ${formatBytes(piped.length)}, over the ${formatBytes(maxBytes)} limit (maxBytes); raise maxBytes or shrink the image`);
      return piped;
    }
    // Read at the size just checked, in one call where the system allows: handle.readFile() would stat again
    // and read in 512 KiB pieces, each a round trip to the thread pool.
    const bytes = pool ? pool.take(size) : Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break; // shrank since the stat: what is there
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(path, fileProblem(err), { cause: err });
  } finally {
    await handle?.close();
  }
}

async function readUrl(url: string, limits: DownloadLimits): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const total = await streamUrl(url, limits, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks, total);
}

/** Decodes plain base64 or a `data:...;base64,` URL, strictly: a typo must not become a corrupt image. */
export function decodeBase64(value: string, label: string, maxBytes: number): Buffer {
  let payload = value;
  if (/^data:/i.test(value)) {
    const comma = value.indexOf(",");
    if (comma < 0) throw new ImageError(label, "malformed data URL (no comma); expected data:image/...;base64,...");
    if (!/;base64$/i.test(value.slice(0, comma))) {
      throw new ImageError(label, "the data URL is not base64-encoded; expected data:image/...;base64,...");
    }
    payload = value.slice(comma + 1);
  }
  const fast = decodeCleanBase64(payload, maxBytes);
  if (fast) return fast;
  const clean = payload.replace(/\s+/g, "");
  // Standard and URL-safe alphabets both; Buffer.from would silently skip anything else.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new ImageError(label, "not valid base64; pass the image's base64 text or a data: URL");
  }
  if (Math.floor((clean.length * 3) / 4) > maxBytes) {
    throw new ImageError(label, `the decoded image is over the ${formatBytes(maxBytes)} limit (maxBytes)`);
  }
  return Buffer.from(clean, "base64");
}

/**
 * {@link decodeBase64} of the text the pieces make together, without joining them (a large joined string is a
 * fresh allocation in V8's heap that costs more than the decode): each piece is decoded into one output buffer, the
 * at most 3 characters of a piece that do not fill a 4-character group carried to the next. The same checks as the
 * one-string fast path; anything else (whitespace, a bad character, a data: URL header cut between pieces) joins
 * the pieces and takes the one-string path, which gives the same bytes or the same error. With `pool`, the bytes
 * may be a buffer of the pool's, to be given back once used.
 */
export function decodeBase64Pieces(pieces: readonly string[], label: string, maxBytes: number, pool?: BufferPool): Buffer {
  if (pieces.length === 1) return decodeBase64(pieces[0]!, label, maxBytes);
  return decodeCleanBase64Pieces(pieces, maxBytes, pool) ?? decodeBase64(pieces.join(""), label, maxBytes);
}

function decodeCleanBase64Pieces(pieces: readonly string[], maxBytes: number, pool: BufferPool | undefined): Buffer | undefined {
  if (pieces.length === 0) return undefined;
  let skip = 0; // characters of a data: URL header at the start of the first piece
  if (/^data:/i.test(pieces[0]!)) {
    const comma = pieces[0]!.indexOf(",");
    if (comma < 0 || !/;base64$/i.test(pieces[0]!.slice(0, comma))) return undefined;
    skip = comma + 1;
  }
  let total = -skip;
  for (const p of pieces) total += p.length;
  let n = total;
  const charFromEnd = (back: number): number => {
    for (let i = pieces.length - 1; i >= 0; i--) {
      const p = pieces[i]!;
      if (back < p.length) return p.charCodeAt(p.length - 1 - back);
      back -= p.length;
    }
    return -1;
  };
  if (n > 0 && charFromEnd(0) === 0x3d) n--;
  if (n > 0 && charFromEnd(total - n) === 0x3d) n--;
  if (n % 4 === 1 || total % 4 === 1 || Math.floor((total * 3) / 4) > maxBytes) return undefined;
  const size = Math.floor((n * 3) / 4);
  const out = pool ? pool.take(size) : Buffer.allocUnsafe(size);
  let at = 0; // bytes written
  let left = n; // characters still to decode (the padding excluded)
  let carry = "";
  for (let i = 0; i < pieces.length && left > 0; i++) {
    const p = pieces[i]!;
    let from = i === 0 ? skip : 0;
    const to = Math.min(p.length, from + left);
    if (to <= from) continue;
    if (Buffer.byteLength(p, "utf8") !== p.length) return undefined; // non-ASCII: Node decodes it by char code
    left -= to - from;
    if (carry.length > 0) {
      const take = Math.min(4 - carry.length, to - from);
      carry += p.slice(from, from + take);
      from += take;
      if (carry.length < 4) continue;
      if (out.write(carry, at, "base64") !== 3) return undefined;
      at += 3;
      carry = "";
    }
    const whole = from + Math.floor((to - from) / 4) * 4;
    if (whole > from) {
      const written = out.write(from === 0 && whole === p.length ? p : p.slice(from, whole), at, "base64");
      if (written !== ((whole - from) / 4) * 3) return undefined;
      at += written;
    }
    carry = p.slice(whole, to);
  }
  if (carry.length > 0) {
    const expected = carry.length - 1; // 2 characters are 1 byte, 3 are 2
    if (out.write(carry, at, "base64") !== expected) return undefined;
    at += expected;
  }
  return at === out.length ? out : undefined;
}

/**
 * The common case at a fraction of the cost of the checks below (a 1 MB image: ~0.8 ms instead of ~5 ms): ASCII
 * base64 without whitespace, at most two `=` at the end. Node's decoder skips characters outside the alphabet and
 * stops at an inner `=`, so every bad character shortens the output: a decoded length of exactly ⌊6n/8⌋ bytes for
 * n characters before the padding proves there was none. A length of 4k+1 hides one skipped character (⌊6n/8⌋ is
 * the same for 4k and 4k+1), and non-ASCII text is decoded by char code; both go the slow way. Undefined: decide
 * the slow way (which also gives the precise error).
 */
function decodeCleanBase64(payload: string, maxBytes: number): Buffer | undefined {
  let n = payload.length;
  if (n > 0 && payload.charCodeAt(n - 1) === 0x3d) n--;
  if (n > 0 && payload.charCodeAt(n - 1) === 0x3d) n--;
  if (n % 4 === 1 || payload.length % 4 === 1 || Math.floor((payload.length * 3) / 4) > maxBytes) return undefined;
  if (Buffer.byteLength(payload, "utf8") !== payload.length) return undefined;
  const bytes = Buffer.from(payload, "base64");
  return bytes.length === Math.floor((n * 3) / 4) ? bytes : undefined;
}

/**
 * The original bytes of a source, never empty. Paths and URLs are read whole (they are about to be sent). With
 * `pool`, a file is read into a buffer of the pool's, to be given back once used.
 */
export async function loadImageBytes(source: ImageSource, options: ImageOptions = {}, pool?: BufferPool): Promise<Buffer> {
  const label = sourceLabel(source);
  const limits = limitsOf(options);
  let bytes: Buffer;
  if ("path" in source) bytes = await readPath(source.path, limits.maxBytes, pool);
  else if ("url" in source) bytes = await readUrl(source.url, limits);
  else if ("bytes" in source) {
    if (source.bytes.byteLength > limits.maxBytes) {
      throw new ImageError(label, `${formatBytes(source.bytes.byteLength)} is over the ${formatBytes(limits.maxBytes)} limit (maxBytes)`);
    }
    bytes = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  } else bytes = decodeBase64(source.base64, label, limits.maxBytes);
  if (bytes.length === 0) throw new ImageError(label, "empty (0 bytes); expected an image");
  return bytes;
}
