// The HTTP server: routing, body intake, scripted replies, latency and fault injection.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { BatchApi } from "./batches.js";
import { TopLevelScanner } from "./body-scanner.js";
import { buildCompletion, defaultErrorBody, echoScript, errorBody, normalizeReply } from "./replies.js";
import type { RecordedRequest, ReplySpec, Script, ScriptedReply, ScriptedServer, ScriptedServerOptions } from "./types.js";

const CHAT_PATH = "/v1/chat/completions";
const MODELS_PATH = "/v1/models";
const MODEL_IDS = ["scripted-model", "gpt-4o-mini", "gpt-4o"];

interface Intake {
  body: unknown;
  valid: boolean;
  stream: boolean;
}

export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const keepBodies = options.keepBodies ?? true;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  let script: Script = options.script ?? echoScript;
  const pending: ScriptedReply[] = [];
  let requests: RecordedRequest[] = [];
  let nextIndex = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let closed = false;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<{ count: number; resolve: () => void; reject: (err: Error) => void }>();
  const batchApi = new BatchApi({
    takeQueued: () => pending.shift(),
    script: async (req) => normalizeReply(await script(req)),
    stepsToComplete: Math.max(1, options.batchSteps ?? 2),
  });

  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      // never leave a request without an answer because of a bug in the server or the script
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(`scripted server: ${errMessage(err)}`, "server_error"));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("scripted server: no TCP address");
  const url = `http://127.0.0.1:${address.port}/v1`;

  /**
   * Waits until `performance.now() >= deadline` (latency counts from the request's arrival, so the time spent
   * reading the body and running the script is part of it). Timers are cleared by close(), after which nothing
   * is scheduled and the wait never ends.
   */
  function sleepUntil(deadline: number): Promise<void> {
    if (closed) return new Promise(() => {});
    const ms = deadline - performance.now();
    if (ms < 1) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      timers.add(t);
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const qs = req.url?.indexOf("?") ?? -1;
    const path = qs < 0 ? (req.url ?? "/") : req.url!.slice(0, qs);
    const record: RecordedRequest = {
      index: nextIndex++,
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      body: undefined,
      bodyBytes: 0,
      receivedAt: performance.now(),
    };
    requests.push(record);
    for (const w of waiters) if (requests.length >= w.count) (waiters.delete(w), w.resolve());
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    res.once("close", () => inFlight--);
    res.setHeader("x-request-id", `req_scripted_${record.index}`);

    if (batchApi.handles(path)) {
      const raw = await readRaw(req);
      record.bodyBytes = raw.length;
      if (res.destroyed) return;
      await sleepUntil(record.receivedAt + latencyMs);
      const reply = await batchApi.handle(record.method, path, req, raw);
      if (reply.contentType) res.setHeader("content-type", reply.contentType);
      return answer(record, res, reply.status, reply.text);
    }
    const intake = await readBody(req, record);
    if (res.destroyed) return; // the client went away while sending

    if (record.method === "POST" && path === CHAT_PATH) return chat(record, intake, res);
    await sleepUntil(record.receivedAt + latencyMs);
    if (res.destroyed) return;
    if (record.method === "GET" && path === MODELS_PATH) {
      const data = MODEL_IDS.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "scripted" }));
      return answer(record, res, 200, JSON.stringify({ object: "list", data }));
    }
    const body = errorBody(`Invalid URL (${record.method} ${path})`, "invalid_request_error", "unknown_url");
    return answer(record, res, 404, JSON.stringify(body));
  }

  async function chat(record: RecordedRequest, intake: Intake, res: ServerResponse): Promise<void> {
    let reply: ScriptedReply;
    if (!intake.valid) {
      reply = { status: 400, body: errorBody("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "invalid_request_error") };
    } else if (intake.stream) {
      reply = { status: 400, body: errorBody("streaming not supported by the scripted server", "invalid_request_error", "stream_not_supported", "stream") };
    } else {
      const next = pending.shift();
      try {
        reply = normalizeReply(next ?? (await script(record)));
      } catch (err) {
        reply = { status: 500, body: errorBody(`scripted server: the script threw: ${errMessage(err)}`, "server_error") };
      }
    }
    await sleepUntil(record.receivedAt + latencyMs + Math.max(0, reply.delayMs ?? 0));
    if (res.destroyed) return;
    return send(record, res, reply);
  }

  async function send(record: RecordedRequest, res: ServerResponse, reply: ScriptedReply): Promise<void> {
    const status = reply.status ?? 200;
    if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
    const socket = res.socket;
    switch (reply.fault) {
      case "reset":
        record.answeredAt = performance.now();
        if (socket && typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
        else socket?.destroy();
        return;
      case "close":
        record.answeredAt = performance.now();
        socket?.destroy(); // the body has been read, so the kernel sends a FIN, not a RST
        return;
      case "hang":
        return; // close() or the client will destroy the socket
    }
    let text: string;
    if (reply.rawBody !== undefined) text = reply.rawBody;
    else if (reply.body !== undefined) text = JSON.stringify(reply.body);
    else if (status >= 400) text = JSON.stringify(defaultErrorBody(status));
    else {
      const content = reply.content !== undefined ? reply.content : normalizeReply(await echoScript(record)).content ?? null;
      text = JSON.stringify(buildCompletion(record, reply, content));
    }
    if (reply.fault === "close-mid-body" || reply.fault === "hang-mid-body") {
      const bytes = Buffer.from(text, "utf8");
      record.status = status;
      record.answeredAt = performance.now();
      if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json");
      res.writeHead(status, { "content-length": String(bytes.length) });
      res.write(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
      if (reply.fault === "close-mid-body") {
        // let the headers and the first half leave before the socket goes
        const t = setTimeout(() => (timers.delete(t), res.destroy()), 20);
        timers.add(t);
      }
      return;
    }
    return answer(record, res, status, text);
  }

  function answer(record: RecordedRequest, res: ServerResponse, status: number, text: string): void {
    record.status = status;
    record.answeredAt = performance.now();
    sendText(res, status, text);
  }

  function readBody(req: IncomingMessage, record: RecordedRequest): Promise<Intake> {
    return new Promise<Intake>((resolve) => {
      const scanner = keepBodies ? null : new TopLevelScanner();
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (scanner) scanner.write(chunk);
        else chunks.push(chunk);
      });
      const finish = () => {
        if (done) return;
        done = true;
        record.bodyBytes = size;
        if (scanner) {
          record.model = scanner.model;
          resolve({ body: undefined, valid: scanner.valid, stream: scanner.stream === true });
        } else resolve(parseBody(chunks, size, record));
      };
      req.once("end", finish);
      req.once("close", finish); // an aborted upload: the caller sees res.destroyed
      req.once("error", finish);
    });
  }

  const api: ScriptedServer = {
    url,
    get requests() {
      return requests;
    },
    chatRequests: () => requests.filter((r) => r.method === "POST" && r.path === CHAT_PATH),
    batches: () => [...batchApi.batches.values()],
    batchLines: () => batchApi.lines,
    files: () => [...batchApi.files.values()],
    setScript(s: Script) {
      script = s;
    },
    queue(...specs: ReplySpec[]) {
      for (const s of specs) pending.push(normalizeReply(s));
    },
    queued: () => pending.length,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    resetStats() {
      requests = [];
      nextIndex = 0;
      maxInFlight = inFlight;
      pending.length = 0;
    },
    waitForRequests(count: number, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = {
          count,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
          reject: (err: Error) => {
            clearTimeout(t);
            waiters.delete(w);
            reject(err);
          },
        };
        const t = setTimeout(() => w.reject(new Error(`scripted server: ${requests.length} of ${count} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.add(w);
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const w of waiters) w.reject(new Error("scripted server: closed while waiting for requests"));
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    },
  };
  return api;
}

function parseBody(chunks: Buffer[], size: number, record: RecordedRequest): Intake {
  if (size === 0) return { body: undefined, valid: false, stream: false };
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { body: undefined, valid: false, stream: false };
  }
  record.body = body;
  const obj = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (typeof obj?.["model"] === "string") record.model = obj["model"];
  return { body, valid: obj !== undefined, stream: obj?.["stream"] === true };
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    const done = () => resolve(Buffer.concat(chunks));
    req.once("end", done);
    req.once("close", done);
  });
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json");
  res.writeHead(status, { "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body));
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
