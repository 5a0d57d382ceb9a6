// Buffered output that respects backpressure, so a fast producer never piles up a whole result in memory.
import { once } from "node:events";
import type { Writable } from "node:stream";

export class BufferedWriter {
  private buffer: string[] = [];
  private size = 0;
  private flushScheduled = false;

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  /**
   * Queues text; waits for the stream to drain when the buffer is full. A partly filled buffer goes out once the
   * current burst of work yields to I/O, so a slow producer (a pipe fed line by line) still sees output promptly.
   */
  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
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
    const chunk = this.buffer.join("");
    this.buffer = [];
    this.size = 0;
    return this.out.write(chunk);
  }
}
