/**
 * The reward server on Node's own http module: routing, bearer-key check, body intake under a size limit, JSON
 * answers. Whatever a client sends, the answer is JSON with a status code (400 bad request, 401 key, 404/405
 * route, 413 too large, 500 a bug of ours with its message); no request can bring the process down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { rewardBatch, type BatchOptions } from "./batch.js";
import { openRlhfAnswer, parseOpenRlhfRequest } from "./openrlhf.js";
import { parseRewardRequest } from "./request.js";
import { RequestError, type RewardRequest } from "./types.js";

export interface ServerOptions extends BatchOptions {
  /** Image paths in requests resolve inside this folder. */
  imageRoot: string;
  /** Bodies larger than this are refused with 413. */
  maxBodyBytes: number;
  /** When set, reward routes need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** OpenRLHF queries: tokens removed from the end of each response. */
  stripTokens: readonly string[];
  /** What /health reports besides the status. */
  info: Record<string, unknown>;
  /** One line per request (method, path, status, items, ms); off when undefined. */
  log?: (line: string) => void;
}

const ROUTES: Record<string, string> = { "/health": "GET", "/v1/reward": "POST", "/get_reward": "POST" };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads the whole body, or throws a 413 RequestError as soon as it grows past the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const tooLarge = () => new RequestError(`the request body is over the ${limit} byte limit; send fewer items per request or start mmif serve with a larger --max-body-mb`, undefined, undefined, 413);
    if (Number.isFinite(declared) && declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume(); // drain the rest unread so the 413 can be delivered
        return reject(tooLarge());
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function authorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createRewardServer(options: ServerOptions): Server {
  const score = async (request: RewardRequest, req: IncomingMessage) => {
    const closed = () => req.socket.destroyed;
    return rewardBatch(request, options, closed);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<{ items?: number }> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = ROUTES[url.pathname];
    if (method === undefined) {
      send(res, 404, { error: `no route ${req.method} ${url.pathname}; routes: GET /health, POST /v1/reward, POST /get_reward` });
      return {};
    }
    if (req.method !== method) {
      send(res, 405, { error: `${url.pathname} takes ${method}, not ${req.method}` }, { allow: method });
      return {};
    }
    if (url.pathname === "/health") {
      send(res, 200, { status: "ok", ...options.info });
      return {};
    }
    if (options.apiKey !== undefined && !authorized(req, options.apiKey)) {
      send(res, 401, { error: "missing or wrong API key: send the header Authorization: Bearer <key>" }, { "www-authenticate": "Bearer" });
      return {};
    }
    const body = parseJson(await readBody(req, options.maxBodyBytes));
    if (url.pathname === "/v1/reward") {
      const request = parseRewardRequest(body, options);
      const rewards = await score(request, req);
      if (rewards !== null) send(res, 200, { rewards: rewards.map((r) => r.reward), details: rewards.map(({ reward: _r, ...detail }) => detail) });
      return { items: request.items.length };
    }
    const request = parseOpenRlhfRequest(body, url.searchParams.get("mode"), options);
    const rewards = await score(request, req);
    if (rewards !== null) send(res, 200, openRlhfAnswer(rewards));
    return { items: request.items.length };
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    handle(req, res)
      .catch((e: unknown): { items?: number } => {
        if (e instanceof RequestError) {
          send(res, e.status, e.toJSON(), e.status === 413 ? { connection: "close" } : {});
          return {};
        }
        send(res, 500, { error: `internal error (a bug in mmif serve; please report it): ${e instanceof Error ? e.message : String(e)}` });
        options.log?.(`mmif serve: internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return {};
      })
      .then(({ items }) => {
        options.log?.(`${req.method} ${req.url} ${res.statusCode}${items !== undefined ? ` ${items} items` : ""} ${(performance.now() - started).toFixed(0)} ms`);
      });
  });
  // Trainers call again after each training step: keep idle connections longer than clients do (undici keeps them
  // 4 s, requests' pools longer), so the server is not the side closing a socket a client is about to reuse.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // A malformed request line or headers: answer 400 and close, as Node does by default, without logging noise.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  return server;
}
