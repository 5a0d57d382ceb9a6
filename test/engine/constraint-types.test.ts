import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getSubcategory, SUBCATEGORIES, subcategoriesOf } from "../../src/constraints/taxonomy.js";
import { PAPER_COUNT_DISTRIBUTION, countDistribution, countForPosition, parseCountDistribution, sampleConstraintCount, sampleConstraintTypes, sampleTypes } from "../../src/engine/constraint-types.js";
import { rngFor } from "../../src/common/random.js";

const N = 10_000;

function draws(options: Parameters<typeof sampleConstraintTypes>[1] = {}, seed = 7) {
  return Array.from({ length: N }, (_, i) => sampleConstraintTypes(rngFor(seed, "types", i), options));
}

describe("sampleConstraintTypes", () => {
  const all = draws();
  const counts = all.map((d) => d.length);

  it("draws 3 to 12 types at the paper's Fig. 3 rates over 10,000 items (most often 5, mean ≈ 6)", () => {
    assert.ok(counts.every((n) => n >= 3 && n <= 12));
    const histogram = new Map<number, number>();
    for (const n of counts) histogram.set(n, (histogram.get(n) ?? 0) + 1);
    const mode = [...histogram.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    assert.equal(mode, 5);
    const mean = counts.reduce((a, b) => a + b, 0) / N;
    assert.ok(Math.abs(mean - 6) < 0.2, `mean ${mean}`);
    for (const [n, p] of countDistribution()) {
      const share = (histogram.get(n) ?? 0) / N;
      assert.ok(Math.abs(share - p) < 0.015, `P(${n}) = ${share}, expected ${p}`);
    }
  });

  it("never repeats a key, and every type belongs to the taxonomy", () => {
    for (const d of all) {
      assert.equal(new Set(d.map((s) => s.key)).size, d.length);
      for (const s of d) assert.equal(getSubcategory(s.key), s);
    }
    // Uniform by default: every subcategory shows up at about count/32 of the time.
    const freq = new Map<string, number>();
    for (const d of all) for (const s of d) freq.set(s.key, (freq.get(s.key) ?? 0) + 1);
    assert.equal(freq.size, SUBCATEGORIES.length);
    const expected = counts.reduce((a, b) => a + b, 0) / SUBCATEGORIES.length;
    for (const [key, f] of freq) assert.ok(Math.abs(f - expected) / expected < 0.1, `${key}: ${f} vs ${expected}`);
  });

  it("is reproducible for a seed and differs across seeds", () => {
    const keys = (seed: number) => draws({}, seed).slice(0, 50).map((d) => d.map((s) => s.key).join(","));
    assert.deepEqual(keys(7), all.slice(0, 50).map((d) => d.map((s) => s.key).join(",")));
    assert.notDeepEqual(keys(8), keys(7));
  });

  it("respects weights: 0 excludes a category, a key weight multiplies its chances", () => {
    const noFormat = draws({ weights: { format: 0 } });
    assert.ok(noFormat.every((d) => d.every((s) => s.category !== "format")));
    // 18 types remain, still enough for 3–12.
    assert.ok(noFormat.every((d) => d.length >= 3 && d.length <= 12));

    const heavy = draws({ weights: { mention: 10 } });
    const rate = (ds: typeof heavy, key: string) => ds.filter((d) => d.some((s) => s.key === key)).length / N;
    assert.ok(rate(heavy, "mention") > 0.6, `mention in ${rate(heavy, "mention")}`);
    assert.ok(rate(heavy, "mention") > 4 * rate(heavy, "tone_requirement"));

    const keyword = draws({ weights: { keyword: 4, keyword_variation: 0 } });
    const share = (ds: typeof keyword, cat: string) => ds.flat().filter((s) => s.category === cat).length / ds.flat().length;
    // Drawing without replacement dilutes a weight: the three remaining keyword types cannot be drawn twice.
    assert.ok(share(keyword, "keyword") > 1.7 * share(all, "keyword"), `${share(keyword, "keyword")} vs ${share(all, "keyword")}`);
    assert.ok(keyword.every((d) => d.every((s) => s.key !== "keyword_variation")));
  });

  it("returns every available type when the pool is smaller than the count", () => {
    const pool = subcategoriesOf("text_length");
    const d = sampleConstraintTypes(rngFor(1, "x"), { pool, distribution: { 5: 1 } });
    assert.deepEqual(new Set(d.map((s) => s.key)), new Set(pool.map((s) => s.key)));
    assert.deepEqual(sampleConstraintTypes(rngFor(1, "x"), { weights: { text_length: 0, math: 0, format: 0, rhetoric_logic: 0, action: 0, keyword: 0 } }), []);
  });

  it("validates its options", () => {
    assert.throws(() => sampleConstraintTypes(rngFor(1), { weights: { formatt: 2 } }), /not a category id/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { weights: { format: -1 } }), /must be a number ≥ 0/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { distribution: { 0: 1 } }), /whole number from 1 to 32/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { distribution: { 4: -1 } }), /weight must be a number ≥ 0/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { distribution: { 4: 0 } }), /needs a positive weight/);
  });
});

describe("count distribution", () => {
  it("defaults to the paper's Fig. 3, normalised (the bars sum to 101.7 %)", () => {
    const p = countDistribution();
    assert.deepEqual(p.map(([n]) => n), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.ok(Math.abs(p.reduce((a, [, x]) => a + x, 0) - 1) < 1e-12);
    assert.ok(Math.abs(p[2]![1] - 36 / 101.7) < 1e-12);
    assert.deepEqual(PAPER_COUNT_DISTRIBUTION, { 3: 3.6, 4: 10.5, 5: 36, 6: 20.4, 7: 13.2, 8: 7.5, 9: 3.9, 10: 4.5, 11: 1.2, 12: 0.9 });
  });

  it("parses another distribution from count=weight pairs, and says what is wrong", () => {
    assert.deepEqual(parseCountDistribution("4=1, 6=3"), { 4: 1, 6: 3 });
    assert.deepEqual(parseCountDistribution("5=50%,6=50%"), { 5: 50, 6: 50 });
    assert.throws(() => parseCountDistribution("4=1,x"), /"x" is not count=weight/);
    assert.throws(() => parseCountDistribution("4=1,4=2"), /count 4 is given twice/);
    assert.throws(() => parseCountDistribution("40=1"), /from 1 to 32/);
  });

  it("counts by position spread any run of items evenly: 2,000 items match Fig. 3 to 0.2 points", () => {
    for (const offset of [0, 0.37, 0.91]) {
      for (const [start, n] of [[0, 2000], [500, 300]] as const) {
        const h = new Map<number, number>();
        for (let k = start; k < start + n; k++) h.set(countForPosition(k, offset), (h.get(countForPosition(k, offset)) ?? 0) + 1);
        for (const [c, p] of countDistribution()) {
          const share = (h.get(c) ?? 0) / n;
          assert.ok(Math.abs(share - p) < (n >= 2000 ? 0.002 : 0.01), `offset ${offset}, items ${start}..${start + n}: P(${c}) = ${share}, target ${p}`);
        }
      }
    }
  });

  it("a fixed count when the distribution has one count", () => {
    assert.equal(sampleConstraintCount(rngFor(3), { 4: 1 }), 4);
  });

  it("replacement types are new: none of the excluded keys comes back", () => {
    const exclude = new Set(["mention", "tone_requirement", "title_requirements"]);
    for (let i = 0; i < 200; i++) {
      const d = sampleTypes(rngFor(1, "r", i), 5, {}, exclude);
      assert.equal(d.length, 5);
      assert.ok(d.every((s) => !exclude.has(s.key)));
    }
  });
});
