// A scripted OpenAI-compatible HTTP server for tests and benchmarks: a real node:http server on 127.0.0.1 (port 0)
// speaking the chat-completions protocol, so the openai SDK works against it unmodified (`baseURL: server.url`).
//
//   const server = await startScriptedServer();                 // default: deterministic echo
//   after(() => server.close());
//   const client = new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 0 });
//   server.queue("first", replies.rateLimited(1), { fault: "reset" });   // one-shot, FIFO
//   server.setScript((req) => replies.json({ ok: req.model }));         // after the queue runs out
//
// Endpoints:
//   POST /v1/chat/completions  queued reply, else the script; a normal reply becomes a full chat.completion
//                              (id, object, created, model, choices[0].message, finish_reason, usage).
//                              A body that is not a JSON object → 400 invalid_request_error (before the queue).
//                              `stream: true` → 400 "streaming not supported by the scripted server"
//                              (code stream_not_supported): streaming is not implemented.
//   GET  /v1/models            a fixed model list.
//   POST /v1/files, GET /v1/files/{id}[/content], POST /v1/batches, GET /v1/batches[/{id}], POST /v1/batches/{id}/cancel:
//                              the Files and Batches API (batches.ts). A batch advances one step per retrieve
//                              (validating → in_progress → completed; `batchSteps`), and on completion each input
//                              line is answered by the queue and the script like an online request; failures go
//                              to the error file. `batches()`, `batchLines()`, `files()` expose what happened.
//   anything else              404 `{error:{message:"Invalid URL (METHOD /path)", type, param, code:"unknown_url"}}`.
// Every response carries `x-request-id: req_scripted_<index>` (the SDK exposes it as `_request_id`/`requestID`).
//
// Default echo: `echo: <the last user message's text parts, joined by a space>`. With `keepBodies: false` the body
// is never parsed, so the echo is `echo: request #<index> (<bodyBytes> bytes)`, and scripts see `body: undefined`
// (`model` and `bodyBytes` are still recorded; a streaming scanner finds `model`/`stream` wherever they are).
// A reply without content/body/rawBody/fault (e.g. `{ delayMs: 300 }` or `{ finishReason: "length" }`) gets
// the echo as its content. Usage: prompt_tokens = ceil(bodyBytes / 4), completion_tokens = ceil(content.length / 4),
// unless the reply sets them.
//
// Latency: `latencyMs` applies to every request (all endpoints), a reply's `delayMs` adds to it, both counted from
// the request's arrival (headers): the body is read, the script runs, then the server waits out the rest and
// answers. close() clears the timers.
export { startScriptedServer } from "./scripted-server/server.js";
export { replies, echoScript, lastUserText, errorBody, defaultErrorBody } from "./scripted-server/replies.js";
export type {
  Fault,
  RecordedRequest,
  ReplySpec,
  Script,
  ScriptedReply,
  ScriptedServer,
  ScriptedServerOptions,
} from "./scripted-server/types.js";
export type { StoredBatch, StoredFile } from "./scripted-server/batches.js";
