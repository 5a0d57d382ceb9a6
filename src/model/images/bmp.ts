// A BMP decoder. sharp's prebuilt libvips has no BMP loader (that needs ImageMagick), so BMP pixels are read
// here and handed to sharp as raw RGB(A). Covers what real files use: 1/4/8-bit palettes, 16/24/32-bit,
// BI_BITFIELDS masks, bottom-up and top-down rows. RLE and embedded JPEG/PNG are refused with advice.
import { InputError } from "../../common/errors.js";

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Thrown for a BMP that cannot be decoded; the caller adds the source label. */
export class BmpError extends InputError {}

// sharp's default limitInputPixels, so a forged header cannot make us allocate gigabytes.
const MAX_PIXELS = 0x3fff * 0x3fff;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

interface Header {
  width: number;
  height: number; // negative: rows stored top-down
  bpp: number;
  compression: number;
  colorsUsed: number;
  paletteAt: number;
  paletteEntry: 3 | 4;
  masks: [number, number, number, number]; // r, g, b, a
}

function readHeader(buf: Buffer): Header {
  if (buf.length < 26) throw new BmpError("truncated BMP header");
  const dib = buf.readUInt32LE(14);
  if (buf.length < 14 + dib) throw new BmpError("truncated BMP header");
  const core = dib === 12; // BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries
  const h: Header = {
    width: core ? buf.readUInt16LE(18) : buf.readInt32LE(18),
    height: core ? buf.readInt16LE(20) : buf.readInt32LE(22),
    bpp: buf.readUInt16LE(core ? 24 : 28),
    compression: dib >= 20 ? buf.readUInt32LE(30) : BI_RGB,
    colorsUsed: dib >= 36 ? buf.readUInt32LE(46) : 0,
    paletteAt: 14 + dib,
    paletteEntry: core ? 3 : 4,
    masks: [0, 0, 0, 0],
  };
  if (dib === 16 || dib === 64) {
    // OS/2 2.x: compression 3 means Huffman there, not bitfields.
    if (h.compression !== BI_RGB) throw new BmpError("compressed OS/2 BMP is not supported; re-save it as PNG");
  }
  readMasks(buf, dib, h);
  return h;
}

function readMasks(buf: Buffer, dib: number, h: Header): void {
  if (h.compression === BI_BITFIELDS || h.compression === BI_ALPHABITFIELDS) {
    // Windows 3.x headers put the masks after the header; V2 and later have them inside it.
    const at = 54;
    const count = h.compression === BI_ALPHABITFIELDS || dib >= 56 ? 4 : 3;
    if (buf.length < at + 4 * count) throw new BmpError("truncated BMP header (bit masks)");
    for (let i = 0; i < count; i++) h.masks[i] = buf.readUInt32LE(at + 4 * i);
    if (dib === 40) h.paletteAt += 4 * count;
  } else if (h.bpp === 16) {
    h.masks = [0x7c00, 0x03e0, 0x001f, 0];
  } else if (h.bpp === 32) {
    h.masks = [0xff0000, 0xff00, 0xff, 0]; // the fourth byte of BI_RGB pixels is padding, not alpha
  }
}

function check(h: Header): void {
  if (h.compression === 1 || h.compression === 2) {
    throw new BmpError("RLE-compressed BMP is not supported; re-save it as PNG or as an uncompressed BMP");
  }
  if (h.compression === 4 || h.compression === 5) {
    throw new BmpError("BMP with embedded JPEG/PNG data is not supported; re-save it as PNG");
  }
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(h.compression)) {
    throw new BmpError(`unknown BMP compression ${h.compression}`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(h.bpp)) throw new BmpError(`unsupported BMP bit depth ${h.bpp}`);
  if (h.width < 1 || h.height === 0) throw new BmpError(`bad BMP size ${h.width}×${h.height}`);
  if (h.width * Math.abs(h.height) > MAX_PIXELS) {
    throw new BmpError(`BMP too large to decode (${h.width}×${Math.abs(h.height)} pixels)`);
  }
}

function readPalette(buf: Buffer, h: Header): Uint8Array[] {
  if (h.bpp > 8) return [];
  const count = Math.min(h.colorsUsed || 1 << h.bpp, 1 << h.bpp);
  if (buf.length < h.paletteAt + count * h.paletteEntry) throw new BmpError("truncated BMP palette");
  const palette: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const at = h.paletteAt + i * h.paletteEntry;
    palette.push(Uint8Array.of(buf[at + 2]!, buf[at + 1]!, buf[at]!)); // stored as BGR(X)
  }
  return palette;
}

/** Extracts a masked channel and scales it to 0..255; `absent` when the mask is empty. */
function channelReader(mask: number, absent: number): (px: number) => number {
  if (mask === 0) return () => absent;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (px) => Math.round((((px & mask) >>> shift) * 255) / max);
}

/** Decodes a whole BMP file into raw pixels, top row first. */
export function decodeBmp(bytes: Uint8Array): RawImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = readHeader(buf);
  check(h);
  const palette = readPalette(buf, h);
  const height = Math.abs(h.height);
  const stride = Math.ceil((h.width * h.bpp) / 32) * 4;
  const dataAt = buf.readUInt32LE(10);
  if (buf.length < dataAt + stride * height) {
    throw new BmpError(`truncated BMP: pixel data needs ${dataAt + stride * height} bytes, the file has ${buf.length}`);
  }
  const [r, g, b, a] = h.masks.map((m, i) => channelReader(m, i === 3 ? 255 : 0)) as [
    (px: number) => number, (px: number) => number, (px: number) => number, (px: number) => number,
  ];
  const out = Buffer.alloc(h.width * height * 4);
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = dataAt + (h.height > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < h.width; x++) {
      const o = (y * h.width + x) * 4;
      if (h.bpp <= 8) {
        const bit = x * h.bpp;
        const index = (buf[row + (bit >> 3)]! >> (8 - h.bpp - (bit & 7))) & ((1 << h.bpp) - 1);
        const c = palette[index] ?? Uint8Array.of(0, 0, 0); // out-of-range indexes render black, as in browsers
        out.set(c, o);
        out[o + 3] = 255;
      } else if (h.bpp === 24) {
        const p = row + x * 3;
        out[o] = buf[p + 2]!;
        out[o + 1] = buf[p + 1]!;
        out[o + 2] = buf[p]!;
        out[o + 3] = 255;
      } else {
        const px = h.bpp === 16 ? buf.readUInt16LE(row + x * 2) : buf.readUInt32LE(row + x * 4);
        out[o] = r(px);
        out[o + 1] = g(px);
        out[o + 2] = b(px);
        out[o + 3] = a(px);
        if (h.masks[3] !== 0 && out[o + 3] !== 0) anyAlpha = true;
      }
    }
  }
  // An alpha mask whose values are all zero is an unused channel (browsers show such files opaque).
  return anyAlpha ? { data: out, width: h.width, height, channels: 4 } : { data: dropAlpha(out), width: h.width, height, channels: 3 };
}

function dropAlpha(rgba: Buffer): Buffer {
  const rgb = Buffer.alloc((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return rgb;
}
