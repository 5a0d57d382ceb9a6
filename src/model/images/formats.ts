// Format detection from magic numbers. File names and declared media types lie (a ".png" holding a JPEG, an
// HTML error page served as image/jpeg); the first bytes do not.
import type { ImageFormat } from "./types.js";

export const MIME_TYPES: Readonly<Record<ImageFormat, string>> = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  tiff: "image/tiff",
  avif: "image/avif",
};

/** Names for messages. */
export const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  png: "PNG",
  jpeg: "JPEG",
  gif: "GIF",
  webp: "WebP",
  bmp: "BMP",
  tiff: "TIFF",
  avif: "AVIF",
};

/** What OpenAI-compatible vision APIs take as is; anything else is converted to PNG. */
export const SENDABLE_FORMATS: ReadonlySet<ImageFormat> = new Set<ImageFormat>(["png", "jpeg", "gif", "webp"]);

export const SUPPORTED_LIST = Object.values(FORMAT_NAMES).join(", ");

// Header sizes of the BMP variants (core, OS/2 2.x short and long, Windows 3.x, V2, V3, V4, V5): "BM" alone is
// too common a start for text to trust.
const BMP_DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const AVIF_BRANDS = new Set(["avif", "avis"]);
const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"]);

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
}

/** The brands of an ISO-BMFF `ftyp` box (AVIF, HEIC, MP4 ...), or none. */
function ftypBrands(bytes: Uint8Array): string[] {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== "ftyp") return [];
  const boxSize = Math.min((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!, bytes.length, 256);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

/** The image format of `bytes` from its signature, or undefined when it is none we handle. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  const head = ascii(bytes, 0, 12);
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return "gif";
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP") return "webp";
  if (head.startsWith("BM") && bytes.length >= 18 && BMP_DIB_SIZES.has(bytes[14]! | (bytes[15]! << 8))) {
    if (bytes[16] === 0 && bytes[17] === 0) return "bmp";
  }
  // Little- and big-endian TIFF, and BigTIFF.
  if (["II*\0", "MM\0*", "II+\0", "MM\0+"].includes(head.slice(0, 4))) return "tiff";
  if (ftypBrands(bytes).some((b) => AVIF_BRANDS.has(b))) return "avif";
  return undefined;
}

// Recognisable non-images, to say what the bytes look like instead of just "unsupported".
const LOOKS_LIKE: ReadonlyArray<[RegExp, string]> = [
  [/^\s*<svg[\s>]|^\s*<\?xml[^]*<svg[\s>]/i, "SVG, a vector image; rasterize it to PNG first"],
  [/^\s*<(!doctype html|html|head|body)[\s>]/i, "HTML, perhaps an error page or a web page instead of the image"],
  [/^\s*<\?xml/i, "XML"],
  [/^\s*[{[]/, "JSON"],
  [/^%PDF-/, "a PDF; export the page as PNG first"],
];

function describeBinary(bytes: Uint8Array): string | undefined {
  if (ftypBrands(bytes).some((b) => HEIF_BRANDS.has(b))) {
    return "HEIC/HEIF, which this build of sharp cannot decode; convert it to JPEG or PNG";
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return "a ZIP archive";
  if (startsWith(bytes, [0x1f, 0x8b])) return "gzip-compressed data";
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return "a Windows ICO icon; convert it to PNG";
  if (startsWith(bytes, [0x38, 0x42, 0x50, 0x53])) return "a Photoshop PSD; export it as PNG";
  return undefined;
}

/** True when the start of `bytes` decodes as UTF-8 with no control characters other than whitespace. */
function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 512);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(sample);
  } catch {
    // A sample cut inside a multi-byte character is still text; anything else is binary.
    return sample.length === 512 && looksLikeText(sample.subarray(0, 508));
  }
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
}

/** "bytes start with 3c 68 74 6d — looks like HTML, ..." for bytes that are not a supported image. */
export function describeUnknownBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  const start = `bytes start with ${hex}`;
  let guess = describeBinary(bytes);
  if (guess === undefined && looksLikeText(bytes)) {
    const text = new TextDecoder().decode(bytes.subarray(0, 1024)).replace(/^\ufeff/, "");
    guess = LOOKS_LIKE.find(([re]) => re.test(text))?.[1] ?? "text";
  }
  return guess === undefined ? start : `${start} — looks like ${guess}`;
}
