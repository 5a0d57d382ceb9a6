/**
 * The reward of one item: MM-IFEval's C-Level scoring (bench/score.ts: the rule verdict, the byte-exact judge
 * prompts and reply parsers) over the constraints that can be scored here, then the mode and the unscorable
 * policy on top. Judge calls go through the model layer, so a repeated request is answered from the ledger.
 */
import type { Profile } from "../bench/profiles.js";
import { judgeFnFor, type JudgeClients } from "../bench/run.js";
import { scoreItem, type JudgeFn } from "../bench/score.js";
import type { Constraint } from "../constraints/schema.js";
import type { ItemReward, RewardItem, RewardMode, UnscorablePolicy, Verdict } from "./types.js";

export interface RewardOptions {
  profile: Profile;
  /** Without judges, direct_gpt and cmp_gpt constraints are unscorable. */
  judges?: JudgeClients;
  unscorable: UnscorablePolicy;
}

const NO_JUDGE = "unscorable: no judge model (start mmif serve with --judge to score direct_gpt and cmp_gpt constraints)";

const noJudge: JudgeFn = async () => {
  throw new Error(NO_JUDGE);
};

/** Why a constraint cannot be scored by this server, or undefined when it can. */
function unscorableReason(c: Constraint, item: RewardItem, judges: JudgeClients | undefined): string | undefined {
  if (c.judge.method === "rule_based") return undefined;
  if (judges === undefined) return NO_JUDGE;
  if (c.judge.method === "cmp_gpt" && !Object.hasOwn(item.responseWithout, c.key)) {
    return `unscorable: cmp_gpt compares with the answer to the prompt without this constraint; send it as response_without[${JSON.stringify(c.key)}]`;
  }
  return undefined;
}

/** A verdict passes when it scores 1 (direct_gpt: every point), as `mmif dpo` decides "passes every constraint". */
export const passes = (v: Verdict): boolean => v.score !== null && v.score >= 1;

export async function rewardItem(item: RewardItem, mode: RewardMode, options: RewardOptions): Promise<ItemReward> {
  const { judges, profile } = options;
  const verdicts: Verdict[] = item.constraints.map((c, index) => ({ index, key: c.key, method: c.judge.method, score: null }));
  const scorable: number[] = [];
  item.constraints.forEach((c, i) => {
    const reason = unscorableReason(c, item, judges);
    if (reason === undefined) scorable.push(i);
    else verdicts[i]!.error = reason;
  });
  const unscorable = verdicts.length - scorable.length;
  const zero = options.unscorable === "zero";
  if (scorable.length === 0) {
    return { reward: zero && unscorable > 0 ? 0 : null, verdicts, status: "unscorable", ...(verdicts.length === 0 ? { error: "the item has no constraints" } : {}) };
  }

  const result = await scoreItem(
    { id: "", tag: "C-Level", question: item.prompt ?? "", prediction: item.response, constraints: scorable.map((i) => item.constraints[i]!), aux: item.responseWithout },
    judges ? judgeFnFor(judges, item, profile) : noJudge,
    profile,
  );
  result.constraints.forEach((v, n) => {
    const out = verdicts[scorable[n]!]!;
    out.score = v.score;
    if (v.error !== undefined) out.error = v.error;
  });
  if (result.status !== "scored") return { reward: null, verdicts, status: "failed", error: result.error ?? "the item could not be scored" };

  const status = unscorable > 0 ? "partial" : "scored";
  if (mode === "strict") {
    const scored = verdicts.filter((v) => v.score !== null);
    return { reward: scored.every(passes) && !(zero && unscorable > 0) ? 1 : 0, verdicts, status };
  }
  if (!zero || unscorable === 0) return { reward: result.score, verdicts, status };
  // --unscorable zero: the unscorable constraints enter MM-IFEval's mean as zeros.
  const counted = result.constraints.filter((v) => v.counted && v.score !== null);
  const total = counted.reduce((sum, v) => sum + v.score!, 0);
  return { reward: total / (counted.length + unscorable), verdicts, status };
}

/**
 * The profile the server scores with: the given one, but responses are checked as sent. (VLMEvalKit reads
 * predictions back through pandas, which turns "None" or "" into "nan"; a trainer's text never went through that.)
 */
export function asSent(profile: Profile): Profile {
  return { ...profile, predictionText: (raw) => raw };
}
