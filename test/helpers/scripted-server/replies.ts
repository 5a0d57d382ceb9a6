// Reply helpers, the default echo script and the OpenAI-shaped bodies the server sends.
import type { RecordedRequest, ReplySpec, Script, ScriptedReply } from "./types.js";

/** The OpenAI error envelope: `{ error: { message, type, param, code } }`. */
export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

const ERROR_TYPES: Record<number, [type: string, code: string | null, message: string]> = {
  400: ["invalid_request_error", null, "Bad request."],
  401: ["invalid_request_error", "invalid_api_key", "Incorrect API key provided."],
  403: ["invalid_request_error", "unsupported_country_region_territory", "Forbidden."],
  404: ["invalid_request_error", "unknown_url", "Not found."],
  408: ["timeout", null, "Request timed out."],
  409: ["invalid_request_error", null, "Conflict."],
  422: ["invalid_request_error", null, "Unprocessable entity."],
  429: ["requests", "rate_limit_exceeded", "Rate limit reached for requests."],
  500: ["server_error", null, "The server had an error while processing your request."],
  502: ["server_error", null, "Bad gateway."],
  503: ["server_error", null, "The server is overloaded or not ready yet."],
  504: ["server_error", null, "Gateway timeout."],
};

/** The default OpenAI-style error body for a status (used when a reply has a status ≥ 400 and no body). */
export function defaultErrorBody(status: number) {
  const [type, code, message] = ERROR_TYPES[status] ?? (status >= 500 ? ERROR_TYPES[500]! : ERROR_TYPES[400]!);
  return errorBody(message, type, code);
}

export const replies = {
  /** A normal completion with this content. */
  text(content: string, extra: Partial<ScriptedReply> = {}): ScriptedReply {
    return { ...extra, content };
  },
  /** A completion whose content is `JSON.stringify(value)` (what a structured-output call returns). */
  json(value: unknown, extra: Partial<ScriptedReply> = {}): ScriptedReply {
    return { ...extra, content: JSON.stringify(value) };
  },
  /** A completion cut by the token limit: `finish_reason: "length"`. */
  truncated(content: string, extra: Partial<ScriptedReply> = {}): ScriptedReply {
    return { ...extra, content, finishReason: "length" };
  },
  /** 429 with `retry-after` (seconds) and, optionally, `retry-after-ms` (the SDK prefers the latter). */
  rateLimited(retryAfterSeconds?: number, retryAfterMs?: number, extra: Partial<ScriptedReply> = {}): ScriptedReply {
    const headers: Record<string, string> = { ...extra.headers };
    if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
    if (retryAfterMs !== undefined) headers["retry-after-ms"] = String(retryAfterMs);
    return { ...extra, status: 429, headers, body: defaultErrorBody(429) };
  },
  /** A 5xx (500 by default) with an OpenAI-style error body. */
  serverError(status = 500, message?: string, extra: Partial<ScriptedReply> = {}): ScriptedReply {
    const body = defaultErrorBody(status);
    if (message !== undefined) body.error.message = message;
    return { ...extra, status, body };
  },
  /** 400 invalid_request_error with this message. */
  badRequest(message = "Invalid request.", extra: Partial<ScriptedReply> = {}): ScriptedReply {
    return { ...extra, status: 400, body: errorBody(message, "invalid_request_error") };
  },
  /** Any status with an OpenAI-style error body. */
  error(status: number, message: string, type = "invalid_request_error", code: string | null = null): ScriptedReply {
    return { status, body: errorBody(message, type, code) };
  },
  /** A transport fault (see `Fault`), optionally after a delay. */
  fault(fault: NonNullable<ScriptedReply["fault"]>, delayMs?: number): ScriptedReply {
    return delayMs === undefined ? { fault } : { fault, delayMs };
  },
  reset: (): ScriptedReply => ({ fault: "reset" }),
  hang: (): ScriptedReply => ({ fault: "hang" }),
  /** 200 with these exact bytes (Content-Type application/json unless `contentType` says otherwise). */
  raw(rawBody: string, status = 200, contentType?: string): ScriptedReply {
    return contentType === undefined ? { status, rawBody } : { status, rawBody, headers: { "content-type": contentType } };
  },
};

/** The text parts of the last `role: "user"` message, joined with a space ("" when there is none). */
export function lastUserText(body: unknown): string {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (!m || m.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (!Array.isArray(m.content)) return "";
    const texts: string[] = [];
    for (const part of m.content as Array<{ type?: unknown; text?: unknown } | null>) {
      if (part && part.type === "text" && typeof part.text === "string") texts.push(part.text);
    }
    return texts.join(" ");
  }
  return "";
}

/**
 * The default script, deterministic: `echo: <last user text>` when the body was kept, else (keepBodies false)
 * `echo: request #<index> (<bodyBytes> bytes)`.
 */
export const echoScript: Script = (req: RecordedRequest) =>
  req.body !== undefined ? `echo: ${lastUserText(req.body)}` : `echo: request #${req.index} (${req.bodyBytes} bytes)`;

export function normalizeReply(spec: ReplySpec): ScriptedReply {
  return typeof spec === "string" ? { content: spec } : spec;
}

/** The full chat.completion object for a normal reply. */
export function buildCompletion(req: RecordedRequest, reply: ScriptedReply, content: string | null) {
  const promptTokens = reply.usage?.prompt_tokens ?? Math.ceil(req.bodyBytes / 4);
  const completionTokens = reply.usage?.completion_tokens ?? Math.ceil((content?.length ?? 0) / 4);
  return {
    id: `chatcmpl-scripted-${req.index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? req.model ?? "scripted-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        logprobs: null,
        finish_reason: reply.finishReason ?? "stop",
      },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    system_fingerprint: "fp_scripted",
  };
}
