// The per-field limit on input lines: the scanner that finds a top-level field over the limit, however the line is
// cut into pieces, and the line reader that refuses such a line without holding it.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { FieldSizeScanner, oversizedField, oversizedMessage, parseByteSize } from "../../src/io/field-limit.js";
import { readJsonObjects } from "../../src/io/json-lines.js";
import { readLineBatches } from "../../src/io/lines.js";

/** Feeds `text` in pieces of `size` bytes. */
function scanInPieces(text: string, limit: number, size: number) {
  const bytes = Buffer.from(text);
  const s = new FieldSizeScanner(limit);
  for (let i = 0; i < bytes.length; i += size) s.feed(bytes, i, Math.min(bytes.length, i + size));
  s.finish();
  return s.over;
}

describe("FieldSizeScanner", () => {
  const big = "x".repeat(100);
  const cases: Array<[string, string | undefined, number | undefined]> = [
    [JSON.stringify({ response: big, verify_funcs: [] }), "response", JSON.stringify(big).length],
    [JSON.stringify({ a: 1, question: `say "${big}" \\ now`, b: "short" }), "question", JSON.stringify(`say "${big}" \\ now`).length],
    [JSON.stringify({ "k\"ey": 1, constraints: [{ value: big }], z: 2 }), "constraints", JSON.stringify([{ value: big }]).length],
    [JSON.stringify({ image: { nested: { deep: big } } }), "image", JSON.stringify({ nested: { deep: big } }).length],
    [JSON.stringify({ a: "short", b: 12345, c: [1, 2, 3] }), undefined, undefined],
    [`{"n": ${"1".repeat(90)}}`, "n", 90],
  ];
  for (const [text, field, size] of cases) {
    it(`${text.slice(0, 40)}… → ${field ?? "no field over 80"}`, () => {
      for (const piece of [1, 2, 3, 7, 64, 10_000]) {
        const over = scanInPieces(text, 80, piece);
        if (field === undefined) assert.equal(over, undefined, `pieces of ${piece}`);
        else {
          assert.equal(over?.field, field, `pieces of ${piece}`);
          assert.equal(over?.fieldBytes, size, `pieces of ${piece}`);
          assert.equal(over?.lineBytes, Buffer.byteLength(text));
        }
      }
    });
  }

  it("a line that is not a JSON object is measured as a whole", () => {
    const over = oversizedField(Buffer.from(`[${"1,".repeat(60)}1]`), 80);
    assert.equal(over?.field, undefined);
    assert.equal(over?.fieldBytes, 123);
    assert.match(oversizedMessage(over!), /the line is 123 bytes and not a JSON object with fields under the 80-byte limit \(raise it with --max-field-bytes\)/);
  });

  it("names a key written with escapes as decoded, however the pieces cut the escape", () => {
    const text = `{"id": 1, "re\\u0073ponse\\"s": "${"y".repeat(100)}"}`;
    for (const piece of [1, 2, 3, 5, 1000]) assert.equal(scanInPieces(text, 80, piece)?.field, 'response"s', `pieces of ${piece}`);
  });

  it("finds the field of a first line that starts with a byte order mark", () => {
    assert.equal(oversizedField(Buffer.from(`\ufeff${JSON.stringify({ id: 1, response: "r".repeat(100) })}`), 80)?.field, "response");
  });

  it("counts bytes, not characters", () => {
    const over = oversizedField(Buffer.from(JSON.stringify({ t: "é".repeat(50) })), 80);
    assert.equal(over?.fieldBytes, 102);
  });

  it("parses --max-field-bytes values", () => {
    assert.deepEqual(["1024", "64K", "16M", "16MiB", "1g", "0", "x", "-1"].map(parseByteSize), [1024, 65536, 16 * 1024 ** 2, 16 * 1024 ** 2, 1024 ** 3, undefined, undefined, undefined]);
  });
});

describe("readLineBatches with maxFieldBytes", () => {
  const lines = [
    JSON.stringify({ id: 1, response: "ok" }),
    JSON.stringify({ id: 2, response: "y".repeat(5000) }),
    JSON.stringify({ id: 3, response: "fine", other: "z".repeat(900) }),
    JSON.stringify({ id: 4, a: "a".repeat(900), b: "b".repeat(900), c: "c".repeat(900) }),
    "not json at all ".repeat(100),
    JSON.stringify({ id: 6, response: "last" }),
  ];
  const text = lines.join("\n") + "\n";

  for (const chunk of [7, 100, 1000, 1 << 20]) {
    it(`refuses only the lines with a field over the limit, whatever the chunk size (${chunk})`, async () => {
      const chunks: Buffer[] = [];
      const all = Buffer.from(text);
      for (let i = 0; i < all.length; i += chunk) chunks.push(all.subarray(i, i + chunk));
      const out = [];
      for await (const batch of readLineBatches(Readable.from(chunks), { maxFieldBytes: 1000 })) out.push(...batch);
      assert.deepEqual(out.map((l) => l.line), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(out.map((l) => l.oversized?.field ?? (l.oversized ? "(line)" : null)), [null, "response", null, null, "(line)", null]);
      assert.equal(out[1]!.oversized!.fieldBytes, 5002);
      assert.equal(out[1]!.oversized!.lineBytes, Buffer.byteLength(lines[1]!));
      assert.equal(out[1]!.text, "");
      assert.equal(out[3]!.text, lines[3], "a long line whose fields are each under the limit is read whole");
      assert.equal(out[5]!.text, lines[5]);
    });
  }

  it("readJsonObjects says which line and field, and the next lines are still read", async () => {
    const out = [];
    for await (const l of readJsonObjects(Readable.from([Buffer.from(text)]), { maxFieldBytes: 1000 })) out.push(l);
    const refused = out[1]!;
    assert.ok("error" in refused);
    assert.equal(refused.line, 2);
    assert.equal(refused.field, "response");
    assert.equal(refused.error, "5,002 bytes, over the 1,000-byte limit (raise it with --max-field-bytes)");
    assert.deepEqual(out.filter((l) => "value" in l).map((l) => ("value" in l ? l.value.id : 0)), [1, 3, 4, 6]);
  });

  it("measures a field far larger than the limit to its end, then reads on", async () => {
    // 64 MiB of one field in 1 MiB chunks (the memory bound is checked on the CLI, test/cli/huge-inputs.test.ts).
    const limit = 4 << 20;
    const mb = Buffer.alloc(1 << 20, 0x61);
    async function* huge() {
      yield Buffer.from('{"id": 9, "response": "');
      for (let i = 0; i < 64; i++) yield mb;
      yield Buffer.from('"}\n{"id": 10}\n');
    }
    const out = [];
    for await (const batch of readLineBatches(Readable.from(huge()), { maxFieldBytes: limit })) out.push(...batch);
    assert.deepEqual(out.map((l) => l.oversized?.field), ["response", undefined]);
    assert.equal(out[0]!.oversized!.fieldBytes, 64 * (1 << 20) + 2, "the quoted value");
    assert.equal(out[1]!.text, '{"id": 10}');
  });
});
