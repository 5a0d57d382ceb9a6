// A chat completion read into what the ledger keeps, whether it came online or in a batch output line.
import { ModelResponseError } from "./classify.js";
import type { TokenUsage } from "./types.js";

export interface Answer {
  content: string;
  finishReason: string | null;
  usage: TokenUsage;
}

/** Checks the completion's shape; garbage from a misbehaving server is a retryable ModelResponseError. */
export function readAnswer(completion: unknown): Answer {
  const c = completion as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  if (typeof c !== "object" || c === null || !Array.isArray(c.choices)) {
    throw new ModelResponseError(`the server's reply is not a chat completion: ${String(JSON.stringify(completion)).slice(0, 200)}`);
  }
  const choice = c.choices[0];
  if (!choice || typeof choice.message !== "object" || choice.message === null) throw new ModelResponseError("the server's reply has no choices[0].message");
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== "string") throw new ModelResponseError("choices[0].message.content is not a string");
  const finishReason = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    content: content ?? "",
    finishReason,
    usage: { promptTokens: num(c.usage?.prompt_tokens), completionTokens: num(c.usage?.completion_tokens) },
  };
}
