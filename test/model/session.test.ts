import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ModelCallError } from "../../src/model/client.js";
import { EndpointConfigError } from "../../src/model/endpoint.js";
import { Ledger } from "../../src/model/ledger.js";
import { EndpointFaultError, ModelSession } from "../../src/model/session.js";
import { closedPort } from "../helpers/closed-port.js";
import { userText } from "../helpers/model.js";
import { replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const FAST = { concurrency: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000 };
const STAGE = { stage: "test" };


describe("ModelSession", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());

  it("prices per model name: one role without a price takes the other's; two different prices for one name are refused", () => {
    const session = new ModelSession(new Ledger(":memory:"));
    session.client({ model: "gpt", baseURL: server.url, ...FAST, price: { input: 1, output: 2 } }, "model under test");
    session.client({ model: "gpt", baseURL: server.url, ...FAST }, "judge");
    session.client({ model: "other", baseURL: server.url, ...FAST, price: { input: 5, output: 6 } }, "weak model");
    assert.deepEqual(session.prices(), { gpt: { input: 1, output: 2 }, other: { input: 5, output: 6 } }, "the judge's missing price does not erase --price");
    session.client({ model: "gpt", baseURL: server.url, ...FAST, price: { input: 1, output: 2 } }, "judge");
    assert.throws(
      () => session.client({ model: "gpt", baseURL: server.url, ...FAST, price: { input: 3, output: 4 } }, "judge"),
      (e: unknown) => e instanceof EndpointConfigError && e.message === "judge: the model gpt is also the model under test's model, at another price (3,4 vs 1,2); costs are counted per model name, so give it one price (leave the second price flag out, or give both the same)",
    );
  });

  it("stops every client at the first refused connection of an endpoint, naming role, URL, model and key variable", async () => {
    const session = new ModelSession(new Ledger(":memory:"));
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const judge = session.client({ model: "judge-model", baseURL: url, apiKeyEnv: "MMIF_TEST_NO_SUCH_KEY", ...FAST }, "judge");
    const other = session.client({ model: "vlm", baseURL: server.url, ...FAST }, "model under test");
    const calls = Array.from({ length: 6 }, (_, i) => judge.chat(userText(`q${i}`), STAGE).then(() => "answered", (e: unknown) => (e as ModelCallError).kind));
    const outcomes = await Promise.all(calls);
    assert.ok(outcomes.every((k) => k === "stopped" || k === "connection"), outcomes.join());
    assert.ok(session.fault instanceof EndpointFaultError);
    assert.equal(
      session.fault!.message,
      `the judge (model "judge-model" at ${url}, API key from $MMIF_TEST_NO_SUCH_KEY, which is not set): connection refused: nothing listens at the base URL (wrong host or port, or the server is not running)`,
    );
    assert.equal(session.interrupted, false);
    // The other role is stopped too: the run is over.
    await assert.rejects(other.chat(userText("late"), STAGE), (e: unknown) => e instanceof ModelCallError && e.kind === "stopped");
  });

  it("a port Node's fetch refuses outright (the WHATWG bad-port list) is a configuration fault, not retried", async () => {
    const session = new ModelSession(new Ledger(":memory:"));
    const client = session.client({ model: "vlm", baseURL: "http://127.0.0.1:9/v1", ...FAST }, "model under test");
    await assert.rejects(client.chat(userText("q"), STAGE), (e: unknown) => e instanceof ModelCallError);
    assert.ok(session.fault instanceof EndpointFaultError);
    assert.match(session.fault!.message, /^the model under test \(model "vlm" at http:\/\/127\.0\.0\.1:9\/v1, .*\): Node's fetch refuses this port/);
  });

  it("treats 401, 403 and 404 on the first calls as configuration faults", async () => {
    for (const [status, pattern] of [[401, /refused the API key \(401/], [403, /access denied \(403/], [404, /not found \(404.*model name or the base URL is wrong/]] as const) {
      const session = new ModelSession(new Ledger(":memory:"));
      const client = session.client({ model: `m${status}`, baseURL: server.url, ...FAST }, "responder");
      server.queue({ status });
      await assert.rejects(client.chat(userText(`s${status}`), STAGE));
      assert.match(session.fault?.message ?? "", pattern);
      assert.match(session.fault!.message, /^the responder \(model "m\d+" at http/);
    }
  });

  it("after an endpoint has answered, a 404 is an ordinary failed call, counted as unanswered", async () => {
    const session = new ModelSession(new Ledger(":memory:"));
    const client = session.client({ model: "fine", baseURL: server.url, ...FAST }, "judge");
    server.queue(replies.text("hello"), { status: 404 });
    await client.chat(userText("first"), STAGE);
    await assert.rejects(client.chat(userText("second"), STAGE));
    assert.equal(session.fault, undefined);
    assert.equal(session.unansweredCalls, 1);
  });

  it("stop() is an interruption: queued calls are refused and not counted as unanswered", async () => {
    const session = new ModelSession(new Ledger(":memory:"));
    const client = session.client({ model: "slow", baseURL: server.url, ...FAST, concurrency: 1 }, "judge");
    server.setScript(() => ({ content: "late", delayMs: 100 }));
    const arrived = server.requests.length;
    const first = client.chat(userText("a"), STAGE);
    const queued = client.chat(userText("b"), STAGE);
    queued.catch(() => {});
    await server.waitForRequests(arrived + 1);
    session.stop();
    assert.equal((await first).content, "late");
    await assert.rejects(queued, (e: unknown) => e instanceof ModelCallError && e.kind === "stopped");
    assert.equal(session.interrupted, true);
    assert.equal(session.unansweredCalls, 0);
  });
});
