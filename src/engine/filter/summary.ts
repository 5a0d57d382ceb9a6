// Counts over filter records, for the summary `mmif filter` and `mmif generate` print.
import { formatReasonCounts, reasonKind } from "../../run/reasons.js";
import type { ImageRecord } from "../types.js";

export class FilterTally {
  images = 0;
  kept = 0;
  dropped = 0;
  /** Dropped images per reason kind; an image with several reasons counts under each. */
  readonly reasons = new Map<string, number>();
  /** Images whose external scorer call failed (kept with a note unless the scorer is required). */
  externalErrors = 0;
  firstExternalError: string | undefined;

  add(record: ImageRecord & { notes?: string[] }): void {
    this.images++;
    if (record.kept) this.kept++;
    else this.dropped++;
    for (const kind of new Set(record.reasons.map(reasonKind))) this.reasons.set(kind, (this.reasons.get(kind) ?? 0) + 1);
    const error = [...record.reasons, ...(record.notes ?? [])].find((r) => r.startsWith("external scorer:"));
    if (error !== undefined) {
      this.externalErrors++;
      this.firstExternalError ??= `${record.path}: ${error}`;
    }
  }

  /** "resolution 3, complexity 2, near-duplicate 1", most frequent first (then by name). */
  formatReasons(): string {
    return formatReasonCounts(this.reasons);
  }
}
