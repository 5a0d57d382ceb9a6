import type { ParamSpec, ParamValue } from "./params.js";

/** Families group verify functions by what they look at; one source file per family. */
export type VerifierFamily = "length" | "substrings" | "affixes" | "keywords" | "numbers";

/** Positional argument types derived from a parameter spec list. */
export type ArgsOf<P extends readonly ParamSpec[]> = { -readonly [K in keyof P]: P[K] extends ParamSpec ? ParamValue[P[K]["type"]] : never };

/** One rule-based verify function of MM-IFEval: exact reference name, typed parameters, and its check. */
export interface VerifyFunction {
  /** The reference's exact name (typos such as "metioned" kept: benchmark files refer to them). */
  readonly name: string;
  readonly family: VerifierFamily;
  readonly params: readonly ParamSpec[];
  /** What passes, in words; shown in `mmif verify --help` and given to the LLM that assigns verify functions. */
  readonly description: string;
  /** Runs the check on already validated params. */
  readonly check: (response: string, params: readonly unknown[]) => boolean;
}

/** Declares a verify function with its check typed from its parameter specs. */
export function defineVerifier<const P extends readonly ParamSpec[]>(def: {
  name: string;
  family: VerifierFamily;
  params: P;
  description: string;
  check: (response: string, ...args: ArgsOf<P>) => boolean;
}): VerifyFunction {
  const check = def.check as (response: string, ...args: unknown[]) => boolean;
  return {
    name: def.name,
    family: def.family,
    params: def.params,
    description: def.description,
    check: (response, params) => check(response, ...params),
  };
}

const LOWER = { name: "lower_bound", type: "int", description: "smallest allowed count (inclusive)" } as const satisfies ParamSpec;
const UPPER = { name: "upper_bound", type: "int", description: "largest allowed count (inclusive)" } as const satisfies ParamSpec;

/** The `(lower_bound, upper_bound)` pair most counting functions take. */
export const BOUNDS = [LOWER, UPPER] as const;

export function inRange(n: number, lo: number, hi: number): boolean {
  return lo <= n && n <= hi;
}
