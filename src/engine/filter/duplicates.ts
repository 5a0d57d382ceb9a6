/**
 * Exact and near-duplicate detection over the images the filter has kept so far, in input order: the first image
 * of a group stays, every later one is "duplicate of <first>" (same sha256) or "near-duplicate of <first>
 * (distance d)" (pHash within `nearDistance` bits; the closest kept image wins, ties go to the earliest).
 *
 * State per kept image: its path, its sha256 in a Map, and its 64-bit pHash as two 32-bit halves: about 200 bytes
 * an image, so 100k images take ~20 MB. Near matches are found with a pigeonhole index instead of comparing with
 * every kept image: split the 64 bits into d + 1 chunks; two hashes within distance d agree exactly on at least one
 * chunk, so only images sharing a chunk value are compared. With d = 6 that is 7 chunks of 9–10 bits, and each
 * lookup compares with about 7 · n / 2⁹ images instead of n (exact, not approximate: the result is the one a full
 * scan gives). For 2,000 images either way costs well under a millisecond an image.
 */
import type { DedupeMode } from "./options.js";

export type DuplicateMatch = { kind: "exact"; of: string } | { kind: "near"; of: string; distance: number };

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function halves(phash: string): [number, number] {
  if (!/^[0-9a-f]{16}$/i.test(phash)) throw new RangeError(`a pHash is 16 hex digits, got ${JSON.stringify(phash)}`);
  return [parseInt(phash.slice(0, 8), 16), parseInt(phash.slice(8), 16)];
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  const [ah, al] = halves(a);
  const [bh, bl] = halves(b);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

export class DuplicateIndex {
  private readonly paths: string[] = [];
  private readonly hi: number[] = [];
  private readonly lo: number[] = [];
  private readonly bySha = new Map<string, number>();
  /** Chunk i covers bits [bounds[i], bounds[i + 1]) of the hash, bit 0 being the top bit. */
  private readonly bounds: number[];
  private readonly buckets: Array<Map<string | number, number[]>>;

  constructor(
    private readonly mode: DedupeMode,
    private readonly nearDistance: number,
  ) {
    const chunks = nearDistance + 1;
    this.bounds = Array.from({ length: chunks + 1 }, (_, i) => Math.floor((i * 64) / chunks));
    this.buckets = Array.from({ length: mode === "near" ? chunks : 0 }, () => new Map());
  }

  /** Images added so far. */
  get size(): number {
    return this.paths.length;
  }

  /** The kept image this one duplicates, if any. Does not add it. */
  find(sha256: string, phash: string | undefined): DuplicateMatch | undefined {
    if (this.mode === "off") return undefined;
    const exact = this.bySha.get(sha256);
    if (exact !== undefined) return { kind: "exact", of: this.paths[exact]! };
    if (this.mode !== "near" || phash === undefined) return undefined;
    const [h, l] = halves(phash);
    let best = -1;
    let bestDistance = Infinity;
    this.buckets.forEach((bucket, i) => {
      for (const j of bucket.get(this.chunkKey(phash, i)) ?? []) {
        const d = popcount32((h ^ this.hi[j]!) >>> 0) + popcount32((l ^ this.lo[j]!) >>> 0);
        if (d <= this.nearDistance && (d < bestDistance || (d === bestDistance && j < best))) {
          best = j;
          bestDistance = d;
        }
      }
    });
    return best < 0 ? undefined : { kind: "near", of: this.paths[best]!, distance: bestDistance };
  }

  /** Records a kept image as the one later duplicates point to. */
  add(path: string, sha256: string, phash: string | undefined): void {
    if (this.mode === "off") return;
    const index = this.paths.length;
    this.paths.push(path);
    if (!this.bySha.has(sha256)) this.bySha.set(sha256, index);
    const [h, l] = phash === undefined ? [0, 0] : halves(phash);
    this.hi.push(h);
    this.lo.push(l);
    if (phash === undefined) return;
    this.buckets.forEach((bucket, i) => {
      const key = this.chunkKey(phash, i);
      const list = bucket.get(key);
      if (list) list.push(index);
      else bucket.set(key, [index]);
    });
  }

  /** The value of chunk i: a number when it fits in 32 bits, else its hex text (only with nearDistance 0). */
  private chunkKey(phash: string, i: number): string | number {
    const from = this.bounds[i]!;
    const to = this.bounds[i + 1]!;
    if (to - from > 32) return phash.toLowerCase();
    const value = (BigInt(`0x${phash}`) >> BigInt(64 - to)) & ((1n << BigInt(to - from)) - 1n);
    return Number(value);
  }
}
