import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DuplicateIndex, hammingDistance, type DuplicateMatch } from "../../../src/engine/filter/index.js";
import { prng } from "./fixtures.js";

function hex64(rnd: () => number): string {
  return Array.from({ length: 16 }, () => Math.floor(rnd() * 16).toString(16)).join("");
}

/** Flips `bits` distinct random bits of a hash. */
function flip(hash: string, bits: number, rnd: () => number): string {
  let v = BigInt(`0x${hash}`);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(rnd() * 64));
  for (const b of chosen) v ^= 1n << BigInt(b);
  return v.toString(16).padStart(16, "0");
}

/** What a full scan over the kept images gives: closest within d, ties to the earliest. */
function bruteForce(kept: Array<{ path: string; phash: string }>, phash: string, d: number): DuplicateMatch | undefined {
  let best: DuplicateMatch | undefined;
  for (const k of kept) {
    const distance = hammingDistance(k.phash, phash);
    if (distance <= d && (best === undefined || distance < (best as { distance: number }).distance)) best = { kind: "near", of: k.path, distance };
  }
  return best;
}

describe("duplicate index", () => {
  it("hamming distance", () => {
    assert.equal(hammingDistance("0000000000000000", "ffffffffffffffff"), 64);
    assert.equal(hammingDistance("8000000000000001", "0000000000000000"), 2);
    assert.equal(hammingDistance("ABCDEF0123456789", "abcdef0123456789"), 0);
    assert.throws(() => hammingDistance("123", "0000000000000000"), RangeError);
  });

  it("exact duplicates by sha256 win over near ones, and only the first of a group is indexed", () => {
    const index = new DuplicateIndex("near", 6);
    index.add("a.jpg", "s1", "00000000000000ff");
    assert.deepEqual(index.find("s1", "ffffffffffffffff"), { kind: "exact", of: "a.jpg" });
    assert.deepEqual(index.find("s2", "00000000000000fe"), { kind: "near", of: "a.jpg", distance: 1 });
    assert.equal(index.find("s3", "0000000000ffffff"), undefined, "16 bits away");
  });

  it("modes: exact ignores pHash, off finds nothing", () => {
    const exact = new DuplicateIndex("exact", 6);
    exact.add("a", "s1", "0000000000000000");
    assert.equal(exact.find("s2", "0000000000000000"), undefined);
    assert.deepEqual(exact.find("s1", undefined), { kind: "exact", of: "a" });
    const off = new DuplicateIndex("off", 6);
    off.add("a", "s1", "0000000000000000");
    assert.equal(off.find("s1", "0000000000000000"), undefined);
    assert.equal(off.size, 0);
  });

  it("the closest kept image wins; ties go to the earliest", () => {
    const index = new DuplicateIndex("near", 6);
    index.add("far", "1", "000000000000003f"); // 6 bits from 0
    index.add("tie-a", "2", "0000000000000003"); // 2 bits
    index.add("tie-b", "3", "0000000000000300"); // 2 bits
    assert.deepEqual(index.find("x", "0000000000000000"), { kind: "near", of: "tie-a", distance: 2 });
  });

  for (const d of [0, 1, 3, 6, 10, 32]) {
    it(`the pigeonhole index gives what a full scan gives (distance ${d})`, () => {
      const rnd = prng(1000 + d);
      const index = new DuplicateIndex("near", d);
      const kept: Array<{ path: string; phash: string }> = [];
      const centres = Array.from({ length: 40 }, () => hex64(rnd));
      for (let i = 0; i < 1500; i++) {
        // Clusters around a few centres, at distances on both sides of d, plus unrelated hashes.
        const phash = rnd() < 0.8 ? flip(centres[Math.floor(rnd() * centres.length)]!, Math.floor(rnd() * (d + 4)), rnd) : hex64(rnd);
        const expected = bruteForce(kept, phash, d);
        const got = index.find(`sha${i}`, phash);
        assert.deepEqual(got, expected, `image ${i}`);
        if (got === undefined) {
          index.add(`p${i}`, `sha${i}`, phash);
          kept.push({ path: `p${i}`, phash });
        }
      }
      assert.equal(index.size, kept.length);
    });
  }
});
