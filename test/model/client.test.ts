import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import sharp from "sharp";
import { ModelCallError } from "../../src/model/client.js";
import { preparedImageStats } from "../../src/model/images.js";
import { Ledger } from "../../src/model/ledger.js";
import { ModelEvents, ProgressTracker, type ProgressEvent } from "../../src/model/progress.js";
import { tempDir } from "../helpers/cli.js";
import { testClient, userText } from "../helpers/model.js";
import { replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const STAGE = { stage: "test" };

describe("ModelClient against the scripted server", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());
  beforeEach(() => {
    server.resetStats();
    server.setScript((req) => `echo: ${JSON.stringify(req.body?.messages?.at(-1)?.content)}`);
  });

  it("answers a call and records it; a repeat is answered from the ledger without network", async () => {
    const ledger = new Ledger(":memory:");
    const client = testClient(server, { params: { temperature: 0 } }, { ledger });
    const first = await client.chat(userText("hello"), STAGE);
    assert.equal(first.content, 'echo: "hello"');
    assert.equal(first.cached, false);
    assert.equal(first.attempts, 1);
    assert.ok(first.usage.promptTokens > 0 && first.usage.completionTokens > 0);
    const again = await client.chat(userText("hello"), { stage: "other" });
    assert.equal(again.content, first.content);
    assert.equal(again.cached, true);
    assert.equal(server.chatRequests().length, 1);
    assert.equal(server.chatRequests()[0]!.body.temperature, 0);
    assert.equal(server.chatRequests()[0]!.headers.authorization, "Bearer sk-test-secret");
  });

  it("shares one call between identical concurrent requests", async () => {
    const client = testClient(server);
    server.setScript(() => ({ content: "slow", delayMs: 50 }));
    const results = await Promise.all(Array.from({ length: 5 }, () => client.chat(userText("same"), STAGE)));
    assert.ok(results.every((r) => r.content === "slow"));
    assert.equal(server.chatRequests().length, 1);
  });

  it("keys samples apart above temperature 0 and together at temperature 0", async () => {
    const hot = testClient(server, { params: { temperature: 0.8 } });
    await hot.chat({ ...userText("s"), sampleIndex: 0 }, STAGE);
    await hot.chat({ ...userText("s"), sampleIndex: 1 }, STAGE);
    await hot.chat({ ...userText("s"), sampleIndex: 1 }, STAGE);
    assert.equal(server.chatRequests().length, 2);
    const cold = testClient(server, { params: { temperature: 0 } });
    await cold.chat({ ...userText("t"), sampleIndex: 0 }, STAGE);
    await cold.chat({ ...userText("t"), sampleIndex: 1 }, STAGE);
    assert.equal(server.chatRequests().length, 3);
  });

  it("retries 500, resets, hangs and garbage bodies, then succeeds", async () => {
    const ledger = new Ledger(":memory:");
    const client = testClient(server, { timeoutMs: 300, maxAttempts: 6 }, { ledger });
    server.queue(replies.serverError(500), replies.reset(), replies.hang(), replies.raw("{not json"), replies.raw(JSON.stringify({ hello: 1 })), "finally");
    const r = await client.chat(userText("x"), STAGE);
    assert.equal(r.content, "finally");
    assert.equal(r.attempts, 6);
    assert.deepEqual(
      ledger.attemptErrors(r.key).map((e) => e.kind),
      ["server", "connection", "timeout", "bad-response", "bad-response"],
    );
    assert.equal(ledger.getSuccess(r.key)?.attempts, 6);
  });

  it("retries a reply cut off or stalled mid-body, and bodies that are not completions", async () => {
    const ledger = new Ledger(":memory:");
    const client = testClient(server, { timeoutMs: 300, maxAttempts: 8 }, { ledger });
    server.queue(
      { fault: "close-mid-body" },
      { fault: "hang-mid-body" },
      replies.raw("<html>bad gateway</html>", 200, "text/html"),
      replies.raw(""),
      replies.raw("{}"),
      replies.text("whole"),
    );
    const t0 = performance.now();
    const r = await client.chat(userText("mid"), STAGE);
    assert.equal(r.content, "whole");
    assert.deepEqual(ledger.attemptErrors(r.key).map((e) => e.kind), ["connection", "timeout", "bad-response", "bad-response", "bad-response"]);
    assert.ok(performance.now() - t0 < 5_000, "the stalled body was cut off by the attempt deadline");
  });

  it("honours Retry-After on 429", async () => {
    const client = testClient(server);
    server.queue(replies.rateLimited(1), "after the wait");
    const t0 = performance.now();
    const r = await client.chat(userText("rl"), STAGE);
    const waited = performance.now() - t0;
    assert.equal(r.content, "after the wait");
    assert.ok(waited >= 950, `waited ${Math.round(waited)} ms for Retry-After: 1`);
    const [a, b] = server.chatRequests();
    assert.ok(b!.receivedAt - a!.receivedAt >= 950);
  });

  it("does not retry other 4xx errors, and records the failure", async () => {
    const ledger = new Ledger(":memory:");
    const client = testClient(server, {}, { ledger });
    server.queue(replies.badRequest("model does not support images"));
    await assert.rejects(
      client.chat(userText("bad"), STAGE),
      (e: unknown) => e instanceof ModelCallError && e.kind === "client" && e.status === 400 && e.attempts === 1 && /does not support images/.test(e.message),
    );
    assert.equal(server.chatRequests().length, 1);
    assert.equal(ledger.count("failed"), 1);
  });

  it("bounds attempts: a server that always fails is tried maxAttempts times", async () => {
    const client = testClient(server, { maxAttempts: 3 });
    server.setScript(() => replies.serverError(503));
    await assert.rejects(client.chat(userText("down"), STAGE), (e: unknown) => e instanceof ModelCallError && e.attempts === 3 && e.status === 503);
    assert.equal(server.chatRequests().length, 3);
  });

  it("keeps finish_reason length as a recorded, paid answer", async () => {
    const client = testClient(server);
    server.queue(replies.truncated("cut off mid"));
    const r = await client.chat(userText("long"), STAGE);
    assert.equal(r.finishReason, "length");
    assert.equal((await client.chat(userText("long"), STAGE)).cached, true);
  });

  it("loses no call and repeats no successful call under a storm of faults", async () => {
    const ledger = new Ledger(":memory:");
    const client = testClient(server, { concurrency: 8, maxAttempts: 20, timeoutMs: 300 }, { ledger });
    let n = 0;
    const faults = [replies.serverError(502), replies.reset(), replies.rateLimited(undefined, 20), replies.raw("<html>oops</html>")];
    server.setScript((req) => (n++ % 3 === 0 ? faults[n % faults.length]! : `ok ${req.body.messages[0].content}`));
    const prompts = Array.from({ length: 60 }, (_, i) => `p${i}`);
    const results = await Promise.all(prompts.map((p) => client.chat(userText(p), STAGE)));
    assert.deepEqual(results.map((r) => r.content), prompts.map((p) => `ok ${p}`));
    const okReplies = server.chatRequests().filter((r) => r.status === 200 && !String(r.body.messages[0].content).startsWith("<"));
    const answered = new Map<string, number>();
    for (const r of server.chatRequests()) if (r.status === 200) answered.set(r.body.messages[0].content, (answered.get(r.body.messages[0].content) ?? 0) + 1);
    assert.ok(okReplies.length >= 60);
    assert.equal(ledger.count("ok"), 60);
    // Rerunning everything costs nothing.
    const before = server.chatRequests().length;
    await Promise.all(prompts.map((p) => client.chat(userText(p), STAGE)));
    assert.equal(server.chatRequests().length, before);
  });

  it("sends images as data URLs and keys them by content hash", async () => {
    const dir = tempDir();
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: "blue" } }).png().toBuffer();
    const path = join(dir, "x.png");
    (await import("node:fs")).writeFileSync(path, png);
    const client = testClient(server, { params: { temperature: 0 } });
    const request = (source: { path: string } | { bytes: Uint8Array }) => ({
      messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "what?" }, { type: "image" as const, source, detail: "high" as const }] }],
    });
    await client.chat(request({ path }), STAGE);
    const sent = server.chatRequests()[0]!.body.messages[0].content[1];
    assert.deepEqual(sent, { type: "image_url", image_url: { url: `data:image/png;base64,${png.toString("base64")}`, detail: "high" } });
    // The same pixels given as bytes are the same call.
    assert.equal((await client.chat(request({ bytes: readFileSync(path) }), STAGE)).cached, true);
    assert.equal(server.chatRequests().length, 1);
  });

  it("fits images into the endpoint's limits, prepares each distinct image once, and keys calls by the limits", async () => {
    const dir = tempDir();
    const path = join(dir, "big.png");
    await sharp({ create: { width: 1200, height: 600, channels: 3, background: { r: 10, g: 200, b: 90 }, noise: { type: "gaussian", mean: 90, sigma: 40 } } }).png().toFile(path);
    const ledger = new Ledger(":memory:");
    const limited = testClient(server, { params: { temperature: 0 }, images: { maxSide: 300 } }, { ledger });
    const ask = (text: string) => ({ messages: [{ role: "user" as const, content: [{ type: "image" as const, source: { path } }, { type: "text" as const, text }] }] });
    const before = preparedImageStats();
    for (const text of ["one", "two", "three", "four", "five"]) await limited.chat(ask(text), STAGE);
    const after = preparedImageStats();
    assert.equal(after.entries - before.entries, 1, "one prepared image");
    // At least: a call retried after a timeout (a loaded machine) reuses it once more.
    assert.ok(after.hits - before.hits >= 4, "the other four calls reused it");
    const urls = server.chatRequests().map((r) => r.body.messages[0].content[0].image_url.url as string);
    assert.equal(new Set(urls).size, 1);
    const meta = await sharp(Buffer.from(urls[0]!.split(",")[1]!, "base64")).metadata();
    assert.deepEqual([meta.width, meta.height], [300, 150]);
    // The limits are part of the request: the same call without them (or with others) is a different call.
    const original = testClient(server, { params: { temperature: 0 } }, { ledger });
    assert.equal((await original.chat(ask("one"), STAGE)).cached, false);
    assert.equal((await limited.chat(ask("one"), STAGE)).cached, true);
    const sentWhole = await sharp(Buffer.from(String(server.chatRequests().at(-1)!.body.messages[0].content[0].image_url.url).split(",")[1]!, "base64")).metadata();
    assert.deepEqual([sentWhole.width, sentWhole.height], [1200, 600]);
    // A part's own limit wins over the endpoint's.
    const own = { messages: [{ role: "user" as const, content: [{ type: "image" as const, source: { path }, maxSide: 100 }, { type: "text" as const, text: "own" }] }] };
    await limited.chat(own, STAGE);
    const ownMeta = await sharp(Buffer.from(String(server.chatRequests().at(-1)!.body.messages[0].content[0].image_url.url).split(",")[1]!, "base64")).metadata();
    assert.equal(ownMeta.width, 100);
  });

  it("reports calls, retries, tokens and cost as events", async () => {
    const events = new ModelEvents();
    const seen: ProgressEvent[] = [];
    events.on((e) => seen.push(e));
    const tracker = new ProgressTracker();
    tracker.attach(events);
    const client = testClient(server, { price: { input: 1, output: 2 } }, { events });
    server.queue(replies.serverError(500), replies.text("ok", { usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    await client.chat(userText("priced"), STAGE);
    await client.chat(userText("priced"), STAGE);
    assert.deepEqual(seen.map((e) => (e.type === "call" ? e.outcome : e.type)), ["enter", "retry", "sent", "enter", "cached"]);
    const [snap] = tracker.snapshot();
    assert.equal(snap!.calls, 2);
    assert.equal(snap!.cachedCalls, 1);
    assert.equal(snap!.retries, 1);
    assert.equal(snap!.promptTokens, 1000);
    assert.ok(Math.abs(snap!.cost - (1000 * 1 + 500 * 2) / 1e6) < 1e-12);
  });

  it("never writes the API key to the ledger", async () => {
    const dir = tempDir();
    const path = join(dir, "ledger.sqlite");
    const ledger = new Ledger(path);
    const client = testClient(server, {}, { ledger });
    await client.chat(userText("secret?"), STAGE);
    server.queue(replies.badRequest("nope"));
    await client.chat(userText("fails"), STAGE).catch(() => undefined);
    ledger.close();
    for (const f of [path, `${path}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(f);
      } catch {
        continue;
      }
      assert.equal(bytes.includes("sk-test-secret"), false, f);
    }
    // Requests are stored deflated, so read them back too: the key must not be in them either.
    const reopened = new Ledger(path);
    const keys = (reopened.database.prepare("SELECT key FROM calls").all() as Array<{ key: string }>).map((r) => r.key);
    assert.equal(keys.length, 2);
    for (const key of keys) assert.equal(reopened.request(key)!.includes("sk-test-secret"), false);
    reopened.close();
    assert.equal(JSON.stringify(client.endpoint).includes("sk-test-secret"), false);
  });
});
