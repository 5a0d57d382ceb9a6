/**
 * Stage 3's compatibility check: a separate LLM call judges, for every written constraint, whether it can be
 * followed together with the task and the other constraints. Constraints judged incompatible are dropped with
 * `reason: "incompatible: <why>"`.
 *
 * Failure policy (decided here): when the check itself fails (a ModelCallError after the scheduler's retries, an
 * unreadable image, or a reply that is still not the JSON asked for after the re-asks), every constraint is kept
 * and a note records why. The check is a filter, not a gate: losing a whole item to a flaky judge call costs
 * more than keeping a constraint that may conflict, and stage 5 (keep an answer only when ≥ 80 % of its
 * constraints pass) catches what slips through. Likewise a constraint the verdicts do not mention is kept (noted),
 * and a verdict for a key that is not in the list is ignored (noted).
 */
import { z } from "zod";
import type { ModelClient } from "../model/client.js";
import { chatStructured } from "../model/structured.js";
import { callFailure, compatibilityPrompt, withImageParts, type EngineImage, type ImagePartOptions } from "./prompts.js";
import type { DroppedConstraint } from "./types.js";

export interface CompatibilityInput<T extends { key: string; value: string }> {
  task: string;
  constraints: readonly T[];
  /** Constraints accepted in an earlier round: shown as context, not judged again. */
  accepted?: ReadonlyArray<{ key: string; value: string }>;
  /** Also show the image, so constraints that contradict it (keywords of absent things) can go. */
  image?: EngineImage;
  imageOptions?: ImagePartOptions;
  /** Re-asks when the reply is not the JSON asked for (default 2). */
  maxReasks?: number;
}

export interface CompatibilityVerdict {
  key: string;
  compatible: boolean;
  reason?: string;
}

export interface CompatibilityResult<T> {
  /** The constraints kept, in their original order. */
  kept: T[];
  dropped: DroppedConstraint[];
  /** False when the check failed and everything was kept. */
  checked: boolean;
  /** Set only when the check failed and every constraint was kept: what went wrong (also in `notes`). */
  note?: string;
  /** The judge's verdicts as returned (when the check ran). */
  verdicts?: CompatibilityVerdict[];
  notes: string[];
}

const Verdicts = z.object({
  verdicts: z.array(z.object({ key: z.string(), compatible: z.boolean(), reason: z.string().optional() })),
});

export async function checkCompatibility<T extends { key: string; value: string }>(client: ModelClient, input: CompatibilityInput<T>): Promise<CompatibilityResult<T>> {
  const constraints = [...input.constraints];
  if (constraints.length === 0) return { kept: [], dropped: [], checked: true, verdicts: [], notes: [] };
  const text = compatibilityPrompt(input.task, constraints, input.image !== undefined, input.accepted);
  const keepAll = (why: string): CompatibilityResult<T> => {
    const note = `compat: check failed (${why}); all ${constraints.length} constraints kept`;
    return { kept: constraints, dropped: [], checked: false, note, notes: [note] };
  };

  let reply;
  try {
    reply = await chatStructured(
      client,
      { messages: [{ role: "user", content: input.image ? withImageParts(input.image, text, input.imageOptions) : text }] },
      { stage: "compat" },
      { schema: Verdicts, name: "compatibility", maxReasks: input.maxReasks ?? 2 },
    );
  } catch (e) {
    return keepAll(callFailure(e).error);
  }
  if (!reply.ok) return keepAll(reply.error);

  const notes: string[] = [];
  const keys = new Set(constraints.map((c) => c.key));
  const acceptedKeys = new Set((input.accepted ?? []).map((c) => c.key));
  const verdictOf = new Map<string, CompatibilityVerdict>();
  for (const v of reply.value.verdicts) {
    const key = v.key.trim();
    if (acceptedKeys.has(key) && !keys.has(key)) continue; // a verdict on an accepted constraint: not asked for
    if (!keys.has(key)) notes.push(`compat: verdict for "${key}", which is not one of the constraints, ignored`);
    else if (verdictOf.has(key)) notes.push(`compat: second verdict for "${key}" ignored`);
    else verdictOf.set(key, { ...v, key });
  }
  const kept: T[] = [];
  const dropped: DroppedConstraint[] = [];
  for (const c of constraints) {
    const v = verdictOf.get(c.key);
    if (!v) {
      notes.push(`compat: no verdict for "${c.key}"; kept`);
      kept.push(c);
    } else if (v.compatible) {
      kept.push(c);
    } else {
      const why = v.reason?.trim() || "no reason given";
      dropped.push({ key: c.key, value: c.value, reason: `incompatible: ${why}` });
    }
  }
  return { kept, dropped, checked: true, verdicts: reply.value.verdicts, notes };
}
