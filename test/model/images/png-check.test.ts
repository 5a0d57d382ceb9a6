import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { pngHeaderSize, provenPngSize } from "../../../src/model/images/png-check.js";

const noise = (width: number, height: number, channels: 3 | 4) =>
  sharp({ create: { width, height, channels, background: { r: 10, g: 200, b: 90, alpha: 0.5 }, noise: { type: "gaussian", mean: 128, sigma: 50 } } });

/** Whether libvips (as sharp is used to check images) decodes the bytes. */
async function libvipsDecodes(bytes: Buffer): Promise<boolean> {
  try {
    await sharp(bytes, { failOn: "error" }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

/** A PNG assembled by hand: IHDR with the given fields, one IDAT holding `raw` deflated, IEND. */
function handPng(width: number, height: number, colourType: number, depth: number, raw: Buffer, extra: Array<[string, Buffer]> = []): Buffer {
  const chunk = (name: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(name, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(data, crc32(Buffer.from(name, "latin1"))));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), ...extra.map(([name, data]) => chunk(name, data)), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

test("PNGs as encoders write them are proven, with their size, for every colour type and depth the check takes", async () => {
  const cases: Array<[string, Buffer, number, number]> = [
    ["RGB", await noise(37, 23, 3).png().toBuffer(), 37, 23],
    ["RGBA", await noise(20, 31, 4).png().toBuffer(), 20, 31],
    ["grey", await noise(16, 9, 3).greyscale().png().toBuffer(), 16, 9],
    ["16-bit RGB", await noise(11, 7, 3).toColourspace("rgb16").png().toBuffer(), 11, 7],
    ["multi-IDAT", await noise(300, 300, 3).png({ compressionLevel: 0 }).toBuffer(), 300, 300], // 8 KiB IDAT chunks
    ["1-bit grey", handPng(9, 3, 0, 1, Buffer.from([0, 0xff, 0x80, 1, 0x0f, 0x00, 2, 0xaa, 0x80])), 9, 3],
  ];
  for (const [name, png, width, height] of cases) {
    assert.deepEqual(provenPngSize(png), { width, height }, name);
    assert.deepEqual(pngHeaderSize(png), { width, height }, name);
    assert.ok(await libvipsDecodes(png), name);
  }
});

test("what the check does not prove is left to libvips: interlaced, palette, EXIF-rotated, not a PNG", async () => {
  assert.equal(provenPngSize(await noise(20, 20, 3).png({ progressive: true }).toBuffer()), undefined);
  assert.equal(provenPngSize(await noise(20, 20, 3).png({ palette: true }).toBuffer()), undefined);
  assert.equal(provenPngSize(await noise(20, 10, 3).withExif({ IFD0: { Orientation: "6" } }).png().toBuffer()), undefined, "eXIf");
  assert.equal(provenPngSize(await noise(20, 10, 3).withIccProfile("p3").png().toBuffer()), undefined, "iCCP");
  assert.equal(provenPngSize(await noise(20, 20, 3).jpeg().toBuffer()), undefined);
  assert.equal(pngHeaderSize(Buffer.from("not a png at all, but long enough to read a header")), undefined);
});

test("truncated or bit-flipped PNGs are never proven", async () => {
  const png = await noise(64, 48, 3).png().toBuffer();
  for (const cut of [40, 100, png.length / 2, png.length - 13, png.length - 1]) {
    assert.equal(provenPngSize(png.subarray(0, Math.floor(cut))), undefined, `cut at ${cut}`);
  }
  const flipped = Buffer.from(png);
  flipped[png.length >> 1]! ^= 0x10;
  assert.equal(provenPngSize(flipped), undefined, "a flipped bit fails its chunk's CRC");
  const noEnd = png.subarray(0, png.length - 12);
  // Cut at a chunk boundary, every chunk whole but no IEND: whether all the image data is there takes a decode,
  // so libvips decides (here it is all there, and libvips takes it).
  assert.equal(provenPngSize(noEnd), undefined);
  assert.equal(await libvipsDecodes(noEnd), true);
});

test("the documented limit: a broken compressed stream under correct CRCs is not caught here", async () => {
  const row = (filter: number) => Buffer.concat([Buffer.from([filter]), Buffer.alloc(4 * 3, 7)]);
  const badFilter = handPng(4, 2, 2, 8, Buffer.concat([row(0), row(9)]));
  assert.deepEqual(provenPngSize(badFilter), { width: 4, height: 2 });
  assert.equal(await libvipsDecodes(badFilter), false, "only decoding the pixels shows it (the server refuses the call)");
});

/** The byte ranges of each chunk: where its type and data start, where its CRC sits. */
function chunkAt(png: Buffer, offset: number): { start: number; crcAt: number } | undefined {
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at)) {
    const crcAt = at + 8 + png.readUInt32BE(at);
    if (offset >= at && offset < crcAt + 4) return { start: at, crcAt };
  }
  return undefined;
}

test("never more lenient than libvips: whatever random corruption the check proves, libvips decodes", async () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const raw = Buffer.alloc(30 * (1 + 40 * 4));
  for (let i = 0; i < raw.length; i++) raw[i] = i % (1 + 40 * 4) === 0 ? i % 5 : Math.floor(random() * 256);
  const png = handPng(40, 30, 6, 8, raw, [["tEXt", Buffer.from(`Comment\0${"Made by the test. ".repeat(120)}`)]]);
  assert.ok(provenPngSize(png));
  let proven = 0;
  for (let trial = 0; trial < 400; trial++) {
    const bytes = Buffer.from(png);
    const at = 8 + Math.floor(random() * (bytes.length - 8));
    bytes[at] = Math.floor(random() * 256);
    // Half the time a change to the text chunk gets its CRC made right again: a harmless change stays proven.
    const chunk = chunkAt(bytes, at);
    if (trial % 2 === 0 && chunk && bytes.toString("latin1", chunk.start + 4, chunk.start + 8) === "tEXt" && at >= chunk.start + 8 && at < chunk.crcAt) {
      bytes.writeUInt32BE(crc32(bytes.subarray(chunk.start + 8, chunk.crcAt), crc32(bytes.subarray(chunk.start + 4, chunk.start + 8))), chunk.crcAt);
    }
    if (provenPngSize(bytes)) {
      proven++;
      assert.ok(await libvipsDecodes(bytes), `byte ${at} set to ${bytes[at]} was proven but libvips cannot decode it`);
    }
  }
  assert.ok(proven > 5, `${proven} changes were proven (text changes with a right CRC are harmless)`);
});
