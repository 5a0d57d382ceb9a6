/**
 * Records that flow through the MM-IFEngine pipeline (images → tasks → constraints → checks → answers → kept
 * items). Plain objects, written as JSONL; every record says what happened to it and why.
 */
import type { JudgeMethod } from "../constraints/taxonomy.js";

/** One image after the filter stage. */
export interface ImageRecord {
  /** Path as given (relative to the image folder when found by scanning it). */
  path: string;
  /** sha256 of the file's bytes; "" when it could not be read. */
  sha256: string;
  width?: number;
  height?: number;
  format?: string;
  /** CPU complexity score in [0, 1] (entropy and edge density). */
  complexity?: number;
  /** Perceptual hash (64-bit, hex) for near-duplicate detection. */
  phash?: string;
  /** Score or tags from an external scorer, when one is configured. */
  external?: { score?: number; tags?: string[] };
  kept: boolean;
  /** Why it was dropped (empty when kept): "decode: ...", "resolution: 120x80 < 224", "duplicate of x.jpg", ... */
  reasons: string[];
}

/** Where an item's task came from. */
export type TaskSource = "generated" | "question";

/** A constraint as the engine writes it: an MM-IFEval constraint plus its place in the taxonomy. */
export interface EngineConstraint {
  /** The subcategory key (MM-IFEval `key`). */
  key: string;
  category: string;
  subcategory: string;
  /** The constraint sentence appended to the task. */
  value: string;
  judge: { method: JudgeMethod; verify_funcs?: Array<{ func: string; params: unknown[] }> };
  /** How the judge method was settled: "default", "rule", or "fallback: <why the verify functions were rejected>". */
  assignment?: string;
}

export interface DroppedConstraint {
  key: string;
  value: string;
  /** "incompatible: <why>" from the compatibility check, or the stage that failed. */
  reason: string;
}

export interface ConstraintVerdictRecord {
  key: string;
  method: JudgeMethod | string;
  score: number | null;
  error?: string;
}

/** One generated item, from task to verdict. */
export interface EngineItem {
  id: string;
  image: { path: string; sha256: string };
  source: TaskSource;
  task: string;
  constraints: EngineConstraint[];
  /** The number of constraints this item aimed for (drawn from the count distribution), reached after the checks. */
  target_constraints?: number;
  dropped: DroppedConstraint[];
  /** The full prompt: task, then each constraint's value after one space (MM-IFEval assembly). */
  prompt?: string;
  response?: string;
  /** Answers without each cmp_gpt constraint, for the comparative judge (key → answer). */
  aux?: Record<string, string>;
  verdicts?: ConstraintVerdictRecord[];
  score?: number | null;
  kept?: boolean;
  /** Why it was not kept, or failed at some stage. */
  reasons: string[];
}
