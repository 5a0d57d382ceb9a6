/**
 * A per-minute budget as a token bucket: refills continuously and holds at most ten seconds' worth, so a
 * budget of 600 requests per minute allows bursts of 100 but never more than 600 in any minute.
 */
const BURST_MS = 10_000;

export class TokenBucket {
  private readonly perMs: number;
  private readonly capacity: number;
  private level: number;
  private updatedAt: number;

  constructor(perMinute: number, now = Date.now()) {
    if (!(perMinute > 0)) throw new RangeError(`a per-minute budget must be positive, got ${perMinute}`);
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, perMinute * (BURST_MS / 60_000));
    this.level = this.capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }

  /** Milliseconds until `amount` can be taken (0 = now). More than the capacity waits for a full bucket. */
  waitFor(amount: number, now = Date.now()): number {
    this.refill(now);
    const needed = Math.min(amount, this.capacity);
    return this.level >= needed ? 0 : (needed - this.level) / this.perMs;
  }

  take(amount: number, now = Date.now()): void {
    this.refill(now);
    this.level -= amount;
  }

  /** Gives back an over-estimate (or charges an under-estimate when negative). */
  refund(amount: number): void {
    this.level = Math.min(this.capacity, this.level + amount);
  }
}
