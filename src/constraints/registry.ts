/**
 * The registry of MM-IFEval's 19 rule-based verify functions: lookup by exact name and parameter validation.
 * Running a constraint's list of `{func, params}` against a response is the one rule verdict (rule-verdict.ts).
 */
import { closestMatch } from "../text/closest.js";
import { VerifyFuncError, validateParams } from "./params.js";
import type { VerifyFunction } from "./verify-function.js";
import { affixVerifiers } from "./verifiers/affixes.js";
import { keywordVerifiers } from "./verifiers/keywords.js";
import { lengthVerifiers } from "./verifiers/length.js";
import { numberVerifiers } from "./verifiers/numbers.js";
import { substringVerifiers } from "./verifiers/substrings.js";

/** Every verify function, in the order of the spec's table. */
export const VERIFY_FUNCTIONS: readonly VerifyFunction[] = [
  ...lengthVerifiers,
  ...substringVerifiers,
  ...affixVerifiers,
  ...keywordVerifiers,
  ...numberVerifiers,
];

const BY_NAME = new Map(VERIFY_FUNCTIONS.map((f) => [f.name, f]));

/** One verify function call as benchmark files write it: positional params after the response. */
export interface VerifyFuncCall {
  func: string;
  params?: unknown;
}

/** A call whose name and params were checked, ready to run many times. */
export interface BoundVerifyFunc {
  readonly fn: VerifyFunction;
  readonly params: readonly unknown[];
}

export function getVerifyFunction(name: string): VerifyFunction | undefined {
  return BY_NAME.get(name);
}

/** Validates one call; throws {@link VerifyFuncError} naming the function and what it expects. */
export function bindVerifyFunc(call: VerifyFuncCall, index?: number): BoundVerifyFunc {
  if (call === null || typeof call !== "object" || typeof call.func !== "string") {
    const where = index === undefined ? "verify func" : `verify func #${index + 1}`;
    throw new VerifyFuncError(`${where} must be an object {"func": name, "params": [...]}, got ${JSON.stringify(call)}`, "", index);
  }
  const fn = BY_NAME.get(call.func);
  if (fn === undefined) {
    const hint = closestMatch(call.func, BY_NAME.keys());
    throw new VerifyFuncError(
      `unknown verify function "${call.func}"${hint ? ` (did you mean "${hint}"?)` : ""}; \`mmif verify --list\` shows all ${VERIFY_FUNCTIONS.length}`,
      call.func,
      index,
    );
  }
  // Validation alone (assignment, tests): a missing params list is no arguments. The verdict is stricter.
  const params = call.params === undefined ? [] : call.params;
  try {
    validateParams(fn.name, fn.params, params);
  } catch (e) {
    if (e instanceof VerifyFuncError) throw new VerifyFuncError(e.message, e.func, index);
    throw e;
  }
  return { fn, params };
}
