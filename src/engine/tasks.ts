/**
 * Stage 2 for images without a question: show a VLM the image and k example tasks from our pool, let it
 * propose tasks that fit the image, and sample from what it proposes.
 *
 * Both random choices are seeded by the run's seed and the image's hash (never a shared stream): the examples
 * with `rngFor(seed, "tasks", "examples", sha256)`, the pick with `rngFor(seed, "tasks", "pick", sha256)`.
 * The examples are k distinct pool tasks drawn uniformly, so each kind is shown in its Table 6 share
 * (creative writing 5/16, role play 1/16, ...), as the paper's pool weights them. Proposals are
 * trimmed, de-duplicated (case-insensitively) and screened with the question rules (length, no demonstrations,
 * no options) before the pick.
 */
import { z } from "zod";
import type { ModelClient } from "../model/client.js";
import type { ChatRequest } from "../model/types.js";
import { chatStructured } from "../model/structured.js";
import { callFailure, taskProposalPrompt, withImageParts, type EngineImage, type ImagePartOptions, type StageError } from "./prompts.js";
import { screenQuestion, type ScreenOptions } from "./questions.js";
import { rngFor, type Rng } from "../common/random.js";
import { TASK_POOL, type PoolTask } from "./task-pool.js";

export interface GenerateTasksOptions {
  seed: number | string;
  /** How many pool tasks the model sees as examples (default 4). */
  examples?: number;
  /** How many tasks to keep for the image (default 1). */
  perImage?: number;
  /** How many tasks to ask the model for (default max(5, 2 × perImage)). */
  propose?: number;
  /** The pool to draw examples from (default {@link TASK_POOL}). */
  pool?: readonly PoolTask[];
  /** Length limits for proposed tasks (the question rules' defaults otherwise). */
  screen?: ScreenOptions;
  /** How the image is sent (detail, downscale). */
  image?: ImagePartOptions;
  /** Re-asks when the reply is not the JSON asked for (default 2). */
  maxReasks?: number;
}

export interface GeneratedTasks {
  /** The tasks kept for the image, in sampled order. */
  tasks: string[];
  /** The pool examples the model was shown. */
  examples: string[];
  /** Every usable proposal, before the pick. */
  candidates: string[];
  /** Proposals that were not usable, with why. */
  rejected: Array<{ task: string; reason: string }>;
}

const Proposals = z.object({ tasks: z.array(z.string()).min(1) });

/** k distinct pool tasks, each equally likely: a kind appears in proportion to its number of tasks. */
export function sampleExamples(rng: Rng, pool: readonly PoolTask[], k: number): PoolTask[] {
  return rng.sample(pool, k);
}

/** The request that asks for task proposals for `image` (its examples drawn as generateTasks draws them), and how many it asks for. */
export function taskProposalRequest(image: EngineImage, options: GenerateTasksOptions): { request: ChatRequest; examples: string[]; propose: number } {
  const k = options.examples ?? 4;
  const perImage = options.perImage ?? 1;
  const propose = options.propose ?? Math.max(5, 2 * perImage);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`examples must be a non-negative integer, got ${k}`);
  if (!Number.isInteger(perImage) || perImage < 1) throw new RangeError(`perImage must be a positive integer, got ${perImage}`);
  const examples = sampleExamples(rngFor(options.seed, "tasks", "examples", image.sha256), options.pool ?? TASK_POOL, k).map((t) => t.task);
  return { request: { messages: [{ role: "user", content: withImageParts(image, taskProposalPrompt(examples, propose), options.image) }] }, examples, propose };
}

export async function generateTasks(client: ModelClient, image: EngineImage, options: GenerateTasksOptions): Promise<GeneratedTasks | StageError> {
  const perImage = options.perImage ?? 1;
  const { request, examples } = taskProposalRequest(image, options);

  let reply;
  try {
    reply = await chatStructured(client, request, { stage: "tasks" }, { schema: Proposals, name: "tasks", maxReasks: options.maxReasks ?? 2 });
  } catch (e) {
    return callFailure(e);
  }
  if (!reply.ok) return { error: `tasks: ${reply.error}`, raw: reply.raw };

  const candidates: string[] = [];
  const rejected: GeneratedTasks["rejected"] = [];
  const seen = new Set<string>();
  for (const proposed of reply.value.tasks) {
    const task = proposed.replace(/\s+/g, " ").trim();
    const norm = task.toLowerCase();
    if (seen.has(norm)) {
      rejected.push({ task, reason: "duplicate" });
      continue;
    }
    seen.add(norm);
    const screened = screenQuestion(task, options.screen);
    if (!screened.ok) {
      rejected.push({ task, reason: screened.reason });
      continue;
    }
    candidates.push(task);
  }
  if (candidates.length === 0) return { error: `tasks: none of the ${reply.value.tasks.length} proposed tasks is usable (${rejected.map((r) => r.reason).join("; ")})`, raw: reply.raw };
  const tasks = rngFor(options.seed, "tasks", "pick", image.sha256).sample(candidates, perImage);
  return { tasks, examples, candidates, rejected };
}
