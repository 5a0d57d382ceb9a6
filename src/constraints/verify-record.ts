/**
 * Checks one input record of `mmif verify`: `{response, verify_funcs}` or `{response, constraints}` (only the
 * rule_based constraints are checked). Pure: errors come back as values with the field they concern.
 */
import { VerifyFuncError } from "./params.js";
import { bindVerifyFunc, type BoundVerifyFunc, type VerifyFuncCall } from "./registry.js";

export type VerifiedRecord = Record<string, unknown> & { results: boolean[]; pass: boolean };

export type RecordOutcome = { ok: true; record: VerifiedRecord } | { ok: false; error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(error: string): RecordOutcome {
  return { ok: false, error };
}

/** The calls to run: verify_funcs as given, or the verify funcs of the rule_based constraints in order. */
function collectCalls(record: Record<string, unknown>): { calls: Array<{ call: VerifyFuncCall; field: string }> } | { error: string } {
  if (record.verify_funcs !== undefined) {
    if (!Array.isArray(record.verify_funcs)) return { error: 'field "verify_funcs" must be a list of {func, params} objects' };
    return { calls: record.verify_funcs.map((call, i) => ({ call: call as VerifyFuncCall, field: `verify_funcs[${i}]` })) };
  }
  let constraints = record.constraints;
  // Benchmark TSVs carry constraints as a JSON string.
  if (typeof constraints === "string") {
    try {
      constraints = JSON.parse(constraints);
    } catch (e) {
      return { error: `field "constraints" is a string but not valid JSON: ${(e as Error).message}` };
    }
  }
  if (constraints === undefined) return { error: 'needs a "verify_funcs" list or a "constraints" list' };
  if (!Array.isArray(constraints)) return { error: 'field "constraints" must be a list of constraint objects' };
  const calls: Array<{ call: VerifyFuncCall; field: string }> = [];
  for (const [i, c] of constraints.entries()) {
    if (!isObject(c) || !isObject(c.judge)) return { error: `constraints[${i}] must be an object with a "judge" object` };
    if (c.judge.method !== "rule_based") continue;
    const funcs = c.judge.verify_funcs ?? [];
    if (!Array.isArray(funcs)) return { error: `constraints[${i}].judge.verify_funcs must be a list` };
    funcs.forEach((call, j) => calls.push({ call: call as VerifyFuncCall, field: `constraints[${i}].judge.verify_funcs[${j}]` }));
  }
  return { calls };
}

export function verifyRecord(record: unknown): RecordOutcome {
  if (!isObject(record)) return fail("line must be a JSON object");
  if (typeof record.response !== "string") {
    return fail(record.response === undefined ? 'missing field "response"' : 'field "response" must be a string');
  }
  const collected = collectCalls(record);
  if ("error" in collected) return fail(collected.error);
  const bound: BoundVerifyFunc[] = [];
  for (const { call, field } of collected.calls) {
    try {
      bound.push(bindVerifyFunc(call));
    } catch (e) {
      if (e instanceof VerifyFuncError) return fail(`${field}: ${e.message}`);
      throw e;
    }
  }
  const response = record.response;
  const results = bound.map((b) => b.fn.check(response, b.params));
  return { ok: true, record: { ...record, results, pass: results.every(Boolean) } };
}
