/**
 * Which constraint types an item gets (stage 3): first how many, then which distinct subcategories.
 *
 * **How many.** A target count n drawn from a discrete distribution over counts. The default is the paper's
 * final distribution of constraints per item in MM-IFInstruct-23k (Fig. 3, read off the bars):
 * 3: 3.6 %, 4: 10.5 %, 5: 36 %, 6: 20.4 %, 7: 13.2 %, 8: 7.5 %, 9: 3.9 %, 10: 4.5 %, 11: 1.2 %, 12: 0.9 % (the
 * bars sum to 101.7 %; the weights are normalised). It is the distribution the KEPT items should show, so the
 * pipeline aims for n after the compatibility check: constraints dropped on the way are replaced
 * (`pipeline.ts`), rather than sampling a higher count up front and hoping the drops average out.
 *
 * **Which.** That many distinct subcategories, drawn one after another without replacement, each with
 * probability proportional to its weight. The weight of a subcategory is
 *
 *     (weights[its category id] ?? 1) × (weights[its key] ?? 1)
 *
 * so by default every subcategory is equally likely (and a category's share is proportional to its size:
 * Format has 14 of the 32); a category weight scales all of its subcategories, a key weight one of them, and a
 * weight of 0 excludes. When fewer types have a positive weight than the count drawn, all of them are returned.
 */
import { CATEGORIES, SUBCATEGORIES, type CategoryId, type Subcategory } from "../constraints/taxonomy.js";
import type { Rng } from "../common/random.js";

/** A distribution over constraint counts: count → weight (normalised when used). */
export type CountDistribution = Readonly<Record<number, number>>;

/** MM-IFInstruct-23k, Fig. 3: percent of items with each number of constraints. */
export const PAPER_COUNT_DISTRIBUTION: CountDistribution = { 3: 3.6, 4: 10.5, 5: 36, 6: 20.4, 7: 13.2, 8: 7.5, 9: 3.9, 10: 4.5, 11: 1.2, 12: 0.9 };

export interface ConstraintTypeOptions {
  /** Target counts and their weights (default: {@link PAPER_COUNT_DISTRIBUTION}). */
  distribution?: CountDistribution;
  /** Weights by category id or subcategory key (multiplied; missing = 1; 0 excludes). */
  weights?: Partial<Record<CategoryId | string, number>>;
  /** The types to draw from (default: all 32 subcategories). */
  pool?: readonly Subcategory[];
}

/** What the pipeline needs to reach a count: the sampling options, the floor, and how hard to try. */
export interface ConstraintCountOptions extends ConstraintTypeOptions {
  /** Items that end with fewer constraints are not kept (default 3, the paper's smallest count). */
  min?: number;
  /** Rounds of replacement types written and checked after drops (default 3). */
  replacementRounds?: number;
}

export const DEFAULT_MIN_CONSTRAINTS = 3;
export const DEFAULT_REPLACEMENT_ROUNDS = 3;

/** The distribution as sorted [count, probability] pairs; throws on counts or weights that make no sense. */
export function countDistribution(distribution: CountDistribution = PAPER_COUNT_DISTRIBUTION): Array<[number, number]> {
  const entries = Object.entries(distribution).map(([k, w]) => [Number(k), w] as [number, number]);
  for (const [n, w] of entries) {
    if (!Number.isInteger(n) || n < 1 || n > SUBCATEGORIES.length) throw new RangeError(`constraint count ${n}: must be a whole number from 1 to ${SUBCATEGORIES.length}`);
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) throw new RangeError(`constraint count ${n}: weight must be a number ≥ 0, got ${w}`);
  }
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (!(total > 0)) throw new RangeError("the constraint count distribution needs a positive weight");
  return entries.filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]).map(([n, w]) => [n, w / total]);
}

/** "3=3.6,4=10.5,5=36" → {3: 3.6, 4: 10.5, 5: 36}; throws naming the bad part. */
export function parseCountDistribution(text: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)\s*[=:]\s*([0-9.eE+-]+)%?$/.exec(part);
    if (!m) throw new RangeError(`"${part}" is not count=weight (like 5=36)`);
    const n = Number(m[1]);
    if (Object.hasOwn(out, n)) throw new RangeError(`count ${n} is given twice`);
    out[n] = Number(m[2]);
  }
  countDistribution(out);
  return out;
}

/** The count at quantile u ∈ [0, 1) of the distribution. */
export function countAtQuantile(u: number, distribution?: CountDistribution): number {
  const p = countDistribution(distribution);
  for (const [n, share] of p) {
    u -= share;
    if (u < 0) return n;
  }
  return p[p.length - 1]![0];
}

/** One target count from the distribution, drawn independently. */
export function sampleConstraintCount(rng: Rng, distribution?: CountDistribution): number {
  return countAtQuantile(rng.next(), distribution);
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The target count of the run's k-th item: quantile (offset + k·φ) mod 1 of the distribution, with φ the golden
 * ratio's fraction and the offset drawn from the seed. This low-discrepancy sequence spreads any run of
 * consecutive items evenly over the quantiles, so a dataset of N items matches the distribution to within
 * about 1/N per count instead of the ±√(p(1−p)/N) of independent draws (±1 point at 2,000 items for 5's 35 %),
 * while every item still gets the same count on every rerun.
 */
export function countForPosition(k: number, offset: number, distribution?: CountDistribution): number {
  const u = (offset + k * GOLDEN) % 1;
  return countAtQuantile(u, distribution);
}

const CATEGORY_IDS = new Set<string>(CATEGORIES.map((c) => c.id));
const SUBCATEGORY_KEYS = new Set<string>(SUBCATEGORIES.map((s) => s.key));

/** The sampling weight of one subcategory (category weight × key weight, each 1 when absent). */
export function typeWeight(sub: Subcategory, weights: ConstraintTypeOptions["weights"] = {}): number {
  return (weights[sub.category] ?? 1) * (weights[sub.key] ?? 1);
}

/** Throws a RangeError naming the first weight whose key is not in the taxonomy or whose value is not a number ≥ 0. */
export function checkWeights(weights: ConstraintTypeOptions["weights"]): void {
  if (!weights) return;
  for (const [k, v] of Object.entries(weights)) {
    if (!CATEGORY_IDS.has(k) && !SUBCATEGORY_KEYS.has(k)) {
      throw new RangeError(`constraint weight for "${k}": not a category id (${[...CATEGORY_IDS].join(", ")}) nor a subcategory key`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`constraint weight for "${k}" must be a number ≥ 0, got ${v}`);
  }
}

/** `count` distinct subcategories by weight, none of whose keys is in `exclude` (already tried). */
export function sampleTypes(rng: Rng, count: number, options: ConstraintTypeOptions = {}, exclude: ReadonlySet<string> = new Set()): Subcategory[] {
  checkWeights(options.weights);
  const seen = new Set<string>(exclude);
  let remaining = (options.pool ?? SUBCATEGORIES).filter((s) => {
    if (seen.has(s.key) || !(typeWeight(s, options.weights) > 0)) return false;
    seen.add(s.key);
    return true;
  });
  const chosen: Subcategory[] = [];
  while (chosen.length < count && remaining.length > 0) {
    const pick = rng.weighted(remaining, (s) => typeWeight(s, options.weights));
    chosen.push(pick);
    remaining = remaining.filter((s) => s.key !== pick.key);
  }
  return chosen;
}

/** A count from the distribution, then that many distinct subcategories by weight. */
export function sampleConstraintTypes(rng: Rng, options: ConstraintTypeOptions = {}): Subcategory[] {
  checkWeights(options.weights);
  return sampleTypes(rng, sampleConstraintCount(rng, options.distribution), options);
}
