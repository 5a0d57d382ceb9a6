// Fixture images for the filter tests, made with sharp: deterministic bytes, so hashes and records are stable.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

/** A seeded generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A "photo": a seeded colour gradient, a dozen seeded shapes, and mild pixel noise. Raw RGB. */
export async function detailedRaw(seed: number, width: number, height: number): Promise<Buffer> {
  const rnd = prng(seed);
  const [r0, g0, b0] = [rnd() * 255, rnd() * 255, rnd() * 255];
  const base = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      base[o] = (r0 + (x * 180) / width) % 256;
      base[o + 1] = (g0 + (y * 180) / height) % 256;
      base[o + 2] = b0;
    }
  }
  const shapes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const color = `rgb(${Math.floor(rnd() * 256)},${Math.floor(rnd() * 256)},${Math.floor(rnd() * 256)})`;
    const [x, y, s] = [rnd() * width, rnd() * height, 10 + rnd() * Math.min(width, height) * 0.3];
    shapes.push(
      rnd() < 0.5
        ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${(s / 2).toFixed(1)}" fill="${color}"/>`
        : `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${s.toFixed(1)}" height="${(s * 0.7).toFixed(1)}" fill="${color}"/>`,
    );
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join("")}</svg>`);
  const composed = await sharp(base, { raw: { width, height, channels: 3 } }).composite([{ input: svg }]).removeAlpha().raw().toBuffer();
  for (let i = 0; i < composed.length; i++) composed[i] = Math.max(0, Math.min(255, composed[i]! + Math.round((rnd() - 0.5) * 24)));
  return composed;
}

export async function detailedPng(seed: number, width = 320, height = 240): Promise<Buffer> {
  return sharp(await detailedRaw(seed, width, height), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

export async function detailedJpeg(seed: number, width = 320, height = 240, quality = 90): Promise<Buffer> {
  return sharp(await detailedRaw(seed, width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

export function flatPng(width = 320, height = 240, background = "#4a7bd0"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
}

/**
 * The fixture folder of the filter tests, and the reason each image must get (a regular expression per reason;
 * an empty list: kept). Names are chosen so that the original of each duplicate sorts first.
 */
export async function writeFixtureFolder(dir: string): Promise<Record<string, RegExp[]>> {
  const photo = await detailedPng(1);
  const other = await detailedJpeg(2);
  const files: Record<string, Buffer | string> = {
    "a_photo.png": photo,
    "b_photo_copy.png": photo,
    // The same picture re-encoded as JPEG quality 70, and resized by a few pixels.
    "c_photo_q70.jpg": await sharp(photo).jpeg({ quality: 70 }).toBuffer(),
    "d_photo_resized.png": await sharp(photo).resize(314, 236, { fit: "fill" }).png().toBuffer(),
    "e_other.jpg": other,
    "flat.png": await flatPng(),
    "tiny.png": await detailedPng(3, 50, 40),
    "banner.png": await detailedPng(4, 1000, 100),
    "corrupt.jpg": (await detailedJpeg(5, 640, 480)).subarray(0, 6000),
    "notes.jpg": "These are my holiday notes, not a picture.\n",
    "empty.png": Buffer.alloc(0),
    "readme.txt": "not an image extension: never listed\n",
    "sub/nested.webp": await sharp(await detailedRaw(6, 300, 300), { raw: { width: 300, height: 300, channels: 3 } }).webp().toBuffer(),
  };
  mkdirSync(join(dir, "sub"), { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return {
    "a_photo.png": [],
    "b_photo_copy.png": [/^duplicate of a_photo\.png$/],
    "banner.png": [/^resolution: 1000x100 < 224$/, /^aspect: 10 > 3 \(1000x100\)$/],
    "c_photo_q70.jpg": [/^near-duplicate of a_photo\.png \(distance [0-6]\)$/],
    "corrupt.jpg": [/^decode: cannot decode this JPEG: it is corrupt or truncated$/],
    "d_photo_resized.png": [/^near-duplicate of a_photo\.png \(distance [0-6]\)$/],
    "e_other.jpg": [],
    "empty.png": [/^decode: empty file \(0 bytes\)$/],
    "flat.png": [/^complexity: 0 < 0\.03 \(entropy 0\.000, edges 0\.000\)$/],
    "notes.jpg": [/^decode: not a supported image \(bytes start with 54 68 65 73 — looks like text\)/],
    "sub/nested.webp": [],
    "tiny.png": [/^resolution: 50x40 < 224$/],
  };
}
