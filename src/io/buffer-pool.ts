/**
 * Buffers lent for bytes that are used at once and dropped: an image file read to be checked and base64-encoded,
 * an image decoded from a TSV cell to be hashed and written. Reusing them spares a fresh allocation per use, and
 * V8 starts a full garbage collection for about every 64 MB of new memory outside its heap: for a run reading
 * hundreds of 1 MB images, that was most of its collections.
 *
 * A buffer taken must be given back only when nothing refers to it any more; it is then handed out again.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  /** The memory this pool allocated: only that is ever taken back (a small Buffer may share Node's 8 KiB slab). */
  private readonly own = new WeakSet<ArrayBufferLike>();

  /** Keeps at most `keep` buffers of at most `maxSize` bytes each; larger requests are plain allocations. */
  constructor(
    private readonly keep: number,
    private readonly maxSize: number,
  ) {}

  /** `size` bytes, not zeroed: a view of a pooled buffer when one is large enough. */
  take(size: number): Buffer {
    if (size > this.maxSize) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) if (this.free[i]!.length >= size && (best < 0 || this.free[i]!.length < this.free[best]!.length)) best = i;
    // Capacity rounded up to 256 KiB, so images of similar sizes reuse one another's buffers.
    let buffer: Buffer;
    if (best >= 0) buffer = this.free.splice(best, 1)[0]!;
    else {
      buffer = Buffer.allocUnsafeSlow(Math.min(this.maxSize, Math.ceil(size / ROUND) * ROUND));
      this.own.add(buffer.buffer);
    }
    return buffer.subarray(0, size);
  }

  /** Gives back a buffer from {@link take}; any other buffer is left alone (it may share memory with others). */
  release(view: Buffer): void {
    if (this.free.length >= this.keep || !this.own.has(view.buffer)) return;
    if (!this.free.some((b) => b.buffer === view.buffer)) this.free.push(Buffer.from(view.buffer, 0, view.buffer.byteLength));
  }
}

const ROUND = 256 * 1024;
