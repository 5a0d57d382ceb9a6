import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { forEachBounded, OrderedJsonlWriter } from "../../src/io/ordered-writer.js";
import { BufferedWriter } from "../../src/io/writer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ordered output with bounded concurrency", () => {
  it("writes results in input order although they finish out of order, never exceeding the window", async () => {
    const sink = new PassThrough();
    let text = "";
    sink.on("data", (d) => (text += d));
    const out = new BufferedWriter(sink);
    const seen: number[] = [];
    const writer = new OrderedJsonlWriter<number>({ write: (n) => out.write(`${JSON.stringify(n)}\n`) }, (n) => seen.push(n));
    let running = 0;
    let peak = 0;
    const n = await forEachBounded(
      Array.from({ length: 30 }, (_, i) => i),
      4,
      async (i) => {
        running++;
        peak = Math.max(peak, running);
        await sleep((i * 7) % 11);
        running--;
        return i % 3 === 0 ? [] : [i * 10, i * 10 + 1];
      },
      (p, o) => writer.put(p, o),
    );
    await out.flush();
    assert.equal(n, 30);
    assert.ok(peak <= 4);
    const expected = Array.from({ length: 30 }, (_, i) => i).flatMap((i) => (i % 3 === 0 ? [] : [i * 10, i * 10 + 1]));
    assert.deepEqual(seen, expected);
    assert.deepEqual(text.trim().split("\n").map(Number), expected);
    assert.equal(writer.pending, 0);
  });

  it("rethrows a failure after the work in flight settles", async () => {
    await assert.rejects(
      forEachBounded([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error("boom");
        return i;
      }, async () => {}),
      /boom/,
    );
  });
});
