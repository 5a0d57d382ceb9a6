import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rngFor } from "../../src/common/random.js";
import { degrade, parseMix, removedCount } from "../../src/dpo/strategies.js";

describe("degradation strategies", () => {
  it("remove the documented number of constraints", () => {
    const table = [1, 2, 3, 4, 5, 6, 7, 12].map((n) => [n, removedCount("drop-all", n), removedCount("drop-two-thirds", n), removedCount("drop-one-third", n), removedCount("no-image", n)]);
    assert.deepEqual(table, [
      [1, 1, 1, 1, 0],
      [2, 2, 1, 1, 0],
      [3, 3, 2, 1, 0],
      [4, 4, 3, 1, 0],
      [5, 5, 3, 2, 0],
      [6, 6, 4, 2, 0],
      [7, 7, 5, 2, 0],
      [12, 12, 8, 4, 0],
    ]);
    assert.equal(removedCount("drop-one-third", 0), 0);
  });

  it("choose the removed constraints at random, reproducibly per seed, keeping their order", () => {
    const keys = ["a", "b", "c", "d", "e", "f"];
    const one = degrade("drop-two-thirds", keys, rngFor(1, "item"));
    assert.deepEqual(one, degrade("drop-two-thirds", keys, rngFor(1, "item")));
    assert.equal(one.removed.length, 4);
    assert.deepEqual(one.removed, keys.filter((k) => one.removed.includes(k)));
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) seen.add(degrade("drop-one-third", keys, rngFor(s, "item")).removed.join());
    assert.ok(seen.size > 5, "different seeds remove different constraints");
    assert.deepEqual(degrade("no-image", keys, rngFor(1, "x")), { strategy: "no-image", removed: [], withImage: false });
  });

  it("parses a mix and rejects bad ones", () => {
    assert.deepEqual(parseMix("drop-all=0.5, no-image=0.5"), [{ strategy: "drop-all", weight: 0.5 }, { strategy: "no-image", weight: 0.5 }]);
    assert.throws(() => parseMix("drop-some=1"), /unknown strategy "drop-some"/);
    assert.throws(() => parseMix("drop-all=-1"), /≥ 0/);
    assert.throws(() => parseMix("drop-all=0"), /positive weight/);
  });
});
