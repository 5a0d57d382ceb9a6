import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rngFor } from "../../src/common/random.js";

describe("rngFor", () => {
  it("is reproducible for the same seed and keys, different otherwise", () => {
    const draw = (seed: number, key: string) => Array.from({ length: 5 }, ((r) => () => r.next())(rngFor(seed, key)));
    assert.deepEqual(draw(1, "a"), draw(1, "a"));
    assert.notDeepEqual(draw(1, "a"), draw(2, "a"));
    assert.notDeepEqual(draw(1, "a"), draw(1, "b"));
  });

  it("draws uniformly enough and samples without repeats", () => {
    const r = rngFor(7, "uniform");
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.int(4)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `${counts}`);
    const s = rngFor(7, "sample").sample([1, 2, 3, 4, 5, 6], 4);
    assert.equal(new Set(s).size, 4);
    assert.deepEqual(rngFor(7, "all").sample([1, 2, 3], 10).sort(), [1, 2, 3]);
  });

  it("weights picks by the given weight", () => {
    const r = rngFor(3, "w");
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) if (r.weighted(["a", "b"], (x) => (x === "a" ? 3 : 1)) === "a") heavy++;
    assert.ok(Math.abs(heavy / 10_000 - 0.75) < 0.02, String(heavy));
    assert.throws(() => r.weighted(["a"], () => 0), RangeError);
  });
});
