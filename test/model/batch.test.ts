// Batch mode of the model layer: calls deferred into batch files, submitted through the SDK to the scripted server's
// Files and Batches endpoints, polled, imported into the ledger, failed lines resubmitted or failed for good.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { openInput, readLines } from "../../src/io/lines.js";
import { usageWithCost } from "../../src/model/accounting.js";
import { FileSplitter, inputLine, parseOutputLine } from "../../src/model/batch/format.js";
import { BatchQueue } from "../../src/model/batch/queue.js";
import { CallPendingError, ModelCallError } from "../../src/model/errors.js";
import { Ledger } from "../../src/model/ledger.js";
import { tempDir } from "../helpers/cli.js";
import { testClient, userText } from "../helpers/model.js";
import { replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const STAGE = { stage: "test" };

async function pending(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CallPendingError);
}

describe("batch files", () => {
  it("splits at the request and byte limits, in order", () => {
    const dir = tempDir();
    const lines = ["a", "b", "c", "d".repeat(40), "e"].map((x) => inputLine(x, { x }));
    // Room for two short lines, not for the long one with anything else.
    const splitter = new FileSplitter((n) => join(dir, `part-${n}.jsonl`), 2, 2 * lines[0]!.length + 10);
    assert.deepEqual(lines.map((l) => splitter.add(l)), [1, 1, 2, 3, 4]);
    const files = splitter.files();
    assert.deepEqual(files.map((f) => f.requests), [2, 1, 1, 1]);
    assert.equal(readFileSync(files[0]!.path, "utf8"), lines[0]! + lines[1]!);
    assert.deepEqual(JSON.parse(lines[0]!), { custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { x: "a" } });
  });

  it("reads output lines: answers, error statuses, request errors, and says what is wrong with others", () => {
    assert.deepEqual(parseOutputLine('{"custom_id":"k","response":{"status_code":200,"body":{"choices":[]}},"error":null}'), { key: "k", ok: true, completion: { choices: [] } });
    assert.deepEqual(parseOutputLine('{"custom_id":"k","response":{"status_code":400,"body":{"error":{"message":"bad"}}},"error":null}'), { key: "k", ok: false, status: 400, message: "bad" });
    assert.deepEqual(parseOutputLine('{"custom_id":"k","response":null,"error":{"code":"batch_expired","message":"late"}}'), { key: "k", ok: false, status: null, message: "batch_expired: late" });
    // vLLM's run_batch: a request it could not run is status 400 with the reason as a string, and body null.
    assert.deepEqual(
      parseOutputLine('{"id":"vllm-1","custom_id":"k","response":{"status_code":400,"request_id":"vllm-batch-1","body":null},"error":"Only /v1/chat/completions is supported"}'),
      { key: "k", ok: false, status: 400, message: "Only /v1/chat/completions is supported" },
    );
    assert.match(parseOutputLine("{") as string, /^not JSON: /);
    assert.equal(parseOutputLine('{"response":{}}'), "no custom_id");
  });
});

describe("BatchQueue against the scripted server (Files + Batches API through the SDK)", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({ batchSteps: 2 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.resetStats();
    server.setScript((req) => `echo: ${JSON.stringify(req.body?.messages?.at(-1)?.content)}`);
  });

  const setup = (discount = 0.5) => {
    const dir = tempDir();
    const ledger = new Ledger(join(dir, "ledger.sqlite"));
    const queue = new BatchQueue(ledger, { mode: "openai", dir, discount, env: { TEST_KEY: "sk-test-secret" } });
    const client = testClient(server, { params: { temperature: 0 }, maxAttempts: 2, price: { input: 1_000_000, output: 1_000_000 } }, { ledger, batch: queue });
    return { dir, ledger, queue, client };
  };

  it("defers, submits one batch, polls validating → in_progress → completed, and then answers from the ledger", async () => {
    const { dir, ledger, queue, client } = setup();
    await queue.begin();
    await pending(client.chat(userText("one"), STAGE));
    await pending(client.chat(userText("two"), STAGE));
    await pending(client.chat(userText("one"), STAGE)); // the same call is deferred once
    const sent = await queue.submit();
    assert.deepEqual(sent, { calls: 2, batches: 1, files: [] });
    assert.equal(server.chatRequests().length, 0);
    const [batch] = server.batches();
    assert.equal(batch!.endpoint, "/v1/chat/completions");
    assert.equal(batch!.completion_window, "24h");
    assert.equal(server.files()[0]!.purpose, "batch");
    // The uploaded line's body is exactly what the online path sends.
    const line = JSON.parse(server.files()[0]!.text.split("\n")[0]!) as { custom_id: string; body: unknown };
    assert.deepEqual(line.body, await client.wireBody(userText("one")));
    assert.deepEqual(readdirSync(join(dir, "batch")), []);

    // First poll: still in progress; the calls wait and are not sent again.
    await queue.begin();
    assert.equal(queue.records.batches()[0]!.status, "in_progress");
    await pending(client.chat(userText("one"), STAGE));
    assert.deepEqual(await queue.submit(), { calls: 0, batches: 0, files: [] });
    assert.equal(queue.waitingCount, 2);

    const imported = await queue.begin();
    assert.deepEqual(imported, { answered: 2, failed: 0, unknown: 0, repeated: 0, foreign: [], bad: [] });
    const r = await client.chat(userText("one"), STAGE);
    assert.equal(r.content, 'echo: "one"');
    assert.equal(r.cached, true);
    assert.equal(r.key, line.custom_id);
    assert.equal(server.chatRequests().length, 0);
    // The imported call's request is in `calls`, as an online call's; batch_calls keeps no second copy.
    assert.match(ledger.request(r.key)!, /"text":"one"|"content":"one"/);
    assert.equal((ledger.database.prepare("SELECT COUNT(*) AS n FROM batch_calls WHERE request_z IS NOT NULL").get() as { n: number }).n, 0);
    // Batch calls cost the discounted price.
    const [u] = usageWithCost(ledger, { "test-model": { input: 1_000_000, output: 1_000_000 } });
    assert.equal(u!.cost, 0.5 * (u!.promptTokens + u!.completionTokens));
  });

  it("resubmits a line that failed with a 5xx, and fails a call for good on a 400, as online", async () => {
    const { queue, client } = setup();
    await queue.begin();
    await pending(client.chat(userText("flaky"), STAGE));
    await pending(client.chat(userText("refused"), STAGE));
    server.queue(replies.serverError(503), replies.badRequest("response_format is not supported"));
    await queue.submit();
    await queue.begin(); // in_progress
    assert.deepEqual(await queue.begin(), { answered: 0, failed: 2, unknown: 0, repeated: 0, foreign: [], bad: [] });
    await pending(client.chat(userText("flaky"), STAGE)); // retryable: next wave
    await assert.rejects(client.chat(userText("refused"), STAGE), (e: unknown) => e instanceof ModelCallError && e.kind === "client" && e.status === 400);
    assert.equal((await queue.submit()).calls, 1);
    await queue.begin();
    await queue.begin();
    assert.equal((await client.chat(userText("flaky"), STAGE)).content, 'echo: "flaky"');
  });

  it("a call that keeps failing stops after the endpoint's attempt limit", async () => {
    const { queue, client } = setup();
    server.setScript(() => replies.serverError(500));
    for (let round = 0; round < 2; round++) {
      await queue.begin();
      await pending(client.chat(userText("doomed"), STAGE));
      await queue.submit();
      await queue.begin();
    }
    await queue.begin();
    await assert.rejects(client.chat(userText("doomed"), STAGE), (e: unknown) => e instanceof ModelCallError && /2 batch attempts/.test(e.message));
  });

  it("a cancelled batch's calls count as failed and go out again in the next wave", async () => {
    const { queue, client } = setup();
    await queue.begin();
    await pending(client.chat(userText("cancel me"), STAGE));
    await queue.submit();
    assert.equal((await queue.cancel()).length, 1);
    assert.deepEqual(await queue.begin(), { answered: 0, failed: 1, unknown: 0, repeated: 0, foreign: [], bad: [] });
    assert.equal(queue.records.batches()[0]!.status, "cancelled");
    await pending(client.chat(userText("cancel me"), STAGE));
    assert.equal((await queue.submit()).calls, 1);
  });

  for (const lost of ["reply", "request"] as const) {
    it(`a batch creation whose ${lost} was lost is found again by the next pass, never created (and paid) twice`, async () => {
      const dir = tempDir();
      const ledger = new Ledger(join(dir, "ledger.sqlite"));
      let dropCreate = true;
      // The connection drops on POST /v1/batches: after the provider made the batch, or before it got the request.
      const flaky: typeof fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (dropCreate && init?.method === "POST" && url.endsWith("/batches")) {
          dropCreate = false;
          if (lost === "reply") await fetch(input, init);
          throw new TypeError("fetch failed: connection reset");
        }
        return fetch(input, init);
      };
      const queue = new BatchQueue(ledger, { mode: "openai", dir, discount: 0.5, env: { TEST_KEY: "sk-test-secret" }, fetch: flaky });
      const client = testClient(server, { params: { temperature: 0 } }, { ledger, batch: queue });
      const before = server.batches().length;
      await queue.begin();
      await pending(client.chat(userText("once"), STAGE));
      await assert.rejects(queue.submit(), /Connection error|connection reset/);
      assert.equal(server.batches().length - before, lost === "reply" ? 1 : 0);
      assert.deepEqual(queue.records.batches().map((b) => b.status), ["submitting"]);

      await queue.begin(); // adopts (or creates) the batch, polls it
      await pending(client.chat(userText("once"), STAGE)); // still out: not deferred again
      assert.deepEqual(await queue.submit(), { calls: 0, batches: 0, files: [] });
      await queue.begin();
      assert.equal((await client.chat(userText("once"), STAGE)).content, 'echo: "once"');
      assert.equal(server.batches().length - before, 1, "one batch at the provider");
      assert.deepEqual(queue.records.batches().map((b) => [b.id.startsWith("batch_scripted_"), b.status, b.answered]), [[true, "completed", 1]]);
      ledger.close();
    });
  }

  it("a call whose wire body cannot be built fails and is not counted as out in a batch", async () => {
    const dir = tempDir();
    const ledger = new Ledger(join(dir, "ledger.sqlite"));
    const queue = new BatchQueue(ledger, { mode: "file", dir, discount: 1 });
    const endpoint = testClient(server).endpoint;
    // As a client whose image hashed but cannot be prepared for sending.
    const caller = { endpoint, wireBody: async () => Promise.reject(new Error("image: truncated PNG")) };
    await queue.begin();
    await assert.rejects(queue.defer(caller, "k-bad", "{}", userText("x"), STAGE), /truncated PNG/);
    assert.equal(queue.deferredCount, 0, "a run with nothing out must not exit 75 'incomplete by design'");
    assert.deepEqual(await queue.submit(), { calls: 0, batches: 0, files: [] });
    ledger.close();
  });

  it("imports a large output file streamed, a few hundred lines per transaction; an import killed midway is finished by importing again", async () => {
    const dir = tempDir();
    const ledger = new Ledger(join(dir, "ledger.sqlite"));
    const queue = new BatchQueue(ledger, { mode: "file", dir, discount: 1 });
    const client = testClient(server, { model: "model-big" }, { ledger, batch: queue });
    await queue.begin();
    const N = 1_200;
    for (let i = 0; i < N; i++) await pending(client.chat(userText(`q${i}`), STAGE));
    const sent = await queue.submit();
    const ids = sent.files.flatMap((f) => readFileSync(f, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { custom_id: string }).custom_id));
    assert.equal(ids.length, N);
    const output = join(dir, "out.jsonl");
    const body = (i: number) => ({ choices: [{ message: { content: `a${i}` }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    writeFileSync(output, ids.map((id, i) => JSON.stringify({ custom_id: id, response: { status_code: 200, body: body(i) }, error: null })).join("\n") + "\n");

    // Killed after 600 lines: the first 500 (one transaction) are in, the next 100 are not.
    async function* dies() {
      for await (const l of readLines(openInput(output))) {
        if (l.line > 600) throw new Error("killed");
        yield l;
      }
    }
    await assert.rejects(queue.importLines(dies()), /killed/);
    assert.equal(ledger.count("ok"), 500);
    const r = await queue.importLines(readLines(openInput(output)));
    assert.deepEqual(r, { answered: N - 500, failed: 0, unknown: 0, repeated: 500, foreign: [], bad: [] });
    assert.equal(ledger.count("ok"), N);
    assert.deepEqual(queue.records.batches().map((b) => b.status), ["imported"]);
    const again = await queue.importLines(readLines(openInput(output)));
    assert.equal(again.repeated, N, "importing the file again changes nothing");
    ledger.close();
  });

  it("file mode writes one file per model and imports an engine's output by custom_id", async () => {
    const dir = tempDir();
    const ledger = new Ledger(join(dir, "ledger.sqlite"));
    const queue = new BatchQueue(ledger, { mode: "file", dir, discount: 1 });
    const providerBatches = server.batches().length;
    const a = testClient(server, { model: "model-a" }, { ledger, batch: queue });
    const b = testClient(server, { model: "model-b" }, { ledger, batch: queue });
    await queue.begin();
    await pending(a.chat(userText("x"), STAGE));
    await pending(b.chat(userText("y"), STAGE));
    const sent = await queue.submit();
    assert.equal(sent.batches, 2);
    assert.deepEqual(sent.files.map((f) => f.slice(dir.length + 1)), ["batch/wave-001-model-a-1.jsonl", "batch/wave-001-model-b-2-1.jsonl"]);
    const line = JSON.parse(readFileSync(sent.files[0]!, "utf8")) as { custom_id: string };
    const completion = { choices: [{ message: { content: "from vllm" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2 } };
    const r = await queue.importText(`${JSON.stringify({ custom_id: line.custom_id, response: { status_code: 200, body: completion }, error: null })}\nnot json\n`);
    assert.deepEqual({ ...r, bad: r.bad.map((x) => x.line) }, { answered: 1, failed: 0, unknown: 0, repeated: 0, foreign: [], bad: [2] });
    await queue.begin();
    assert.equal((await a.chat(userText("x"), STAGE)).content, "from vllm");
    await pending(b.chat(userText("y"), STAGE)); // still waiting for its import
    assert.deepEqual(await queue.submit(), { calls: 0, batches: 0, files: [] });
    assert.deepEqual(queue.records.batches().map((x) => x.status), ["imported", "written"]);
    assert.equal(server.batches().length, providerBatches, "file mode uploads nothing");
  });
});
