import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getSubcategory, SUBCATEGORIES, subcategoriesOf } from "../../src/constraints/taxonomy.js";
import { countDecay, countDistribution, sampleConstraintCount, sampleConstraintTypes } from "../../src/engine/constraint-types.js";
import { rngFor } from "../../src/common/random.js";

const N = 10_000;

function draws(options: Parameters<typeof sampleConstraintTypes>[1] = {}, seed = 7) {
  return Array.from({ length: N }, (_, i) => sampleConstraintTypes(rngFor(seed, "types", i), options));
}

describe("sampleConstraintTypes", () => {
  const all = draws();
  const counts = all.map((d) => d.length);

  it("draws 3 to 12 types, most often 5, mean 6 ± 0.5 over 10,000 items", () => {
    assert.ok(counts.every((n) => n >= 3 && n <= 12));
    const histogram = new Map<number, number>();
    for (const n of counts) histogram.set(n, (histogram.get(n) ?? 0) + 1);
    const mode = [...histogram.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    assert.equal(mode, 5);
    const mean = counts.reduce((a, b) => a + b, 0) / N;
    assert.ok(Math.abs(mean - 6) < 0.5, `mean ${mean}`);
    assert.ok(Math.abs(mean - 6) < 0.1, `mean ${mean} (theoretical 6.00)`);
    // Every count of the range occurs, at the rate the documented distribution gives.
    const p = countDistribution();
    for (let n = 3; n <= 12; n++) {
      const share = (histogram.get(n) ?? 0) / N;
      assert.ok(Math.abs(share - p[n - 3]!) < 0.015, `P(${n}) = ${share}, expected ${p[n - 3]}`);
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
    const d = sampleConstraintTypes(rngFor(1, "x"), { pool, min: 5, max: 5, mode: 5 });
    assert.deepEqual(new Set(d.map((s) => s.key)), new Set(pool.map((s) => s.key)));
    assert.deepEqual(sampleConstraintTypes(rngFor(1, "x"), { weights: { text_length: 0, math: 0, format: 0, rhetoric_logic: 0, action: 0, keyword: 0 } }), []);
  });

  it("validates its options", () => {
    assert.throws(() => sampleConstraintTypes(rngFor(1), { weights: { formatt: 2 } }), /not a category id/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { weights: { format: -1 } }), /must be a number ≥ 0/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { min: 6, max: 4 }), /larger than max/);
    assert.throws(() => sampleConstraintTypes(rngFor(1), { mode: 13 }), /outside \[3, 12\]/);
    assert.throws(() => countDecay({ decay: 1.5 }), /decay/);
  });
});

describe("count distribution", () => {
  it("peaks at the mode and reaches the requested mean", () => {
    for (const o of [{}, { min: 1, max: 8, mode: 3, mean: 3.5 }, { min: 3, max: 12, mode: 5, mean: 5.5 }]) {
      const p = countDistribution(o);
      const min = o.min ?? 3;
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      const modeIndex = p.indexOf(Math.max(...p));
      assert.equal(min + modeIndex, o.mode ?? 5);
      const mean = p.reduce((s, x, i) => s + x * (min + i), 0);
      assert.ok(Math.abs(mean - (o.mean ?? 6)) < 1e-6, `${JSON.stringify(o)}: ${mean}`);
    }
    const theta = countDecay();
    assert.ok(theta > 0.7 && theta < 0.72, String(theta));
  });

  it("a fixed count when min = max", () => {
    assert.equal(sampleConstraintCount(rngFor(3), { min: 4, max: 4, mode: 4 }), 4);
  });
});
