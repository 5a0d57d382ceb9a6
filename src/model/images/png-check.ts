// A cheap proof that a PNG sent as it is arrives whole: the header sane, every chunk intact (its CRC matches),
// the image data in one run of chunks, and the file ending with IEND. That catches what happens to images in
// the wild — a download or copy cut short, damaged bytes — without decoding: libvips proving the same by
// decoding every pixel took ~20 ms of CPU per 1 MB 600×600 PNG, and inflating the data alone ~5–10 ms (most of
// a full-size benchmark's image work). Not caught: a broken compressed stream written under correct CRCs (an
// encoder bug); the model's server then refuses that call and the row is reported failed with its message.
// Anything unusual — interlacing, palettes, EXIF rotation, a colour profile, any failed check — answers
// "unknown", and the caller takes the full libvips decode, whose verdict and messages stay the judge.
import { crc32 } from "node:zlib";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// sharp refuses more pixels than this by default (limitInputPixels); such images must go to libvips to fail there.
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;
// The bit depths each colour type allows (greyscale, RGB, grey+alpha, RGBA). Palette images (3) are left to
// libvips, which also checks their indices against the palette.
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 4: [8, 16], 6: [8, 16] };

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
 * The PNG's size when its bytes are proven intact (see the top of this file); undefined when that cannot be
 * shown this way (the caller then decodes with libvips, which gives the verdict and the error).
 */
export function provenPngSize(bytes: Buffer): PngSize | undefined {
  const size = pngHeaderSize(bytes);
  if (!size) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A known colour type and depth; compression 0, filter method 0, no interlacing.
  if (!DEPTHS[bytes[25]!]?.includes(bytes[24]!) || bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] !== 0) return undefined;
  if (size.width === 0 || size.height === 0 || size.width * size.height > SHARP_PIXEL_LIMIT) return undefined;
  let sawImageData = false;
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
      if (sawImageData && previous !== "IDAT") return undefined; // image data must be consecutive chunks
      sawImageData = true;
    } else if (name === "eXIf" || name === "iCCP") {
      return undefined; // rotation or a colour profile: libvips decides how they apply
    } else if (name === "IEND") {
      ended = true;
      break;
    }
    previous = name;
    at = end;
  }
  return ended && sawImageData ? size : undefined;
}
