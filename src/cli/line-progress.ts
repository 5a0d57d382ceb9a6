// A one-line progress display for streaming commands: redrawn at most 4 times a second, only on a terminal.
import type { WriteStream } from "node:tty";

export class LineProgress {
  private bytes = 0;
  private lines = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly tty: WriteStream | undefined;

  constructor(
    private readonly label: string,
    private readonly totalBytes: number | undefined,
    stream: NodeJS.WriteStream | undefined,
  ) {
    this.tty = stream?.isTTY ? (stream as WriteStream) : undefined;
  }

  advance(bytes: number): void {
    this.bytes += bytes;
    this.lines++;
    if (this.tty === undefined) return;
    const now = performance.now();
    if (now - this.lastDraw < 250) return;
    this.lastDraw = now;
    this.tty.write(`\r${this.render(now)}\x1b[K`);
  }

  done(): void {
    if (this.tty !== undefined && this.lastDraw > 0) this.tty.write("\r\x1b[K");
  }

  private render(now: number): string {
    const seconds = (now - this.started) / 1000;
    const rate = this.lines / Math.max(seconds, 1e-3);
    const parts = [`${this.label}: ${this.lines} lines`, `${Math.round(rate)} lines/s`];
    if (this.totalBytes) {
      const share = Math.min(this.bytes / this.totalBytes, 1);
      const eta = share > 0 ? (seconds / share) * (1 - share) : Number.NaN;
      parts.push(`${(share * 100).toFixed(1)}%`, `ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : "?"}`);
    }
    return parts.join(" | ");
  }
}
