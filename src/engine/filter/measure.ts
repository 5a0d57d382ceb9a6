/**
 * What the filter measures in an image, from ONE decode: sharp decodes (JPEG with shrink-on-load) straight to a
 * thumbnail of at most MEASURE_SIDE px, and everything else is computed from its grey levels (Rec. 601 luma) in JS:
 *
 * - **size**: the header's width × height as displayed (EXIF rotation applied); the thumbnail is not used for it.
 * - **decode check**: the thumbnail decode reads all the compressed data, so truncated and corrupt files fail
 *   here (sharp `failOn: "error"`: harmless warnings such as extra bytes before a marker pass, as in browsers).
 *   Images over sharp's pixel limit (0x3FFF² ≈ 268 M pixels) are refused from their header.
 * - **entropy**: Shannon entropy of the 256-bin grey histogram, divided by 8 bits → [0, 1].
 * - **edge density**: share of interior pixels whose Sobel gradient magnitude (÷ 4, i.e. in grey levels of a
 *   step edge) is at least EDGE_STEP → [0, 1].
 * - **complexity**: √(entropy × min(1, edge density / EDGE_SATURATION)), a geometric mean, so that an image needs
 *   BOTH some tonal variety and some structure: a flat colour (entropy 0) and a smooth gradient or blurred wash
 *   (no edges) score ≈ 0, while sparse line art such as a chart or a geometry diagram (low entropy, few but
 *   sharp edges) still scores well above the default threshold. Edge density saturates at EDGE_SATURATION:
 *   past it, more edges (noise, foliage) do not mean more content.
 * - **pHash**: a 64-bit DCT perceptual hash, computed as Python's imagehash.phash does: grey pixels at 32 × 32
 *   (aspect ignored), 2-D DCT-II, the top-left 8 × 8 coefficients (DC included), bit = coefficient > their median,
 *   row by row from the top bit, written as 16 hex digits. The 32 × 32 grid here is a box average of the thumbnail
 *   (imagehash resamples with PIL), so hashes are close to imagehash's, not always equal. Chosen over a dHash
 *   because the low DCT frequencies survive re-encoding, small resizes, and brightness or contrast changes; both
 *   cost nothing next to the decode.
 */
import { ImageError } from "../../model/images/errors.js";
import { openImage } from "../../model/images/part.js";
import { FORMAT_NAMES, SUPPORTED_LIST, describeUnknownBytes, sniffImageFormat } from "../../model/images/formats.js";
import type { ImageFormat } from "../../model/images/types.js";

/** Longest side of the grey thumbnail every measure is taken on. */
export const MEASURE_SIDE = 256;
/** Sobel magnitude (in grey levels of a step edge) from which a pixel counts as an edge. */
export const EDGE_STEP = 24;
/** Edge density at which the edge term of the complexity score reaches 1. */
export const EDGE_SATURATION = 0.2;
const HASH_GRID = 32;
const HASH_SIDE = 8;

export interface Measurement {
  format: ImageFormat;
  /** Size as displayed (EXIF orientation applied). */
  width: number;
  height: number;
  /** Grey-histogram entropy ÷ 8 bits, in [0, 1]. */
  entropy: number;
  /** Share of pixels on an edge, in [0, 1]. */
  edgeDensity: number;
  /** Combined score in [0, 1] (see the top of this file). */
  complexity: number;
  /** 64-bit perceptual hash, 16 hex digits. */
  phash: string;
}

/** A grey image: one byte a pixel, rows top first. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Shannon entropy of the grey histogram, divided by 8 bits. */
export function greyEntropy(image: GreyImage): number {
  const counts = new Uint32Array(256);
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) counts[image.data[i]!]!++;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return n === 0 ? 0 : h / 8;
}

/** Share of interior pixels whose Sobel gradient magnitude ÷ 4 is at least `step` grey levels. */
export function edgeDensity(image: GreyImage, step = EDGE_STEP): number {
  const { data: p, width: w, height: h } = image;
  if (w < 3 || h < 3) return 0;
  const limit = (4 * step) ** 2; // compare squared magnitudes: no sqrt per pixel
  let edges = 0;
  for (let y = 1; y < h - 1; y++) {
    const up = (y - 1) * w;
    const mid = y * w;
    const down = (y + 1) * w;
    for (let x = 1; x < w - 1; x++) {
      const a = p[up + x - 1]!, b = p[up + x]!, c = p[up + x + 1]!;
      const d = p[mid + x - 1]!, f = p[mid + x + 1]!;
      const g = p[down + x - 1]!, k = p[down + x]!, l = p[down + x + 1]!;
      const gx = c + 2 * f + l - (a + 2 * d + g);
      const gy = g + 2 * k + l - (a + 2 * b + c);
      if (gx * gx + gy * gy >= limit) edges++;
    }
  }
  return edges / ((w - 2) * (h - 2));
}

/** The complexity score from its two parts (see the top of this file). */
export function complexityScore(entropy: number, edges: number): number {
  return Math.sqrt(Math.max(0, entropy) * Math.min(1, Math.max(0, edges) / EDGE_SATURATION));
}

/** Box-averages a grey image onto an n × n grid, ignoring the aspect ratio (each cell takes at least one pixel). */
export function boxResize(image: GreyImage, n: number): Float64Array {
  const { data, width: w, height: h } = image;
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const y0 = Math.floor((j * h) / n);
    const y1 = Math.max(y0 + 1, Math.floor(((j + 1) * h) / n));
    for (let i = 0; i < n; i++) {
      const x0 = Math.floor((i * w) / n);
      const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * w) / n));
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += data[y * w + x]!;
      out[j * n + i] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

// cos((2x + 1) u π / 2N) for u < 8, x < 32: the only DCT-II basis values the hash needs.
const COS = (() => {
  const t = new Float64Array(HASH_SIDE * HASH_GRID);
  for (let u = 0; u < HASH_SIDE; u++) {
    for (let x = 0; x < HASH_GRID; x++) t[u * HASH_GRID + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_GRID));
  }
  return t;
})();

/** The 64-bit DCT perceptual hash of a grey image as 16 hex digits (see the top of this file). */
export function perceptualHash(image: GreyImage): string {
  const n = HASH_GRID;
  const k = HASH_SIDE;
  const px = boxResize(image, n);
  // Rows first (32 rows × 8 coefficients), then columns (8 × 8): only the low frequencies are computed.
  const rows = new Float64Array(n * k);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < k; u++) {
      let s = 0;
      for (let x = 0; x < n; x++) s += px[y * n + x]! * COS[u * n + x]!;
      rows[y * k + u] = s;
    }
  }
  const coef = new Float64Array(k * k);
  for (let v = 0; v < k; v++) {
    for (let u = 0; u < k; u++) {
      let s = 0;
      for (let y = 0; y < n; y++) s += rows[y * k + u]! * COS[v * n + y]!;
      coef[v * k + u] = s;
    }
  }
  const sorted = Float64Array.from(coef).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  // Rounding noise of a flat image's zero coefficients must not become random bits.
  const epsilon = 1e-6 * (Math.abs(coef[0]!) + 1);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (coef[i]! - median <= epsilon) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}


// sharp's pixel limit (limitInputPixels' default), checked here from the header so the reason does not depend on
// libvips' message.
const MAX_PIXELS = 0x3fff * 0x3fff;

/**
 * The reason for a failed decode. libvips' own message is left out on purpose: its error buffer is shared between
 * threads, so under concurrency a decode that fails may report "Unknown error" instead of, say, "premature end of
 * JPEG image" (a third of the time in our tests), and records must not depend on the concurrency.
 */
function decodeFailure(label: string, format: ImageFormat, err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  return new ImageError(label, `cannot decode this ${FORMAT_NAMES[format]}: it is corrupt or truncated`, { cause: err });
}

/** Decodes `bytes` once to a grey thumbnail and measures it. Throws ImageError for anything not a decodable image. */
export async function measureImage(bytes: Buffer, label: string): Promise<Measurement> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new ImageError(label, `not a supported image (${describeUnknownBytes(bytes)}); supported: ${SUPPORTED_LIST}`);
  let grey: GreyImage;
  let width: number;
  let height: number;
  try {
    const image = openImage(bytes, format, label);
    const meta = await image.metadata(); // header only
    ({ width, height } = meta.autoOrient ?? meta);
    if (width * height > MAX_PIXELS) {
      throw new ImageError(label, `the ${FORMAT_NAMES[format]} is too large to decode safely (${width}x${height} pixels, over ${MAX_PIXELS})`);
    }
    const { data, info } = await image
      .autoOrient()
      .resize(MEASURE_SIDE, MEASURE_SIDE, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" }) // transparent areas count as white paper, not as the black under them
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    grey = { data: toGrey(data, info.channels), width: info.width, height: info.height };
  } catch (err) {
    throw decodeFailure(label, format, err);
  }
  const entropy = greyEntropy(grey);
  const edges = edgeDensity(grey);
  return { format, width, height, entropy, edgeDensity: edges, complexity: complexityScore(entropy, edges), phash: perceptualHash(grey) };
}

/**
 * Rec. 601 luma of 8-bit pixels (grey input passes through). Computed here rather than by libvips' greyscale,
 * which goes through a float colour-space conversion and would double the cost of the whole measurement.
 */
function toGrey(data: Buffer, channels: number): Uint8Array {
  if (channels <= 2) return channels === 1 ? data : data.filter((_, i) => i % 2 === 0);
  const out = new Uint8Array(data.length / channels);
  for (let i = 0, j = 0; i < out.length; i++, j += channels) {
    out[i] = (data[j]! * 299 + data[j + 1]! * 587 + data[j + 2]! * 114 + 500) / 1000;
  }
  return out;
}
