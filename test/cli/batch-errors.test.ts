// --batch openai when the Files/Batches API cannot be reached: the run fails with one line saying what failed and
// what to do (exit 1, no stack trace), and a rerun against the reachable endpoint continues without losing a call.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir } from "../helpers/cli.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("--batch openai with an unreachable Batches API", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const bench = join(dir, "bench.jsonl");
  before(async () => {
    server = await startScriptedServer({ script: () => "One paragraph only." });
    mkdirSync(join(dir, "img"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "teal" } }).png().toFile(join(dir, "img", "a.png"));
    const constraints = [{ key: "paragraph_number_limit", value: "Write 1 paragraph.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [1, 1] }] } }];
    writeFileSync(bench, `${JSON.stringify({ index: "1", id: "1", tag: "C-Level", infer_type: "main", question: "Describe it. Write 1 paragraph.", constraints, image: "img/a.png" })}\n`);
  });
  after(() => server.close());

  it("fails with what failed and what to do; the rerun submits and finishes", async () => {
    const out = join(dir, "run");
    const args = (url: string) => ["eval", "--bench", bench, "--model", "vlm", "--base-url", url, "--judge", "none", "--out", out, "--quiet", "--batch", "openai"];
    const down = await runCli(args(`http://127.0.0.1:${await closedPort()}/v1`));
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, /^mmif: --batch: submitting the batches failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\. Nothing is lost: the ledger records every batch sent; rerun the same command to continue\.$/m);
    assert.doesNotMatch(down.stderr, /\n\s+at /, "no stack trace");
    let r = await runCli(args(server.url));
    assert.equal(r.code, 75, r.stderr);
    for (let i = 0; r.code === 75 && i < 5; i++) r = await runCli(args(server.url));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.batches().length, 1);
    assert.equal(server.chatRequests().length, 0);
  });
});
