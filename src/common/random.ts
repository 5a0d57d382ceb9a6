/**
 * Seeded randomness for the engine. Every random choice is drawn from a generator seeded by the run's --seed
 * and the identity of what is being decided (an image's hash, a task), never from a shared stream: the same
 * seed gives the same items whatever the concurrency or the order in which calls come back.
 */
import { createHash } from "node:crypto";

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One element with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** `k` distinct elements in random order (all of them when k ≥ length). */
  sample<T>(items: readonly T[], k: number): T[];
  shuffle<T>(items: readonly T[]): T[];
}

/** xoshiro128** seeded from sha256 of the seed and the keys. */
export function rngFor(seed: number | string, ...keys: Array<string | number>): Rng {
  const digest = createHash("sha256").update([String(seed), ...keys.map(String)].join("\u0000")).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[rng.int(items.length)]!;
    },
    weighted: (items, weight) => {
      const total = items.reduce((s, x) => s + Math.max(0, weight(x)), 0);
      if (!(total > 0)) throw new RangeError("weighted pick needs a positive total weight");
      let r = next() * total;
      for (const x of items) {
        r -= Math.max(0, weight(x));
        if (r < 0) return x;
      }
      return items[items.length - 1]!;
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    sample: (items, k) => rng.shuffle(items).slice(0, Math.max(0, k)),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
