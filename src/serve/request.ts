/**
 * Reads a POST /v1/reward body into validated items. Every problem is a {@link RequestError} naming the item and
 * the field (`items[3].constraints[1].judge.verify_funcs[0]`), so a trainer's bad row is found at once; rule
 * constraints are bound to their verify functions here, before any work starts.
 */
import { resolveInside } from "../io/paths.js";
import { VerifyFuncError } from "../constraints/params.js";
import { bindVerifyFunc } from "../constraints/registry.js";
import { JUDGE_METHODS } from "../constraints/taxonomy.js";
import type { Constraint } from "../constraints/schema.js";
import { imageSource, type ImageSource } from "../model/images.js";
import { REWARD_MODES, RequestError, type RewardItem, type RewardMode, type RewardRequest } from "./types.js";

/** The judge methods MM-IFEval scores; anything else is a typo the server reports instead of ignoring. */

export interface ItemContext {
  /** Image paths resolve inside this folder and may not leave it. */
  imageRoot: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

export function parseMode(value: unknown, field: string): RewardMode {
  if (value === undefined) return "share";
  if (typeof value === "string" && (REWARD_MODES as readonly string[]).includes(value)) return value as RewardMode;
  throw new RequestError(`must be one of ${REWARD_MODES.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(value)}`, field);
}

export function parseRewardRequest(body: unknown, ctx: ItemContext): RewardRequest {
  if (!isObject(body)) throw new RequestError(`the body must be a JSON object {"items": [...], "mode"?: "share" | "strict"}, got ${typeName(body)}`);
  if (!Array.isArray(body.items)) throw new RequestError(body.items === undefined ? "missing; send a list of items" : `must be a list, got ${typeName(body.items)}`, "items");
  const mode = parseMode(body.mode, "mode");
  return { mode, items: body.items.map((raw, i) => parseItem(raw, i, `items[${i}]`, ctx)) };
}

/** One item; `where` names it in errors (`items[3]`, or `labels[3]` for OpenRLHF requests). */
export function parseItem(raw: unknown, index: number, where: string, ctx: ItemContext): RewardItem {
  const fail = (field: string, message: string): never => {
    throw new RequestError(message, `${where}${field}`, index);
  };
  if (!isObject(raw)) return fail("", `must be an object {"response", "constraints", ...}, got ${typeName(raw)}`);
  if (typeof raw.response !== "string") return fail(".response", raw.response === undefined ? "missing; the text to reward" : `must be a string, got ${typeName(raw.response)}`);
  const item: RewardItem = { response: raw.response, constraints: parseConstraints(raw.constraints, index, `${where}.constraints`), responseWithout: {} };
  if (raw.prompt !== undefined) {
    if (typeof raw.prompt !== "string") return fail(".prompt", `must be a string, got ${typeName(raw.prompt)}`);
    item.prompt = raw.prompt;
  }
  if (raw.image !== undefined) item.image = parseImage(raw.image, index, `${where}.image`, ctx);
  if (raw.response_without !== undefined) {
    if (!isObject(raw.response_without)) return fail(".response_without", `must be an object {constraint key: answer without that constraint}, got ${typeName(raw.response_without)}`);
    for (const [key, text] of Object.entries(raw.response_without)) {
      if (typeof text !== "string") return fail(`.response_without[${JSON.stringify(key)}]`, `must be a string, got ${typeName(text)}`);
      item.responseWithout[key] = text;
    }
  }
  return item;
}

/** A list of MM-IFEval constraint objects, or that list as a JSON string (as the benchmark TSV holds it). */
export function parseConstraints(value: unknown, index: number, field: string): Constraint[] {
  const fail = (sub: string, message: string): never => {
    throw new RequestError(message, `${field}${sub}`, index);
  };
  let list = value;
  if (typeof list === "string") {
    try {
      list = JSON.parse(list);
    } catch (e) {
      return fail("", `is a string but not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!Array.isArray(list)) return fail("", list === undefined ? "missing; a list of MM-IFEval constraint objects" : `must be a list of constraint objects, got ${typeName(list)}`);
  return list.map((c, j): Constraint => {
    const at = `[${j}]`;
    if (!isObject(c)) return fail(at, `must be an object {"key", "value", "judge": {"method", ...}}, got ${typeName(c)}`);
    if (typeof c.key !== "string") return fail(`${at}.key`, c.key === undefined ? "missing" : `must be a string, got ${typeName(c.key)}`);
    if (typeof c.value !== "string") return fail(`${at}.value`, c.value === undefined ? "missing; the constraint's text" : `must be a string, got ${typeName(c.value)}`);
    if (!isObject(c.judge)) return fail(`${at}.judge`, c.judge === undefined ? 'missing; {"method": "rule_based" | "direct_gpt" | "cmp_gpt", ...}' : `must be an object, got ${typeName(c.judge)}`);
    const method = c.judge.method;
    if (typeof method !== "string" || !(JUDGE_METHODS as readonly string[]).includes(method)) {
      return fail(`${at}.judge.method`, `must be one of ${JUDGE_METHODS.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(method)}`);
    }
    if (method === "rule_based") {
      const funcs = c.judge.verify_funcs;
      if (!Array.isArray(funcs)) return fail(`${at}.judge.verify_funcs`, funcs === undefined ? "missing; a rule_based constraint needs a list of {func, params}" : `must be a list, got ${typeName(funcs)}`);
      funcs.forEach((call, k) => {
        try {
          bindVerifyFunc(call as never);
        } catch (e) {
          if (e instanceof VerifyFuncError) fail(`${at}.judge.verify_funcs[${k}]`, e.message);
          throw e;
        }
      });
    }
    return c as Constraint;
  });
}

function parseImage(value: unknown, index: number, field: string, ctx: ItemContext): ImageSource {
  if (typeof value !== "string" || value === "") {
    throw new RequestError(`must be a file path, a data: URL or an http(s) URL, got ${typeName(value)}`, field, index);
  }
  const source = imageSource(value);
  if (!("path" in source)) return source;
  const inside = resolveInside(ctx.imageRoot, value);
  if (!inside.ok) throw new RequestError(`${inside.message} (start mmif serve with --image-root to allow another folder)`, field, index);
  return { path: inside.path };
}
