// Builds the OpenAI chat "image_url" part: sniff, verify that the image decodes, convert or downscale only
// when needed, and base64 the result. Only the hashes of verified images are kept between calls; the caller owns the part.
import sharp, { type Sharp } from "sharp";
import { BufferPool } from "../../io/buffer-pool.js";
import { BmpError, decodeBmp } from "./bmp.js";
import { ImageError } from "./errors.js";
import { FORMAT_NAMES, MIME_TYPES, SENDABLE_FORMATS, SUPPORTED_LIST, describeUnknownBytes, sniffImageFormat } from "./formats.js";
import { bytesHash, combineHash, fileHash, rememberedFileHash } from "./hash.js";
import { checkOptions, loadImageBytes, sourceLabel } from "./load.js";
import { pngHeaderSize, provenPngSize } from "./png-check.js";
import type { ImageFormat, ImageOptions, ImagePart, ImagePartInfo, ImageSource } from "./types.js";

// "error", not sharp's default "warning": truncated data fails either way, but JPEGs with harmless warnings
// (e.g. extraneous bytes before a marker, common from cameras) still load, as they do in browsers.
const FAIL_ON = "error" as const;
// The pass-through check decodes to a thumbnail: JPEG then decodes at 1/8 scale (shrink-on-load) yet still
// reads every byte of the entropy-coded data, so truncation is caught at a fraction of the cost.
const CHECK_SIDE = 64;
// Images already proven decodable and sent as they are, by hash, with their displayed size: the same image goes
// to a model and then to several judges, and a PNG cannot shrink-on-load, so re-checking would decode it in full
// each time (and even reading its header again costs a libvips call per request). Bounded; ~100 bytes an entry.
const VERIFIED_LIMIT = 10_000;
const verified = new Map<string, { width: number; height: number }>();

function rememberVerified(sha256: string, size: { width: number; height: number }): void {
  if (verified.size >= VERIFIED_LIMIT) verified.clear();
  verified.set(sha256, size);
}

// Each distinct image is prepared once and its data URL kept, so the calls that send it again — a model, then
// several judges, then the same image's other rows — neither read, decode, re-encode nor base64 it again, and
// share one Buffer. Bounded by the URLs' size, least recently used out first.
const SENT_LIMIT_BYTES = 64 * 1024 * 1024;
interface Sent {
  /** The data URL's ASCII bytes: requests take them as a chunk of their body, shared, never copied. */
  url: Buffer;
  info: ImagePartInfo;
  /** The source's size before preparation, which a caller's `maxBytes` applies to. */
  originalBytes: number;
}
const sent = new Map<string, Sent>();
let sentBytes = 0;
let sentHits = 0;
const preparing = new Map<string, Promise<Sent>>();

/** Buffers image files are read into, given back once their data URL is made (src/io/buffer-pool.ts). */
const readBuffers = new BufferPool(8, 16 * 1024 * 1024);

function rememberSent(sha256: string, image: Sent): void {
  if (image.url.length > SENT_LIMIT_BYTES / 4) return;
  const old = sent.get(sha256);
  if (old) sentBytes -= old.url.length;
  sent.delete(sha256);
  sent.set(sha256, image);
  sentBytes += image.url.length;
  for (const [key, old] of sent) {
    if (sentBytes <= SENT_LIMIT_BYTES) break;
    sent.delete(key);
    sentBytes -= old.url.length;
  }
}

/** The image already prepared for this content hash, marked most recently used. */
function recallSent(sha256: string): Sent | undefined {
  const image = sent.get(sha256);
  if (image) {
    sentHits++;
    sent.delete(sha256);
    sent.set(sha256, image);
  }
  return image;
}

/**
 * Whether a file's image is kept prepared under these options, told from memory alone (no disk access): the
 * image budget lets such calls through without counting them, since they share bytes already in memory.
 */
export function isPrepared(source: ImageSource, options: Pick<ImageOptions, "maxSide" | "maxPixels"> = {}): boolean {
  const original = "path" in source ? rememberedFileHash(source.path) : undefined;
  return original !== undefined && sent.has(combineHash(original, options));
}

/** For tests and diagnostics: how many prepared images are kept (as data URLs), their size, and how often one was reused. */
export function preparedImageStats(): { entries: number; bytes: number; hits: number } {
  return { entries: sent.size, bytes: sentBytes, hits: sentHits };
}

interface Prepared {
  bytes: Buffer;
  format: ImageFormat;
  sourceFormat: ImageFormat;
  width: number;
  height: number;
  resized: boolean;
  /**
   * libvips read the source bytes: they are then never lent out again, as libvips' operation cache may know a
   * buffer by its address and give an earlier image for new bytes in the same memory.
   */
  libvips?: true;
}

/** A sharp pipeline over the image; BMP goes through our decoder since libvips has no BMP loader. */
export function openImage(bytes: Buffer, format: ImageFormat, label: string): Sharp {
  if (format !== "bmp") return sharp(bytes, { failOn: FAIL_ON });
  try {
    const raw = decodeBmp(bytes);
    return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  } catch (err) {
    if (err instanceof BmpError) throw new ImageError(label, `cannot decode this BMP: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Turns a libvips failure into an ImageError that says what it means for the user. */
function decodeError(label: string, format: ImageFormat, err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const detail = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.trim();
  const name = FORMAT_NAMES[format];
  if (/pixel limit/i.test(detail)) {
    return new ImageError(label, `the ${name} has too many pixels to decode safely (${detail}); downscale it first`, { cause: err });
  }
  return new ImageError(label, `cannot decode this ${name}: it is corrupt or truncated (decoder: ${detail}); re-export or re-download it`, { cause: err });
}

/** Output format after re-encoding: keep the common lossless/lossy ones, PNG for the rest (gif, bmp, tiff, avif). */
function targetFormat(format: ImageFormat): "png" | "jpeg" | "webp" {
  return format === "jpeg" || format === "webp" ? format : "png";
}

function encode(pipeline: Sharp, format: "png" | "jpeg" | "webp"): Sharp {
  if (format === "jpeg") return pipeline.jpeg({ quality: 90 });
  if (format === "webp") return pipeline.webp({ quality: 90 });
  return pipeline.png();
}

/** The size an image is sent at under the limits (never larger than it is), or undefined when it fits. */
export function fittedSize(width: number, height: number, maxSide: number | undefined, maxPixels: number | undefined): { width: number; height: number } | undefined {
  let scale = 1;
  if (maxSide !== undefined && Math.max(width, height) > maxSide) scale = maxSide / Math.max(width, height);
  if (maxPixels !== undefined && width * height * scale * scale > maxPixels) scale = Math.sqrt(maxPixels / (width * height));
  if (scale >= 1) return undefined;
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

async function prepare(bytes: Buffer, label: string, options: ImageOptions, sha256: string): Promise<Prepared> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageError(label, `not a supported image (${describeUnknownBytes(bytes)}); supported: ${SUPPORTED_LIST}`);
  // The hash covers the options, so an image verified under them is sent as it is again.
  const known = SENDABLE_FORMATS.has(format) ? verified.get(sha256) : undefined;
  if (known) return { bytes, format, sourceFormat: format, width: known.width, height: known.height, resized: false };
  // A PNG that fits is proven intact without decoding its pixels when it can be (see png-check.ts).
  const header = format === "png" ? pngHeaderSize(bytes) : undefined;
  if (header && !fittedSize(header.width, header.height, options.maxSide, options.maxPixels)) {
    const proven = provenPngSize(bytes);
    if (proven) {
      rememberVerified(sha256, proven);
      return { bytes, format, sourceFormat: format, width: proven.width, height: proven.height, resized: false };
    }
  }
  try {
    const image = openImage(bytes, format, label);
    const meta = await image.metadata(); // header only: cheap, but blind to truncation
    // Sizes as displayed (EXIF rotation applied), like the re-encoded output below, whose rotation is baked in.
    const { width, height } = meta.autoOrient ?? meta;
    const fitted = fittedSize(width, height, options.maxSide, options.maxPixels);
    const resize = fitted !== undefined;
    if (!resize && SENDABLE_FORMATS.has(format)) {
      // Sent untouched, so decode once just to prove the model's server will be able to.
      await image.resize(CHECK_SIDE, CHECK_SIDE, { fit: "inside" }).raw().toBuffer();
      rememberVerified(sha256, { width, height });
      return { bytes, format, sourceFormat: format, width, height, resized: false, libvips: true };
    }
    // Re-encoding drops EXIF, so bake the orientation in: the pixels then look as a viewer shows the original.
    let pipeline = image.autoOrient();
    if (fitted) {
      // Under the side limit alone, sharp's own "inside" fit (its rounding, as before --image-max-pixels existed).
      const bySide = fittedSize(width, height, options.maxSide, undefined);
      pipeline =
        bySide && bySide.width === fitted.width && bySide.height === fitted.height
          ? pipeline.resize(options.maxSide, options.maxSide, { fit: "inside", withoutEnlargement: true })
          : pipeline.resize(fitted.width, fitted.height, { fit: "fill" });
    }
    const out = targetFormat(format);
    const { data, info } = await encode(pipeline, out).toBuffer({ resolveWithObject: true });
    return { bytes: data, format: out, sourceFormat: format, width: info.width, height: info.height, resized: resize, libvips: true };
  } catch (err) {
    throw decodeError(label, format, err);
  }
}

/** `data:<type>;base64,<bytes>` as ASCII bytes, written in place (no concatenated 1.4 MB string to flatten). */
function dataUrl(mimeType: string, bytes: Buffer): Buffer {
  const prefix = `data:${mimeType};base64,`;
  const base64 = bytes.toString("base64");
  const url = Buffer.allocUnsafe(prefix.length + base64.length);
  url.write(prefix, 0, "latin1");
  url.write(base64, prefix.length, "latin1");
  return url;
}

/**
 * The image as it is sent — its data URL as ASCII bytes — and what was sent. The bytes are shared with every
 * other call sending this image: read them, never write to them. Throws as toImagePart does.
 */
export async function preparedImage(source: ImageSource, options: ImageOptions = {}): Promise<{ url: Buffer; info: ImagePartInfo }> {
  checkOptions(options);
  const label = sourceLabel(source);
  // A file's hash is remembered while it is unchanged, so a file sent many times is hashed once.
  let original: Buffer | undefined;
  let sha256: string;
  if ("path" in source) sha256 = combineHash(await fileHash(source.path), options);
  else {
    original = await loadImageBytes(source, options);
    sha256 = combineHash(bytesHash(original), options);
  }
  // The caller's size limit applies to the source however it was prepared before: over it, loading refuses it.
  const fits = (image: Sent) => options.maxBytes === undefined || image.originalBytes <= options.maxBytes;
  let image = recallSent(sha256);
  if (!image || !fits(image)) {
    // Calls that ask for one image at once (a main row and its aux rows) share its preparation.
    let pending = preparing.get(sha256);
    if (!pending) {
      const bytes = original;
      pending = (async () => {
        const loaded = bytes ?? (await loadImageBytes(source, options, readBuffers));
        const prepared = await prepare(loaded, label, options, sha256);
        const { format, sourceFormat, width, height, resized } = prepared;
        const url = dataUrl(MIME_TYPES[format], prepared.bytes);
        // Encoded into the data URL: nothing refers to a file's bytes any more (unless libvips saw them).
        if (bytes === undefined && !prepared.libvips) readBuffers.release(loaded);
        const made: Sent = { url, info: { format, sourceFormat, width, height, bytes: prepared.bytes.length, resized, sha256 }, originalBytes: loaded.length };
        rememberSent(sha256, made);
        return made;
      })().finally(() => preparing.delete(sha256));
      preparing.set(sha256, pending);
    }
    image = await pending;
    if (!fits(image)) await loadImageBytes(source, options); // throws the size-limit error
  }
  return { url: image.url, info: { ...image.info } };
}

/**
 * The chat-message part for an image, plus what was sent. Throws ImageError (naming the source) for anything
 * that is not a decodable image, and RangeError for bad options.
 */
export async function toImagePart(
  source: ImageSource,
  options: ImageOptions = {},
): Promise<{ part: ImagePart; info: ImagePartInfo }> {
  const { url: bytes, info } = await preparedImage(source, options);
  const url = bytes.toString("latin1");
  const image_url: ImagePart["image_url"] = options.detail === undefined ? { url } : { url, detail: options.detail };
  return { part: { type: "image_url", image_url }, info };
}
