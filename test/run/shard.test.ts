// --shard i/n: its parsing, and the part an input's content hash falls in (the same on every machine).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { InputError } from "../../src/common/errors.js";
import { inShard, outputConfig, parseShard, shardOfHash } from "../../src/run/shard.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("shards", () => {
  it("parses i/n with a 0-based index and refuses anything else, saying what --shard takes", () => {
    assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
    assert.deepEqual(parseShard(" 7 / 8 "), { index: 7, count: 8 });
    for (const [bad, why] of [
      ["8/8", /the index must be below 8 \(0 to 7\)/],
      ["0/0", /the number of shards must be at least 1/],
      ["1", /takes i\/n/],
      ["-1/4", /takes i\/n/],
      ["1.5/4", /takes i\/n/],
      ["", /takes i\/n/],
    ] as const) {
      assert.throws(() => parseShard(bad), (e: unknown) => e instanceof InputError && why.test(e.message) && e.message.includes(`got "${bad}"`), bad);
    }
  });

  it("a hash's shard is its first 48 bits modulo n: fixed values, and every input in exactly one shard", () => {
    assert.equal(shardOfHash("000000000005" + "0".repeat(52), 3), 2);
    assert.equal(shardOfHash("ffffffffffff" + "0".repeat(52), 7), 0xffffffffffff % 7);
    for (let i = 0; i < 200; i++) {
      const h = sha(String(i));
      assert.equal([0, 1, 2, 3].filter((s) => inShard({ index: s, count: 4 }, h)).length, 1);
      assert.ok(inShard(undefined, h) && inShard({ index: 0, count: 1 }, h));
    }
    assert.throws(() => shardOfHash("not-a-hash", 2), /sha256 in hex/);
  });

  it("spreads inputs evenly: 6,000 hashes over 3 shards land within 5 % of a third each", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[shardOfHash(sha(`image-${i}`), 3)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 2000) < 100, `counts ${counts.join(", ")}`);
  });

  it("the recorded config leaves out what may differ per machine and is in name order", () => {
    const config = outputConfig({ seed: "1", out: "/a", shard: "0/2", baseUrl: "http://x", threshold: "0.8", model: "m", quiet: true, limit: undefined }, ["baseUrl"]);
    assert.deepEqual(Object.keys(config), ["model", "seed", "threshold"]);
  });
});
