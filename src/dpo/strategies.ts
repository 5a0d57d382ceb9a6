/**
 * How the rejected answer's prompt is degraded (paper §3, MM-IFDPO): remove all, two thirds or one third of the
 * constraints, or keep the full prompt and withhold the image. Removal is seeded per item.
 *
 * Rounding: a fraction f of n constraints removes max(1, round(f·n)) of them (so never none when n ≥ 1):
 * n = 3 → 1 and 2; n = 5 → 2 and 3; n = 6 → 2 and 4; n = 7 → 2 and 5.
 */
import type { Rng } from "../common/random.js";

export const STRATEGIES = ["drop-all", "drop-two-thirds", "drop-one-third", "no-image"] as const;
export type Strategy = (typeof STRATEGIES)[number];

const FRACTION: Record<Exclude<Strategy, "no-image">, number> = { "drop-all": 1, "drop-two-thirds": 2 / 3, "drop-one-third": 1 / 3 };

/** How many of `n` constraints a strategy removes. */
export function removedCount(strategy: Strategy, n: number): number {
  if (strategy === "no-image" || n === 0) return 0;
  if (strategy === "drop-all") return n;
  return Math.min(n, Math.max(1, Math.round(FRACTION[strategy] * n)));
}

export interface Degradation {
  strategy: Strategy;
  /** Keys of the removed constraints, in their original order. */
  removed: string[];
  /** Whether the rejected answer is asked with the image. */
  withImage: boolean;
}

/** Chooses what to remove, at random among the constraints (seeded by the caller's rng). */
export function degrade(strategy: Strategy, constraintKeys: readonly string[], rng: Rng): Degradation {
  const k = removedCount(strategy, constraintKeys.length);
  const chosen = new Set(rng.sample(constraintKeys.map((_, i) => i), k));
  return { strategy, removed: constraintKeys.filter((_, i) => chosen.has(i)), withImage: strategy !== "no-image" };
}

/** Parses `drop-all=0.5,no-image=0.5` into weights; every name must be a strategy, weights ≥ 0, some > 0. */
export function parseMix(spec: string): Array<{ strategy: Strategy; weight: number }> {
  const out = spec.split(",").map((part) => {
    const [name, w] = part.split("=").map((x) => x.trim());
    const weight = w === undefined ? 1 : Number(w);
    if (!(STRATEGIES as readonly string[]).includes(name ?? "")) throw new RangeError(`unknown strategy "${name}" in the mix; strategies are ${STRATEGIES.join(", ")}`);
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weight of ${name} must be a number ≥ 0, got "${w}"`);
    return { strategy: name as Strategy, weight };
  });
  if (!out.some((m) => m.weight > 0)) throw new RangeError("the mix needs at least one strategy with a positive weight");
  return out;
}
