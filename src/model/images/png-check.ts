// A cheap proof that a PNG sent as it is will decode: every chunk intact (its CRC), the header sane, and the
// image data inflating to exactly the bytes the header implies, each row with a valid filter byte. libvips
// proves the same by decoding every pixel, ~20 ms of CPU for a 1 MB 600×600 PNG (unfiltering, then shrinking);
// this costs the inflate alone. Anything unusual — interlacing, palettes, EXIF rotation, a failed check —
// answers "unknown" and the caller takes the full libvips decode, whose verdict and messages stay the judge.
import { crc32, createInflate, inflateSync } from "node:zlib";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// sharp refuses more pixels than this by default (limitInputPixels); such images must go to libvips to fail there.
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;
// Channels per colour type (greyscale, RGB, grey+alpha, RGBA) and the bit depths each allows. Palette (3) is
// left to libvips: an index past the palette's end only shows when pixels are read.
const CHANNELS: Readonly<Record<number, { channels: number; depths: readonly number[] }>> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

export interface PngSize {
  width: number;
  height: number;
}

/** Width and height from the IHDR chunk, or undefined when the bytes do not start like a PNG. */
export function pngHeaderSize(bytes: Uint8Array): PngSize | undefined {
  if (bytes.length < 33 || !SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * The PNG's size when its bytes are proven intact and decodable without decoding pixels; undefined when that
 * cannot be shown this way (the caller then decodes with libvips, which gives the verdict and the error).
 */
export async function provenPngSize(bytes: Buffer): Promise<PngSize | undefined> {
  const size = pngHeaderSize(bytes);
  if (!size) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24]!;
  const colour = CHANNELS[bytes[25]!];
  // compression 0, filter method 0, no interlacing
  if (!colour?.depths.includes(depth) || bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] !== 0) return undefined;
  if (size.width === 0 || size.height === 0 || size.width * size.height > SHARP_PIXEL_LIMIT) return undefined;
  const idat: Buffer[] = [];
  let at = 8;
  let ended = false;
  let previous = "";
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined; // truncated
    const type = bytes.subarray(at + 4, at + 8);
    if (crc32(bytes.subarray(at + 8, at + 8 + length), crc32(type)) !== view.getUint32(at + 8 + length)) return undefined;
    const name = String.fromCharCode(...type);
    if (name === "IDAT") {
      if (idat.length > 0 && previous !== "IDAT") return undefined; // image data must be consecutive chunks
      idat.push(bytes.subarray(at + 8, at + 8 + length));
    } else if (name === "eXIf" || name === "iCCP") {
      return undefined; // rotation or a colour profile: libvips decides how they apply
    } else if (name === "IEND") {
      ended = true;
      break;
    }
    previous = name;
    at = end;
  }
  if (!ended || idat.length === 0) return undefined;
  const stride = 1 + Math.ceil((size.width * colour.channels * depth) / 8);
  return (await inflatesTo(idat, stride, stride * size.height)) ? size : undefined;
}

// Up to this many raw bytes the image data is inflated in one synchronous call (no thread-pool round trips);
// larger images are streamed so their raw pixels never sit in memory whole.
const INFLATE_AT_ONCE = 16 * 1024 * 1024;

/** Whether the zlib stream in `chunks` inflates to exactly `expected` bytes, each `stride`-byte row starting with a filter type 0–4. */
async function inflatesTo(chunks: readonly Buffer[], stride: number, expected: number): Promise<boolean> {
  const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (expected <= INFLATE_AT_ONCE) {
    let raw: Buffer;
    try {
      raw = inflateSync(data, { chunkSize: Math.max(64 * 1024, expected + 1), maxOutputLength: expected });
    } catch {
      return false; // corrupt, cut short, or more data than the header implies
    }
    if (raw.length !== expected) return false;
    for (let i = 0; i < expected; i += stride) if (raw[i]! > 4) return false;
    return true;
  }
  return new Promise((resolve) => {
    const inflate = createInflate({ chunkSize: 1 << 20 });
    let total = 0;
    let ok = true;
    inflate.on("data", (chunk: Buffer) => {
      if (!ok) return;
      // The next filter byte at or after `total`, walked through this chunk.
      for (let i = (stride - (total % stride)) % stride; i < chunk.length; i += stride) {
        if (chunk[i]! > 4) ok = false;
      }
      total += chunk.length;
      if (total > expected) ok = false;
      if (!ok) inflate.destroy();
    });
    inflate.on("error", () => resolve(false));
    inflate.on("close", () => resolve(ok && total === expected));
    // One write and large output chunks: each chunk is a round trip to the thread pool (libpng writes 8 KiB IDATs).
    inflate.end(data);
  });
}
