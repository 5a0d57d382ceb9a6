/**
 * Typed positional parameters of verify functions.
 *
 * MM-IFEval calls `func(response, *params)`, so parameters are positional and list arguments nest. Each verify
 * function declares its parameters once here-style; validation turns a wrong arity or type into an error that
 * names the function and what it expects.
 */
import { InputError } from "../common/errors.js";

export type ParamType = "int" | "string" | "string[]" | "range[]";

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
}

/** A TypeScript type for each declared parameter type. */
export interface ParamValue {
  int: number;
  string: string;
  "string[]": string[];
  "range[]": Array<[number, number]>;
}

const TYPE_LABEL: Record<ParamType, string> = {
  int: "int",
  string: "str",
  "string[]": "list[str]",
  "range[]": "list[[int, int]]",
};

/** What the reference Python raises for a bad verify func: `KeyError: 'params'`, `TypeError: ...`. */
export type PyRaise = { type: "KeyError"; key: string } | { type: string; message: string };

/** Why a verify function call cannot be run: unknown name, wrong arity or wrong parameter type. */
export class VerifyFuncError extends InputError {
  constructor(
    message: string,
    readonly func: string,
    /** Index of the verify func in its list, when known. */
    readonly index?: number,
    /** What the reference raises here, when the one rule verdict decided it (see rule-verdict.ts). */
    readonly raises?: PyRaise,
  ) {
    super(message);
    this.name = "VerifyFuncError";
  }
}

/** `name(response, lower_bound: int, upper_bound: int)` — the signature users see in errors and help. */
export function signature(func: string, params: readonly ParamSpec[]): string {
  const args = ["response", ...params.map((p) => `${p.name}: ${TYPE_LABEL[p.type]}`)];
  return `${func}(${args.join(", ")})`;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function matches(type: ParamType, v: unknown): boolean {
  switch (type) {
    case "int":
      return isInt(v);
    case "string":
      return typeof v === "string";
    case "string[]":
      return Array.isArray(v) && v.every((s) => typeof s === "string");
    case "range[]":
      return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === 2 && isInt(r[0]) && isInt(r[1]));
  }
}

function describe(v: unknown): string {
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Throws a {@link VerifyFuncError} unless `params` fits `specs` exactly. */
export function validateParams(func: string, specs: readonly ParamSpec[], params: unknown): asserts params is unknown[] {
  if (Array.isArray(params) && params.length === specs.length && specs.every((spec, i) => matches(spec.type, params[i]))) return;
  const sig = signature(func, specs);
  if (!Array.isArray(params)) {
    throw new VerifyFuncError(`${func}: params must be a list of ${specs.length} positional argument(s); expected ${sig}, got ${describe(params)}`, func);
  }
  if (params.length !== specs.length) {
    throw new VerifyFuncError(`${func}: takes ${specs.length} parameter(s) after the response, got ${params.length}; expected ${sig}`, func);
  }
  specs.forEach((spec, i) => {
    if (!matches(spec.type, params[i])) {
      throw new VerifyFuncError(
        `${func}: parameter ${i + 1} (${spec.name}) must be ${TYPE_LABEL[spec.type]}, got ${describe(params[i])}; expected ${sig}`,
        func,
      );
    }
  });
}
