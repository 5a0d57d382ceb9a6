// `--batch openai|file` on eval, generate and dpo, `mmif batch import` and `mmif batch status`: the real CLI against
// the scripted server, which answers a request the same way online and in a batch. A batch run must end with the
// same files as an online run (timestamps aside), without a single online chat request.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { engineScript } from "../helpers/engine-script.js";
import { buildCompletion } from "../helpers/scripted-server/replies.js";
import { lastUserText, replies, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

const CONSTRAINTS = [
  { key: "tone_requirement", value: "Use a warm tone.", judge: { method: "direct_gpt" } },
  { key: "paragraph_number_limit", value: "Write 2 paragraphs.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [2, 2] }] } },
  { key: "target_audience_requirement", value: "Write for children.", judge: { method: "cmp_gpt" } },
];

/** Model under test, judges (eval) and every engine role (generate, dpo), routed by model name. */
function script(req: RecordedRequest) {
  const text = lastUserText(req.body);
  if (req.model === "vlm") return text.includes("children") ? "A Warm Day\n\nThe kitten plays." : "An adult text.";
  if (req.model === "judge") {
    if (text.includes("<start of constraint list>")) return "**Summary:** Score of constraint_1: 1/1.";
    if (text.includes("<start of response under the constraint>")) return "Summary: True";
    if (text.includes("Ground Truth List:")) return text.includes("A cat") ? "right" : "wrong";
    return "Summary: True";
  }
  if (req.model === "weak") return "A plain answer with 3 digits.";
  return engineScript(req);
}

function sansTimestamps(text: string): string {
  return text.replace(/"created_at":\s*"[^"]*"/g, '"created_at":"-"');
}

function same(a: string, b: string, files: string[]): void {
  for (const f of files) assert.equal(sansTimestamps(readFileSync(join(b, f), "utf8")), sansTimestamps(readFileSync(join(a, f), "utf8")), `${f} differs`);
}

describe("batch inference (--batch)", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const bench = join(dir, "bench.jsonl");
  const images = join(dir, "images");
  before(async () => {
    server = await startScriptedServer({ script });
    mkdirSync(join(dir, "img"));
    await sharp({ create: { width: 12, height: 8, channels: 3, background: "orange" } }).png().toFile(join(dir, "img", "a.png"));
    const q = "Tell a story. Use a warm tone. Write 2 paragraphs. Write for children.";
    const rows = [
      { index: "1", id: "1", tag: "C-Level", infer_type: "main", question: q, constraints: CONSTRAINTS, image: "img/a.png" },
      { index: "1-aux", id: "1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "target_audience_requirement", question: "Tell a story. Use a warm tone. Write 2 paragraphs.", image: "img/a.png" },
      { index: "2", id: "2", tag: "P-Level", infer_type: "main", question: "Which animals?", answer: ["cat"], image: "img/a.png" },
    ];
    writeFileSync(bench, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    mkdirSync(images);
    for (const [i, name] of ["a.png", "b.png"].entries()) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 60 * i, g: 90, b: 120 }, noise: { type: "gaussian", mean: 120, sigma: 70 } } }).png().toFile(join(images, name));
    }
  });
  after(() => server.close());

  const evalArgs = (out: string, extra: string[] = []) => ["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];
  const chatCount = () => server.chatRequests().length;

  it("eval --batch openai: exits 75 per wave, then ends with the online run's files and no online call", async () => {
    const online = join(dir, "eval-online");
    assert.equal((await runCli(evalArgs(online))).code, 0);

    const batched = join(dir, "eval-batch");
    const before = chatCount();
    // Fail the first batch line once (a 500): it is recorded and sent again in the next wave.
    server.queue(replies.serverError(500, "overloaded"));
    let r = await runCli(evalArgs(batched, ["--batch", "openai"]));
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /submitted 3 calls in 1 batches; rerun to continue/);
    let rounds = 1;
    while (r.code === 75 && rounds < 10) {
      r = await runCli(evalArgs(batched, ["--batch", "openai"]));
      rounds++;
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(chatCount(), before, "no online chat request in batch mode");
    same(online, batched, ["predictions.jsonl", "results.jsonl", "summary.json"]);

    const status = await runCli(["batch", "status", batched]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /batch_scripted_\d+/);
    assert.match(status.stdout, /1 failed/);
    const json = JSON.parse((await runCli(["batch", "status", batched, "--json"])).stdout) as { batches: Array<{ requests: number; status: string }>; waiting: number };
    assert.equal(json.waiting, 0);
    assert.ok(json.batches.every((b) => b.status === "completed"));
    // Every upload went through the Files API with purpose "batch", and the spool files are gone.
    assert.ok(server.files().filter((f) => f.purpose === "batch").length >= json.batches.length);
    assert.deepEqual(readdirSync(join(batched, "batch")), []);
  });

  it("eval --dry-run --batch openai while batches are out: no request at all (the batches are not polled nor imported)", async () => {
    const out = join(dir, "eval-batch-dry");
    const first = await runCli(evalArgs(out, ["--batch", "openai"]));
    assert.equal(first.code, 75, first.stderr);
    const seen = server.requests.length;
    const dry = await runCli(evalArgs(out, ["--batch", "openai", "--dry-run"]));
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.requests.length, seen, "the dry run sent nothing: no chat call, no batch retrieve, no file download");
    assert.match(dry.stdout, /^vlm \| answer \| 3 \| 0 \|/m, "answers still out in a batch are not paid yet");
  });

  it("generate and dpo --batch openai --batch-wait: the same items.jsonl and pairs.jsonl as online, in one command", async () => {
    const gen = (out: string, extra: string[] = []) =>
      runCli(["generate", "--images", images, "--model", "unused", "--base-url", server.url, "--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", "--seed", "3", "--tasks-per-image", "2", ...extra]);
    const online = join(dir, "gen-online");
    assert.equal((await gen(online)).code, 0);
    const batched = join(dir, "gen-batch");
    const before = chatCount();
    const r = await gen(batched, ["--batch", "openai", "--batch-wait", "0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(chatCount(), before);
    same(online, batched, ["items.jsonl", "images.jsonl", "stats.json"]);

    const dpo = (items: string, out: string, extra: string[] = []) => runCli(["dpo", "--items", items, "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--keep-passing", "--out", out, "--quiet", ...extra]);
    assert.equal((await dpo(join(online, "items.jsonl"), join(dir, "dpo-online"))).code, 0);
    const beforeDpo = chatCount();
    const d = await dpo(join(batched, "items.jsonl"), join(dir, "dpo-batch"), ["--batch", "openai", "--batch-wait", "0"]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(chatCount(), beforeDpo);
    same(join(dir, "dpo-online"), join(dir, "dpo-batch"), ["pairs.jsonl", "dropped-pairs.jsonl", "dpo-stats.json"]);
  });

  it("eval --batch file: writes batch input files; batch import reads an engine's output; the result equals online", async () => {
    const out = join(dir, "eval-file");
    let r = await runCli(evalArgs(out, ["--batch", "file"]));
    for (let round = 0; r.code === 75 && round < 10; round++) {
      const written = [...r.stderr.matchAll(/wrote (\S+\.jsonl)/g)].map((m) => m[1]!);
      assert.ok(written.length > 0, r.stderr);
      for (const file of written) {
        // An offline engine (vLLM's run_batch) reads the input lines and writes one output line each.
        const outLines = readFileSync(file, "utf8").trim().split("\n").map((l, i) => {
          const line = JSON.parse(l) as { custom_id: string; body: { model: string } };
          const record = { index: i, method: "POST", path: "/v1/chat/completions", headers: {}, body: line.body, bodyBytes: Buffer.byteLength(JSON.stringify(line.body)), model: line.body.model, receivedAt: 0 };
          const reply = script(record);
          const content = typeof reply === "string" ? reply : (reply.content ?? "");
          return JSON.stringify({ id: `vllm-${i}`, custom_id: line.custom_id, response: { status_code: 200, request_id: `r${i}`, body: buildCompletion(record, {}, content) }, error: null });
        });
        const output = file.replace(/\.jsonl$/, ".out.jsonl");
        writeFileSync(output, outLines.join("\n") + "\n");
        const imported = await runCli(["batch", "import", output, "--out", out]);
        assert.equal(imported.code, 0, imported.stderr);
        assert.match(imported.stdout, new RegExp(`imported ${outLines.length} answer`));
      }
      // Not yet imported: the rerun writes nothing new for calls still out.
      r = await runCli(evalArgs(out, ["--batch", "file"]));
    }
    assert.equal(r.code, 0, r.stderr);
    same(join(dir, "eval-online"), out, ["predictions.jsonl", "results.jsonl", "summary.json"]);
  });

  it("--batch-wait holds the folder while it waits, and Ctrl-C then quits at once (130); a rerun collects the batches", async () => {
    const out = join(dir, "eval-wait-quit");
    const child = spawn(process.execPath, [MMIF, ...evalArgs(out, ["--batch", "openai", "--batch-wait", "60"])], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = once(child, "exit");
    const linesBefore = server.batchLines().length;
    for (let i = 0; i < 600 && !/rerun to continue/.test(stderr); i++) await sleep(50);
    assert.match(stderr, /submitted 3 calls in 1 batches/);
    await sleep(300); // the first poll: the batch is not done yet, so it sleeps for a minute
    assert.ok(existsSync(join(out, ".mmif-lock")), "the folder is held while waiting");
    writeFileSync(join(dir, "empty-output.jsonl"), "");
    const importing = await runCli(["batch", "import", join(dir, "empty-output.jsonl"), "--out", out]);
    assert.equal(importing.code, 2, importing.stderr);
    assert.match(importing.stderr, /another mmif run \(pid \d+, "eval"/);
    child.kill("SIGINT");
    const [code] = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted \(Ctrl-C\); the batches are recorded in the ledger; rerun the same command/);
    assert.equal(existsSync(join(out, ".mmif-lock")), false, "the lock is released");
    const rerun = await runCli(evalArgs(out, ["--batch", "openai", "--batch-wait", "0"]));
    assert.equal(rerun.code, 0, rerun.stderr);
    const answers = server.batchLines().slice(linesBefore).filter((l) => l.model === "vlm");
    assert.equal(answers.length, 3, "the rerun collected the batch the quit run left out, not a second one");
    same(join(dir, "eval-online"), out, ["results.jsonl", "summary.json"]);
  });

  it("rejects --batch-wait without --batch openai, and a bad --batch-discount, as usage errors", async () => {
    const a = await runCli(evalArgs(join(dir, "bad1"), ["--batch", "file", "--batch-wait"]));
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--batch-wait needs --batch openai/);
    const b = await runCli(evalArgs(join(dir, "bad2"), ["--batch", "openai", "--batch-discount", "2"]));
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--batch-discount must be a number from 0 to 1/);
  });
});
