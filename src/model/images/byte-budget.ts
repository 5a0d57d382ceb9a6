// A first-come-first-served budget of units (bytes, files): callers wait until what they ask for fits.
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; start: () => void }> = [];

  constructor(readonly limit: number) {}

  /** Waits until `bytes` fit (one item larger than the whole budget goes alone); returns the release function. */
  async acquire(bytes: number): Promise<() => void> {
    const take = Math.min(Math.max(0, bytes), this.limit);
    if (this.waiting.length === 0 && this.used + take <= this.limit) this.used += take;
    else await new Promise<void>((start) => this.waiting.push({ bytes: take, start }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= take;
      this.startWaiting();
    };
  }

  get inUse(): number {
    return this.used;
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.limit) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.start();
    }
  }
}
