/**
 * The MM-IFEngine pipeline for one input (an image that passed the filter, or an image with a question):
 * task → constraint types → constraint sentences → compatibility check → verification assignment → answer and
 * score. Each step is a function of the model layer (cached, resumable, accounted); this file only sequences them
 * and records what happened to the item at each step.
 */
import { CallPendingError, ModelCallError } from "../model/errors.js";
import type { ModelEvents } from "../model/progress.js";
import { assignVerification, constraintRecord } from "./assign.js";
import type { WrittenConstraint } from "./integrate.js";
import { constraintsToTarget } from "./constraint-rounds.js";
import { DEFAULT_MIN_CONSTRAINTS, countForPosition, type ConstraintCountOptions } from "./constraint-types.js";
import { extractMainTask, screenQuestion } from "./questions.js";
import { rngFor } from "../common/random.js";
import { respondAndScore, type RespondOptions } from "./respond.js";
import { generateTasks } from "./tasks.js";
import type { EngineClients } from "./clients.js";
import type { EngineConstraint, EngineItem, TaskSource } from "./types.js";

export const STAGES = ["filter", "tasks", "constraints", "compat", "assign", "answer"] as const;
export type Stage = (typeof STAGES)[number];

export interface PipelineOptions {
  seed: number;
  stages: ReadonlySet<Stage>;
  clients: EngineClients;
  respond: Omit<RespondOptions, "responder" | "judges">;
  tasksPerImage: number;
  examples: number;
  counts: ConstraintCountOptions;
  /** Reduce a question to its main task with an LLM (question source only). */
  extractTask: boolean;
  events?: ModelEvents;
}

/** What enters the pipeline: an image to invent tasks for, or an image that comes with its question. */
export type PipelineInput = (
  | { kind: "image"; id: string; image: { path: string; sha256: string } }
  | { kind: "question"; id: string; image: { path: string; sha256: string }; question: string }
) & {
  /** The input's place in the run (0, 1, ...): spreads the target constraint counts evenly over the run. */
  position?: number;
};

function emptyItem(id: string, image: { path: string; sha256: string }, source: TaskSource, task: string): EngineItem {
  return { id, image, source, task, constraints: [], dropped: [], reasons: [] };
}

function failure(e: unknown): string {
  if (e instanceof ModelCallError) return `model call failed: ${e.message}`;
  // A call waiting for its batch answer leaves the item unfinished in this pass, with that as the reason.
  if (e instanceof CallPendingError) return e.message;
  throw e;
}

/** Tasks for an input: proposed by the VLM for a bare image; screened (and maybe reduced) for a question. */
async function tasksFor(input: PipelineInput, options: PipelineOptions): Promise<{ tasks: string[]; source: TaskSource } | { error: string; source: TaskSource }> {
  if (input.kind === "image") {
    const r = await generateTasks(options.clients.tasks, input.image, { seed: options.seed, examples: options.examples, perImage: options.tasksPerImage });
    return "error" in r ? { error: `tasks: ${r.error}`, source: "generated" } : { tasks: r.tasks, source: "generated" };
  }
  const screened = screenQuestion(input.question);
  if (!screened.ok) return { error: `question: ${screened.reason}`, source: "question" };
  if (!options.extractTask) return { tasks: [input.question], source: "question" };
  const main = await extractMainTask(options.clients.tasks, input.question);
  return "error" in main ? { error: `question: ${main.error}`, source: "question" } : { tasks: [main.task], source: "question" };
}

/** The generator of the constraint types of the input's t-th task (and of its target count when it has no position). */
export function typesRng(seed: number, input: PipelineInput, t: number) {
  return rngFor(seed, input.image.sha256, t, "types");
}

/** The target constraint count of the input's t-th task: its place in the run's spread of the distribution. */
export function targetCount(input: PipelineInput, t: number, options: Pick<PipelineOptions, "seed" | "tasksPerImage" | "counts">): number | undefined {
  if (input.position === undefined) return undefined;
  return countForPosition(input.position * options.tasksPerImage + t, rngFor(options.seed, "constraint-counts").next(), options.counts.distribution);
}

/** Runs the enabled stages for one input; returns its items (one per task), each saying how far it got and why. */
export async function processInput(input: PipelineInput, options: PipelineOptions): Promise<EngineItem[]> {
  const { stages, clients, seed } = options;
  if (!stages.has("tasks")) return [];
  let found;
  try {
    found = await tasksFor(input, options);
  } catch (e) {
    found = { error: `tasks: ${failure(e)}`, source: input.kind === "image" ? ("generated" as const) : ("question" as const) };
  }
  // The input's items enter the progress display's "items" line now that their number is known.
  options.events?.emit({ type: "items", stage: "items", count: "error" in found ? 1 : found.tasks.length });
  if ("error" in found) return [{ ...emptyItem(input.id, input.image, found.source, input.kind === "question" ? input.question : ""), kept: false, reasons: [found.error] }];

  return Promise.all(
    found.tasks.map(async (task, t) => {
      let item = emptyItem(found.tasks.length > 1 ? `${input.id}-${t}` : input.id, input.image, found.source, task);
      try {
        if (!stages.has("constraints")) return item;
        const rng = typesRng(seed, input, t);
        const target = targetCount(input, t, options);
        const reached = await constraintsToTarget(clients, { image: input.image, task, source: found.source, seed, rng, counts: options.counts, target, compat: stages.has("compat") });
        item = { ...item, target_constraints: reached.target, dropped: reached.dropped };
        if (reached.error !== undefined) return { ...item, kept: false, reasons: [`constraints: ${reached.error}`] };
        const kept = reached.constraints;
        const notes = reached.notes.filter((n) => n.startsWith("compat:"));
        if (notes.length > 0) item = { ...item, reasons: [...item.reasons, ...notes] };
        const min = options.counts.min ?? DEFAULT_MIN_CONSTRAINTS;
        if (kept.length < min) {
          const why = `too few constraints: ${kept.length} after the checks and ${reached.replacementRounds} replacement round(s), below --min-constraints ${min} (target ${reached.target})`;
          return { ...item, constraints: kept.map((c) => provisional(c)), kept: false, reasons: [...item.reasons, ...reached.notes.filter((n) => !n.startsWith("compat:")), why] };
        }
        if (!stages.has("assign")) {
          return { ...item, constraints: kept.map((c) => provisional(c)) };
        }
        const assigned = await Promise.all(kept.map((c) => assignVerification(clients.assign, c, task)));
        item = { ...item, constraints: assigned };
        if (assigned.length === 0) return { ...item, kept: false, reasons: [...item.reasons, "constraints: none left after the checks"] };
        if (!stages.has("answer")) return item;
        return await respondAndScore(item, { ...options.respond, responder: clients.responder, judges: clients.judges });
      } catch (e) {
        return { ...item, kept: false, reasons: [...item.reasons, failure(e)] };
      }
    }),
  );
}

/** A constraint before assignment: its subcategory's default method, no verify functions yet. */
function provisional(c: WrittenConstraint): EngineConstraint {
  return constraintRecord(c, { method: c.type.method }, "not assigned (stage skipped)");
}
