// Flag values → typed values: one parser per kind of value, each naming the flag and what it takes when the value
// is wrong (a UsageError, exit 2).
import { existsSync, statSync } from "node:fs";
import { outDirProblem, outFileProblem } from "../io/out-path.js";
import { UsageError } from "./exit-codes.js";
import { MAX_FIELD_FLAG, parseByteSize } from "../io/field-limit.js";

/** A whole number ≥ 1, or undefined when the flag was not given. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got "${value}"`);
  return n;
}

/** `--max-field-bytes`: a size in bytes, or with a K/M/G suffix (1024-based). */
export function maxFieldBytes(value: string): number {
  const n = parseByteSize(value);
  if (n === undefined) throw new UsageError(`${MAX_FIELD_FLAG} must be a size in bytes of at least 1, such as 16777216, 64K, 16M or 1G; got "${value}"`);
  return n;
}

/** A whole number ≥ 0 (a seed). */
export function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number ≥ 0, got "${value}"`);
  return n;
}

/** A finite number, within [min, max] when given. */
export function numberIn(value: string, flag: string, min = -Infinity, max = Infinity): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of at least ${min}` : max < Infinity ? ` of at most ${max}` : "";
    throw new UsageError(`${flag} must be a number${range}, got "${value}"`);
  }
  return n;
}

/** `--price in,out`: USD per million input and output tokens. */
export function parsePrice(value: string | undefined, flag: string): { input: number; output: number } | undefined {
  if (value === undefined) return undefined;
  // Number("") is 0: an empty part ("2.5," by a slip) must be refused, not priced at nothing.
  const parts = value.split(",").map((p) => (p.trim() === "" ? NaN : Number(p)));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new UsageError(`${flag} takes two prices in USD per million tokens, input and output, like 2.5,10; got "${value}"`);
  }
  return { input: parts[0]!, output: parts[1]! };
}

/**
 * Collects the problems of every flag before failing, so a user fixes all of them at once rather than one per run:
 * `const seed = flags.value(() => wholeNumber(...))` … `flags.done()` throws one UsageError listing them all.
 * A value read before done() may be undefined where its check failed; done() throws before it can be used.
 */
export class FlagChecks {
  readonly problems: string[] = [];

  value<T>(check: () => T): T {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      this.problems.push(e.message);
      return undefined as T;
    }
  }

  /** Records `problem` when there is one. */
  problem(problem: string | undefined): void {
    if (problem !== undefined) this.problems.push(problem);
  }

  /** Records `problem` unless `ok`. */
  require(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  /** An output folder (created when missing) must be creatable and writable. */
  outDir(path: string, flag = "--out"): void {
    const problem = outDirProblem(path);
    if (problem) this.problems.push(`${flag} ${problem}`);
  }

  /** An output file must not be a folder, and its folder must exist and be writable. */
  outFile(path: string | undefined, flag = "--out"): void {
    const problem = path === undefined ? undefined : outFileProblem(path);
    if (problem) this.problems.push(`${flag} ${problem}`);
  }

  /** An input file must exist and be a file. */
  inFile(path: string, flag: string): void {
    if (!existsSync(path)) this.problems.push(`${flag} ${path}: no such file`);
    else if (!statSync(path).isFile()) this.problems.push(`${flag} ${path} is a folder; give a file`);
  }

  done(): void {
    if (this.problems.length === 1) throw new UsageError(this.problems[0]!);
    if (this.problems.length > 1) throw new UsageError(`${this.problems.length} problems with the options:\n  ${this.problems.join("\n  ")}`);
  }
}

/** `--image-max-side` / `--image-max-pixels` → the endpoint's image limits (none: no limit of that kind). */
export function imageLimits(flags: { imageMaxSide?: string; imageMaxPixels?: string }): { maxSide?: number; maxPixels?: number } {
  const limit = (value: string | undefined, flag: string, least: number) => {
    if (value === undefined || value.trim().toLowerCase() === "none") return undefined;
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < least) throw new UsageError(`${flag} must be a whole number of at least ${least}, or none; got "${value}"`);
    return n;
  };
  const maxSide = limit(flags.imageMaxSide, "--image-max-side", 1);
  const maxPixels = limit(flags.imageMaxPixels, "--image-max-pixels", 1);
  return { ...(maxSide !== undefined ? { maxSide } : {}), ...(maxPixels !== undefined ? { maxPixels } : {}) };
}
