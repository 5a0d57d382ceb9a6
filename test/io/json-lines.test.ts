// JSON Lines input: objects with their line numbers, errors that say why a line is not one.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { readJsonObjects, UTF16_MESSAGE } from "../../src/io/json-lines.js";

async function read(bytes: Buffer, chunk = 4) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out = [];
  for await (const l of readJsonObjects(Readable.from(chunks))) out.push(l);
  return out;
}

describe("readJsonObjects", () => {
  it("a byte order mark, CRLF, blank lines and a last line without a line break", async () => {
    const out = await read(Buffer.from('\ufeff{"a":1}\r\n\r\n{"b":"é"}\r\n[1]\r\n{"c":2}'));
    assert.deepEqual(out, [{ line: 1, value: { a: 1 } }, { line: 3, value: { b: "é" } }, { line: 4, error: "each line must be a JSON object" }, { line: 5, value: { c: 2 } }]);
  });

  it("a UTF-16 file is one error on line 1 saying to save it as UTF-8, not a list of garbage lines", async () => {
    for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n{"b":2}\n', "utf16le")]), Buffer.from([0xfe, 0xff, 0, 0x7b, 0, 0x7d, 0, 0x0a, 0, 0x7b])]) {
      assert.deepEqual(await read(bytes), [{ line: 1, error: UTF16_MESSAGE }]);
    }
  });
});
