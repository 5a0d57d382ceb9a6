import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import {
  ImageError,
  clearImageHashCache,
  imageContentHash,
  imageHashCacheStats,
  imageSource,
  loadImageBytes,
  preparedImageStats,
  sniffImageFormat,
  toImagePart,
  type ImageSource,
} from "../../src/model/images.js";

let dir: string;
let server: http.Server;
let base: string;
const fx: Record<string, Buffer> = {};

/** A small image with structure (a gradient), so resizing and conversions are visible in the pixels. */
function gradient(width: number, height: number, channels: 3 | 4 = 3): Buffer {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      raw[o] = (x * 255) / Math.max(1, width - 1);
      raw[o + 1] = (y * 255) / Math.max(1, height - 1);
      raw[o + 2] = (x + y) % 256;
      if (channels === 4) raw[o + 3] = 64 + ((x * 3) % 192);
    }
  }
  return raw;
}

function fromRaw(raw: Buffer, width: number, height: number, channels: 3 | 4 = 3) {
  return sharp(raw, { raw: { width, height, channels } });
}

/** Writes a BMP by hand (sharp cannot): 24-bit bottom-up, 32-bit top-down V4 with alpha, or 8-bit palette. */
function encodeBmp(raw: Buffer, width: number, height: number, kind: "24" | "32" | "8"): Buffer {
  const bpp = Number(kind);
  const dib = kind === "32" ? 108 : 40;
  const palette = kind === "8" ? 256 * 4 : 0;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const dataAt = 14 + dib + palette;
  const b = Buffer.alloc(dataAt + stride * height);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(dataAt, 10);
  b.writeUInt32LE(dib, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(kind === "32" ? -height : height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bpp, 28);
  b.writeUInt32LE(kind === "32" ? 3 : 0, 30);
  if (kind === "32") [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000].forEach((m, i) => b.writeUInt32LE(m, 54 + 4 * i));
  if (kind === "8") for (let i = 0; i < 256; i++) b.fill(i, 54 + i * 4, 54 + i * 4 + 3);
  const ch = kind === "32" ? 4 : kind === "8" ? 1 : 3;
  for (let y = 0; y < height; y++) {
    const row = dataAt + (kind === "32" ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * ch;
      if (kind === "8") b[row + x] = raw[i]!;
      else {
        const p = row + x * (bpp / 8);
        b[p] = raw[i + 2]!;
        b[p + 1] = raw[i + 1]!;
        b[p + 2] = raw[i]!;
        if (kind === "32") b[p + 3] = raw[i + 3]!;
      }
    }
  }
  return b;
}

function write(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

function decodeDataUrl(url: string): { mime: string; bytes: Buffer } {
  const m = /^data:([^;]+);base64,(.*)$/.exec(url);
  assert.ok(m, `not a base64 data URL: ${url.slice(0, 40)}`);
  return { mime: m[1]!, bytes: Buffer.from(m[2]!, "base64") };
}

async function rejectsImage(source: ImageSource, label: string, pattern: RegExp, options = {}): Promise<void> {
  await assert.rejects(toImagePart(source, options), (err: unknown) => {
    assert.ok(err instanceof ImageError, `expected ImageError, got ${String(err)}`);
    assert.equal(err.source, label);
    assert.ok(err.message.startsWith(`${label}: `), err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-images-"));
  const raw = gradient(40, 30);
  fx.png = await fromRaw(raw, 40, 30).png().toBuffer();
  fx.jpeg = await fromRaw(raw, 40, 30).jpeg().toBuffer();
  fx.gif = await fromRaw(raw, 40, 30).gif().toBuffer();
  fx.webp = await fromRaw(raw, 40, 30).webp().toBuffer();
  fx.tiff = await fromRaw(raw, 40, 30).tiff({ compression: "lzw" }).toBuffer();
  fx.avif = await fromRaw(raw, 40, 30).avif().toBuffer();
  fx.bmp = encodeBmp(raw, 40, 30, "24");
  fx.big = await fromRaw(gradient(2000, 1000), 2000, 1000).png().toBuffer();
  // Noise compresses badly, so the JPEG has plenty of entropy-coded data to cut.
  const noise = Buffer.alloc(300 * 200 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) ^ (i >> 5);
  fx.noiseJpeg = await fromRaw(noise, 300, 200).jpeg({ quality: 90 }).toBuffer();

  server = http.createServer((req, res) => {
    if (req.url === "/cat.png") return void res.end(fx.png);
    if (req.url === "/big-declared") return void res.end(Buffer.alloc(5000));
    if (req.url === "/big-chunked") {
      // No Content-Length: the limit must be enforced while streaming.
      res.writeHead(200, { "content-type": "image/png" });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.alloc(1024));
        if ((sent += 1024) >= 64 * 1024) {
          clearInterval(timer);
          res.end();
        }
      }, 1);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (req.url === "/slow") return void setTimeout(() => res.end(fx.png), 2000).unref();
    res.writeHead(404, { "content-type": "text/html" }).end("<html>not here</html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("sniffImageFormat", () => {
  test("recognises each format from its bytes", () => {
    for (const f of ["png", "jpeg", "gif", "webp", "bmp", "tiff", "avif"] as const) {
      assert.equal(sniffImageFormat(fx[f]!), f);
    }
    assert.equal(sniffImageFormat(Buffer.from("<html><body>nope</body></html>")), undefined);
    assert.equal(sniffImageFormat(Buffer.from("BMW is a car, not a bitmap")), undefined);
    assert.equal(sniffImageFormat(new Uint8Array(0)), undefined);
  });

  test("a .png file holding JPEG bytes is sent as image/jpeg, bytes untouched", async () => {
    const { part, info } = await toImagePart({ path: write("liar.png", fx.jpeg!) });
    const { mime, bytes } = decodeDataUrl(part.image_url.url);
    assert.equal(mime, "image/jpeg");
    assert.deepEqual(bytes, fx.jpeg);
    assert.equal(info.format, "jpeg");
  });
});

describe("imageSource", () => {
  test("classifies strings", () => {
    assert.deepEqual(imageSource("data:image/png;base64,AAAA"), { base64: "data:image/png;base64,AAAA" });
    assert.deepEqual(imageSource("https://x/y.png"), { url: "https://x/y.png" });
    assert.deepEqual(imageSource("HTTP://x/y.png"), { url: "HTTP://x/y.png" });
    assert.deepEqual(imageSource("photos/cat.jpg"), { path: "photos/cat.jpg" });
    assert.deepEqual(imageSource("/abs/cat.jpg"), { path: "/abs/cat.jpg" });
    assert.deepEqual(imageSource("file:///tmp/a%20b.png"), { path: "/tmp/a b.png" });
  });
});

describe("toImagePart", () => {
  test("path, bytes, base64, data URL and http URL give the same data URL", async () => {
    const file = write("cat.png", fx.png!);
    const b64 = fx.png!.toString("base64");
    const sources: ImageSource[] = [
      { path: file },
      { bytes: new Uint8Array(fx.png!) },
      { base64: b64 },
      { base64: `data:image/whatever;base64,${b64}` },
      { url: `${base}/cat.png` },
      imageSource(file),
    ];
    const urls = await Promise.all(sources.map(async (s) => (await toImagePart(s)).part.image_url.url));
    assert.equal(urls[0], `data:image/png;base64,${b64}`);
    for (const u of urls) assert.equal(u, urls[0]);
  });

  test("reports what was sent", async () => {
    const { part, info } = await toImagePart({ bytes: fx.png! });
    assert.equal(part.type, "image_url");
    assert.deepEqual(Object.keys(part.image_url), ["url"]); // no detail key when none was asked for
    assert.deepEqual(
      { ...info, sha256: undefined },
      { format: "png", sourceFormat: "png", width: 40, height: 30, bytes: fx.png!.length, resized: false, sha256: undefined },
    );
  });

  test("detail is carried into the part", async () => {
    for (const detail of ["auto", "low", "high"] as const) {
      const { part } = await toImagePart({ bytes: fx.jpeg! }, { detail });
      assert.equal(part.image_url.detail, detail);
    }
    await assert.rejects(toImagePart({ bytes: fx.jpeg! }, { detail: "ultra" as "high" }), RangeError);
  });

  test("png, jpeg, gif and webp are sent byte for byte", async () => {
    for (const f of ["png", "jpeg", "gif", "webp"] as const) {
      const { part, info } = await toImagePart({ bytes: fx[f]! });
      const { mime, bytes } = decodeDataUrl(part.image_url.url);
      assert.equal(mime, `image/${f}`);
      assert.deepEqual(bytes, fx[f]);
      assert.equal(info.resized, false);
    }
  });

  test("BMP, TIFF and AVIF are converted to PNG", async () => {
    const expected = await sharp(fx.png!).raw().toBuffer();
    for (const f of ["bmp", "tiff", "avif"] as const) {
      const { part, info } = await toImagePart({ bytes: fx[f]!, name: f });
      const { mime, bytes } = decodeDataUrl(part.image_url.url);
      assert.equal(mime, "image/png", f);
      assert.deepEqual([info.format, info.sourceFormat, info.width, info.height], ["png", f, 40, 30]);
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ["png", 40, 30]);
      // BMP and LZW TIFF are lossless: the PNG has exactly the original pixels.
      if (f !== "avif") assert.deepEqual(await sharp(bytes).removeAlpha().raw().toBuffer(), expected, f);
    }
  });

  test("BMP variants: 32-bit top-down with alpha, 8-bit palette", async () => {
    const rgba = gradient(7, 5, 4);
    const { part } = await toImagePart({ bytes: encodeBmp(rgba, 7, 5, "32") });
    const png = decodeDataUrl(part.image_url.url).bytes;
    assert.equal((await sharp(png).metadata()).channels, 4);
    assert.deepEqual(await sharp(png).raw().toBuffer(), rgba);

    const gray = Buffer.from(Array.from({ length: 9 * 4 }, (_, i) => (i * 7) % 256));
    const pal = decodeDataUrl((await toImagePart({ bytes: encodeBmp(gray, 9, 4, "8") })).part.image_url.url).bytes;
    const rgb = await sharp(pal).raw().toBuffer();
    assert.deepEqual(Buffer.from(rgb.filter((_, i) => i % 3 === 0)), gray);
  });

  test("maxSide downscales 2000×1000 to 1000×500", async () => {
    const { part, info } = await toImagePart({ bytes: fx.big! }, { maxSide: 1000 });
    const { mime, bytes } = decodeDataUrl(part.image_url.url);
    const meta = await sharp(bytes).metadata();
    assert.equal(mime, "image/png");
    assert.deepEqual([meta.width, meta.height], [1000, 500]);
    assert.deepEqual([info.width, info.height, info.resized], [1000, 500, true]);
  });

  test("maxSide keeps JPEG and WebP, turns GIF into PNG", async () => {
    const raw = gradient(300, 120);
    for (const [f, out] of [["jpeg", "jpeg"], ["webp", "webp"], ["gif", "png"]] as const) {
      const input = await fromRaw(raw, 300, 120)[f]().toBuffer();
      const { part, info } = await toImagePart({ bytes: input }, { maxSide: 100 });
      const { mime, bytes } = decodeDataUrl(part.image_url.url);
      assert.equal(mime, `image/${out}`);
      const meta = await sharp(bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, info.resized], [out, 100, 40, true]);
    }
  });

  test("maxSide leaves a smaller image untouched; no maxSide never touches bytes", async () => {
    const small = await toImagePart({ bytes: fx.png! }, { maxSide: 40 });
    assert.deepEqual(decodeDataUrl(small.part.image_url.url).bytes, fx.png);
    assert.equal(small.info.resized, false);
    const big = await toImagePart({ bytes: fx.big! });
    assert.deepEqual(decodeDataUrl(big.part.image_url.url).bytes, fx.big);
    assert.deepEqual([big.info.width, big.info.height, big.info.resized], [2000, 1000, false]);
  });

  test("maxPixels downscales to at most that many pixels, keeping the aspect; with maxSide the tighter wins", async () => {
    const { info } = await toImagePart({ bytes: fx.big! }, { maxPixels: 500_000 });
    assert.deepEqual([info.width, info.height, info.resized], [1000, 500, true]);
    const both = await toImagePart({ bytes: fx.big! }, { maxPixels: 500_000, maxSide: 800 });
    assert.deepEqual([both.info.width, both.info.height], [800, 400]);
    const loose = await toImagePart({ bytes: fx.png! }, { maxPixels: 40 * 30 });
    assert.deepEqual(decodeDataUrl(loose.part.image_url.url).bytes, fx.png, "an image within the limit is sent as it is");
    assert.notEqual(info.sha256, both.info.sha256);
    assert.equal(info.sha256, await imageContentHash({ bytes: fx.big! }, { maxPixels: 500_000 }));
    for (const maxPixels of [0, 2.5]) await assert.rejects(toImagePart({ bytes: fx.png! }, { maxPixels }), RangeError);
  });

  test("a downscaled image is prepared once and sent the same way again", async () => {
    const before = preparedImageStats();
    const first = await toImagePart({ bytes: fx.big! }, { maxSide: 700 });
    const kept = preparedImageStats();
    assert.equal(kept.entries, before.entries + 1);
    const again = await toImagePart({ bytes: fx.big! }, { maxSide: 700 });
    assert.deepEqual(preparedImageStats(), { ...kept, hits: kept.hits + 1 }, "reused, not re-encoded");
    assert.equal(again.part.image_url.url, first.part.image_url.url);
    assert.deepEqual(again.info, first.info);
  });

  test("rejects bad option values", async () => {
    for (const maxSide of [0, -5, 1.5, NaN]) await assert.rejects(toImagePart({ bytes: fx.png! }, { maxSide }), RangeError);
  });
});

describe("errors name the source and say what is wrong", () => {
  test("a truncated JPEG (header intact) is caught", async () => {
    const cut = fx.noiseJpeg!.subarray(0, fx.noiseJpeg!.length >> 1);
    // sharp reads the header fine: only a real decode can notice.
    assert.equal((await sharp(cut).metadata()).width, 300);
    await rejectsImage({ path: write("cut.jpg", cut) }, path.join(dir, "cut.jpg"), /cannot decode this JPEG: it is corrupt or truncated \(decoder: .*premature end/);
    // Losing only the end-of-image marker counts too.
    const noEoi = fx.noiseJpeg!.subarray(0, fx.noiseJpeg!.length - 2);
    await rejectsImage({ bytes: noEoi, name: "photo" }, "<bytes photo>", /corrupt or truncated/);
  });

  test("truncated PNG, GIF and WebP", async () => {
    // Cut into the pixel data. (A PNG missing only its IEND chunk, or a GIF its trailer byte, still has every
    // pixel; libpng, giflib, PIL and browsers all accept those, and so do we.)
    for (const [f, name] of [["png", "PNG"], ["gif", "GIF"], ["webp", "WebP"]] as const) {
      const cut = fx[f]!.subarray(0, fx[f]!.length - 40);
      await rejectsImage({ bytes: cut, name: f }, `<bytes ${f}>`, new RegExp(`cannot decode this ${name}: it is corrupt or truncated`));
    }
  });

  test("corrupt bytes after a valid signature", async () => {
    const bad = Buffer.concat([fx.png!.subarray(0, 8), Buffer.alloc(200, 0x41)]);
    await rejectsImage({ base64: bad.toString("base64"), name: "x" }, "<base64 x>", /cannot decode this PNG/);
    const corrupt = Buffer.from(fx.png!);
    for (let i = 60; i < corrupt.length - 20; i++) corrupt[i]! ^= 0x55;
    await rejectsImage({ bytes: corrupt }, "<bytes>", /corrupt or truncated/);
  });

  test("a truncated or RLE BMP", async () => {
    await rejectsImage({ bytes: fx.bmp!.subarray(0, 500) }, "<bytes>", /cannot decode this BMP: truncated BMP/);
    const rle = Buffer.from(fx.bmp!);
    rle.writeUInt32LE(1, 30);
    await rejectsImage({ bytes: rle }, "<bytes>", /RLE-compressed BMP is not supported; re-save it as PNG/);
  });

  test("text, HTML and other non-images", async () => {
    const txt = write("notes.png", "just some notes\n");
    await rejectsImage({ path: txt }, txt, /not a supported image \(bytes start with 6a 75 73 74 — looks like text\); supported: PNG, JPEG, GIF, WebP, BMP, TIFF/);
    const html = write("cat.jpg", "<!DOCTYPE html><html><body>Not found</body></html>");
    await rejectsImage({ path: html }, html, /bytes start with 3c 21 44 4f — looks like HTML/);
    await rejectsImage({ bytes: Buffer.from([0, 1, 2, 3, 4, 250]) }, "<bytes>", /^<bytes>: not a supported image \(bytes start with 00 01 02 03\); supported/);
    await rejectsImage({ bytes: Buffer.from("%PDF-1.7\n") }, "<bytes>", /looks like a PDF/);
  });

  test("an empty file, a missing file, a directory", async () => {
    const empty = write("empty.png", "");
    await rejectsImage({ path: empty }, empty, /empty \(0 bytes\)/);
    const missing = path.join(dir, "nope.png");
    await rejectsImage({ path: missing }, missing, /file not found/);
    await rejectsImage({ path: dir }, dir, /directory/);
  });

  test("invalid base64 and non-base64 data URLs", async () => {
    await rejectsImage({ base64: "iVBOR*w0KGgo", name: "b" }, "<base64 b>", /not valid base64/);
    await rejectsImage({ base64: "data:image/png,%89PNG" }, "<base64>", /not base64-encoded/);
  });

  test("size limit for files and bytes", async () => {
    await rejectsImage({ bytes: fx.png! }, "<bytes>", /over the 100 bytes limit \(maxBytes\)/, { maxBytes: 100 });
    const file = write("limit.png", fx.png!);
    await rejectsImage({ path: file }, file, /limit \(maxBytes\)/, { maxBytes: 100 });
  });
});

describe("URLs (loopback server)", () => {
  test("HTTP 404", async () => {
    const url = `${base}/missing.png`;
    await rejectsImage({ url }, url, /^http:\/\/127\.0\.0\.1:\d+\/missing\.png: HTTP 404 Not Found$/);
  });

  test("larger than the size limit, declared or streamed", async () => {
    await rejectsImage({ url: `${base}/big-declared` }, `${base}/big-declared`, /the response is 5\.0 kB, over the 1\.0 kB limit/, { maxBytes: 1000 });
    await rejectsImage({ url: `${base}/big-chunked` }, `${base}/big-chunked`, /larger than the 10\.0 kB limit \(maxBytes\)/, { maxBytes: 10_000 });
  });

  test("timeout", async () => {
    await rejectsImage({ url: `${base}/slow` }, `${base}/slow`, /did not finish within 0\.2 s/, { timeoutMs: 200 });
  });

  test("connection refused and non-http URLs", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.png`;
    await new Promise((resolve) => closed.close(resolve));
    await rejectsImage({ url }, url, /download failed: .*ECONNREFUSED/);
    await rejectsImage({ url: "ftp://127.0.0.1/x.png" }, "ftp://127.0.0.1/x.png", /not an http\(s\) URL/);
  });

  test("credentials are kept out of messages", async () => {
    await rejectsImage({ url: `http://user:secret@127.0.0.1:1/x.png` }, "http://127.0.0.1:1/x.png", /download failed/);
  });
});

describe("imageContentHash", () => {
  test("stable across input kinds, equal to the part's sha256, changed by maxSide only", async () => {
    const file = write("hash.png", fx.png!);
    const b64 = fx.png!.toString("base64");
    const sources: ImageSource[] = [
      { path: file },
      { bytes: fx.png! },
      { base64: b64 },
      { base64: `data:image/png;base64,${b64}` },
      { url: `${base}/cat.png` },
    ];
    const plain = await Promise.all(sources.map((s) => imageContentHash(s)));
    const sized = await Promise.all(sources.map((s) => imageContentHash(s, { maxSide: 512 })));
    // Without options it is the plain sha256 of the file, as sha256sum prints it.
    assert.equal(plain[0], createHash("sha256").update(fx.png!).digest("hex"));
    for (const h of plain) assert.equal(h, plain[0]);
    for (const h of sized) assert.equal(h, sized[0]);
    assert.notEqual(sized[0], plain[0]);
    assert.notEqual(await imageContentHash(sources[0]!, { maxSide: 256 }), sized[0]);
    assert.equal(await imageContentHash(sources[0]!, { detail: "low", timeoutMs: 5, maxBytes: 10 ** 9 }), plain[0]);
    assert.equal((await toImagePart(sources[0]!)).info.sha256, plain[0]);
    assert.equal((await toImagePart(sources[0]!, { maxSide: 512 })).info.sha256, sized[0]);
  });

  test("an unchanged file is read once; a changed one again", async () => {
    clearImageHashCache();
    const file = write("cached.png", fx.png!);
    const reads = imageHashCacheStats().fileReads;
    const first = await imageContentHash({ path: file });
    assert.equal(imageHashCacheStats().fileReads, reads + 1);
    // Relative and absolute spellings share the entry; concurrent requests share a read.
    const relative = path.relative(process.cwd(), file);
    const again = await Promise.all([imageContentHash({ path: file }), imageContentHash({ path: relative }), imageContentHash({ path: file }, { maxSide: 9 })]);
    assert.deepEqual(again.slice(0, 2), [first, first]);
    assert.equal(imageHashCacheStats().fileReads, reads + 1);
    assert.equal(imageHashCacheStats().entries, 1);

    fs.writeFileSync(file, fx.jpeg!);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
    const changed = await imageContentHash({ path: file });
    assert.notEqual(changed, first);
    assert.equal(imageHashCacheStats().fileReads, reads + 2);

    clearImageHashCache();
    await Promise.all([imageContentHash({ path: file }), imageContentHash({ path: file })]);
    assert.equal(imageHashCacheStats().fileReads, reads + 3);
  });

  test("a missing file is an ImageError", async () => {
    const missing = path.join(dir, "gone.png");
    await assert.rejects(imageContentHash({ path: missing }), (err: unknown) => err instanceof ImageError && err.message === `${missing}: file not found`);
  });

  test("a URL over the size limit is an ImageError", async () => {
    await assert.rejects(imageContentHash({ url: `${base}/big-chunked` }, { maxBytes: 2048 }), ImageError);
  });
});

describe("reading files", () => {
  test("a regular file is read whole at its size; a named pipe is read to its end, then held to maxBytes", async () => {
    const file = write("whole.png", fx.png!);
    assert.deepEqual(await loadImageBytes({ path: file }), fx.png);
    const fifo = path.join(dir, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    const feed = () => {
      const w = fs.createWriteStream(fifo);
      w.end(fx.png!);
    };
    feed();
    assert.deepEqual(await loadImageBytes({ path: fifo }), fx.png);
    feed();
    await assert.rejects(loadImageBytes({ path: fifo }, { maxBytes: 10 }), /over the 10 bytes limit \(maxBytes\)/);
  });
});

describe("files read into lent buffers", () => {
  test("every data URL is its own file's bytes, for many files prepared at once and one after another", async () => {
    // Image files are read into pooled buffers given back once their data URL is made (src/io/buffer-pool.ts);
    // a buffer given back too early, or handed to two reads at once, would send one image's bytes for another.
    const files: Array<{ file: string; bytes: Buffer }> = [];
    for (let i = 0; i < 24; i++) {
      const side = 40 + ((i * 37) % 200);
      const image = sharp({ create: { width: side, height: side, channels: 3, background: { r: i * 10, g: 255 - i * 10, b: 128 }, noise: { type: "gaussian", mean: 120, sigma: 50 } } });
      const bytes = i % 5 === 4 ? await image.jpeg().toBuffer() : await image.png({ compressionLevel: 1 }).toBuffer();
      files.push({ file: write(`lent-${i}.${i % 5 === 4 ? "jpg" : "png"}`, bytes), bytes });
    }
    const check = async (f: { file: string; bytes: Buffer }) => {
      const { part } = await toImagePart({ path: f.file });
      assert.equal(part.image_url.url.slice(part.image_url.url.indexOf(",") + 1), f.bytes.toString("base64"), f.file);
    };
    await Promise.all(files.map(check));
    for (const f of files) await check(f);
  });
});
