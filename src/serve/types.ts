// The shapes of the reward server's requests and answers (README "mmif serve" documents them field by field).
import type { Constraint } from "../constraints/schema.js";
import type { ImageSource } from "../model/images.js";

/** `share`: the item's C-Level score as MM-IFEval computes it; `strict`: 1 only when every constraint passes. */
export type RewardMode = "share" | "strict";

/** Whether a constraint that cannot be scored (no judge, no response_without) is left out or counts 0. */
export type UnscorablePolicy = "skip" | "zero";

export const REWARD_MODES: readonly RewardMode[] = ["share", "strict"];
export const UNSCORABLE_POLICIES: readonly UnscorablePolicy[] = ["skip", "zero"];

/** One response to reward, validated. */
export interface RewardItem {
  response: string;
  constraints: Constraint[];
  image?: ImageSource;
  prompt?: string;
  /** cmp_gpt: constraint key → the answer to the prompt without that constraint. */
  responseWithout: Record<string, string>;
}

export interface RewardRequest {
  items: RewardItem[];
  mode: RewardMode;
}

export interface Verdict {
  /** The constraint's position in the item's list. */
  index: number;
  key: string;
  method: string;
  /** 1/0 for rule_based and cmp_gpt, num/den for direct_gpt; null when not scored. */
  score: number | null;
  error?: string;
}

/**
 * `scored`: every constraint scored; `partial`: some could not be scored, the reward follows --unscorable;
 * `unscorable`: none could be scored; `failed`: the judge failed or the item cannot be scored as MM-IFEval does.
 */
export type ItemStatus = "scored" | "partial" | "unscorable" | "failed";

export interface ItemReward {
  /** In [0, 1] for share (direct_gpt scores are not clamped, as in MM-IFEval); null when there is no reward. */
  reward: number | null;
  verdicts: Verdict[];
  status: ItemStatus;
  error?: string;
}

/** A request the server refuses, with where the problem is. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    message: string,
    readonly field?: string,
    readonly item?: number,
    readonly status = 400,
  ) {
    super(field === undefined ? message : `${field}: ${message}`);
  }

  toJSON(): Record<string, unknown> {
    return { error: this.message, ...(this.item !== undefined ? { item: this.item } : {}), ...(this.field !== undefined ? { field: this.field } : {}) };
  }
}
