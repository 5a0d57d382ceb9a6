// Content hashes that stand in for the image in the call ledger's canonical request, so a cached call can be
// recognised without reading, decoding or base64-encoding the image.
//
// The hash is sha256 of the ORIGINAL bytes (what `sha256sum file` prints) when no option changes them, and
// sha256("<that hex>:maxSide=<n>") with `maxSide` (":maxSide=<n or nothing>:maxPixels=<n>" with `maxPixels`). `detail` is left out on purpose: it does not change the bytes,
// and it is a plain field of the request the ledger keys on anyway, so putting it here would count it twice.
// Conversions that always happen (BMP/TIFF → PNG) are a fixed function of the bytes, so they need no marker.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { ByteBudget } from "./byte-budget.js";
import { ImageError } from "./errors.js";
import { streamUrl } from "./download.js";
import { checkOptions, decodeBase64, fileProblem, limitsOf, sourceLabel } from "./load.js";
import type { ImageOptions, ImageSource } from "./types.js";

interface CachedHash {
  size: number;
  mtimeMs: number;
  sha256: string;
  /** A file this process wrote under its content hash (a benchmark's decoded images): trusted without a stat. */
  immutable?: boolean;
}

// Bounded, so a run over a million distinct files keeps at most this many 64-character strings.
const CACHE_LIMIT = 10_000;
const fileHashes = new Map<string, CachedHash>();
// Concurrent first requests for one file share a single read.
const inFlight = new Map<string, Promise<string>>();
let fileReads = 0;

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Combines the hash of the original bytes with the options that change what is sent. */
export function combineHash(originalSha256: string, options: ImageOptions): string {
  if (options.maxPixels === undefined) return options.maxSide === undefined ? originalSha256 : sha256Hex(`${originalSha256}:maxSide=${options.maxSide}`);
  return sha256Hex(`${originalSha256}:maxSide=${options.maxSide ?? ""}:maxPixels=${options.maxPixels}`);
}

/** sha256 of bytes already in memory. */
export function bytesHash(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

// A run keys all its calls at once: hundreds of files hashed together would each hold a read buffer.
const hashing = new ByteBudget(8);

async function streamFileHash(absPath: string, label: string): Promise<string> {
  const release = await hashing.acquire(1);
  fileReads++;
  const hash = createHash("sha256");
  try {
    // Streamed in 256 KiB chunks: a 50 MB file never sits in memory whole just to be hashed.
    for await (const chunk of createReadStream(absPath, { highWaterMark: 1 << 18 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw new ImageError(label, fileProblem(err), { cause: err });
  } finally {
    release();
  }
  return hash.digest("hex");
}

/**
 * Records the sha256 of a file the caller has just written from bytes it hashed (a benchmark's decoded images),
 * so keying calls on it does not read the file again. `immutable`: the file is named by its content and only
 * ever replaced by the same bytes, so later calls trust the entry without a stat each (three per call before).
 */
export async function rememberFileHash(path: string, sha256: string, options: { immutable?: boolean } = {}): Promise<void> {
  const absPath = resolve(path);
  const info = await stat(absPath);
  fileHashes.delete(absPath);
  fileHashes.set(absPath, { size: info.size, mtimeMs: info.mtimeMs, sha256, ...(options.immutable ? { immutable: true } : {}) });
  if (fileHashes.size > CACHE_LIMIT) fileHashes.delete(fileHashes.keys().next().value!);
}

/** sha256 of a file's bytes, remembered per (absolute path, size, mtimeMs): an unchanged file is read once. */
export async function fileHash(path: string): Promise<string> {
  const absPath = resolve(path);
  const trusted = fileHashes.get(absPath);
  if (trusted?.immutable) return trusted.sha256;
  let info;
  try {
    info = await stat(absPath);
  } catch (err) {
    throw new ImageError(path, fileProblem(err), { cause: err });
  }
  if (!info.isFile()) throw new ImageError(path, info.isDirectory() ? "is a directory, not an image file" : "is not a regular file");
  const cached = fileHashes.get(absPath);
  if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) {
    fileHashes.delete(absPath); // re-insert: Map order doubles as least-recently-used order
    fileHashes.set(absPath, cached);
    return cached.sha256;
  }
  const key = `${absPath}\0${info.size}\0${info.mtimeMs}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = streamFileHash(absPath, path).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const sha256 = await pending;
  // Keyed by the stat taken before reading: if the file changed meanwhile, its new mtime forces a re-read.
  fileHashes.delete(absPath);
  fileHashes.set(absPath, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
  if (fileHashes.size > CACHE_LIMIT) fileHashes.delete(fileHashes.keys().next().value!);
  return sha256;
}

/** The hash last remembered for a file, without checking that it is unchanged: a hint, never a key. */
export function rememberedFileHash(path: string): string | undefined {
  return fileHashes.get(resolve(path))?.sha256;
}

/** The size of a file remembered as immutable (see rememberFileHash), without touching the disk. */
export function knownFileSize(path: string): number | undefined {
  const cached = fileHashes.get(resolve(path));
  return cached?.immutable ? cached.size : undefined;
}

async function urlHash(url: string, options: ImageOptions): Promise<string> {
  const hash = createHash("sha256");
  await streamUrl(url, limitsOf(options), (chunk) => hash.update(chunk));
  return hash.digest("hex");
}

/**
 * A sha256 hex naming what `toImagePart(source, options)` would send (see the top of this file).
 * It does not check that the bytes are an image. Paths are hashed by streaming and cached while unchanged;
 * URLs are downloaded (streamed, not kept) every time, since what a URL serves can change.
 */
export async function imageContentHash(source: ImageSource, options: ImageOptions = {}): Promise<string> {
  checkOptions(options);
  let original: string;
  if ("path" in source) original = await fileHash(source.path);
  else if ("url" in source) original = await urlHash(source.url, options);
  else if ("bytes" in source) original = bytesHash(source.bytes);
  else original = bytesHash(decodeBase64(source.base64, sourceLabel(source), limitsOf(options).maxBytes));
  return combineHash(original, options);
}

/** For tests and diagnostics: cached file hashes, and how many times a file was actually read to hash it. */
export function imageHashCacheStats(): { entries: number; fileReads: number } {
  return { entries: fileHashes.size, fileReads };
}

/** Forgets every cached file hash (the read counter keeps counting). */
export function clearImageHashCache(): void {
  fileHashes.clear();
}
