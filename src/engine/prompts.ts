/**
 * Prompts of the engine's generation stages 2–4 (tasks, question screening, constraint writing, compatibility,
 * verification assignment). Each prompt is short, says what the model sees, and ends with the JSON it must
 * return; `chatStructured` adds the JSON schema as the response format (or as instructions) on top of that.
 * Pure string builders, so prompts are testable and a change of wording is a change of ledger key.
 */
import type { Subcategory } from "../constraints/taxonomy.js";
import { ModelCallError } from "../model/client.js";
import { ImageError } from "../model/images.js";
import type { ContentPart } from "../model/types.js";

/** The image an item is built on: its path (as the client can open it) and the sha256 of its bytes. */
export interface EngineImage {
  path: string;
  sha256: string;
}

/** How a stage hands over the image to the model (its size limits are the endpoint's: EndpointConfig.images). */
export interface ImagePartOptions {
  detail?: "auto" | "low" | "high";
}

/** The image first, then the text: the order most VLMs were trained on for single-image prompts. */
export function withImageParts(image: EngineImage, text: string, options: ImagePartOptions = {}): ContentPart[] {
  const part: ContentPart = { type: "image", source: { path: image.path } };
  if (options.detail !== undefined) part.detail = options.detail;
  return [part, { type: "text", text }];
}

/** What a stage returns when its model call gave nothing usable. */
export interface StageError {
  error: string;
  /** The model's last reply, when there was one. */
  raw?: string;
}

/**
 * A failed model call (after the scheduler's retries) or an unreadable image is a stage failure the caller
 * records; anything else is a bug and is rethrown.
 */
export function callFailure(e: unknown): StageError {
  if (e instanceof ModelCallError) return { error: `model call failed: ${e.message}` };
  if (e instanceof ImageError) return { error: `image: ${e.message}` };
  throw e;
}

function quoteBlock(text: string): string {
  return `"""\n${text.trim()}\n"""`;
}

// ---------------------------------------------------------------- stage 2: tasks

export function taskProposalPrompt(examples: readonly string[], count: number): string {
  return [
    `Look at the image. Propose ${count} different open-ended tasks that a user could give an assistant about THIS image.`,
    "",
    "Example tasks (follow their kind and the length of answer they invite, not their content):",
    ...examples.map((e, i) => `${i + 1}. ${e}`),
    "",
    "Rules:",
    "- Each task must fit what is actually visible in the image and invite a long, free-form answer of several paragraphs: description or analysis, emotion or perspective, creative writing, social-media content, or role play.",
    "- Adapt an example to the image or invent a new task; refer to concrete things in the image.",
    "- One or two sentences per task. No yes/no or multiple-choice questions, and no length, format, style or keyword requirements: those are added later.",
    "",
    'Return JSON: {"tasks": ["<task>", "<task>", ...]}',
  ].join("\n");
}

// ---------------------------------------------------------------- stage 2: questions

export function mainTaskPrompt(question: string): string {
  return [
    "Here is a question a user asked about an image:",
    quoteBlock(question),
    "",
    "Rewrite it as its main task only: keep what the user wants done and the facts needed to do it; remove greetings, answer-format instructions, length limits and any other requirements on the form of the answer. Do not answer the question and do not add anything. If it is already only the task, return it unchanged.",
    "",
    'Return JSON: {"task": "<the main task>"}',
  ].join("\n");
}

// ---------------------------------------------------------------- stage 3: constraints

function typeLine(t: Subcategory, withExample: boolean): string {
  const base = `- \`${t.key}\` (${t.name}): ${t.guidance}`;
  return withExample ? `${base} Example: "${t.example}"` : base;
}

export function selectTypesPrompt(question: string, types: readonly Subcategory[]): string {
  return [
    "A user asked this question about an image:",
    quoteBlock(question),
    "",
    "Below are types of constraints that could be added to the question. Select the types that fit it: a constraint of that type can be added without changing what is asked, and a good answer to the question could still satisfy it. Leave out types that make no sense here (for example a word-count range when the answer is a single number, or a role that has nothing to do with the question).",
    "",
    "Types:",
    ...types.map((t) => typeLine(t, false)),
    "",
    'Return JSON: {"keys": ["<type key>", ...]} with the keys exactly as written above; an empty list if none fits.',
  ].join("\n");
}

export function writeConstraintsPrompt(task: string, types: readonly Subcategory[], source: "generated" | "question"): string {
  return [
    `Write constraints to add to this ${source === "question" ? "question" : "instruction"} about the image:`,
    quoteBlock(task),
    "",
    "Write exactly one constraint for each type below. A constraint is one concrete, self-contained sentence (two at most) that is appended after the instruction, tells the answerer exactly what to do, and can be checked on the answer.",
    "",
    "Types:",
    ...types.map((t) => typeLine(t, true)),
    "",
    "Rules:",
    '- Word counts are always ranges (e.g. "between 120 and 180 words"; a narrow range such as "between 20 and 30 words" suits a short answer), never an exact number of words. Exact counts are allowed only for sentences and paragraphs.',
    "- Keep every constraint satisfiable: consistent with the instruction, the image and the other constraints, with lengths that suit the task.",
    "- Quote exact strings (keywords, phrases, openings and endings) in single quotes, exactly as the answer must contain them.",
    "- Make each constraint specific to this instruction and image instead of copying the example.",
    "- Do not repeat the instruction and do not number the constraints.",
    "",
    'Return JSON: {"constraints": [{"key": "<type key>", "value": "<constraint sentence>"}, ...]} with one entry per type and the keys exactly as given.',
  ].join("\n");
}

// ---------------------------------------------------------------- stage 3: compatibility

export function compatibilityPrompt(
  task: string,
  constraints: ReadonlyArray<{ key: string; value: string }>,
  withImage: boolean,
  accepted: ReadonlyArray<{ key: string; value: string }> = [],
): string {
  return [
    `Check whether the constraints below can all be followed in one answer to this instruction${withImage ? " about the image" : ""}:`,
    quoteBlock(task),
    "",
    // Replacement rounds: constraints accepted before are context, not judged again (shown only when there are any).
    ...(accepted.length > 0
      ? ["Already accepted (fixed; do not judge these, but the new constraints must be compatible with them):", ...accepted.map((c) => `- \`${c.key}\` (accepted): ${c.value}`), "", "New constraints to judge:"]
      : ["Constraints:"]),
    ...constraints.map((c) => `- \`${c.key}\`: ${c.value}`),
    "",
    `A constraint is compatible when it does not contradict the instruction${withImage ? " or the image" : ""}, does not contradict another constraint, and an answer can satisfy it together with all the others. When two constraints conflict, mark only one of them incompatible (the one whose removal changes the task least). Give a short reason for every verdict.`,
    "",
    'Return JSON: {"verdicts": [{"key": "<constraint key>", "compatible": true, "reason": "<why>"}, ...]} with one verdict per constraint, in the same order.',
  ].join("\n");
}

// ---------------------------------------------------------------- stage 4: verification

export interface CandidateFunction {
  /** `name(response, a: int, ...)`, from `signature()`. */
  signature: string;
  description: string;
  /** One line per parameter: `name: what it is`. */
  params: string[];
}

export function assignPrompt(constraint: { key: string; value: string }, typeName: string, task: string, candidates: readonly CandidateFunction[]): string {
  return [
    "Choose rule-based verify functions that check an answer against one constraint. Each function is called as func(response, *params): `params` are the positional arguments after the response, in order.",
    "",
    "The instruction the answer responds to:",
    quoteBlock(task),
    "",
    `The constraint (type \`${constraint.key}\`, ${typeName}):`,
    quoteBlock(constraint.value),
    "",
    "Candidate functions:",
    ...candidates.map((c) => `- ${c.signature}: ${c.description}${c.params.length ? ` Parameters: ${c.params.join("; ")}.` : ""}`),
    "",
    "Rules:",
    "- Use only the candidate functions, with exactly their parameters and types (int, str, list[str], list[[int, int]]).",
    '- Together the functions must check exactly what the constraint asks: "exactly 3" means lower_bound = upper_bound = 3; "at least 2" means lower_bound = 2 with a generous upper_bound such as 1000.',
    "- Copy strings (keywords, phrases, punctuation marks) exactly as the answer must contain them.",
    '- If no candidate can check the constraint faithfully, return {"verify_funcs": []}.',
    "",
    'Return JSON: {"verify_funcs": [{"func": "<function name>", "params": [<positional arguments>]}, ...]}',
  ].join("\n");
}

export function assignRetryPrompt(error: string): string {
  return `Your choice could not be used: ${error}. Choose again from the candidate functions and reply with only the corrected JSON {"verify_funcs": [...]}.`;
}
