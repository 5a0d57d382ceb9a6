/**
 * The MM-IFEval run: answer every row (main and aux) with the model under test, and judge each main item as
 * soon as its own answers exist. All calls go through the model layer, so a rerun pays for nothing twice. This
 * loop is thin on purpose: prompts, parsing and scoring live in score.ts and are pure.
 */
import type { ModelClient } from "../model/client.js";
import { CallPendingError, isStoppedCall, ModelCallError } from "../model/errors.js";
import type { ImageSource } from "../model/images.js";
import type { ModelEvents } from "../model/progress.js";
import type { ChatRequest, ContentPart } from "../model/types.js";
import type { Profile } from "./profiles.js";
import { unscoredVerdict } from "../records/verdict.js";
import { scoreRuleOnly } from "./rule-only.js";
import { NOT_ATTEMPTED_ANSWERS, notAttempted, scoreItem, type ItemResult, type JudgeCall, type JudgeFn } from "./score.js";
import type { BenchRow } from "./types.js";

export interface Prediction {
  row: BenchRow;
  /** The answer as the scorer sees it (the reference's `str(prediction)`). */
  prediction: string | null;
  finishReason?: string | null;
  cached?: boolean;
  /** Why there is no answer. */
  error?: string;
  /** No answer because the run was stopped before the call was sent. */
  stopped?: boolean;
}

/** Where answers come from: the model under test (`mmif eval`) or a predictions file (`mmif score`). */
export type AnswerSource = (row: BenchRow) => Promise<Prediction>;

export interface JudgeClients {
  /** The judge for C-Level items (and P-Level when `perception` is not given). */
  judge: ModelClient;
  /** The authors use a separate, cheaper judge for P-Level items. */
  perception?: ModelClient;
}

export interface RunOptions {
  rows: readonly BenchRow[];
  answers: AnswerSource;
  /** None (`--judge none`): only rule_based constraints are scored (rule-only.ts); give it ruleOnlyRows(). */
  judges: JudgeClients | null;
  profile: Profile;
  events?: ModelEvents;
}

export interface RunOutput {
  predictions: Prediction[];
  results: ItemResult[];
}

/** Text then image (VLMEvalKit), or image then text (the authors). */
export function withImage(text: string, row: { image: ImageSource }, imageFirst: boolean, detail: "high" | "low" | "auto" = "high"): ContentPart[] {
  const image: ContentPart = { type: "image", source: row.image, detail };
  const textPart: ContentPart = { type: "text", text };
  return imageFirst ? [image, textPart] : [textPart, image];
}

/** The request that asks the model under test one row (`suffix`: a model-specific prompt's addition, model-prompts.ts). */
export function answerRequest(row: BenchRow, imageFirst: boolean, suffix = ""): ChatRequest {
  return { messages: [{ role: "user", content: withImage(row.question + suffix, row, imageFirst) }] };
}

/** Answers rows with a model client; a call that fails after all retries becomes a prediction with an error. */
export function modelAnswers(model: ModelClient, imageFirst: boolean, suffix = ""): AnswerSource {
  return async (row) => {
    try {
      const r = await model.chat(answerRequest(row, imageFirst, suffix), { stage: "answer" });
      return { row, prediction: r.content, finishReason: r.finishReason, cached: r.cached };
    } catch (e) {
      if (isStoppedCall(e)) return { row, prediction: null, error: e.message, stopped: true };
      if (e instanceof ModelCallError || e instanceof CallPendingError) return { row, prediction: null, error: e.message };
      throw e;
    }
  };
}

/**
 * The judge as the scorer calls it: the perception judge for P-Level prompts when there is one, the image (at
 * high detail) with the direct judgment, and each round a distinct call (a retry is a new ask, a rerun is not).
 * An item without an image (a reward request may have none) sends the direct judgment as text only.
 */
export function judgeFnFor(judges: JudgeClients, item: { image?: ImageSource }, profile: Profile): JudgeFn {
  return async (call: JudgeCall) => {
    const client = call.kind === "perception" && judges.perception ? judges.perception : judges.judge;
    const content = call.withImage && item.image ? withImage(call.prompt, { image: item.image }, profile.judgeImageFirst) : call.prompt;
    const r = await client.chat({ messages: [{ role: "user", content }], round: call.round }, { stage: `judge:${call.kind}` });
    return r.content;
  };
}

function failedForAnswers(main: BenchRow, missing: Prediction[], profile: Profile): ItemResult {
  if (missing.some((m) => m.stopped)) return notAttempted(main, NOT_ATTEMPTED_ANSWERS);
  return unjudged(main, `no answer from the model under test for ${missing.map((m) => m.row.index).join(", ")}: ${missing[0]!.error ?? "missing"}`, "not judged: no answer", profile);
}

function unjudged(main: BenchRow, error: string, why: string, profile: Profile): ItemResult {
  return {
    id: main.id,
    tag: main.tag,
    ...(main.tag === "P-Level" && main.answer !== undefined ? { answer: main.answer } : {}),
    status: "failed",
    score: profile.failedItemScore(main.tag),
    constraints: (main.constraints ?? []).map((c, index) => ({ ...unscoredVerdict(c, index), error: why })),
    replies: {},
    rounds: 0,
    error,
  };
}

export async function runBench(options: RunOptions): Promise<RunOutput> {
  const { rows, answers, judges, profile, events } = options;
  const mains = rows.filter((r) => r.inferType === "main");
  const auxByMain = new Map<string, BenchRow[]>();
  for (const r of rows) if (r.inferType !== "main") auxByMain.set(r.id, [...(auxByMain.get(r.id) ?? []), r]);
  events?.emit({ type: "stage", stage: "answer", total: rows.length });
  events?.emit({ type: "stage", stage: "judge", total: mains.length });

  // Every row is asked at once and the model's scheduler paces them, item by item (a main row, then its aux
  // rows), so an item's answers complete together and its judging can start while later items are answered.
  const answerOf = new Map<string, Promise<Prediction>>();
  const mainIds = new Set(mains.map((m) => m.id));
  const orphans = rows.filter((r) => r.inferType !== "main" && !mainIds.has(r.id));
  const itemOrder = [...mains.flatMap((m) => [m, ...(auxByMain.get(m.id) ?? [])]), ...orphans];
  for (const r of itemOrder) {
    answerOf.set(
      r.index,
      answers(r).then((p) => {
        events?.emit({ type: "item", stage: "answer", ok: p.prediction !== null });
        return p;
      }),
    );
  }

  const judgeOne = async (main: BenchRow): Promise<ItemResult> => {
    const own = [main, ...(auxByMain.get(main.id) ?? [])];
    const preds = await Promise.all(own.map((r) => answerOf.get(r.index)!));
    const missing = preds.filter((p) => p.prediction === null);
    if (missing.length > 0) return failedForAnswers(main, missing, profile);
    const aux: Record<string, string> = {};
    if (judges === null) return scoreRuleOnly(main, preds[0]!.prediction!, profile);
    for (const p of preds.slice(1)) if (p.row.delCons !== undefined) aux[p.row.delCons] = p.prediction!;
    try {
      return await scoreItem(
        { id: main.id, tag: main.tag, question: main.question, prediction: preds[0]!.prediction!, constraints: main.constraints, answer: main.answer, aux },
        judgeFnFor(judges, main, profile),
        profile,
      );
    } catch (e) {
      if (!(e instanceof CallPendingError)) throw e;
      return unjudged(main, e.message, "not judged yet: waiting for a batch answer", profile);
    }
  };

  const results = await Promise.all(
    mains.map((m) =>
      judgeOne(m).then((r) => {
        events?.emit({ type: "item", stage: "judge", ok: r.status === "scored" });
        return r;
      }),
    ),
  );
  const predictions = await Promise.all(rows.map((r) => answerOf.get(r.index)!));
  return { predictions, results };
}
