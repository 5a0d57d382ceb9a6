/**
 * Renders progress snapshots: redrawn bars on a terminal, a plain line per stage every few seconds elsewhere
 * (logs and CI stay readable). Each stage shows done/total, rate, ETA, tokens, cost, items not kept and errors;
 * an overall line shows elapsed time, the time left and the cost so far.
 */
import { ModelEvents, ProgressTracker, type OverallSnapshot, type StageSnapshot } from "../model/progress.js";

function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : String(n);
}

function bar(share: number, width = 20): string {
  const filled = Math.round(Math.min(Math.max(share, 0), 1) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/** One line for one stage. */
export function formatStage(s: StageSnapshot, withBar: boolean): string {
  const finished = s.done + s.failed;
  const parts: string[] = [];
  if (s.total !== undefined) {
    const share = s.total > 0 ? finished / s.total : 1;
    parts.push(`${withBar ? `${bar(share)} ` : ""}${finished}/${s.total} (${(share * 100).toFixed(0)}%)`);
  } else {
    parts.push(`${finished} done`);
  }
  parts.push(`${s.rate.toFixed(1)}/s`, `ETA ${formatDuration(s.etaMs)}`);
  parts.push(`${formatCount(s.promptTokens + s.completionTokens)} tok`);
  if (s.cost > 0) parts.push(`$${s.cost.toFixed(s.cost < 1 ? 4 : 2)}`);
  if (s.cachedCalls > 0) parts.push(`${s.cachedCalls} cached`);
  if (s.dropped > 0) parts.push(`${s.dropped} not kept`);
  parts.push(`${s.failed} error${s.failed === 1 ? "" : "s"}`);
  // On an item line, the calls that failed behind its errors (a call line's errors are its failed calls).
  if (s.unit === "items" && s.failedCalls > 0) parts.push(`${s.failedCalls} failed call${s.failedCalls === 1 ? "" : "s"}`);
  if (s.retries > 0) parts.push(`${s.retries} retries`);
  return `${s.stage}: ${parts.join(" | ")}`;
}

/** The line for the whole run. */
export function formatOverall(o: OverallSnapshot): string {
  return `overall: elapsed ${formatDuration(o.elapsedMs)} | ETA ${formatDuration(o.etaMs)} | ${formatCount(o.tokens)} tok | $${o.cost.toFixed(o.cost < 1 ? 4 : 2)} so far`;
}

export class ProgressView {
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;
  private readonly tty: boolean;

  constructor(
    private readonly tracker: ProgressTracker,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 200 : 10_000,
  ) {
    this.tty = stream.isTTY === true;
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops redrawing and leaves the final state on screen (or in the log). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private draw(): void {
    const stages = this.tracker.snapshot();
    if (stages.length === 0) return;
    const lines = [...stages.map((s) => formatStage(s, this.tty)), formatOverall(this.tracker.overall(stages))];
    if (this.tty) {
      // Move up over the previous drawing and overwrite it, clearing each line's tail.
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
      this.stream.write(`${up}${lines.map((l) => `\r${l}\x1b[K`).join("\n")}\n`);
      this.drawnLines = lines.length;
    } else {
      this.stream.write(`${lines.join("\n")}\n`);
    }
  }
}

/** The event bus of a command and, unless quiet, the view that draws it (on standard error). */
export function progressFor(quiet: boolean | undefined): { events: ModelEvents; view: ProgressView | undefined } {
  const events = new ModelEvents();
  const tracker = new ProgressTracker();
  tracker.attach(events);
  return { events, view: quiet ? undefined : new ProgressView(tracker) };
}
