// Public types of the scripted OpenAI-compatible server (see ../scripted-server.ts for the overview).
import type { StoredBatch, StoredFile } from "./batches.js";

/** One request as it arrived. Small on purpose: with `keepBodies: false` this is all that is retained. */
export interface RecordedRequest {
  /** 0-based arrival order (the position in `server.requests`). */
  index: number;
  method: string;
  /** The path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; `undefined` when `keepBodies` is false, when there is no body, or when it is not JSON. */
  body: any | undefined;
  /** Size of the raw body in bytes (final once the body has been read, i.e. by the time the script sees it). */
  bodyBytes: number;
  /** The body's top-level `model`, kept in both modes. */
  model?: string;
  /** `performance.now()` when the request's headers arrived. */
  receivedAt: number;
  /** `performance.now()` when the reply was sent (or the fault injected); unset while in flight or after a hang. */
  answeredAt?: number;
  /** The HTTP status that was sent; unset for `reset`/`close`/`hang` faults and while in flight. */
  status?: number;
}

export type Fault =
  /** Destroy the socket with a TCP RST, no response at all (ECONNRESET on the client). */
  | "reset"
  /** Close the socket gracefully (FIN) with no response: what a server closing a keep-alive socket looks like. */
  | "close"
  /** Never answer; the socket stays open until the client gives up or `close()` is called. */
  | "hang"
  /** Send the status line, headers (with the full Content-Length) and half of the body, then destroy the socket. */
  | "close-mid-body"
  /** Send the status line, headers and half of the body, then never send the rest. */
  | "hang-mid-body";

export interface ScriptedReply {
  // --- a normal completion: the server builds the full chat.completion object ---
  /** The assistant message's content; `null` is sent as JSON null. Default: the echo text. */
  content?: string | null;
  finishReason?: "stop" | "length" | "content_filter" | "tool_calls";
  /** Overrides of the computed usage (prompt ≈ ceil(bodyBytes / 4), completion ≈ ceil(content.length / 4)). */
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  /** The completion's `model`; default: the request's model. */
  model?: string;

  // --- full control ---
  /** HTTP status; default 200. A status ≥ 400 without `body`/`rawBody` gets an OpenAI-style error body. */
  status?: number;
  /** Extra response headers, e.g. `{ "retry-after": "1" }` or `{ "retry-after-ms": "250" }`. */
  headers?: Record<string, string>;
  /** A JSON value to send instead of the built completion (e.g. an OpenAI error object). */
  body?: unknown;
  /** Exact text to send (malformed JSON, an HTML error page...). Content-Type defaults to application/json. */
  rawBody?: string;
  /** Latency before answering, added to the server's `latencyMs`. */
  delayMs?: number;
  fault?: Fault;
}

/** A reply; a bare string is shorthand for `{ content: string }`. */
export type ReplySpec = ScriptedReply | string;

/** Decides the reply to one POST /v1/chat/completions request. A throw becomes a 500 carrying the message. */
export type Script = (req: RecordedRequest) => ReplySpec | Promise<ReplySpec>;

export interface ScriptedServerOptions {
  /** Default: `echoScript` (deterministic `echo: <last user text>`, or `echo: request #N` without bodies). */
  script?: Script;
  /** Base latency for every request, in ms (0 by default). */
  latencyMs?: number;
  /**
   * Default true: bodies are JSON-parsed and kept in `RecordedRequest.body`. False: bodies are never buffered nor
   * parsed; a streaming scanner counts bytes and picks out the top-level `model` and `stream` as they arrive, so
   * memory stays flat however large the images are (the script then sees `body: undefined`).
   */
  keepBodies?: boolean;
  /** Retrieves a batch takes to complete: 1 completes on the first poll; default 2 (validating → in_progress → completed). */
  batchSteps?: number;
}

export interface ScriptedServer {
  /** Base URL for the openai SDK, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** Every request that arrived, in order (all paths, not only chat). */
  readonly requests: RecordedRequest[];
  /** Only the POST /v1/chat/completions requests. */
  chatRequests(): RecordedRequest[];
  /** Batches created through POST /v1/batches, in creation order. */
  batches(): StoredBatch[];
  /** Every batch input line answered so far, as the script saw it (not in `requests`). */
  batchLines(): RecordedRequest[];
  /** Uploaded files and the output/error files of completed batches. */
  files(): StoredFile[];
  setScript(script: Script): void;
  /**
   * FIFO one-shot replies, used (one per valid chat request) before falling back to the script. A reply is taken
   * when the request's body has arrived, so concurrent requests take them in body-completion order.
   */
  queue(...replies: ReplySpec[]): void;
  /** How many queued replies are left. */
  queued(): number;
  /** Requests received but not yet answered (hung ones included until their socket closes). */
  inFlight(): number;
  /** The peak of `inFlight()` since start (or the last `resetStats()`). */
  maxInFlight(): number;
  /** Forget the recorded requests (indexes restart at 0), reset `maxInFlight` to the current `inFlight`, drop queued replies. */
  resetStats(): void;
  /** Resolves once `requests.length >= count`; rejects after `timeoutMs` (default 5 s) or on close(). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Closes the server and destroys every socket, hung ones included; clears latency timers. Never hangs. */
  close(): Promise<void>;
}
