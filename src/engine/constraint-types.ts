/**
 * Which constraint types an item gets (stage 3): first how many, then which distinct subcategories.
 *
 * **How many.** A count n in [min, max] (defaults 3 and 12) from a discrete Laplace (two-sided geometric)
 * distribution peaked at `mode` (default 5) and truncated to the range:
 *
 *     P(n) ∝ θ^|n − mode|,  min ≤ n ≤ max,  0 < θ < 1
 *
 * so `mode` is always the single most likely count and the probabilities fall off geometrically on both sides.
 * The decay θ is solved (bisection) so that the mean is `mean` (default 6, the paper's ≈ 6 constraints per item,
 * most often 5); with the defaults θ ≈ 0.71 and the probabilities of 3, 4, ..., 12 are about
 * 0.11, 0.16, 0.22, 0.16, 0.11, 0.08, 0.06, 0.04, 0.03, 0.02. A mean that no θ reaches (outside the interval
 * between `mode` and the range's midpoint) is clamped to the nearest reachable one; `decay` sets θ directly.
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

export interface CountOptions {
  /** Fewest constraint types per item (default 3). */
  min?: number;
  /** Most constraint types per item (default 12). */
  max?: number;
  /** The most likely count (default 5). */
  mode?: number;
  /** The target mean count (default 6); ignored when `decay` is given. */
  mean?: number;
  /** θ in (0, 1] directly, instead of solving it from `mean`. */
  decay?: number;
}

export interface ConstraintTypeOptions extends CountOptions {
  /** Weights by category id or subcategory key (multiplied; missing = 1; 0 excludes). */
  weights?: Partial<Record<CategoryId | string, number>>;
  /** The types to draw from (default: all 32 subcategories). */
  pool?: readonly Subcategory[];
}

/** The same options under the name the pipeline uses. */
export type ConstraintCountOptions = ConstraintTypeOptions;

export const DEFAULT_COUNT = { min: 3, max: 12, mode: 5, mean: 6 } as const;

interface Resolved {
  min: number;
  max: number;
  mode: number;
}

function resolveRange(o: CountOptions): Resolved {
  const min = o.min ?? DEFAULT_COUNT.min;
  const max = o.max ?? DEFAULT_COUNT.max;
  const mode = o.mode ?? Math.min(max, Math.max(min, DEFAULT_COUNT.mode));
  for (const [name, v] of [["min", min], ["max", max], ["mode", mode]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`constraint count ${name} must be a non-negative integer, got ${v}`);
  }
  if (min > max) throw new RangeError(`constraint count min (${min}) is larger than max (${max})`);
  if (mode < min || mode > max) throw new RangeError(`constraint count mode (${mode}) is outside [${min}, ${max}]`);
  return { min, max, mode };
}

function weightsFor(r: Resolved, theta: number): number[] {
  const out: number[] = [];
  for (let n = r.min; n <= r.max; n++) out.push(theta ** Math.abs(n - r.mode));
  return out;
}

function meanOf(r: Resolved, theta: number): number {
  const w = weightsFor(r, theta);
  const total = w.reduce((a, b) => a + b, 0);
  return w.reduce((s, x, i) => s + x * (r.min + i), 0) / total;
}

const thetaCache = new Map<string, number>();

/** θ of the count distribution: `decay` when given, else solved for `mean`. */
export function countDecay(options: CountOptions = {}): number {
  const r = resolveRange(options);
  if (options.decay !== undefined) {
    if (!(options.decay > 0 && options.decay <= 1)) throw new RangeError(`constraint count decay must be in (0, 1], got ${options.decay}`);
    return options.decay;
  }
  const target = options.mean ?? DEFAULT_COUNT.mean;
  if (!Number.isFinite(target)) throw new RangeError(`constraint count mean must be a number, got ${target}`);
  const cacheKey = `${r.min}/${r.max}/${r.mode}/${target}`;
  const cached = thetaCache.get(cacheKey);
  if (cached !== undefined) return cached;
  // The mean moves monotonically from `mode` (θ → 0) to the midpoint of the range (θ = 1).
  const lo = 1e-9;
  const hi = 0.999;
  const f = (t: number) => meanOf(r, t) - target;
  let theta: number;
  if (Math.sign(f(lo)) === Math.sign(f(hi)) || f(lo) === 0 || f(hi) === 0) {
    theta = Math.abs(f(lo)) <= Math.abs(f(hi)) ? lo : hi;
  } else {
    let a = lo;
    let b = hi;
    const rising = f(b) > f(a);
    for (let i = 0; i < 80; i++) {
      const m = (a + b) / 2;
      if (f(m) > 0 === rising) b = m;
      else a = m;
    }
    theta = (a + b) / 2;
  }
  thetaCache.set(cacheKey, theta);
  return theta;
}

/** P(n) for n = min, min + 1, ..., max (index 0 is `min`). */
export function countDistribution(options: CountOptions = {}): number[] {
  const r = resolveRange(options);
  const w = weightsFor(r, countDecay(options));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** One count from {@link countDistribution}. */
export function sampleConstraintCount(rng: Rng, options: CountOptions = {}): number {
  const r = resolveRange(options);
  const p = countDistribution(options);
  let u = rng.next();
  for (let i = 0; i < p.length; i++) {
    u -= p[i]!;
    if (u < 0) return r.min + i;
  }
  return r.max;
}

const CATEGORY_IDS = new Set<string>(CATEGORIES.map((c) => c.id));
const SUBCATEGORY_KEYS = new Set<string>(SUBCATEGORIES.map((s) => s.key));

/** The sampling weight of one subcategory (category weight × key weight, each 1 when absent). */
export function typeWeight(sub: Subcategory, weights: ConstraintTypeOptions["weights"] = {}): number {
  return (weights[sub.category] ?? 1) * (weights[sub.key] ?? 1);
}

function checkWeights(weights: ConstraintTypeOptions["weights"]): void {
  if (!weights) return;
  for (const [k, v] of Object.entries(weights)) {
    if (!CATEGORY_IDS.has(k) && !SUBCATEGORY_KEYS.has(k)) {
      throw new RangeError(`constraint weight for "${k}": not a category id (${[...CATEGORY_IDS].join(", ")}) nor a subcategory key`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`constraint weight for "${k}" must be a number ≥ 0, got ${v}`);
  }
}

/** A count from the distribution above, then that many distinct subcategories by weight. */
export function sampleConstraintTypes(rng: Rng, options: ConstraintTypeOptions = {}): Subcategory[] {
  checkWeights(options.weights);
  const count = sampleConstraintCount(rng, options);
  const seen = new Set<string>();
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
