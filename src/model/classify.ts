/**
 * Turns what a failed attempt threw into a retry decision: 429 waits (Retry-After honoured), 5xx, 408, 409,
 * timeouts, resets and garbage replies back off and retry, every other 4xx is final.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { RetryDecision } from "./scheduler.js";
import { rootCause, WorkError } from "../common/errors.js";

/** A reply that arrived but is not a usable chat completion (malformed JSON, missing fields). */
export class ModelResponseError extends WorkError {}

/**
 * Our own per-attempt deadline fired. The SDK's timeout only covers the wait for response headers; a server
 * that stalls halfway through the body is cut off by this deadline instead.
 */
export class AttemptDeadlineError extends WorkError {}

type HeaderBag = Headers | Record<string, string | null | undefined> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | undefined>)[name] ?? undefined;
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date; undefined when absent or unusable. */
export function retryAfterMs(headers: HeaderBag, now = Date.now()): number | undefined {
  const ms = Number(header(headers, "retry-after-ms"));
  if (header(headers, "retry-after-ms") !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = header(headers, "retry-after");
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** The system error code under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND, a TLS code...). */
function causeCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code !== "") return e.code;
  }
  return undefined;
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** What a connection failure says about the configuration, when it says something. */
function connectionSetup(code: string | undefined, cause: string): string | undefined {
  // fetch refuses some ports outright (6000, 6665–6669, …: the WHATWG "bad port" list); no retry can help.
  if (cause === "bad port") return "Node's fetch refuses this port (it is on the WHATWG bad-port list): serve the endpoint on another port";
  if (code === "ECONNREFUSED") return "connection refused: nothing listens at the base URL (wrong host or port, or the server is not running)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return `the base URL's host name does not resolve (${code})`;
  if (code !== undefined && TLS_CODE.test(code)) return `TLS failed (${code}): https to a plain-http server, or a certificate the client does not trust`;
  return undefined;
}

/** What an HTTP status on the first calls says about the configuration. */
function statusSetup(status: number, message: string): string | undefined {
  if (status === 401) return `the server refused the API key (401: ${message})`;
  if (status === 403) return `access denied (403: ${message}): the key has no access to this model`;
  if (status === 404) return `not found (404: ${message}): the model name or the base URL is wrong (an OpenAI-compatible base URL usually ends in /v1)`;
  return undefined;
}

export function classifyError(error: unknown): RetryDecision {
  if (error instanceof AttemptDeadlineError || error instanceof APIConnectionTimeoutError) {
    return { retry: true, kind: "timeout", message: "the server did not answer in time" };
  }
  if (error instanceof APIUserAbortError) return { retry: false, kind: "aborted", message: "the request was aborted" };
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = causeCode(cause);
    const setup = connectionSetup(code, rootCause(error));
    return { retry: true, kind: "connection", message: `connection failed: ${code ?? cause?.message ?? error.message}`, ...(setup ? { setup } : {}) };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const message = firstLine(error.message);
    if (status === 429) return { retry: true, kind: "rate-limit", status, retryAfterMs: retryAfterMs(error.headers as HeaderBag), message };
    if (status >= 500 || status === 408 || status === 409) {
      return { retry: true, kind: "server", status, retryAfterMs: retryAfterMs(error.headers as HeaderBag), message };
    }
    const setup = statusSetup(status, message);
    return { retry: false, kind: "client", status, message, ...(setup ? { setup } : {}) };
  }
  // A body the SDK could not parse surfaces as a SyntaxError; a parsed body of the wrong shape as ours.
  if (error instanceof ModelResponseError || error instanceof SyntaxError) {
    return { retry: true, kind: "bad-response", message: `unusable reply: ${firstLine(error.message)}` };
  }
  // A connection dropped while the body was being read escapes the SDK's classes as fetch's bare TypeError.
  if (error instanceof TypeError && /terminated|fetch failed|socket|network/i.test(error.message)) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return { retry: true, kind: "connection", message: `connection lost while reading the reply${code ? ` (${code})` : ""}` };
  }
  return { retry: false, kind: "internal", message: error instanceof Error ? firstLine(error.message) : String(error) };
}
