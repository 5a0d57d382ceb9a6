import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { readLineBatches, readLines } from "../../src/io/lines.js";

/** A stream that delivers `bytes` in the given chunk sizes. */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const n of sizes) chunks.push(bytes.subarray(at, (at += n)));
  if (at < bytes.length) chunks.push(bytes.subarray(at));
  return Readable.from(chunks);
}

describe("readLines", () => {
  const text = '{"a":"é"}\r\n\n{"b":"日本"}\nlast without newline';
  const expected = ['{"a":"é"}', "", '{"b":"日本"}', "last without newline"];

  it("splits on \\n and \\r\\n wherever the chunks break, even inside a character", async () => {
    const bytes = Buffer.from(text);
    for (const sizes of [[bytes.length], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [9, 2, 20], [7, 3]]) {
      const got = [];
      for await (const l of readLines(chunked(bytes, sizes))) got.push(l);
      assert.deepEqual(got.map((l) => l.text), expected, `chunks ${sizes}`);
      assert.deepEqual(got.map((l) => l.line), [1, 2, 3, 4]);
      assert.deepEqual(got.map((l) => l.bytes.toString()), expected);
    }
  });

  it("decodes a line as UTF-8 unless it is all ASCII: a lone Latin-1 byte is U+FFFD, never é", async () => {
    const bytes = Buffer.concat([Buffer.from("plain ascii\n"), Buffer.from([0x61, 0xe9, 0x62, 0x0a]), Buffer.from("caf\u00e9\n")]);
    const got = [];
    for await (const l of readLines(chunked(bytes, [bytes.length]))) got.push(l.text);
    assert.deepEqual(got, ["plain ascii", "a\ufffdb", "café"]);
  });

  it("drops a UTF-8 byte order mark before line 1, even when the chunks cut it, and only there", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n\ufeffsecond\r\nthird')]);
    for (const sizes of [[bytes.length], [1, 1, 1, 1], [2, 5], [3]]) {
      const got = [];
      for await (const l of readLines(chunked(bytes, sizes))) got.push(l);
      assert.deepEqual(got.map((l) => l.text), ['{"a":1}', "\ufeffsecond", "third"], `chunks ${sizes}`);
      assert.deepEqual(got[0]!.bytes, Buffer.from('{"a":1}'), `chunks ${sizes}`);
    }
  });

  it("hands over the lines a chunk completes together", async () => {
    const batches = [];
    for await (const b of readLineBatches(chunked(Buffer.from("a\nb\nc"), [4]))) batches.push(b.map((l) => l.text));
    assert.deepEqual(batches, [["a", "b"], ["c"]]);
  });
});
