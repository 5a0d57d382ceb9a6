/**
 * OpenRLHF's remote reward-model protocol (`--remote_rm_url http://host:port/get_reward`): the body is
 * `{"query": [prompt + response], "prompts": [prompt], "labels": [label]}`, the answer `{"rewards", "scores",
 * "extra_logs"}` with one number per query in each list (OpenRLHF concatenates them into tensors, so a missing
 * reward is sent as 0 and flagged in `extra_logs.mmif_unscored`).
 *
 * A label is the item's constraints as a JSON string (a list), or a JSON object with the rest of an item:
 * `{"constraints": [...], "response_without"?: {...}, "image"?: ...}`.
 */
import { parseItem, parseMode, type ItemContext } from "./request.js";
import { passes } from "./reward.js";
import { RequestError, type ItemReward, type RewardItem, type RewardRequest } from "./types.js";

export interface OpenRlhfOptions extends ItemContext {
  /** Texts removed from the end of each response, repeatedly (end-of-sequence and padding tokens). */
  stripTokens: readonly string[];
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new RequestError(value === undefined ? "missing; a list of strings" : "must be a list of strings", field);
  value.forEach((v, i) => {
    if (typeof v !== "string") throw new RequestError(`must be a string, got ${v === null ? "null" : typeof v}`, `${field}[${i}]`, i);
  });
  return value as string[];
}

/** The response: the query after its prompt (pad tokens before the prompt are skipped), minus trailing tokens. */
export function responseOf(query: string, prompt: string, stripTokens: readonly string[], index: number): string {
  const at = query.indexOf(prompt);
  if (at < 0) throw new RequestError("does not contain prompts[" + index + "]; the query must be the prompt followed by the response", `query[${index}]`, index);
  let response = query.slice(at + prompt.length);
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const token of stripTokens) {
      if (token !== "" && response.endsWith(token)) {
        response = response.slice(0, -token.length);
        stripped = true;
      }
    }
  }
  return response;
}

export function parseOpenRlhfRequest(body: unknown, mode: unknown, options: OpenRlhfOptions): RewardRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError('the body must be a JSON object {"query": [...], "prompts": [...], "labels": [...]}');
  }
  const b = body as Record<string, unknown>;
  const queries = stringList(b.query, "query");
  const prompts = b.prompts === undefined ? queries.map(() => "") : stringList(b.prompts, "prompts");
  const labels = stringList(b.labels, "labels");
  for (const [name, list] of [["prompts", prompts], ["labels", labels]] as const) {
    if (list.length !== queries.length) throw new RequestError(`has ${list.length} entries for ${queries.length} queries; send one per query`, name);
  }
  const items = queries.map((query, i): RewardItem => {
    let label: unknown;
    try {
      label = JSON.parse(labels[i]!);
    } catch (e) {
      throw new RequestError(`is not JSON: ${(e as Error).message}; a label is the constraints as a JSON string (--label_key)`, `labels[${i}]`, i);
    }
    const fields = Array.isArray(label) ? { constraints: label } : label;
    const response = responseOf(query, prompts[i]!, options.stripTokens, i);
    return parseItem({ ...(typeof fields === "object" && fields !== null ? fields : { constraints: fields }), response }, i, `labels[${i}]`, options);
  });
  return { items, mode: parseMode(mode ?? undefined, "mode (query string)") };
}

/** OpenRLHF's answer: rewards for the advantage, the same numbers as scores, per-sample logs. */
export function openRlhfAnswer(rewards: readonly ItemReward[]): { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> } {
  const values = rewards.map((r) => r.reward ?? 0);
  return {
    rewards: values,
    scores: values,
    extra_logs: {
      mmif_unscored: rewards.map((r) => (r.reward === null ? 1 : 0)),
      mmif_constraints_passed: rewards.map((r) => r.verdicts.filter(passes).length),
      mmif_constraints_unscored: rewards.map((r) => r.verdicts.filter((v) => v.score === null).length),
    },
  };
}
