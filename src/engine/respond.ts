/**
 * Stage 5: a responder VLM answers image + task + constraints (MM-IFEval prompt assembly), also answers the
 * prompt without each cmp_gpt constraint (the comparative judge needs it), and the answer is scored by the same
 * scorer as `mmif eval`. The item is kept when its score reaches the threshold.
 */
import type { Profile } from "../bench/profiles.js";
import { judgeFnFor, withImage, type JudgeClients } from "../bench/run.js";
import { scoreItem, type ItemResult } from "../bench/score.js";
import { assemblePrompt } from "../constraints/prompt.js";
import type { Constraint } from "../constraints/schema.js";
import { ModelCallError, type ModelClient } from "../model/client.js";
import type { EngineConstraint, EngineItem, Verdict } from "./types.js";

export function toBenchConstraint(c: EngineConstraint): Constraint {
  return { key: c.key, value: c.value, judge: c.judge };
}

export interface RespondOptions {
  responder: ModelClient;
  judges: JudgeClients;
  profile: Profile;
  /** Keep items whose score is at least this (the paper: 0.8). */
  threshold: number;
  imageFirst: boolean;
}

/** The per-constraint verdicts of a scored answer as items and pairs record them: the scorer's own records. */
export function verdictRecords(result: ItemResult): Verdict[] {
  return result.constraints;
}

/** Answers and scores one item; returns it with response, aux answers, verdicts, score, kept and reasons. */
export async function respondAndScore(item: EngineItem, options: RespondOptions): Promise<EngineItem> {
  const { responder, judges, profile, threshold } = options;
  const prompt = assemblePrompt(item.task, item.constraints);
  const ask = (text: string) =>
    responder.chat({ messages: [{ role: "user", content: withImage(text, item, options.imageFirst) }] }, { stage: "answer" }).then((r) => {
      if (r.finishReason === "length") throw new ModelCallError(`${responder.model}: the answer was cut off at max_tokens`, { model: responder.model, stage: "answer", key: r.key, kind: "length", attempts: r.attempts });
      return r.content;
    });
  let response: string;
  const aux: Record<string, string> = {};
  try {
    const cmpKeys = item.constraints.filter((c) => c.judge.method === "cmp_gpt").map((c) => c.key);
    const [main, ...others] = await Promise.all([ask(prompt), ...cmpKeys.map((k) => ask(assemblePrompt(item.task, item.constraints, k)))]);
    response = main!;
    cmpKeys.forEach((k, i) => (aux[k] = others[i]!));
  } catch (e) {
    if (!(e instanceof ModelCallError)) throw e;
    return { ...item, prompt, kept: false, reasons: [...item.reasons, `answer: ${e.message}`] };
  }
  const result = await scoreItem(
    { id: item.id, tag: "C-Level", question: prompt, prediction: response, constraints: item.constraints.map(toBenchConstraint), aux },
    judgeFnFor(judges, item, profile),
    profile,
  );
  const verdicts = verdictRecords(result);
  const reasons = [...item.reasons];
  if (result.status !== "scored") reasons.push(`score: ${result.error ?? "judging failed"}`);
  else if ((result.score ?? 0) < threshold) reasons.push(`score ${(result.score ?? 0).toFixed(3)} < threshold ${threshold}`);
  const kept = result.status === "scored" && result.score !== null && result.score >= threshold;
  return { ...item, prompt, response, aux, verdicts, score: result.score, kept, reasons };
}

