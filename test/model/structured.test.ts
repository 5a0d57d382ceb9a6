import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { z } from "zod";
import { chatStructured, extractJson, parseJsonReply } from "../../src/model/structured.js";
import { testClient, userText } from "../helpers/model.js";
import { replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const Tasks = z.object({ tasks: z.array(z.string()).min(1) });
const STAGE = { stage: "tasks" };

describe("parseJsonReply", () => {
  it("finds JSON in fences and prose", () => {
    assert.equal(extractJson('Sure!\n```json\n{"a": 1}\n```\nDone.'), '{"a": 1}');
    assert.equal(extractJson('Here: {"a": [1, 2]} hope it helps'), '{"a": [1, 2]}');
    assert.equal(extractJson("[1, 2]"), "[1, 2]");
  });

  it("repairs obvious damage and says so", () => {
    assert.deepEqual(parseJsonReply('{"a": 1,}'), { value: { a: 1 }, repaired: true });
    assert.deepEqual(parseJsonReply("{'a': 'x'}"), { value: { a: "x" }, repaired: true });
    assert.deepEqual(parseJsonReply('{"tasks": ["one", "two"'), { value: { tasks: ["one", "two"] }, repaired: true });
    assert.deepEqual(parseJsonReply('{"a": 1}'), { value: { a: 1 }, repaired: false });
  });
});

describe("chatStructured", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());
  beforeEach(() => server.resetStats());

  it("asks with the json_schema response format and validates", async () => {
    const client = testClient(server);
    server.queue(replies.json({ tasks: ["describe the scene"] }));
    const r = await chatStructured(client, userText("give tasks"), STAGE, { schema: Tasks, name: "tasks" });
    assert.deepEqual(r, { ok: true, value: { tasks: ["describe the scene"] }, raw: '{"tasks":["describe the scene"]}', calls: 1, repaired: false });
    const body = server.chatRequests()[0]!.body;
    assert.equal(body.response_format.type, "json_schema");
    assert.equal(body.response_format.json_schema.name, "tasks");
    assert.equal(body.response_format.json_schema.schema.properties.tasks.type, "array");
  });

  it("re-asks with the validation error, then keeps the raw reply when it still fails", async () => {
    const client = testClient(server);
    server.queue(replies.json({ tasks: [] }), replies.text("no idea"), replies.json({ wrong: true }));
    const r = await chatStructured(client, userText("give tasks"), STAGE, { schema: Tasks, name: "tasks", maxReasks: 2 });
    assert.equal(r.ok, false);
    assert.equal(r.calls, 3);
    assert.equal(r.raw, '{"wrong":true}');
    if (!r.ok) assert.match(r.error, /does not match the schema: tasks: /);
    const second = server.chatRequests()[1]!.body.messages;
    assert.equal(second.length, 3);
    assert.deepEqual(second[1], { role: "assistant", content: '{"tasks":[]}' });
    assert.match(second[2].content, /Your reply could not be used: does not match the schema: tasks: .*Reply again with only the corrected JSON/);
  });

  it("succeeds on a re-ask, and a rerun is answered from the ledger", async () => {
    const client = testClient(server);
    server.queue(replies.text("```json\n{\"tasks\": \"one\"}\n```"), replies.text('{"tasks": ["one",]}'));
    const r = await chatStructured(client, userText("again"), STAGE, { schema: Tasks, name: "tasks" });
    assert.deepEqual(r, { ok: true, value: { tasks: ["one"] }, raw: '{"tasks": ["one",]}', calls: 2, repaired: true });
    const rerun = await chatStructured(client, userText("again"), STAGE, { schema: Tasks, name: "tasks" });
    assert.deepEqual(rerun, r);
    assert.equal(server.chatRequests().length, 2);
  });

  it("falls back to instructions when the server refuses json_schema", async () => {
    const client = testClient(server);
    server.queue(replies.badRequest("response_format json_schema is not supported"), replies.json({ tasks: ["a"] }));
    const r = await chatStructured(client, userText("old server"), STAGE, { schema: Tasks, name: "tasks" });
    assert.equal(r.ok, true);
    const [, second] = server.chatRequests();
    assert.equal(second!.body.response_format, undefined);
    assert.match(second!.body.messages[0].content, /Reply with only a JSON value .* matches this JSON Schema:\n\{/s);
  });

  it("uses prompt instructions when configured so", async () => {
    const client = testClient(server, { structuredOutput: "prompt" });
    server.queue(replies.json({ tasks: ["x"] }));
    await chatStructured(client, { messages: [{ role: "user", content: [{ type: "text", text: "parts" }] }] }, STAGE, { schema: Tasks, name: "tasks" });
    const body = server.chatRequests()[0]!.body;
    assert.equal(body.response_format, undefined);
    assert.match(body.messages[0].content[1].text, /JSON Schema/);
  });

  it("notes a reply cut off by max_tokens in the error", async () => {
    const client = testClient(server);
    server.queue(replies.truncated('{"tasks": ["a very long'), replies.truncated("x"));
    const r = await chatStructured(client, userText("cut"), STAGE, { schema: z.object({ n: z.number() }), name: "n", maxReasks: 1 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, /cut off at max_tokens/);
  });
});

describe("chatStructured never uses a truncated reply", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());
  beforeEach(() => server.resetStats());
  const Verdicts = z.object({ verdicts: z.array(z.object({ key: z.string(), ok: z.boolean(), reason: z.string().optional() })), note: z.string().optional() });

  it("re-asks a reply cut off at max_tokens even when its repair validates", async () => {
    const client = testClient(server);
    // Repaired, this is {"tasks": ["one", "tw"]}: valid, but only because the cut closed the list.
    server.queue(replies.truncated('{"tasks": ["one", "tw'), replies.json({ tasks: ["one", "two", "three"] }));
    const r = await chatStructured(client, userText("cut"), STAGE, { schema: Tasks, name: "tasks" });
    assert.deepEqual(r.ok && r.value, { tasks: ["one", "two", "three"] });
    assert.equal(r.calls, 2);
    assert.match(server.chatRequests()[1]!.body.messages[2].content, /the reply is incomplete \(the reply was cut off at max_tokens\).*complete JSON, shorter if need be/);
  });

  it("re-asks a repaired reply that lacks keys the schema asks for, even optional ones", async () => {
    const client = testClient(server);
    server.queue(replies.text('{"verdicts": [{"key": "a", "ok": true, "reason": "fine"}, {"key": "b", "ok": false}], "note": "al'), replies.json({ verdicts: [{ key: "a", ok: true, reason: "x" }, { key: "b", ok: false, reason: "y" }], note: "" }));
    const r = await chatStructured(client, userText("verdicts"), STAGE, { schema: Verdicts, name: "verdicts" });
    assert.equal(r.calls, 2);
    assert.equal(r.ok && r.value.verdicts.length, 2);
    assert.match(server.chatRequests()[1]!.body.messages[2].content, /lacks verdicts\[1\]\.reason, note\./);
  });

  it("gives up with the reason when every reply is cut off", async () => {
    const client = testClient(server);
    server.queue(replies.truncated('{"tasks": ["a'), replies.truncated('{"tasks": ["b'));
    const r = await chatStructured(client, userText("always cut"), STAGE, { schema: Tasks, name: "tasks", maxReasks: 1 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, /incomplete \(the reply was cut off at max_tokens\)/);
  });
});
