/**
 * Model-specific prompts of VLMEvalKit (a039b67) for MM-IFEval: how a model wrapper rewrites a row's message
 * before the model sees it. MM-IFEval's own `build_prompt` (`vlmeval/dataset/mmifeval.py`) sends the question
 * text first, then the image. A wrapper whose `use_custom_prompt(dataset)` is true replaces that message:
 *
 *  - `Qwen2VLChat` (`vlmeval/vlm/qwen2_vl/prompt.py`, `Qwen2VLPromptMixin`): custom prompts are on by default
 *    (`use_custom_prompt=True`), MM-IFEval's `TYPE` is "VQA" and it is not in the mixin's VQA exclusions, so
 *    `_build_vqa_prompt` runs: the image FIRST, then the question followed by
 *    "\nPlease try to answer the question with short words or phrases if possible.". `config.py` registers
 *    `Qwen2-VL-7B-Instruct` with the default (so its published MM-IFEval numbers include this), while
 *    `Qwen2.5-VL-7B-Instruct` is registered with `use_custom_prompt=False` (the dataset's message).
 *  - `LLaVA_Next` (`vlmeval/vlm/llava/llava.py`): custom prompts for MCQ only; MM-IFEval gets the dataset's
 *    message (text, then image).
 *  - `InternVLChat`: MM-IFEval is in the list whose prompt is the bare question (no suffix); the message stays
 *    text first, then image.
 * Judging is unaffected: the judge sees the bench's question, not what the model was sent.
 */
/**
 * `max_tokens` of the model under test: VLMEvalKit's default answer length for the models of the paper's tables
 * (`Qwen2VLChat(max_new_tokens=2048)`, and `OpenAIWrapper(max_tokens=2048)` for API models) at a039b67.
 */
export const DEFAULT_ANSWER_MAX_TOKENS = 2048;

export interface ModelPrompt {
  readonly name: string;
  readonly description: string;
  /** Image part before the text (undefined: as the scoring profile's reference does). */
  readonly imageFirst?: boolean;
  /** Appended to every row's question (main and aux rows alike, as the wrapper does). */
  readonly suffix: string;
}

export const QWEN2_VL_VQA_SUFFIX = "\nPlease try to answer the question with short words or phrases if possible.";

export const MODEL_PROMPTS: Readonly<Record<string, ModelPrompt>> = {
  none: { name: "none", description: "the dataset's message: the question as it is (VLMEvalKit's MM-IFEval build_prompt)", suffix: "" },
  "qwen2-vl": {
    name: "qwen2-vl",
    description: "VLMEvalKit's Qwen2VLChat with custom prompts (its default; how Qwen2-VL-7B-Instruct is registered): image first, then the question + a short-answer instruction",
    imageFirst: true,
    suffix: QWEN2_VL_VQA_SUFFIX,
  },
};

/** The prompt called `name`; throws naming the known ones otherwise. */
export function modelPromptByName(name: string): ModelPrompt {
  const p = Object.hasOwn(MODEL_PROMPTS, name) ? MODEL_PROMPTS[name] : undefined;
  if (!p) throw new Error(`unknown --model-prompt "${name}"; known: ${Object.keys(MODEL_PROMPTS).join(", ")}`);
  return p;
}
