/**
 * The one rule verdict: whether a response passes a rule_based constraint's verify funcs. `mmif verify`, the eval
 * scorer (and so generate and dpo), and the library's `verify()` all decide through here.
 *
 * It follows the reference exactly as VLMEvalKit and the authors call it (spec mm-ifeval.md §3):
 *
 *     all(globals()[f["func"]](prediction, *f["params"]) for f in constraint["judge"]["verify_funcs"])
 *
 * - no `verify_funcs` → the reference raises KeyError: 'verify_funcs'; an empty list passes;
 * - the funcs run in order and stop at the first failure (all() short-circuits), so an unknown function or bad
 *   params after a failing function raise nothing: the verdict is simply false;
 * - a reached func without `params` → KeyError: 'params'; an unknown name → KeyError: '<name>';
 * - params that are not a list are spread as Python's `*params` spreads them: a string into its characters, an
 *   object into its keys; anything else (a number, null) raises TypeError. The spread list must then fit the
 *   function's signature (arity and types), else TypeError.
 * Errors come out as {@link VerifyFuncError} with `raises`, what the reference raises, and `index`, the func's
 * position in the list.
 */
import { VerifyFuncError, type PyRaise } from "./params.js";
import { bindVerifyFunc, getVerifyFunction, type BoundVerifyFunc } from "./registry.js";

export interface RuleVerdict {
  /**
   * One entry per verify func, in order. Funcs after the first failure are still checked for the report when they
   * can be (known name, fitting params); `null` when they cannot, since the reference never reaches them.
   */
  results: Array<boolean | null>;
  /** The rule_based verdict: every func passed (an empty list passes). */
  pass: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  return Array.isArray(v) ? "list" : "dict";
}

/** `*params` as Python spreads it. */
function spreadParams(params: unknown, func: string, index: number): unknown[] {
  if (Array.isArray(params)) return params;
  if (typeof params === "string") return Array.from(params);
  if (isObject(params)) return Object.keys(params);
  throw new VerifyFuncError(
    `${func}: params must be a list of positional arguments, got ${JSON.stringify(params)}`,
    func,
    index,
    { type: "TypeError", message: `${func}() argument after * must be an iterable, not ${pyTypeName(params)}` },
  );
}

/** One verify func as the reference reaches it: looked up, then called with `*params`. */
function bindAsReference(call: unknown, index: number): BoundVerifyFunc {
  if (!isObject(call)) {
    throw new VerifyFuncError(
      `verify func #${index + 1} must be an object {"func": name, "params": [...]}, got ${JSON.stringify(call)}`,
      "",
      index,
      { type: "TypeError", message: `${pyTypeName(call)} indices must be integers` },
    );
  }
  if (typeof call.func !== "string") {
    const raises: PyRaise = call.func === undefined ? { type: "KeyError", key: "func" } : { type: "TypeError", message: `unhashable type: '${pyTypeName(call.func)}'` };
    throw new VerifyFuncError(`verify func #${index + 1} has no "func" name`, "", index, raises);
  }
  const func = call.func;
  // The name is looked up before params is read: an unknown name wins.
  if (getVerifyFunction(func) === undefined) {
    let message = `unknown verify function "${func}"`;
    try {
      bindVerifyFunc({ func, params: [] }, index);
    } catch (e) {
      message = (e as Error).message;
    }
    throw new VerifyFuncError(message, func, index, { type: "KeyError", key: func });
  }
  if (!Object.hasOwn(call, "params")) {
    throw new VerifyFuncError(`${func}: has no "params" (use [] for a function without parameters)`, func, index, { type: "KeyError", key: "params" });
  }
  try {
    return bindVerifyFunc({ func, params: spreadParams(call.params, func, index) }, index);
  } catch (e) {
    if (!(e instanceof VerifyFuncError) || e.raises !== undefined) throw e;
    throw new VerifyFuncError(e.message, func, index, { type: "TypeError", message: e.message });
  }
}

/** Decides one rule_based constraint from its `judge.verify_funcs`; throws {@link VerifyFuncError} where the reference raises. */
export function ruleVerdict(response: string, verifyFuncs: unknown): RuleVerdict {
  if (verifyFuncs === undefined) {
    throw new VerifyFuncError('a rule_based constraint needs "verify_funcs" (an empty list passes)', "", undefined, { type: "KeyError", key: "verify_funcs" });
  }
  if (!Array.isArray(verifyFuncs)) {
    throw new VerifyFuncError(
      `"verify_funcs" must be a list of {func, params} objects, got ${JSON.stringify(verifyFuncs)}`,
      "",
      undefined,
      { type: "TypeError", message: `verify_funcs is a ${pyTypeName(verifyFuncs)}, not a list of dicts` },
    );
  }
  const results: Array<boolean | null> = [];
  let pass = true;
  for (const [i, call] of verifyFuncs.entries()) {
    if (!pass) {
      // Not reached by the reference: reported when it can be checked, never an error.
      results.push(checkQuietly(response, call, i));
      continue;
    }
    const bound = bindAsReference(call, i);
    let passed: boolean;
    try {
      passed = bound.fn.check(response, bound.params);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      throw new VerifyFuncError(`${bound.fn.name} failed: ${err.message}`, bound.fn.name, i, { type: err.name, message: err.message });
    }
    results.push(passed);
    pass = passed;
  }
  return { results, pass };
}

function checkQuietly(response: string, call: unknown, index: number): boolean | null {
  try {
    const bound = bindAsReference(call, index);
    return bound.fn.check(response, bound.params);
  } catch {
    return null;
  }
}

/** The library's entry point: {@link ruleVerdict} over a list of `{func, params}` calls. */
export function verify(response: string, verifyFuncs: unknown): RuleVerdict {
  return ruleVerdict(response, verifyFuncs);
}
