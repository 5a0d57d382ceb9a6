// `mmif batch import` and `mmif batch status` on a run made with --batch file: a failed line resubmitted in the next
// wave, the same output file imported twice, a line repeated within one file, and the output file of another run.
// The run's ledger is made by the model layer (BatchQueue in file mode, as `--batch file` does); the two commands
// are the real CLI.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BatchQueue } from "../../src/model/batch/queue.js";
import { CallPendingError } from "../../src/model/errors.js";
import { Ledger } from "../../src/model/ledger.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { testClient, userText } from "../helpers/model.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const STAGE = { stage: "answer" };

interface Status {
  batches: Array<{ id: string; wave: number; status: string; requests: number; answered: number; failed: number; waiting: number }>;
  waiting: number;
  failures: Array<{ key: string; batch_id: string; error: string | null; answered_later: boolean }>;
}

/** One pass of a `--batch file` run: ask every text, write the wave; returns the files written. */
async function pass(server: ScriptedServer, run: string, texts: string[]): Promise<{ files: string[]; answers: Map<string, string> }> {
  const ledger = new Ledger(join(run, "ledger.sqlite"));
  try {
    const queue = new BatchQueue(ledger, { mode: "file", dir: run, discount: 0.5 });
    const client = testClient(server, {}, { ledger, batch: queue });
    await queue.begin();
    const answers = new Map<string, string>();
    for (const t of texts) {
      try {
        answers.set(t, (await client.chat(userText(t), STAGE)).content);
      } catch (e) {
        if (!(e instanceof CallPendingError)) throw e;
      }
    }
    return { files: (await queue.submit()).files, answers };
  } finally {
    ledger.close();
  }
}

/** An engine's output line for an input line: 200 with `content`, or an error status. */
function outputLine(inputLine: string, reply: { content: string } | { status: number; message: string }, id: string): string {
  const { custom_id } = JSON.parse(inputLine) as { custom_id: string };
  const response =
    "content" in reply
      ? { status_code: 200, request_id: id, body: { id, object: "chat.completion", model: "test-model", choices: [{ index: 0, message: { role: "assistant", content: reply.content }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 2 } } }
      : { status_code: reply.status, request_id: id, body: { error: { message: reply.message, type: "server_error" } } };
  return JSON.stringify({ id: `vllm-${id}`, custom_id, response, error: null });
}

const inputLines = (file: string) => readFileSync(file, "utf8").trim().split("\n");
const textOf = (line: string) => (JSON.parse(line) as { body: { messages: Array<{ content: string }> } }).body.messages[0]!.content;

describe("mmif batch import / status (--batch file)", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());

  it("a resubmitted line is not failed again by re-importing the old output; status agrees with the ledger", async () => {
    const run = tempDir();
    const first = await pass(server, run, ["alpha", "beta"]);
    assert.equal(first.files.length, 1);
    const lines = inputLines(first.files[0]!);
    const out1 = join(run, "out-1.jsonl");
    writeFileSync(out1, lines.map((l, i) => outputLine(l, textOf(l) === "alpha" ? { content: "A" } : { status: 500, message: "engine overloaded" }, `w1-${i}`)).join("\n") + "\n");

    let r = await runCli(["batch", "import", out1, "--out", run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 1 answer\(s\), 1 failed line\(s\)/);

    // The next pass sends beta again, in wave 2.
    const second = await pass(server, run, ["alpha", "beta"]);
    assert.equal(second.answers.get("alpha"), "A");
    assert.equal(inputLines(second.files[0]!).length, 1);

    // The user imports out-1 again by mistake: nothing changes, beta is still waiting in wave 2.
    r = await runCli(["batch", "import", out1, "--out", run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 0 answer\(s\), 0 failed line\(s\)/);
    assert.match(r.stdout, /2 line\(s\) already imported \(skipped\)/);
    assert.match(r.stdout, /1 call\(s\) still waiting/);
    let status = JSON.parse((await runCli(["batch", "status", run, "--json"])).stdout) as Status;
    assert.deepEqual(status.batches.map((b) => [b.wave, b.requests, b.answered, b.failed, b.waiting]), [[1, 2, 1, 1, 0], [2, 1, 0, 0, 1]]);
    assert.equal(status.waiting, 1);

    // Wave 2 answers beta; the wave-1 failure stays listed with its own error, and says it was answered later.
    const out2 = join(run, "out-2.jsonl");
    writeFileSync(out2, inputLines(second.files[0]!).map((l) => outputLine(l, { content: "B" }, "w2-0")).join("\n") + "\n");
    r = await runCli(["batch", "import", out2, "--out", run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 1 answer\(s\), 0 failed line\(s\); 0 call\(s\) still waiting/);
    status = JSON.parse((await runCli(["batch", "status", run, "--json"])).stdout) as Status;
    assert.deepEqual(status.batches.map((b) => [b.wave, b.status, b.answered, b.failed, b.waiting]), [[1, "imported", 1, 1, 0], [2, "imported", 1, 0, 0]]);
    assert.equal(status.failures.length, 1);
    assert.equal(status.failures[0]!.error, "engine overloaded");
    assert.equal(status.failures[0]!.answered_later, true);
    const text = await runCli(["batch", "status", run]);
    assert.match(text.stdout, /failed: answer test-model \w{12} in file:batch\/wave-001-test-model-1\.jsonl: engine overloaded \(answered later\)/);

    // The totals agree with the ledger: two answers, no failed call left.
    const ledger = new Ledger(join(run, "ledger.sqlite"));
    assert.equal(ledger.count("ok"), status.batches.reduce((s, b) => s + b.answered, 0));
    assert.equal(ledger.count("failed"), 0);
    assert.equal(ledger.get(JSON.parse(lines.find((l) => textOf(l) === "beta")!).custom_id)?.attempts, 2, "one failed and one answered batch line: two attempts");
    ledger.close();
    const third = await pass(server, run, ["alpha", "beta"]);
    assert.deepEqual([third.files, third.answers.get("beta")], [[], "B"]);
  });

  it("a line repeated in one output file counts once", async () => {
    const run = tempDir();
    const { files } = await pass(server, run, ["gamma"]);
    const line = outputLine(inputLines(files[0]!)[0]!, { content: "G" }, "g");
    const out = join(run, "out.jsonl");
    writeFileSync(out, `${line}\n${line}\n`);
    const r = await runCli(["batch", "import", out, "--out", run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported 1 answer\(s\), 0 failed line\(s\), 1 line\(s\) already imported \(skipped\)/);
  });

  it("refuses the output file of another run: its custom_ids are no call of this run (exit 2, nothing imported)", async () => {
    const run = tempDir();
    const other = tempDir();
    await pass(server, run, ["delta"]);
    const { files } = await pass(server, other, ["epsilon", "zeta"]);
    const out = join(other, "out.jsonl");
    writeFileSync(out, inputLines(files[0]!).map((l, i) => outputLine(l, { content: "E" }, `o${i}`)).join("\n") + "\n");
    const r = await runCli(["batch", "import", out, "--out", run]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, new RegExp(`${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} line 1: custom_id [0-9a-f]{12}… is no call this run sent in a batch`));
    assert.match(r.stderr, /none of the 2 line\(s\) belongs to this run: is .* the output of another run's batch file\? Nothing was imported/);
    const status = JSON.parse((await runCli(["batch", "status", run, "--json"])).stdout) as Status;
    assert.equal(status.waiting, 1);
    assert.equal(status.batches[0]!.answered, 0);
  });
});
