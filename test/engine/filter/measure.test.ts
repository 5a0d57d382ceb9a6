import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { ImageError } from "../../../src/model/images.js";
import {
  complexityScore,
  edgeDensity,
  greyEntropy,
  hammingDistance,
  measureImage,
  perceptualHash,
  type GreyImage,
} from "../../../src/engine/filter/index.js";
import { detailedJpeg, detailedPng, detailedRaw, flatPng } from "./fixtures.js";

function grey(width: number, height: number, f: (x: number, y: number) => number): GreyImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { data, width, height };
}

/** A 24-bit bottom-up BMP written by hand (sharp cannot write BMP). */
function bmp24(raw: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const b = Buffer.alloc(54 + stride * height);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const d = 54 + (height - 1 - y) * stride + x * 3;
      b[d] = raw[s + 2]!;
      b[d + 1] = raw[s + 1]!;
      b[d + 2] = raw[s]!;
    }
  }
  return b;
}

describe("filter measures", () => {
  it("entropy: 0 for one grey level, 1/8 for two equal halves, 1 for all 256 levels equally", () => {
    assert.equal(greyEntropy(grey(16, 16, () => 77)), 0);
    assert.equal(greyEntropy(grey(16, 16, (x) => (x < 8 ? 0 : 255))), 1 / 8);
    assert.equal(greyEntropy(grey(16, 16, (x, y) => y * 16 + x)), 1);
  });

  it("edge density: 0 on flat and smooth images, the edge columns on a step", () => {
    assert.equal(edgeDensity(grey(20, 20, () => 10)), 0);
    assert.equal(edgeDensity(grey(20, 20, (x) => x * 4)), 0, "a gentle ramp has no edges");
    // A black | white step between columns 9 and 10: interior columns 9 and 10 see it, 2 of 18.
    assert.equal(edgeDensity(grey(20, 20, (x) => (x < 10 ? 0 : 255))), 2 / 18);
    assert.equal(edgeDensity(grey(2, 2, () => 0)), 0, "too small for an interior");
  });

  it("complexity needs both tonal variety and edges, and saturates at 1", () => {
    assert.equal(complexityScore(0, 0.5), 0);
    assert.equal(complexityScore(0.9, 0), 0);
    assert.equal(complexityScore(1, 1), 1);
    assert.ok(complexityScore(0.5, 0.05) > 0.2 && complexityScore(0.5, 0.05) < 0.5);
  });

  it("pHash: stable on flat images, close for re-encodes and resizes, far for different pictures", async () => {
    assert.equal(perceptualHash(grey(64, 64, () => 0)), "0000000000000000");
    assert.equal(perceptualHash(grey(64, 64, () => 200)), "8000000000000000", "only the DC coefficient is above the median");
    const png = await detailedPng(1);
    const base = await measureImage(png, "a");
    const variants = [
      await sharp(png).jpeg({ quality: 70 }).toBuffer(),
      await sharp(png).resize(314, 236, { fit: "fill" }).png().toBuffer(),
      await sharp(png).resize(640, 480).jpeg({ quality: 85 }).toBuffer(),
      await sharp(png).modulate({ brightness: 1.1 }).png().toBuffer(),
    ];
    for (const v of variants) {
      const d = hammingDistance(base.phash, (await measureImage(v, "v")).phash);
      assert.ok(d <= 4, `variant distance ${d}`);
    }
    const others = await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map(async (seed) => (await measureImage(await detailedPng(seed), "o")).phash));
    for (const [i, a] of [base.phash, ...others].entries()) {
      for (const b of others.slice(i)) if (a !== b) assert.ok(hammingDistance(a, b) > 12, `unrelated pictures at distance ${hammingDistance(a, b)}`);
    }
  });

  it("measures a photo-like image: size, format and a high complexity", async () => {
    const m = await measureImage(await detailedJpeg(1, 640, 480), "p.jpg");
    assert.deepEqual([m.format, m.width, m.height], ["jpeg", 640, 480]);
    assert.ok(m.complexity > 0.3, `complexity ${m.complexity}`);
    assert.match(m.phash, /^[0-9a-f]{16}$/);
  });

  it("scores sparse line art above the default threshold, and blank or smooth images at 0", async () => {
    const svg = (body: string) =>
      sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="white"/>${body}</svg>`)).png().toBuffer();
    const geometry = await svg('<polygon points="100,400 320,80 560,400" fill="none" stroke="black" stroke-width="2"/><circle cx="320" cy="300" r="60" fill="none" stroke="black" stroke-width="1.5"/>');
    assert.ok((await measureImage(geometry, "g")).complexity > 0.1);
    assert.equal((await measureImage(await flatPng(), "f")).complexity, 0);
    const ramp = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < ramp.length; i++) ramp[i] = Math.floor(((i / 3) % 640) / 2.5);
    assert.equal((await measureImage(await sharp(ramp, { raw: { width: 640, height: 480, channels: 3 } }).png().toBuffer(), "r")).complexity, 0);
  });

  it("reads sizes as displayed (EXIF orientation), decodes BMP and 16-bit PNG, flattens transparency on white", async () => {
    const rotated = await sharp(await detailedRaw(1, 320, 240), { raw: { width: 320, height: 240, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const m = await measureImage(rotated, "r.jpg");
    assert.deepEqual([m.width, m.height], [240, 320]);
    const b = await measureImage(bmp24(await detailedRaw(2, 300, 250), 300, 250), "b.bmp");
    assert.deepEqual([b.format, b.width, b.height], ["bmp", 300, 250]);
    const deep = await sharp(await detailedRaw(3, 300, 250), { raw: { width: 300, height: 250, channels: 3 } }).toColourspace("rgb16").png().toBuffer();
    assert.ok((await measureImage(deep, "d.png")).complexity > 0.3);
    const clear = await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    assert.equal((await measureImage(clear, "t.png")).phash, "8000000000000000", "fully transparent reads as white");
  });

  it("throws ImageError for text, truncated and unknown bytes", async () => {
    await assert.rejects(measureImage(Buffer.from("hello, not an image"), "t.jpg"), (e: unknown) => e instanceof ImageError && /looks like text/.test(e.message));
    const jpeg = await detailedJpeg(1, 640, 480);
    await assert.rejects(measureImage(jpeg.subarray(0, 5000), "cut.jpg"), (e: unknown) => e instanceof ImageError && /corrupt or truncated/.test(e.message));
    const png = await detailedPng(1);
    await assert.rejects(measureImage(png.subarray(0, png.length / 2), "cut.png"), (e: unknown) => e instanceof ImageError && /PNG/.test(e.message));
  });
});
