// How a run ends, as a user sees it: the status in summary.json / stats.json, the exit code, the label over the
// table, the report's banner; configuration faults stopping the run at once; SIGTERM; one run per --out.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { LOCK_FILE } from "../../src/io/run-lock.js";
import { closedPort } from "../helpers/closed-port.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { ENGINE_ANSWER, engineScript } from "../helpers/engine-script.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

/** A tiny bench in our JSONL format: two C-Level items judged directly, two P-Level items. */
async function writeBench(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await sharp({ create: { width: 16, height: 12, channels: 3, background: "teal" } }).png().toFile(join(dir, "a.png"));
  const c = (id: string) => ({ index: id, id, tag: "C-Level", infer_type: "main", question: `Describe ${id}.`, image: "a.png", constraints: [{ key: "tone_requirement", value: "Be warm.", judge: { method: "direct_gpt" } }] });
  const p = (id: string) => ({ index: id, id, tag: "P-Level", infer_type: "main", question: `What is ${id}?`, answer: ["teal"], image: "a.png" });
  const path = join(dir, "bench.jsonl");
  writeFileSync(path, [c("1"), c("2"), p("3"), p("4")].map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

function goodScript(req: { model?: string; body?: unknown }) {
  const text = lastUserText(req.body);
  if (req.model === "vlm") return "A teal picture.";
  if (text.includes("<start of constraint list>")) return "Summary: Score of constraint_1: 1/1.";
  return "right";
}


const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

/** The progress display's last drawing (standard error, not a terminal): each stage line, then the overall line. */
function finalProgress(stderr: string): { stages: Array<{ name: string; done: number; total: number; tokens: string; line: string }>; overall: string } {
  const lines = stderr.split("\n");
  const last = lines.findLastIndex((l) => l.startsWith("overall: "));
  assert.ok(last > 0, `no overall line in:\n${stderr}`);
  let first = last;
  while (first > 0 && /^[\w:]+: /.test(lines[first - 1]!) && !lines[first - 1]!.startsWith("overall: ") && !lines[first - 1]!.startsWith("mmif: ")) first--;
  const stages = lines.slice(first, last).map((line) => {
    const m = /^([\w:]+): (\d+)\/(\d+) \(\d+%\) \|.*\| ([\d.]+[kM]?) tok/.exec(line);
    assert.ok(m, `a stage line without done/total: ${line}`);
    return { name: m[1]!, done: Number(m[2]), total: Number(m[3]), tokens: m[4]!, line };
  });
  return { stages, overall: lines[last]! };
}

describe("run status, fail fast, signals and the run lock", () => {
  let server: ScriptedServer;
  let bench: string;
  const dir = tempDir();
  before(async () => {
    server = await startScriptedServer({ script: goodScript });
    bench = await writeBench(join(dir, "bench"));
  });
  after(() => server.close());

  const evalArgs = (out: string, url = server.url, judgeUrl = url) => [
    "eval", "--bench", bench, "--model", "vlm", "--base-url", url, "--judge", "judge", "--judge-base-url", judgeUrl, "--concurrency", "2", "--judge-concurrency", "2", "--out", out, "--quiet",
  ];

  it("a complete run says so in summary.json and exits 0, with no label over the table", async () => {
    const out = join(dir, "complete");
    const r = await runCli(evalArgs(out));
    assert.equal(r.code, 0, r.stderr);
    const s = readJson(join(out, "summary.json"));
    assert.deepEqual([s.status, s.status_reasons], ["complete", []]);
    assert.doesNotMatch(r.stdout, /INCOMPLETE|UNRELIABLE/);
    assert.doesNotMatch(readFileSync(join(out, "report.html"), "utf8"), /class="banner"/);
    assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock is released");
  });

  it("a judge that only returns garbage makes the run unreliable: exit 1, UNRELIABLE over the table, a banner", async () => {
    const garbage = await startScriptedServer({ script: (req) => (req.model === "vlm" ? "A teal picture." : "I'd rather not say.") });
    after(() => garbage.close());
    const out = join(dir, "garbage");
    const r = await runCli(evalArgs(out, garbage.url));
    assert.equal(r.code, 1, r.stderr);
    const s = readJson(join(out, "summary.json"));
    assert.equal(s.status, "unreliable");
    assert.match(s.status_reasons[0], /4 of 4 items \(100\.0%\) could not be judged/);
    assert.match(r.stdout, /^UNRELIABLE: 4 of 4 items/m);
    assert.ok(r.stdout.indexOf("UNRELIABLE") < r.stdout.indexOf("model"), "the label comes before the table");
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /class="banner" role="alert" data-status="unreliable"/);
    // A user who accepts every failure gets a complete run from the same answers (no new calls).
    const before = garbage.chatRequests().length;
    const lenient = await runCli([...evalArgs(out, garbage.url), "--max-failed-share", "1"]);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.equal(readJson(join(out, "summary.json")).status, "complete");
    assert.equal(garbage.chatRequests().length, before);
  });

  it("a 401 stops the run at once with one message naming role, base URL, model and key variable", async () => {
    const refusing = await startScriptedServer({ script: () => ({ status: 401, body: { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } } }) });
    after(() => refusing.close());
    const out = join(dir, "unauthorized");
    const started = performance.now();
    const r = await runCli(evalArgs(out, refusing.url), { env: { OPENAI_API_KEY: "" } });
    assert.ok(performance.now() - started < 20_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stopped: the model under test \(model "vlm" at http:\/\/127\.0\.0\.1:\d+\/v1, API key from \$OPENAI_API_KEY, which is not set\): the server refused the API key \(401/);
    assert.equal((r.stderr.match(/stopped: /g) ?? []).length, 1, "one message");
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.ok(refusing.chatRequests().length <= 2, `${refusing.chatRequests().length} calls: no retries per item`);
    assert.equal(r.stdout, "", "no table of numbers");
    const s = readJson(join(out, "summary.json"));
    assert.equal(s.status, "incomplete");
    assert.match(s.status_reasons[0], /configuration error/);
  });

  it("an unreachable judge stops the run within 20 s, naming the judge", async () => {
    const out = join(dir, "refused");
    const started = performance.now();
    const r = await runCli(evalArgs(out, server.url, `http://127.0.0.1:${await closedPort()}/v1`));
    assert.ok(performance.now() - started < 20_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stopped: the judge \(model "judge" at http:\/\/127\.0\.0\.1:\d+\/v1, API key from \$OPENAI_API_KEY.*\): connection refused: nothing listens at the base URL/);
    assert.equal(readJson(join(out, "summary.json")).status, "incomplete");
  });

  it("a key variable the user named but did not set is reported before any call", async () => {
    const before = server.chatRequests().length;
    const r = await runCli([...evalArgs(join(dir, "nokey")), "--judge-api-key-env", "MMIF_TEST_UNSET_KEY"], { env: { MMIF_TEST_UNSET_KEY: "" } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /judge: model "judge" at http:\/\/127\.0\.0\.1:\d+\/v1: the API key variable MMIF_TEST_UNSET_KEY is not set/);
    assert.equal(server.chatRequests().length, before, "no call was made");
  });

  it("a generate run against a dead endpoint stops within 20 s with status incomplete in stats.json", async () => {
    const questions = join(dir, "questions.jsonl");
    writeFileSync(questions, JSON.stringify({ image: "bench/a.png", question: "What colour is the picture, and why might someone choose it for a wall?" }) + "\n");
    const out = join(dir, "generate-dead");
    const started = performance.now();
    const dead = `http://127.0.0.1:${await closedPort()}/v1`;
    const r = await runCli(["generate", "--questions", questions, "--model", "m", "--base-url", dead, "--judge-base-url", dead, "--out", out, "--quiet"]);
    assert.ok(performance.now() - started < 20_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stopped: the (constraint writer|task writer|responder|compatibility checker|verification assigner|judge) \(model "m"/);
    const stats = readJson(join(out, "stats.json"));
    assert.equal(stats.status, "incomplete");
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /data-status="incomplete"/);
  });

  it("a generate run that completes records status complete", async () => {
    const engine = await startScriptedServer({ script: engineScript });
    after(() => engine.close());
    const questions = join(dir, "questions-ok.jsonl");
    writeFileSync(questions, JSON.stringify({ image: "bench/a.png", question: "Describe the picture as a travel writer would." }) + "\n");
    const out = join(dir, "generate-ok");
    const roles = ["--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge", "--judge-base-url", engine.url];
    const r = await runCli(["generate", "--questions", questions, "--model", "tasks", "--base-url", engine.url, ...roles, "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([readJson(join(out, "stats.json")).status, readJson(join(out, "stats.json")).status_reasons], ["complete", []]);
    assert.ok(ENGINE_ANSWER.length > 0);
  });

  it("progress: every stage of eval and generate has a total, and done = total at the end; judge lines count tokens", async () => {
    const r = await runCli(evalArgs(join(dir, "progress-eval")).filter((a) => a !== "--quiet"));
    assert.equal(r.code, 0, r.stderr);
    const e = finalProgress(r.stderr);
    assert.deepEqual(e.stages.map((x) => x.name), ["answer", "judge"]);
    for (const x of e.stages) assert.ok(x.total > 0 && x.done === x.total, x.line);
    assert.notEqual(e.stages.find((x) => x.name === "judge")!.tokens, "0", "the judge line counts its calls' tokens");
    assert.match(e.overall, /^overall: elapsed \d+s \| ETA 0s \| [\d.]+[kM]? tok \| \$0\.0000 so far$/);

    // Every role as in the engine tests, except that the responder answers badly and the judge fails everything:
    // no item is kept, which is an outcome, not an error.
    const engine = await startScriptedServer({
      script: (req) => {
        if (req.model === "resp") return "x";
        if (req.model !== "judge") return engineScript(req);
        const text = lastUserText(req.body);
        const n = (text.match(/^Constraint_\d+:/gm) ?? []).length;
        return text.includes("<start of constraint list>") ? `Summary: ${Array.from({ length: n }, (_, i) => `Score of constraint_${i + 1}: 0/1`).join(", ")}.` : "Reasoning: the same.\nSummary: False";
      },
    });
    after(() => engine.close());
    const questions = join(dir, "questions-progress.jsonl");
    writeFileSync(
      questions,
      ["Describe the picture as a travel writer would.", "Write a short poem about this picture."].map((q) => JSON.stringify({ image: "bench/a.png", question: q })).join("\n") + "\n",
    );
    const roles = ["--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge", "--judge-base-url", engine.url];
    const g = await runCli(["generate", "--questions", questions, "--model", "tasks", "--base-url", engine.url, ...roles, "--out", join(dir, "progress-generate")]);
    assert.equal(g.code, 0, g.stderr);
    const p = finalProgress(g.stderr);
    const names = p.stages.map((x) => x.name);
    for (const stage of ["questions", "constraints", "compat", "assign", "answer", "items"]) assert.ok(names.includes(stage), `${stage} in ${names.join(", ")}`);
    for (const x of p.stages) assert.ok(x.total > 0 && x.done === x.total, x.line);
    const items = p.stages.find((x) => x.name === "items")!;
    assert.match(items.line, /\| 2 not kept \| 0 errors/, "not kept is not an error");
  });

  it("SIGTERM finishes the calls in flight, writes an incomplete summary and exits 1; a rerun completes it", async () => {
    const slow = await startScriptedServer({ script: goodScript, latencyMs: 400 });
    after(() => slow.close());
    const out = join(dir, "terminated");
    const child = spawn(process.execPath, [MMIF, ...evalArgs(out, slow.url)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await slow.waitForRequests(1, 10_000);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(stderr, /stopped by SIGTERM; finishing the calls in flight/);
    const s = readJson(join(out, "summary.json"));
    assert.equal(s.status, "incomplete");
    assert.match(s.status_reasons.join(" "), /interrupted/);
    assert.match(stdout, /^INCOMPLETE: /m);
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /data-status="incomplete"/);
    assert.equal(existsSync(join(out, LOCK_FILE)), false);
    const again = await runCli(evalArgs(out, slow.url));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readJson(join(out, "summary.json")).status, "complete");
  });

  it("a second signal quits at once with exit 130 and leaves no lock behind", async () => {
    const hanging = await startScriptedServer({ script: () => ({ fault: "hang" }) });
    after(() => hanging.close());
    const out = join(dir, "twice");
    const child = spawn(process.execPath, [MMIF, ...evalArgs(out, hanging.url)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await hanging.waitForRequests(1, 10_000);
    child.kill("SIGTERM");
    while (!stderr.includes("finishing the calls in flight")) await new Promise((res) => setTimeout(res, 10));
    child.kill("SIGINT");
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 130, stderr);
    assert.match(stderr, /again; quitting now/);
    assert.equal(existsSync(join(out, LOCK_FILE)), false);
  });

  it("one run per --out: a second run refuses with exit 2 naming the holder's pid; a killed holder's lock is taken over", async () => {
    const hanging = await startScriptedServer({ script: () => ({ fault: "hang" }) });
    after(() => hanging.close());
    const out = join(dir, "locked");
    const first = spawn(process.execPath, [MMIF, ...evalArgs(out, hanging.url)], { stdio: "ignore" });
    await hanging.waitForRequests(2, 10_000); // --concurrency 2: both answer calls in flight, hanging
    await new Promise((res) => setTimeout(res, 100));
    const before = hanging.chatRequests().length;
    const second = await runCli(evalArgs(out, hanging.url));
    assert.equal(second.code, 2, second.stderr);
    assert.match(second.stderr, new RegExp(`another mmif run \\(pid ${first.pid}, "eval", started .*\\) is using ${out.replaceAll("/", "\\/")}`));
    assert.equal(hanging.chatRequests().length, before, "the second run made no call");
    first.kill("SIGKILL");
    await once(first, "exit");
    assert.ok(existsSync(join(out, LOCK_FILE)), "a killed run leaves its lock");
    const third = await runCli(evalArgs(out, server.url));
    assert.equal(third.code, 0, third.stderr);
  });
});
