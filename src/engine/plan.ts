/**
 * `mmif generate --dry-run`: the calls each role will make per stage, with no model call. Every input is first
 * replayed through the real pipeline against the ledger (model/replay.ts): an input the ledger answers to its end
 * counts exactly the calls it made, all paid. Any other input is estimated from what is known before a call:
 *  - tasks: one proposal call per image (its exact prompt and image); `--tasks-per-image` tasks follow;
 *  - questions: screened by the same rules (a rejected question costs nothing), one main-task call unless
 *    --no-extract-task;
 *  - constraints: per task, the target count and the types drawn exactly as the run draws them (same seed,
 *    same position in the spread of the distribution); one writing call (two for a question: select, write);
 *  - compat: one check of them; assign: one call per rule_based type with verify functions;
 *  - answer: one answer plus one per cmp_gpt type (the aux answers); judges: as in `mmif eval` (bench/plan.ts).
 * Expected values: no type is dropped, so no replacement round, no re-ask and no fallback to the direct judge,
 * each of which adds calls. Model-written text (a task, a constraint) counts at its typical size.
 */
import { CallPlan, ImageSizes, judgeCalls, TYPICAL_OUTPUT, TYPICAL_TEXT, type PlannedCall, type PlannedStage } from "../bench/plan.js";
import { withImage } from "../bench/run.js";
import type { ModelClient } from "../model/client.js";
import type { LedgerReplay } from "../model/replay.js";
import type { ChatRequest } from "../model/types.js";
import { candidateFunctions } from "./assign.js";
import { DEFAULT_MIN_CONSTRAINTS, sampleConstraintCount, sampleTypes } from "./constraint-types.js";
import { processInput, targetCount, typesRng, type PipelineInput, type PipelineOptions } from "./pipeline.js";
import { assignPrompt, compatibilityPrompt, mainTaskPrompt, selectTypesPrompt, withImageParts, writeConstraintsPrompt } from "./prompts.js";
import { screenQuestion } from "./questions.js";
import { assemblePrompt } from "../constraints/prompt.js";
import { taskProposalRequest } from "./tasks.js";

const ask = (content: ChatRequest["messages"][number]["content"]): ChatRequest => ({ messages: [{ role: "user", content }] });

/** The calls a real run is expected to make for `input` when the ledger holds none of them. */
export async function estimateInput(input: PipelineInput, options: PipelineOptions, images: ImageSizes): Promise<PlannedCall[]> {
  const { stages, clients, seed, counts } = options;
  const calls: PlannedCall[] = [];
  const call = async (client: ModelClient, stage: string, request: ChatRequest, outputTokens: number) => {
    calls.push({ model: client.model, stage, inputTokens: await images.requestTokens(client.withImageLimits(request)), outputTokens });
  };
  if (!stages.has("tasks")) return calls;
  let tasks: string[];
  if (input.kind === "image") {
    const { request, propose } = taskProposalRequest(input.image, { seed, examples: options.examples, perImage: options.tasksPerImage });
    await call(clients.tasks, "tasks", request, propose * TYPICAL_OUTPUT.perTask);
    tasks = Array.from({ length: options.tasksPerImage }, () => TYPICAL_TEXT.task);
  } else {
    if (!screenQuestion(input.question).ok) return calls;
    if (options.extractTask) await call(clients.tasks, "questions", ask(mainTaskPrompt(input.question)), TYPICAL_OUTPUT.mainTask);
    tasks = [input.question];
  }
  const source = input.kind === "image" ? "generated" : "question";
  const answerLength = clients.responder.endpoint.params?.max_tokens ?? TYPICAL_OUTPUT.answer;
  const judges = { judge: clients.judges.judge.model, ...(clients.judges.perception ? { perception: clients.judges.perception.model } : {}) };
  for (const [t, task] of tasks.entries()) {
    if (!stages.has("constraints")) break;
    const rng = typesRng(seed, input, t);
    const types = sampleTypes(rng, targetCount(input, t, options) ?? sampleConstraintCount(rng, counts.distribution), counts);
    if (types.length === 0) continue;
    if (source === "question") await call(clients.constraints, "constraints", ask(withImageParts(input.image, selectTypesPrompt(task, types))), types.length * TYPICAL_OUTPUT.perTypeSelected);
    await call(clients.constraints, "constraints", ask(withImageParts(input.image, writeConstraintsPrompt(task, types, source))), types.length * TYPICAL_OUTPUT.perConstraint);
    const written = types.map((type) => ({ key: type.key, value: TYPICAL_TEXT.constraint, type }));
    if (stages.has("compat")) await call(clients.compat, "compat", ask(compatibilityPrompt(task, written, false)), written.length * TYPICAL_OUTPUT.perVerdict);
    if (written.length < (counts.min ?? DEFAULT_MIN_CONSTRAINTS) || !stages.has("assign")) continue;
    for (const c of written) {
      const candidates = c.type.method === "rule_based" ? candidateFunctions(c.type) : [];
      if (candidates.length > 0) await call(clients.assign, "assign", ask(assignPrompt(c, c.type.name, task, candidates)), TYPICAL_OUTPUT.assign);
    }
    if (!stages.has("answer")) continue;
    const cmp = written.filter((c) => c.type.method === "cmp_gpt");
    const answer = (without?: string) => ask(withImage(assemblePrompt(task, written, without), input, options.respond.imageFirst));
    for (const without of [undefined, ...cmp.map((c) => c.key)]) await call(clients.responder, "answer", answer(without), answerLength);
    const judged = { tag: "C-Level" as const, question: assemblePrompt(task, written), constraints: written.map((c) => ({ value: c.value, judge: { method: c.type.method } })) };
    calls.push(...judgeCalls(judged, judges, answerLength, await images.tokens(input.image, clients.judges.judge.endpoint.images)));
  }
  return calls;
}

/**
 * The plan of a generate run over `inputs` (the run's own input sequence: filter, questions, --limit). Stages run
 * with `options.clients` made while `replay` is the session's, so they answer from the ledger only.
 */
export async function planGenerate(
  inputs: AsyncIterable<PipelineInput>,
  options: PipelineOptions,
  replay: LedgerReplay,
  prices: Parameters<CallPlan["priced"]>[0],
): Promise<{ stages: PlannedStage[]; inputs: number }> {
  const plan = new CallPlan();
  const images = new ImageSizes();
  let count = 0;
  for await (const input of inputs) {
    count++;
    const replayed = await replay.unit(() => processInput(input, { ...options, events: undefined }));
    plan.addUnit(replayed.complete ? [] : await estimateInput(input, options, images), replayed);
  }
  return { stages: plan.priced(prices), inputs: count };
}
