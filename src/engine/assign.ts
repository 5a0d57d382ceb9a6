/**
 * Stage 4, verification assignment. Every constraint gets its subcategory's default judge method; for
 * rule-based subcategories an LLM picks the verify functions and their parameters among the subcategory's
 * candidates (shown with signatures, descriptions and parameter meanings).
 *
 * Each choice is checked before it is accepted:
 *  1. the function is one of the subcategory's candidates;
 *  2. `bindVerifyFunc` from the registry accepts name, arity and parameter types;
 *  3. plausibility: counts and precisions are ≥ 0, lower_bound ≤ upper_bound (and within each range of a
 *     range list), strings and keyword lists are not empty, and for keyword constraints every keyword occurs in
 *     the constraint's own text (case-insensitively), so the function checks what the sentence asks.
 * A failed check (or a reply that is not the JSON asked for) is re-asked with the error appended to the
 * conversation, so every ask is a distinct ledger call, at most `maxReasks` times (default 2). After that, or
 * when the model says no candidate fits (an empty list), or when its call fails, the constraint falls back to
 * the direct judge, `direct_gpt`, with `assignment: "fallback: <why>"`. A rule-based subcategory without
 * verify functions goes to the direct judge without a call. Running the functions is not part of the check:
 * there is no answer yet.
 */
import { z } from "zod";
import { bindVerifyFunc, getVerifyFunction } from "../constraints/registry.js";
import { signature, VerifyFuncError } from "../constraints/params.js";
import type { Subcategory } from "../constraints/taxonomy.js";
import type { ModelClient } from "../model/client.js";
import { chatStructured } from "../model/structured.js";
import type { ChatMessage } from "../model/types.js";
import { assignPrompt, assignRetryPrompt, callFailure, type CandidateFunction } from "./prompts.js";
import type { WrittenConstraint } from "./integrate.js";
import type { EngineConstraint } from "./types.js";

export interface AssignOptions {
  /** Re-asks after an invalid choice before falling back to the direct judge (default 2). */
  maxReasks?: number;
}

export type VerifyFuncChoice = { func: string; params: unknown[] };

const Choice = z.object({
  verify_funcs: z.array(z.object({ func: z.string(), params: z.unknown().optional() })),
});

/** The candidate functions of a subcategory as the prompt shows them. */
export function candidateFunctions(sub: Subcategory): CandidateFunction[] {
  return sub.verifyFuncs.flatMap((name) => {
    const fn = getVerifyFunction(name);
    if (!fn) return [];
    return [{ signature: signature(fn.name, fn.params), description: fn.description, params: fn.params.map((p) => `${p.name}: ${p.description}`) }];
  });
}

function plausibility(sub: Subcategory, value: string, func: string, params: readonly unknown[]): string | undefined {
  const fn = getVerifyFunction(func)!;
  const text = value.toLowerCase();
  const byName = new Map(fn.params.map((p, i) => [p.name, params[i]]));
  for (const [i, spec] of fn.params.entries()) {
    const v = params[i];
    const where = `${func}: parameter ${i + 1} (${spec.name})`;
    if (spec.type === "int" && (v as number) < 0) return `${where} must not be negative, got ${v}`;
    if (spec.type === "string" && (v as string) === "") return `${where} must not be empty`;
    if (spec.type === "string[]") {
      const list = v as string[];
      if (list.length === 0) return `${where} must list at least one string`;
      if (list.some((s) => s.trim() === "")) return `${where} must not contain empty strings`;
    }
    if (spec.type === "range[]") {
      const ranges = v as Array<[number, number]>;
      if (ranges.length === 0) return `${where} must list at least one [lower, upper] range`;
      const bad = ranges.find(([lo, hi]) => lo < 0 || lo > hi);
      if (bad) return `${where}: range ${JSON.stringify(bad)} must have 0 ≤ lower ≤ upper`;
    }
    if (sub.category === "keyword" && (spec.type === "string" || spec.type === "string[]")) {
      const words = spec.type === "string" ? [v as string] : (v as string[]);
      const absent = words.filter((w) => !text.includes(w.trim().toLowerCase()));
      if (absent.length > 0) return `${where}: ${JSON.stringify(absent)} do not occur in the constraint "${value}"; use the keywords it names`;
    }
  }
  const lo = byName.get("lower_bound");
  const hi = byName.get("upper_bound");
  if (typeof lo === "number" && typeof hi === "number" && lo > hi) return `${func}: lower_bound (${lo}) is larger than upper_bound (${hi})`;
  return undefined;
}

/**
 * Checks an LLM's choice of verify functions for a constraint. Returns the calls with `params` made explicit,
 * or the first error, worded for the model (it goes into the re-ask).
 */
export function checkVerifyFuncs(sub: Subcategory, value: string, calls: ReadonlyArray<{ func: string; params?: unknown }>): { ok: true; calls: VerifyFuncChoice[] } | { ok: false; error: string } {
  if (calls.length === 0) return { ok: false, error: "no verify function was chosen" };
  const out: VerifyFuncChoice[] = [];
  for (const [i, call] of calls.entries()) {
    const where = `verify func #${i + 1}`;
    if (!sub.verifyFuncs.includes(call.func)) {
      return { ok: false, error: `${where}: "${call.func}" is not one of the candidate functions for ${sub.key} (${sub.verifyFuncs.join(", ")})` };
    }
    let bound;
    try {
      bound = bindVerifyFunc(call, i);
    } catch (e) {
      if (e instanceof VerifyFuncError) return { ok: false, error: `${where}: ${e.message}` };
      throw e;
    }
    const problem = plausibility(sub, value, call.func, bound.params);
    if (problem) return { ok: false, error: `${where}: ${problem}` };
    out.push({ func: call.func, params: [...bound.params] });
  }
  return { ok: true, calls: out };
}

/** The constraint record of a written constraint: its key, category and subcategory keys, text and judge. */
export function constraintRecord(constraint: WrittenConstraint, judge: EngineConstraint["judge"], assignment: string): EngineConstraint {
  const sub = constraint.type;
  return { key: sub.key, category: sub.category, subcategory: sub.key, value: constraint.value, judge, assignment };
}

/** The constraint with its judge method, and verify functions for rule-based ones (from the type it was written for). */
export async function assignVerification(client: ModelClient, constraint: WrittenConstraint, task: string, options: AssignOptions = {}): Promise<EngineConstraint> {
  const sub = constraint.type;
  if (sub.method !== "rule_based") return constraintRecord(constraint, { method: sub.method }, "default");
  const fallback = (why: string) => constraintRecord(constraint, { method: "direct_gpt" }, `fallback: ${why}`);
  const candidates = candidateFunctions(sub);
  if (candidates.length === 0) return fallback(`no verify function can check ${sub.key}`);

  const maxReasks = options.maxReasks ?? 2;
  let messages: ChatMessage[] = [{ role: "user", content: assignPrompt(constraint, sub.name, task, candidates) }];
  let lastError = "";
  for (let ask = 0; ask <= maxReasks; ask++) {
    let reply;
    try {
      // Parse failures are re-asked by this loop too, so that `maxReasks` bounds every kind of bad answer.
      reply = await chatStructured(client, { messages }, { stage: "assign" }, { schema: Choice, name: "verify_funcs", maxReasks: 0 });
    } catch (e) {
      return fallback(callFailure(e).error);
    }
    if (reply.ok) {
      if (reply.value.verify_funcs.length === 0) return fallback("the model found no verify function that checks this constraint");
      const checked = checkVerifyFuncs(sub, constraint.value, reply.value.verify_funcs);
      if (checked.ok) return constraintRecord(constraint, { method: "rule_based", verify_funcs: checked.calls }, "rule");
      lastError = checked.error;
    } else {
      lastError = reply.error;
    }
    messages = [...messages, { role: "assistant", content: reply.raw }, { role: "user", content: assignRetryPrompt(lastError) }];
  }
  return fallback(`${lastError} (after ${maxReasks + 1} asks)`);
}
