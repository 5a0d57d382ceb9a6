// Buffered output that respects backpressure, so a fast producer never piles up a whole result in memory.
import { once } from "node:events";
import type { Writable } from "node:stream";

export class BufferedWriter {
  private buffer: Array<string | Uint8Array> = [];
  private size = 0;
  private hasBytes = false;
  private flushScheduled = false;

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  /**
   * Queues text or bytes; waits for the stream to drain when the buffer is full. A partly filled buffer goes out once
   * the current burst of work yields to I/O, so a slow producer (a pipe fed line by line) still sees output promptly.
   */
  async write(data: string | Uint8Array): Promise<void> {
    this.buffer.push(data);
    this.size += data.length;
    if (typeof data !== "string") this.hasBytes = true;
    if (this.size >= this.flushAt) {
      await this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.writeOut();
      });
    }
  }

  async flush(): Promise<void> {
    if (!this.writeOut()) await once(this.out, "drain");
  }

  /** Hands the buffer to the stream; false when the stream asks us to wait for "drain". */
  private writeOut(): boolean {
    if (this.size === 0) return true;
    const parts = this.buffer;
    const chunk = !this.hasBytes ? (parts as string[]).join("") : parts.length === 1 ? parts[0]! : Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
    this.buffer = [];
    this.size = 0;
    this.hasBytes = false;
    return this.out.write(chunk);
  }
}
