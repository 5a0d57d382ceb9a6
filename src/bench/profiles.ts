/**
 * The two reference scoring profiles of MM-IFEval (spec §6): `vlmevalkit` (VLMEvalKit
 * `vlmeval/dataset/mmifeval.py` at a039b67) and `authors` (the MM-IFEngine authors'
 * `eval_mmifeval/score_multi_constraint_mp_with_image_v11.py`). The scorer (`score.ts`) is one algorithm
 * parameterised by these objects.
 *
 * Differences between the two references, found by reading both files side by side (and VLMEvalKit's
 * `OpenAIWrapper`, which both use to call the judge). Every one can change a verdict or a score:
 *
 *  1. Retries. VLMEvalKit: `judge_one_item(item, retry=3)` runs up to 3 rounds inside one call; a round
 *     fails only when the P-Level reply or the direct_gpt reply cannot be parsed (or lacks a
 *     `constraint_{i}`); every judge call of the item is asked again in the next round. Authors: no retry
 *     inside `judge_one_item`; any failure returns `(1, reason, {})`, the item is deleted from the temp
 *     pickle, and `score_once()` runs again over the missing items, at most 10 passes in all. An item still
 *     failing after 10 passes is never written to the output file.
 *  2. A cmp_gpt reply that cannot be parsed. VLMEvalKit: that constraint is DROPPED (the `continue` sits in
 *     the `for` loop over constraints, so `num_retry` grows but the round goes on and succeeds; the item's
 *     mean is over the other constraints). Authors: the whole item fails ("None vision data, cmp_gpt, fail
 *     in extract score") and is re-judged in the next pass.
 *  3. A judge call that fails (HTTP error, timeout). VLMEvalKit calls `judge_model.generate`, which retries
 *     internally and then returns the fail message `"Failed to obtain answer via API. "`: that text goes
 *     through the parser, fails it, and counts as an unparseable reply (P/direct: next round; cmp: dropped).
 *     Authors: `generate_inner` is retried 5 times while `ret_code != 0`, then the item fails ("... fail in
 *     get gpt_resp") and is re-judged in the next pass. Here a throwing `JudgeFn` plays the failed call.
 *  4. Failure messages. VLMEvalKit: `(1, "C-Level, fail in judge", {})` after 3 rounds, for P-Level items
 *     too. Authors: six messages, one per step (see `failureMessage` below).
 *  5. Accounting of failed items. VLMEvalKit: a failed C-Level item counts 0 and stays in the C denominator
 *     (`.get("total_score", 0.)`); a failed P-Level item makes the aggregation raise `KeyError:
 *     'total_score'` (we score it 0 and flag it). Authors: failed items are excluded from the denominator
 *     (`accuracy = score_sum / len(output_file)`).
 *  6. Judge models. VLMEvalKit: one judge for everything (`judge_kwargs["model"]`, gpt-4o). Authors: the
 *     scorer runs once per bench file and picks `gpt-4o-mini` when the first item is P-Level, else
 *     `gpt-4o-2024-11-20`: a separate P-Level judge. Both: temperature 0, max_tokens 4096, detail "high",
 *     timeout 300 s; the authors also pass `img_size=-1` (no resizing). VLMEvalKit's mmifeval does not set
 *     `img_size`, and at a039b67 `OpenAIWrapper.__init__` defaults it to -1 (`vlmeval/api/gpt.py`), which
 *     `encode_image_to_base64` reads as "no resizing" (checked in the source): no resizing in either. (That
 *     function re-encodes as JPEG and upscales images whose shorter side is under `VLMEVAL_MIN_IMAGE_EDGE`,
 *     default 100 px; we send the file's bytes.) VLMEvalKit's `gpt-4o` judge name resolves to
 *     `gpt-4o-2024-05-13` in `build_judge` (`vlmeval/dataset/utils/judge_util.py`, a039b67), and `run.py`
 *     picks `gpt-4o` for MM-IFEval when no `--judge` is given.
 *  7. The compare prompt. The authors' has two trailing spaces after "Your output must strictly follow
 *     this format:" and after "Reasoning: ..." (`data/judge-prompts/compare-authors.txt`). The direct and
 *     perception prompts are byte-identical in both (checked by evaluating both f-strings).
 *  8. Message order. For the JUDGE both send the prompt text first, then the image (the authors'
 *     `run_once_with_image` appends text, then image; `OpenAIWrapper.prepare_itlist` keeps the order). The
 *     difference is for the MODEL UNDER TEST: VLMEvalKit's `build_prompt` puts the text first, the authors'
 *     inference calls `model.generate([image_path, prompt])`, image first (`answerImageFirst`). A model
 *     wrapper's own prompt can override the dataset's message in VLMEvalKit (Qwen2-VL: image first plus a
 *     short-answer line): `model-prompts.ts`, `mmif eval --model-prompt`.
 *  9. The prediction. VLMEvalKit reads predictions back with pandas (xlsx/tsv), whose default NA strings
 *     ("", "NA", "N/A", "None", "null", "nan", ...) become float NaN, which `str()`/f-strings render as
 *     "nan" in every prompt and rule check (aux predictions too). The authors keep the JSONL string as is
 *     (`predictionText` below). VLMEvalKit passes `str(prediction)` to the verify functions, the authors the
 *     raw value: the same for strings.
 * 10. Input shapes. VLMEvalKit `json.loads` the TSV's `constraints` and `answer` strings; the authors' JSONL
 *     holds real lists. `{ground_truth}` is `repr(list)` in both.
 * 11. Exceptions that escape `judge_one_item` (no scored constraint → ZeroDivisionError; an unknown verify
 *     function or a missing `params`/`verify_funcs` → KeyError; a missing aux prediction → KeyError): in
 *     both references they stop the whole run (VLMEvalKit's `track_progress_rich` re-raises, or stores
 *     None, on which `evaluate` fails). They are deterministic, so retrying cannot help: we mark the item
 *     failed at once, with the reason, under either profile, and account for it as a failed item.
 * 12. Both wrappers `strip()` the judge's reply; no parser outcome depends on it (the P-Level exact match
 *     and the substring search agree on stripped text), so the runner may pass the reply as received.
 *
 * Identical in both: the three parsers (same code), the method split (direct_gpt in one call with the image;
 * rule_based with short-circuit; cmp_gpt one text-only call each), the processing order direct → rule →
 * cmp, the mean over score_dict keys not starting with "gpt_resp_" (duplicate keys collapse, the later
 * assignment wins), and other methods being ignored.
 */
import type { CompareVariant } from "./prompts.js";
import type { Tag } from "./types.js";

export type ProfileName = "vlmevalkit" | "authors";

/** The step at which a judging round failed (names the authors' failure messages). */
export type FailStep = "perception-call" | "perception-parse" | "direct-call" | "direct-parse" | "cmp-call" | "cmp-parse";

export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  /** Judging rounds per item: VLMEvalKit's `retry=3`, the authors' 10 `score_once` passes. */
  readonly maxRounds: number;
  /** A judge call that throws: read as an unparseable reply (VLMEvalKit), or fail the round (authors). */
  readonly judgeCallFailure: "unparseable-reply" | "fail-round";
  /** An unparseable cmp_gpt reply: drop that constraint (VLMEvalKit) or fail the round (authors). */
  readonly cmpParseFailure: "drop-constraint" | "fail-round";
  /**
   * The score a failed item enters its level's average with: 0 (VLMEvalKit; for P-Level the reference
   * crashes instead, the result is flagged), or null = excluded from the denominator (authors).
   */
  failedItemScore(tag: Tag): 0 | null;
  readonly compareTemplate: CompareVariant;
  /** The judge's direct_gpt message (the only judge call with an image): image part before the text? */
  readonly judgeImageFirst: boolean;
  /** The message to the model under test: image part before the text? */
  readonly answerImageFirst: boolean;
  /** Whether P-Level items go to a separate judge (`defaultJudgeModels.pLevel`). */
  readonly pLevelJudge: "same" | "separate";
  readonly defaultJudgeModels: { readonly cLevel: string; readonly pLevel: string };
  readonly judgeParams: { readonly temperature: number; readonly maxTokens: number; readonly imageDetail: "high" | "low"; readonly timeoutMs: number };
  /** The reference's message in `(1, msg, {})` when a round fails at `step`. */
  failureMessage(step: FailStep): string;
  /** The text the reference sees for a prediction as the model produced it. */
  predictionText(raw: string): string;
}

/** pandas' default NA strings (`read_csv` / `read_excel` with `keep_default_na=True`). */
export const PANDAS_NA_STRINGS: ReadonlySet<string> = new Set([
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
  "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]);

const JUDGE_PARAMS = { temperature: 0, maxTokens: 4096, imageDetail: "high", timeoutMs: 300_000 } as const;

export const VLMEVALKIT: Profile = {
  name: "vlmevalkit",
  description: "VLMEvalKit mmifeval.py a039b67: 3 rounds per item, unparseable cmp replies drop the constraint, failed items score 0",
  maxRounds: 3,
  judgeCallFailure: "unparseable-reply",
  cmpParseFailure: "drop-constraint",
  failedItemScore: () => 0,
  compareTemplate: "compare",
  judgeImageFirst: false,
  answerImageFirst: false,
  pLevelJudge: "same",
  defaultJudgeModels: { cLevel: "gpt-4o", pLevel: "gpt-4o" },
  judgeParams: JUDGE_PARAMS,
  failureMessage: () => "C-Level, fail in judge",
  predictionText: (raw) => (PANDAS_NA_STRINGS.has(raw) ? "nan" : raw),
};

const AUTHORS_MESSAGES: Record<FailStep, string> = {
  "perception-call": "Vision data, fail in get gpt_resp",
  "perception-parse": "Vision data, fail in extract score",
  "direct-call": "None vision data, direct_gpt, fail in get gpt_resp",
  "direct-parse": "None vision data, direct_gpt, fail in extract score",
  "cmp-call": "None vision data, cmp_gpt, fail in get gpt_resp",
  "cmp-parse": "None vision data, cmp_gpt, fail in extract score",
};

export const AUTHORS: Profile = {
  name: "authors",
  description:
    "MM-IFEngine authors' score_multi_constraint_mp_with_image_v11.py: any failure fails the item, re-judged in up to 10 passes, then excluded",
  maxRounds: 10,
  judgeCallFailure: "fail-round",
  cmpParseFailure: "fail-round",
  failedItemScore: () => null,
  compareTemplate: "compare-authors",
  judgeImageFirst: false,
  answerImageFirst: true,
  pLevelJudge: "separate",
  defaultJudgeModels: { cLevel: "gpt-4o-2024-11-20", pLevel: "gpt-4o-mini" },
  judgeParams: JUDGE_PARAMS,
  failureMessage: (step) => AUTHORS_MESSAGES[step],
  predictionText: (raw) => raw,
};

export const PROFILES: Readonly<Record<ProfileName, Profile>> = { vlmevalkit: VLMEVALKIT, authors: AUTHORS };

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}

/** The profile called `name`; throws naming the known ones otherwise. */
export function profileByName(name: string): Profile {
  if (!isProfileName(name)) {
    throw new Error(`unknown scoring profile "${name}"; known: ${Object.keys(PROFILES).join(", ")}`);
  }
  return PROFILES[name];
}
