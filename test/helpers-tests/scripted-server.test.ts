// The scripted OpenAI-compatible server, exercised through the real openai SDK (and raw fetch for the faults).
// These tests also pin down how the SDK surfaces each fault, which the project's client relies on.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import OpenAI from "openai";
import { tempDir } from "../helpers/cli.js";
import { replies, startScriptedServer, type ScriptedServer, type ScriptedServerOptions } from "../helpers/scripted-server.js";
import { TopLevelScanner } from "../helpers/scripted-server/body-scanner.js";

async function start(t: TestContext, options?: ScriptedServerOptions): Promise<ScriptedServer> {
  const server = await startScriptedServer(options);
  t.after(() => server.close());
  return server;
}

function sdk(server: ScriptedServer, timeout = 5_000): OpenAI {
  return new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 0, timeout });
}

function ask(client: OpenAI, text = "hello", options?: { signal?: AbortSignal }) {
  return client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: text }] }, options);
}

/** The rejection of a promise (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

describe("scripted server: normal completions", () => {
  it("round-trips the default echo through the SDK with usage, finish_reason and the request's model", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    const res = await client.chat.completions.create({
      model: "test-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "what is" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }, { type: "text", text: "this?" }] },
      ],
    });
    assert.equal(res.object, "chat.completion");
    assert.equal(res.model, "test-model");
    assert.equal(res.choices[0]?.message.role, "assistant");
    assert.equal(res.choices[0]?.message.content, "echo: what is this?");
    assert.equal(res.choices[0]?.finish_reason, "stop");
    const req = server.requests[0]!;
    assert.equal(res.usage?.prompt_tokens, Math.ceil(req.bodyBytes / 4));
    assert.equal(res.usage?.completion_tokens, Math.ceil("echo: what is this?".length / 4));
    assert.equal(res.usage?.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);
    assert.equal(res._request_id, "req_scripted_0");

    assert.equal(req.index, 0);
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/v1/chat/completions");
    assert.equal(req.model, "test-model");
    assert.equal(req.headers["authorization"], "Bearer test");
    assert.equal(req.body.messages.length, 2);
    assert.equal(req.status, 200);
    assert.ok(req.answeredAt! >= req.receivedAt);

    const again = await ask(client, "same");
    const once = await ask(client, "same");
    assert.equal(again.choices[0]?.message.content, "echo: same");
    assert.equal(once.choices[0]?.message.content, again.choices[0]?.message.content);
    assert.equal(server.chatRequests().length, 3);
  });

  it("uses queued replies in FIFO order, then the script", async (t) => {
    const server = await start(t, { script: (req) => `script #${req.index}` });
    const client = sdk(server);
    server.queue("first", replies.text("second"), replies.json({ third: true }));
    assert.equal(server.queued(), 3);
    const got: Array<string | null | undefined> = [];
    for (let i = 0; i < 5; i++) got.push((await ask(client)).choices[0]?.message.content);
    assert.deepEqual(got, ["first", "second", '{"third":true}', "script #3", "script #4"]);
    server.setScript(async (req) => replies.text(`new script for ${req.model}`, { usage: { prompt_tokens: 7, completion_tokens: 3 } }));
    const res = await ask(client);
    assert.equal(res.choices[0]?.message.content, "new script for test-model");
    assert.deepEqual(res.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it("shows finishReason \"length\"; a reply with only a delay or a finish reason gets the echo", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    server.queue(replies.truncated("cut sho"), { finishReason: "length" }, { delayMs: 1 }, { content: null });
    const a = await ask(client);
    assert.equal(a.choices[0]?.finish_reason, "length");
    assert.equal(a.choices[0]?.message.content, "cut sho");
    const b = await ask(client, "x");
    assert.equal(b.choices[0]?.finish_reason, "length");
    assert.equal(b.choices[0]?.message.content, "echo: x");
    assert.equal((await ask(client, "y")).choices[0]?.message.content, "echo: y");
    assert.equal((await ask(client)).choices[0]?.message.content, null);
  });

  it("a script that throws becomes a 500 carrying its message", async (t) => {
    const server = await start(t, {
      script: () => {
        throw new Error("boom");
      },
    });
    const err = await rejection(ask(sdk(server)));
    assert.ok(err instanceof OpenAI.InternalServerError);
    assert.match(err.message, /the script threw: boom/);
  });
});

describe("scripted server: HTTP errors as the SDK sees them", () => {
  it("429 with retry-after reaches the SDK as RateLimitError with the headers readable", async (t) => {
    const server = await start(t);
    server.queue(replies.rateLimited(1, 250));
    const err = await rejection(ask(sdk(server)));
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.headers.get("retry-after"), "1");
    assert.equal(err.headers.get("retry-after-ms"), "250");
    assert.equal(err.code, "rate_limit_exceeded");
    assert.equal(err.type, "requests");
    assert.equal(err.requestID, "req_scripted_0");
    assert.equal(err.message, "429 Rate limit reached for requests.");
  });

  it("the SDK's own retry obeys retry-after-ms from the server", async (t) => {
    const server = await start(t);
    server.queue({ status: 429, headers: { "retry-after-ms": "120", "retry-after": "30" } }, "after the retry");
    const client = new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 1, timeout: 5_000 });
    const t0 = performance.now();
    const res = await ask(client);
    assert.equal(res.choices[0]?.message.content, "after the retry");
    assert.ok(performance.now() - t0 >= 100);
    assert.deepEqual(server.requests.map((r) => r.status), [429, 200]);
  });

  it("500 → InternalServerError, 503 without a body → InternalServerError, 400 → BadRequestError", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    server.queue(replies.serverError(), { status: 503, rawBody: "" }, replies.badRequest("bad image"), {
      status: 502,
      rawBody: "<html>Bad Gateway</html>",
      headers: { "content-type": "text/html" },
    });
    const e500 = await rejection(ask(client));
    assert.ok(e500 instanceof OpenAI.InternalServerError);
    assert.equal(e500.status, 500);
    assert.equal(e500.type, "server_error");
    assert.equal(e500.message, "500 The server had an error while processing your request.");
    const e503 = await rejection(ask(client));
    assert.ok(e503 instanceof OpenAI.InternalServerError);
    assert.equal(e503.status, 503);
    assert.equal(e503.message, "503 status code (no body)");
    const e400 = await rejection(ask(client));
    assert.ok(e400 instanceof OpenAI.BadRequestError);
    assert.equal(e400.status, 400);
    assert.equal(e400.message, "400 bad image");
    const e502 = await rejection(ask(client));
    assert.ok(e502 instanceof OpenAI.InternalServerError);
    assert.equal(e502.message, "502 <html>Bad Gateway</html>");
    assert.equal(e502.error, undefined);
  });

  it("serves GET /v1/models, 404s unknown paths, 400s non-JSON bodies and stream: true", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === "scripted-model"));

    const e404 = await rejection(client.embeddings.create({ model: "e", input: "x" }));
    assert.ok(e404 instanceof OpenAI.NotFoundError);
    assert.equal(e404.message, "404 Invalid URL (POST /v1/embeddings)");
    assert.equal(e404.code, "unknown_url");

    const raw = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /could not parse the JSON body/);

    const eStream = await rejection(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }));
    assert.ok(eStream instanceof OpenAI.BadRequestError);
    assert.equal(eStream.message, "400 streaming not supported by the scripted server");

    assert.deepEqual(server.requests.map((r) => [r.method, r.path, r.status]), [
      ["GET", "/v1/models", 200],
      ["POST", "/v1/embeddings", 404],
      ["POST", "/v1/chat/completions", 400],
      ["POST", "/v1/chat/completions", 400],
    ]);
    assert.equal(server.chatRequests().length, 2);
  });
});

describe("scripted server: faults as the SDK sees them", () => {
  it("reset (RST) and close (FIN) → APIConnectionError, not a timeout", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    server.queue({ fault: "reset" }, { fault: "close" });
    const reset = await rejection(ask(client));
    assert.ok(reset instanceof OpenAI.APIConnectionError);
    assert.ok(!(reset instanceof OpenAI.APIConnectionTimeoutError));
    assert.equal(reset.status, undefined);
    assert.equal(reset.headers, undefined);
    assert.equal(reset.message, "Connection error.");
    assert.equal((reset.cause as any).message, "fetch failed");
    assert.equal((reset.cause as any).cause.code, "ECONNRESET");
    const closed = await rejection(ask(client));
    assert.ok(closed instanceof OpenAI.APIConnectionError);
    assert.ok(!(closed instanceof OpenAI.APIConnectionTimeoutError));
    assert.equal((closed.cause as any).cause.code, "UND_ERR_SOCKET");
    assert.equal((closed.cause as any).cause.message, "other side closed");
    // the server is still healthy afterwards
    assert.equal((await ask(client, "ok")).choices[0]?.message.content, "echo: ok");
  });

  it("hang → APIConnectionTimeoutError after the SDK timeout; the server sees the client go", async (t) => {
    const server = await start(t);
    server.queue(replies.hang());
    const t0 = performance.now();
    const err = await rejection(ask(sdk(server, 300)));
    const elapsed = performance.now() - t0;
    assert.ok(err instanceof OpenAI.APIConnectionTimeoutError);
    assert.ok(err instanceof OpenAI.APIConnectionError);
    assert.equal(err.status, undefined);
    assert.equal(err.message, "Request timed out.");
    assert.ok(elapsed >= 270 && elapsed < 3_000, `elapsed ${elapsed}`);
    await waitFor(() => server.inFlight() === 0);
    assert.equal(server.requests[0]!.status, undefined);
  });

  it("close() returns promptly with a hung socket and a pending long delay, failing those requests", async (t) => {
    const server = await start(t);
    server.queue(replies.hang(), { delayMs: 60_000 });
    const hung = rejection(fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) }));
    const delayed = rejection(ask(sdk(server, 120_000)));
    await server.waitForRequests(2);
    await waitFor(() => server.requests[1]!.bodyBytes > 0);
    assert.equal(server.inFlight(), 2);
    const t0 = performance.now();
    await server.close();
    assert.ok(performance.now() - t0 < 1_000);
    assert.ok((await hung) instanceof TypeError);
    assert.ok((await delayed) instanceof OpenAI.APIConnectionError);
    await server.close(); // idempotent
  });

  it("close-mid-body → the SDK rejects with undici's TypeError \"terminated\", not an OpenAI error", async (t) => {
    const server = await start(t);
    server.queue({ fault: "close-mid-body" });
    const err = await rejection(ask(sdk(server)));
    assert.ok(err instanceof TypeError);
    assert.ok(!(err instanceof OpenAI.OpenAIError));
    assert.equal(err.message, "terminated");
    assert.equal((err.cause as any).code, "UND_ERR_SOCKET");
    assert.equal(server.requests[0]!.status, 200);
  });

  it("hang-mid-body is not covered by the SDK timeout; an AbortSignal ends it with a bare DOMException AbortError", async (t) => {
    const server = await start(t);
    server.queue({ fault: "hang-mid-body" }, { fault: "hang" });
    const client = sdk(server, 200);
    const t0 = performance.now();
    const err = await rejection(ask(client, "x", { signal: AbortSignal.timeout(400) }));
    assert.ok(performance.now() - t0 >= 350); // the SDK's 200 ms timeout did not fire
    assert.ok(!(err instanceof OpenAI.OpenAIError));
    assert.equal(err.name, "AbortError");
    // the same signal before the headers arrive gives the SDK's APIUserAbortError instead
    const before = await rejection(ask(sdk(server, 5_000), "x", { signal: AbortSignal.timeout(100) }));
    assert.ok(before instanceof OpenAI.APIUserAbortError);
    assert.equal(before.message, "Request was aborted.");
  });

  it("a 200 with malformed JSON → SyntaxError; with a non-JSON content type the SDK resolves with the text", async (t) => {
    const server = await start(t);
    const client = sdk(server);
    server.queue(replies.raw("{not json"), replies.raw("<html>oops</html>", 200, "text/html"), replies.raw(""), { body: {} });
    const err = await rejection(ask(client));
    assert.ok(err instanceof SyntaxError);
    assert.ok(!(err instanceof OpenAI.OpenAIError));
    const html: unknown = await ask(client);
    assert.equal(html, "<html>oops</html>");
    const empty: unknown = await ask(client);
    assert.equal(empty, undefined);
    const noChoices = await ask(client);
    assert.equal(noChoices.choices, undefined);
  });
});

describe("scripted server: latency and concurrency", () => {
  it("honours latencyMs and adds each reply's delayMs", async (t) => {
    const server = await start(t, { latencyMs: 150 });
    const client = sdk(server);
    let t0 = performance.now();
    await ask(client);
    assert.ok(performance.now() - t0 >= 135);
    server.queue({ content: "slow", delayMs: 200 });
    t0 = performance.now();
    await ask(client);
    assert.ok(performance.now() - t0 >= 315);
    t0 = performance.now();
    await client.models.list();
    assert.ok(performance.now() - t0 >= 135);
  });

  it("counts concurrent requests in inFlight and maxInFlight", async (t) => {
    const server = await start(t, { script: () => ({ content: "later", delayMs: 300 }) });
    const client = sdk(server);
    const calls = Array.from({ length: 10 }, (_, i) => ask(client, `q${i}`));
    await server.waitForRequests(10);
    assert.equal(server.inFlight(), 10);
    await Promise.all(calls);
    assert.equal(server.maxInFlight(), 10);
    await waitFor(() => server.inFlight() === 0);
    server.resetStats();
    assert.equal(server.requests.length, 0);
    assert.equal(server.maxInFlight(), 0);
    await ask(client);
    assert.equal(server.requests[0]!.index, 0);
    assert.equal(server.maxInFlight(), 1);
  });

  it("does not keep the process alive after close() with a latency timer pending", async () => {
    const dir = tempDir();
    const file = join(dir, "probe.mts");
    const entry = new URL("../helpers/scripted-server.ts", import.meta.url).href;
    writeFileSync(
      file,
      `import { startScriptedServer } from ${JSON.stringify(entry)};
       const s = await startScriptedServer({ latencyMs: 30000 });
       fetch(s.url + "/models").catch(() => {});
       await s.waitForRequests(1);
       await s.close();
       console.log("closed");`,
    );
    const t0 = performance.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: new URL("../..", import.meta.url).pathname });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d));
      const kill = setTimeout(() => child.kill(), 20_000);
      child.on("close", (c) => (clearTimeout(kill), resolve({ code: c, stdout: out })));
    });
    assert.equal(code, 0);
    assert.equal(stdout.trim(), "closed");
    assert.ok(performance.now() - t0 < 15_000);
  });
});

describe("scripted server: keepBodies false", () => {
  it("records bodyBytes and model but no body, and echoes the request index", async (t) => {
    const server = await start(t, { keepBodies: false });
    const client = sdk(server);
    const image = "data:image/png;base64," + "A".repeat(300_000);
    // model after a large message: found by the streaming scan, not by parsing
    const res = await client.chat.completions.create({
      messages: [{ role: "user", content: [{ type: "text", text: 'say "model": "nope"' }, { type: "image_url", image_url: { url: image } }] }],
      model: "late-model",
    });
    const req = server.requests[0]!;
    assert.equal(req.body, undefined);
    assert.equal(req.model, "late-model");
    assert.ok(req.bodyBytes > 300_000);
    assert.equal(res.choices[0]?.message.content, `echo: request #0 (${req.bodyBytes} bytes)`);
    assert.equal(res.usage?.prompt_tokens, Math.ceil(req.bodyBytes / 4));

    const raw = await fetch(`${server.url}/chat/completions`, { method: "POST", body: '{"model": "m", "messages": [' });
    assert.equal(raw.status, 400);
    const stream = await rejection(client.chat.completions.create({ model: "m", messages: [], stream: true }));
    assert.ok(stream instanceof OpenAI.BadRequestError);
  });

  it("the scanner finds top-level model and stream across any chunk split, and rejects non-objects", () => {
    const doc = Buffer.from(
      JSON.stringify({ messages: [{ role: "user", content: 'a "quoted" \\ "model":"x"', model: "nested" }], tools: [{ model: "no" }], model: 'we\u00efrd "m"', stream: true, n: 1 }),
    );
    for (let cut = 0; cut <= doc.length; cut++) {
      for (const step of [cut, 1]) {
        const s = new TopLevelScanner();
        if (step === 1 && cut % 7 !== 0) continue; // byte-by-byte a few times only
        if (step === 1) for (let i = 0; i < doc.length; i++) s.write(doc.subarray(i, i + 1));
        else (s.write(doc.subarray(0, cut)), s.write(doc.subarray(cut)));
        assert.equal(s.model, 'we\u00efrd "m"', `cut ${cut}`);
        assert.equal(s.stream, true);
        assert.equal(s.valid, true);
        assert.equal(s.bytes, doc.length);
      }
    }
    const scan = (text: string) => {
      const s = new TopLevelScanner();
      s.write(Buffer.from(text));
      return s;
    };
    assert.equal(scan('{"stream": false}').stream, false);
    assert.equal(scan(' {"model":"m"} \n').valid, true);
    for (const bad of ["", "[1]", "nope", '{"a":1', '{"a":1} x', '"str"', '{"a":"b}']) assert.equal(scan(bad).valid, false, bad);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) assert.fail("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
