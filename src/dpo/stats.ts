/**
 * dpo-stats.json, folded from the lines the run writes, in input order: the same fold serves a run and `mmif
 * merge` of its shards, so both give the same file (counts, reason groups, and keys in the order they first occur).
 */
import { writtenBy, type DpoStats } from "../records/index.js";
import { addReason } from "../run/reasons.js";
import type { RunVerdict } from "../run/status.js";

export const PAIRS_FILE = "pairs.jsonl";
export const DROPPED_FILE = "dropped-pairs.jsonl";

/** The drop reason (dpo-stats.json `drop_reasons`) of an item whose image is missing or unreadable. */
export const IMAGE_DROP = "image missing or unreadable";

export class DpoStatsCollector {
  private readonly s: Omit<DpoStats, "mmif_version" | "format_version" | keyof RunVerdict | "items_read" | "items_used"> = {
    pairs: 0,
    dropped: 0,
    drop_reasons: {},
    failed: 0,
    failed_reasons: {},
    by_strategy: {},
    removed_per_pair: { mean: 0 },
  };
  private removedTotal = 0;

  /**
   * A line of pairs.jsonl (a kept pair) or of dropped-pairs.jsonl: a dropped pair with its reason, an item left out
   * for its image (no pair, reason "image missing or unreadable: ..."), or a failed item (no pair).
   */
  line(file: typeof PAIRS_FILE | typeof DROPPED_FILE, record: Record<string, unknown>): void {
    if (file === PAIRS_FILE) {
      this.s.pairs++;
      const strategy = String(record.strategy);
      this.s.by_strategy[strategy] = (this.s.by_strategy[strategy] ?? 0) + 1;
      this.removedTotal += Array.isArray(record.removed) ? record.removed.length : 0;
    } else if ("chosen" in record || String(record.reason).startsWith(`${IMAGE_DROP}:`)) {
      this.s.dropped++;
      addReason(this.s.drop_reasons, String(record.reason));
    } else {
      this.s.failed++;
      addReason(this.s.failed_reasons!, String(record.reason));
    }
  }

  finish(counts: { items_read: number; items_used: number }, verdict: RunVerdict): DpoStats {
    const { status, status_reasons } = verdict;
    const removed_per_pair = { mean: this.s.pairs === 0 ? 0 : this.removedTotal / this.s.pairs };
    return { ...writtenBy(), status, status_reasons, ...counts, ...this.s, removed_per_pair };
  }
}
