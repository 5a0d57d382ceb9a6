// The simulated OpenAI-compatible endpoint of `mmif demo`: a real HTTP server on loopback speaking the
// chat-completions protocol (JSON in, a chat.completion with usage out, OpenAI-style errors), so the demo runs
// the real model layer (client, scheduler, ledger, structured output) with no key and no network.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simulatedReply } from "./roles.js";

export interface SimulatedEndpoint {
  /** Base URL for --base-url, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  /** Chat requests answered so far. */
  calls(): number;
  close(): Promise<void>;
}

interface ChatBody {
  model?: unknown;
  messages?: Array<{ role?: string; content?: unknown }>;
}

function lastUserText(body: ChatBody): string {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === "user");
  if (typeof user?.content === "string") return user.content;
  if (!Array.isArray(user?.content)) return "";
  return user.content.map((p: { type?: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join("\n");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, message: string): void {
  send(res, status, { error: { message, type: "invalid_request_error", param: null, code: null } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** About 4 characters a token, as tokenizers give for English. */
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

export async function startSimulatedEndpoint(): Promise<SimulatedEndpoint> {
  let calls = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").replace(/\?.*$/, "");
      if (req.method === "GET" && path === "/v1/models") return send(res, 200, { object: "list", data: [] });
      if (req.method !== "POST" || path !== "/v1/chat/completions") return error(res, 404, `no route ${req.method} ${path}`);
      let body: ChatBody;
      try {
        body = JSON.parse(await readBody(req)) as ChatBody;
      } catch {
        return error(res, 400, "the body is not JSON");
      }
      if (typeof body.model !== "string" || !Array.isArray(body.messages)) return error(res, 400, "model and messages are required");
      calls++;
      const text = lastUserText(body);
      const content = simulatedReply(body.model, text);
      send(res, 200, {
        id: `chatcmpl-sim-${calls}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: tokens(text), completion_tokens: tokens(content), total_tokens: tokens(text) + tokens(content) },
      });
    })().catch((e: unknown) => error(res, 500, e instanceof Error ? e.message : String(e)));
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
