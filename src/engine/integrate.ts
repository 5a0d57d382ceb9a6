/**
 * Stage 3, constraint integration: an LLM writes one concrete constraint sentence per sampled type, guided by
 * each type's guidance and example from the taxonomy (word counts as ranges; exact counts only for sentences and
 * paragraphs). For question-sourced items the LLM first selects which of the offered types fit the question.
 *
 * The writer's reply is validated against the request: a key that was not asked for, a second constraint for
 * the same key, an empty value, or an exact word count is dropped; a requested type without a constraint is
 * recorded as missing. Nothing outside the taxonomy can come out of here.
 */
import { z } from "zod";
import type { Subcategory } from "../constraints/taxonomy.js";
import type { ModelClient } from "../model/client.js";
import { chatStructured } from "../model/structured.js";
import type { ContentPart } from "../model/types.js";
import { callFailure, selectTypesPrompt, withImageParts, writeConstraintsPrompt, type EngineImage, type ImagePartOptions, type StageError } from "./prompts.js";
import { rngFor } from "../common/random.js";
import type { DroppedConstraint, TaskSource } from "./types.js";

/** A written constraint with the taxonomy type it was written for (carried on, never looked up again by key). */
export interface WrittenConstraint {
  key: string;
  value: string;
  type: Subcategory;
}

export interface WriteConstraintsInput {
  image: EngineImage;
  task: string;
  source: TaskSource;
  /** The types to write (generated tasks), or to select from (questions). Repeated keys count once. */
  types: readonly Subcategory[];
  /** Seeds the question path's down-sampling (`rngFor(seed, "constraints", "select", sha256, task)`). */
  seed: number | string;
  /** Question path: keep at most this many of the selected types (a seeded sample); default: all selected. */
  maxTypes?: number;
  /** Show the image to the LLM (default true; false for a text-only model). */
  withImage?: boolean;
  imageOptions?: ImagePartOptions;
  /** Re-asks when a reply is not the JSON asked for (default 2). */
  maxReasks?: number;
}

export interface WrittenConstraints {
  /** One per written type, in the order the types were given. */
  constraints: WrittenConstraint[];
  /** What the writer returned but could not be used, and the requested types it skipped (`value` ""). */
  dropped: DroppedConstraint[];
  /** Question path: the keys the LLM selected as fitting (before `maxTypes`). */
  selected?: string[];
  /** Anything else worth recording: keys the selector invented, why nothing was written. */
  notes: string[];
}

const Selection = z.object({ keys: z.array(z.string()) });
const Written = z.object({ constraints: z.array(z.object({ key: z.string(), value: z.string() })) });

/** Word counts must be ranges: an exact number of words is refused. */
const EXACT_WORDS = /\bexactly\s+(?:\d+|[a-z]+(?:[- ][a-z]+)?)\s+words?\b/i;

function content(input: WriteConstraintsInput, text: string): string | ContentPart[] {
  return input.withImage === false ? text : withImageParts(input.image, text, input.imageOptions);
}

export async function writeConstraints(client: ModelClient, input: WriteConstraintsInput): Promise<WrittenConstraints | StageError> {
  const notes: string[] = [];
  const byKey = new Map<string, Subcategory>();
  for (const t of input.types) if (!byKey.has(t.key)) byKey.set(t.key, t);
  let types = [...byKey.values()];
  if (types.length === 0) return { constraints: [], dropped: [], notes: ["no constraint types to write"] };
  const maxReasks = input.maxReasks ?? 2;

  let selected: string[] | undefined;
  if (input.source === "question") {
    let reply;
    try {
      reply = await chatStructured(
        client,
        { messages: [{ role: "user", content: content(input, selectTypesPrompt(input.task, types)) }] },
        { stage: "constraints" },
        { schema: Selection, name: "constraint_types", maxReasks },
      );
    } catch (e) {
      return callFailure(e);
    }
    if (!reply.ok) return { error: `select types: ${reply.error}`, raw: reply.raw };
    const chosen = new Set<string>();
    for (const raw of reply.value.keys) {
      const key = raw.trim();
      if (!byKey.has(key)) notes.push(`select: "${key}" is not one of the offered types`);
      else chosen.add(key);
    }
    selected = types.filter((t) => chosen.has(t.key)).map((t) => t.key);
    let keep = selected;
    if (input.maxTypes !== undefined && keep.length > input.maxTypes) {
      const sampled = new Set(rngFor(input.seed, "constraints", "select", input.image.sha256, input.task).sample(keep, input.maxTypes));
      keep = keep.filter((k) => sampled.has(k));
      notes.push(`select: kept ${keep.length} of the ${selected.length} selected types`);
    }
    types = types.filter((t) => keep.includes(t.key));
    if (types.length === 0) return { constraints: [], dropped: [], selected, notes: [...notes, "select: no offered type fits the question"] };
  }

  let reply;
  try {
    reply = await chatStructured(
      client,
      { messages: [{ role: "user", content: content(input, writeConstraintsPrompt(input.task, types, input.source)) }] },
      { stage: "constraints" },
      { schema: Written, name: "constraints", maxReasks },
    );
  } catch (e) {
    return callFailure(e);
  }
  if (!reply.ok) return { error: `write constraints: ${reply.error}`, raw: reply.raw };

  const requested = new Set(types.map((t) => t.key));
  const written = new Map<string, string>();
  const dropped: DroppedConstraint[] = [];
  for (const c of reply.value.constraints) {
    const key = c.key.trim();
    const value = c.value.replace(/\s+/g, " ").trim();
    if (!requested.has(key)) dropped.push({ key, value, reason: "unknown key: not one of the requested constraint types" });
    else if (written.has(key)) dropped.push({ key, value, reason: "duplicate: a constraint for this key was already written" });
    else if (value === "") dropped.push({ key, value, reason: "empty value" });
    else if (EXACT_WORDS.test(value)) dropped.push({ key, value, reason: "rule: word counts must be ranges, not exact" });
    else written.set(key, value);
  }
  const constraints: WrittenConstraint[] = [];
  for (const t of types) {
    const value = written.get(t.key);
    if (value !== undefined) constraints.push({ key: t.key, value, type: t });
    else if (!dropped.some((d) => d.key === t.key)) dropped.push({ key: t.key, value: "", reason: "missing: no constraint was written for this type" });
  }
  return { constraints, dropped, ...(selected ? { selected } : {}), notes };
}
