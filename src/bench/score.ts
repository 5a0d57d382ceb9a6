/**
 * Judging one MM-IFEval main row, as the reference `judge_one_item` does (spec §3, §6), under a
 * {@link Profile}. Pure given the judge's replies: every model call goes through the `JudgeFn` callback, in
 * the reference's order, and nothing else is read or written.
 *
 * A round: P-Level → one perception call (text only), parsed. C-Level → one direct_gpt call with the image
 * for all direct_gpt constraints; then the rule_based constraints (verify functions, short-circuit); then one
 * text-only cmp_gpt call per cmp_gpt constraint, with the aux prediction for that key. The item score is the
 * mean over the score dict's keys that do not start with `gpt_resp_` (a repeated key keeps one score, the
 * later assignment in the order direct → rule → cmp). A failed round is repeated as a whole (every judge
 * call asked again, with the next `round` number) up to `profile.maxRounds`; what fails a round, and what a
 * failed item counts, is the profile's business (see `profiles.ts`). Errors the reference raises out of
 * `judge_one_item` (nothing to average, an unknown verify function, a missing aux prediction) fail the item
 * at once: they would fail every round the same way.
 */
import { VerifyFuncError } from "../constraints/params.js";
import { ruleVerdict } from "../constraints/rule-verdict.js";
import { CallPendingError, isStoppedCall } from "../model/errors.js";
import type { Constraint } from "../constraints/schema.js";
import { parseCompareReply, parseDirectReply, parsePerceptionReply } from "./parsers.js";
import type { FailStep, Profile } from "./profiles.js";
import { comparePrompt, directPrompt, groundTruthRepr, perceptionPrompt } from "./prompts.js";
import { pyStrRepr } from "./python-repr.js";
import { unscoredVerdict, type Verdict } from "../records/verdict.js";
import type { Tag } from "./types.js";
import { WorkError } from "../common/errors.js";

export type JudgeCallKind = "direct" | "cmp" | "perception";

export interface JudgeCall {
  kind: JudgeCallKind;
  prompt: string;
  /** Only direct_gpt calls carry the item's image. */
  withImage: boolean;
  /** 0, 1, 2, …: each round is a distinct call (a runner must not answer a later round from a cache of an earlier one). */
  round: number;
  /** cmp calls: the constraint's key. */
  constraintKey?: string;
}

/** Returns the judge's reply text; may throw (a failed API call), which the profile treats as it says. */
export type JudgeFn = (call: JudgeCall) => Promise<string>;

export interface ItemInput {
  id: string;
  tag: Tag;
  /** The question as sent to the model (used by the P-Level prompt). */
  question: string;
  /** The model's answer, as produced; `profile.predictionText` maps it to what the reference sees. */
  prediction: string;
  /** C-Level: the constraints, in list order. */
  constraints?: Constraint[];
  /** P-Level: the ground truth, JSON text of a list. */
  answer?: string;
  /** C-Level: del_cons key → the aux prediction (the answer to the prompt without that constraint). */
  aux: Record<string, string>;
}

/** One constraint's verdict: the record results.jsonl, items.jsonl and pairs.jsonl carry (records/verdict.ts). */
export type ConstraintVerdict = Verdict;

export interface ItemResult {
  id: string;
  tag: Tag;
  /** not_attempted: the run was stopped before this item's calls were made or finished (rerun to finish it). */
  status: "scored" | "failed" | "not_attempted";
  /**
   * What enters the average: the mean; a failed item scores `profile.failedItemScore(tag)` (0, or null = excluded);
   * a not-attempted item null.
   */
  score: number | null;
  /** C-Level: every constraint in list order. P-Level: empty. */
  constraints: ConstraintVerdict[];
  /** Raw judge replies of the final round: "direct", "cmp:<key>", "perception". */
  replies: Record<string, string>;
  /** Rounds run (1-based count). */
  rounds: number;
  /** Why the item failed. */
  error?: string;
  /** P-Level: the ground truth as the bench gives it (so the report needs no bench). */
  answer?: string;
  /** Set when the reference itself would crash on this item (we report it as failed instead). */
  referenceCrash?: string;
  /**
   * The reference's `judge_one_item` return value for parity tests: `[0, "success", {...score_dict}]`,
   * `[1, message, {}]`, or `"EXCEPTION <Type>: <message>"` for an exception it raises.
   */
  reference?: unknown;
}

/** An error the reference raises out of `judge_one_item`. */
class ReferenceException extends WorkError {
  constructor(
    /** As Python prints it: `ZeroDivisionError: float division by zero`. */
    readonly pyError: string,
    /** Our explanation. */
    readonly reason: string,
  ) {
    super(reason);
  }
}

type RoundOutcome =
  | { kind: "scored"; score: number; dict: Map<string, number | string> }
  | { kind: "failed"; step: FailStep; reason: string };

interface RoundState {
  verdicts: ConstraintVerdict[];
  replies: Record<string, string>;
}

type Asked = { ok: true; reply: string } | { ok: false; error: string };

async function ask(judge: JudgeFn, call: JudgeCall): Promise<Asked> {
  try {
    const reply = await judge(call);
    if (typeof reply !== "string") return { ok: false, error: `judge returned ${typeof reply}, not text` };
    return { ok: true, reply };
  } catch (e) {
    // No answer yet (batch mode), or a call the stopped run never sent, is not a failed round: the item waits for a rerun.
    if (e instanceof CallPendingError || isStoppedCall(e)) throw e;
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

const NOT_REACHED = "not judged: the item's judging stopped before this constraint";

/** Why an item is not attempted: its judging, or its answers, were cut off by the stopped run. */
export const NOT_ATTEMPTED_JUDGING = "not attempted: the run was stopped before this item's judging finished; rerun the same command to finish it";
export const NOT_ATTEMPTED_ANSWERS = "not attempted: the run was stopped before this item's answers were asked for; rerun the same command to finish it";

/** An item the stopped run never finished: no verdicts, no score, and not a judging failure. */
export function notAttempted(item: { id: string; tag: Tag; constraints?: readonly Constraint[] | null; answer?: string }, why: string): ItemResult {
  return {
    id: item.id,
    tag: item.tag,
    ...(item.tag === "P-Level" && item.answer !== undefined ? { answer: item.answer } : {}),
    status: "not_attempted",
    score: null,
    constraints: (item.tag === "C-Level" ? (item.constraints ?? []) : []).map((c, index) => ({ ...unscoredVerdict(c, index), error: "not judged: the run was stopped" })),
    replies: {},
    rounds: 0,
    error: why,
  };
}

export async function scoreItem(input: ItemInput, judge: JudgeFn, profile: Profile): Promise<ItemResult> {
  const prediction = profile.predictionText(input.prediction);
  const constraints = input.tag === "C-Level" ? (input.constraints ?? null) : null;
  const fresh = (): RoundState => ({
    verdicts: (constraints ?? []).map(unscoredVerdict),
    replies: {},
  });
  const base = { id: input.id, tag: input.tag, ...(input.tag === "P-Level" && input.answer !== undefined ? { answer: input.answer } : {}) };
  let state = fresh();
  let last: Extract<RoundOutcome, { kind: "failed" }> | undefined;
  let round = 0;

  try {
    // Deterministic input problems: raised in the first round, before any judge call.
    let groundTruth = "";
    if (input.tag === "P-Level") {
      if (input.answer === undefined) throw new ReferenceException("TypeError: the JSON object must be str, bytes or bytearray, not float", "P-Level item has no answer (ground truth)");
      try {
        groundTruth = groundTruthRepr(input.answer);
      } catch (e) {
        const msg = (e as Error).message;
        throw new ReferenceException(msg, `P-Level answer is not valid JSON: ${msg}`);
      }
    } else if (constraints === null) {
      throw new ReferenceException("TypeError: the JSON object must be str, bytes or bytearray, not float", "C-Level item has no constraints");
    }

    for (round = 0; round < profile.maxRounds; round++) {
      state = fresh();
      const outcome =
        input.tag === "P-Level"
          ? await perceptionRound(input, prediction, groundTruth, judge, profile, round, state)
          : await constraintRound(input, constraints!, prediction, judge, profile, round, state);
      if (outcome.kind === "scored") {
        return {
          ...base,
          status: "scored",
          score: outcome.score,
          constraints: state.verdicts,
          replies: state.replies,
          rounds: round + 1,
          reference: [0, "success", Object.fromEntries(outcome.dict)],
        };
      }
      last = outcome;
    }
  } catch (e) {
    if (isStoppedCall(e)) return notAttempted(input, NOT_ATTEMPTED_JUDGING);
    if (!(e instanceof ReferenceException)) throw e;
    for (const v of state.verdicts) if (v.score === null && v.error === undefined && v.note === undefined) v.error = NOT_REACHED;
    for (const v of state.verdicts) v.counted = false;
    return {
      ...base,
      status: "failed",
      score: profile.failedItemScore(input.tag),
      constraints: state.verdicts,
      replies: state.replies,
      rounds: round + 1,
      error: e.reason,
      referenceCrash: `the reference raises ${e.pyError} out of judge_one_item, which stops its whole run`,
      reference: `EXCEPTION ${e.pyError}`,
    };
  }

  // Every round failed.
  const failure = last!;
  for (const v of state.verdicts) v.counted = false;
  const result: ItemResult = {
    ...base,
    status: "failed",
    score: profile.failedItemScore(input.tag),
    constraints: state.verdicts,
    replies: state.replies,
    rounds: profile.maxRounds,
    error: `${failure.reason} (failed in all ${profile.maxRounds} rounds)`,
    reference: [1, profile.failureMessage(failure.step), {}],
  };
  if (input.tag === "P-Level" && profile.name === "vlmevalkit") {
    result.referenceCrash = "VLMEvalKit's aggregation raises KeyError: 'total_score' on a failed P-Level item; scored 0 here";
  }
  return result;
}

async function perceptionRound(
  input: ItemInput,
  prediction: string,
  groundTruth: string,
  judge: JudgeFn,
  profile: Profile,
  round: number,
  state: RoundState,
): Promise<RoundOutcome> {
  const prompt = perceptionPrompt(input.question, prediction, groundTruth);
  const asked = await ask(judge, { kind: "perception", prompt, withImage: false, round });
  if (!asked.ok) {
    const reason = `perception judge call failed: ${asked.error}`;
    return { kind: "failed", step: profile.judgeCallFailure === "fail-round" ? "perception-call" : "perception-parse", reason };
  }
  state.replies.perception = asked.reply;
  const parsed = parsePerceptionReply(asked.reply);
  if (!parsed.ok) return { kind: "failed", step: "perception-parse", reason: `perception judge reply unusable: ${parsed.error}` };
  // Python: {"total_score": score, "gpt_resp": gpt_resp}
  return { kind: "scored", score: parsed.value, dict: new Map<string, number | string>([["total_score", parsed.value], ["gpt_resp", asked.reply]]) };
}

async function constraintRound(
  input: ItemInput,
  constraints: readonly Constraint[],
  prediction: string,
  judge: JudgeFn,
  profile: Profile,
  round: number,
  state: RoundState,
): Promise<RoundOutcome> {
  const direct: number[] = [];
  const other: number[] = [];
  constraints.forEach((c, i) => (c.judge.method === "direct_gpt" ? direct : other).push(i));

  // Python dict semantics: a re-assigned key keeps its first position and takes the new value.
  const dict = new Map<string, number | string>();
  // Which constraint index last assigned each key (that one is counted).
  const owner = new Map<string, number>();
  const assign = (i: number, score: number): void => {
    const key = constraints[i]!.key;
    dict.set(key, score);
    owner.set(key, i);
    state.verdicts[i]!.score = score;
  };

  // 1. direct_gpt: one call, with the image.
  if (direct.length > 0) {
    const prompt = directPrompt(prediction, direct.map((i) => constraints[i]!.value));
    const asked = await ask(judge, { kind: "direct", prompt, withImage: true, round });
    let failure: { step: FailStep; reason: string } | undefined;
    if (!asked.ok) {
      const step: FailStep = profile.judgeCallFailure === "fail-round" ? "direct-call" : "direct-parse";
      failure = { step, reason: `direct judge call failed: ${asked.error}` };
    } else {
      state.replies.direct = asked.reply;
      const parsed = parseDirectReply(asked.reply);
      if (!parsed.ok) {
        failure = { step: "direct-parse", reason: `direct judge reply unusable: ${parsed.error}` };
      } else {
        dict.set("gpt_resp_direct_gpt", asked.reply);
        const missing = direct.findIndex((_, n) => !parsed.value.has(`constraint_${n + 1}`));
        if (missing !== -1) {
          failure = { step: "direct-parse", reason: `direct judge reply unusable: KeyError: ${pyStrRepr(`constraint_${missing + 1}`)}` };
        } else {
          direct.forEach((i, n) => assign(i, parsed.value.get(`constraint_${n + 1}`)!));
        }
      }
    }
    if (failure !== undefined) {
      for (const i of direct) state.verdicts[i]!.error = failure.reason;
      for (const i of other) markNotReached(state.verdicts[i]!);
      return { kind: "failed", ...failure };
    }
  }

  // 2. rule_based, in list order.
  for (const i of other) {
    const c = constraints[i]!;
    if (c.judge.method !== "rule_based") continue;
    assign(i, passesRuleBased(c, prediction) ? 1.0 : 0.0);
  }

  // 3. cmp_gpt, one text-only call each, in list order.
  for (const i of other) {
    const c = constraints[i]!;
    if (c.judge.method !== "cmp_gpt") continue;
    if (!Object.hasOwn(input.aux, c.key)) {
      throw new ReferenceException(`KeyError: ${pyStrRepr(c.key)}`, `no aux prediction (answer without the constraint) for cmp_gpt constraint "${c.key}"`);
    }
    const without = profile.predictionText(input.aux[c.key]!);
    const prompt = comparePrompt(c.value, prediction, without, profile.compareTemplate);
    const asked = await ask(judge, { kind: "cmp", prompt, withImage: false, round, constraintKey: c.key });
    let problem: { step: FailStep; reason: string } | undefined;
    if (!asked.ok) {
      const step: FailStep = profile.judgeCallFailure === "fail-round" ? "cmp-call" : "cmp-parse";
      problem = { step, reason: `compare judge call failed: ${asked.error}` };
    } else {
      state.replies[`cmp:${c.key}`] = asked.reply;
      const parsed = parseCompareReply(asked.reply);
      if (parsed.ok) {
        assign(i, parsed.value);
        dict.set(`gpt_resp_cmp_gpt_${c.key}`, asked.reply);
        continue;
      }
      problem = { step: "cmp-parse", reason: `compare judge reply unusable: ${parsed.error}` };
    }
    if (profile.cmpParseFailure === "fail-round" || problem.step === "cmp-call") {
      state.verdicts[i]!.error = problem.reason;
      const later = other.slice(other.indexOf(i) + 1);
      for (const j of later) if (constraints[j]!.judge.method === "cmp_gpt") markNotReached(state.verdicts[j]!);
      return { kind: "failed", ...problem };
    }
    // VLMEvalKit: the constraint is dropped and the round goes on.
    state.verdicts[i]!.error = `${problem.reason} (constraint dropped from the item mean, as the reference does)`;
  }

  // Methods the reference does not score.
  for (const i of other) {
    const m = constraints[i]!.judge.method;
    if (m !== "rule_based" && m !== "cmp_gpt") state.verdicts[i]!.note = `judge method "${m}" is not scored by the reference (ignored)`;
  }

  // total_score: the mean over keys not starting with gpt_resp_, summed in dict order (as Python does).
  let total = 0.0;
  let count = 0;
  for (const [key, value] of dict) {
    if (key.startsWith("gpt_resp_")) continue;
    total += value as number;
    count++;
  }
  for (const [key, i] of owner) {
    if (key.startsWith("gpt_resp_")) state.verdicts[i]!.note = `key "${key}" starts with gpt_resp_, so the reference leaves it out of the mean`;
    else state.verdicts[i]!.counted = true;
  }
  state.verdicts.forEach((v, i) => {
    if (v.score !== null && !v.counted && owner.get(v.key) !== i && v.note === undefined) {
      v.note = `key "${v.key}" is repeated: a later constraint's score replaces this one in the mean`;
    }
  });
  if (count === 0) {
    throw new ReferenceException("ZeroDivisionError: float division by zero", "no constraint could be scored (nothing to average)");
  }
  const score = total / count;
  dict.set("total_score", score);
  return { kind: "scored", score, dict };
}

function markNotReached(v: ConstraintVerdict): void {
  if (v.score === null && v.error === undefined) v.error = NOT_REACHED;
}

/** A rule_based constraint through the one rule verdict; where the reference raises, the item fails as it would. */
function passesRuleBased(c: Constraint, prediction: string): boolean {
  try {
    return ruleVerdict(prediction, c.judge.verify_funcs).pass;
  } catch (e) {
    if (!(e instanceof VerifyFuncError) || e.raises === undefined) throw e;
    const raised = "key" in e.raises ? `KeyError: ${pyStrRepr(e.raises.key)}` : `${e.raises.type}: ${e.raises.message}`;
    throw new ReferenceException(raised, `rule_based constraint "${c.key}": ${e.message}`);
  }
}
