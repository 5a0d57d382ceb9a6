// An interrupted `mmif eval`: the items whose calls the stopped run never made are "not attempted" in
// results.jsonl and the report, never "failed in all 3 rounds", and they are not counted as judging failures.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { readChecked, readCheckedFile } from "../helpers/records.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

function script(req: { model?: string; body?: unknown }) {
  if (req.model === "vlm") return "A teal picture.";
  return lastUserText(req.body).includes("<start of constraint list>") ? "Summary: Score of constraint_1: 1/1." : "right";
}

describe("an interrupted eval", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const bench = join(dir, "bench.jsonl");
  before(async () => {
    server = await startScriptedServer({ script, latencyMs: 300 });
    await sharp({ create: { width: 16, height: 12, channels: 3, background: "teal" } }).png().toFile(join(dir, "a.png"));
    mkdirSync(dir, { recursive: true });
    const c = (id: string) => ({ index: id, id, tag: "C-Level", infer_type: "main", question: `Describe ${id}.`, image: "a.png", constraints: [{ key: "tone_requirement", value: "Be warm.", judge: { method: "direct_gpt" } }] });
    const p = (id: string) => ({ index: id, id, tag: "P-Level", infer_type: "main", question: `What is ${id}?`, answer: ["teal"], image: "a.png" });
    writeFileSync(bench, [c("1"), c("2"), c("3"), c("4"), p("5"), p("6")].map((r) => JSON.stringify(r)).join("\n") + "\n");
  });
  after(() => server.close());

  const args = (out: string) => ["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--concurrency", "1", "--judge-concurrency", "1", "--out", out, "--quiet"];

  it("marks the items it never finished as not attempted, in results.jsonl and the report; a rerun finishes them", async () => {
    const out = join(dir, "run");
    const child = spawn(process.execPath, [MMIF, ...args(out)], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await server.waitForRequests(2, 10_000);
    child.kill("SIGINT");
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 1, stderr);

    const results = await readChecked("results.jsonl", join(out, "results.jsonl"));
    assert.equal(results.length, 6);
    const notAttempted = results.filter((r) => r.status === "not_attempted");
    assert.ok(notAttempted.length >= 3, `most items were never sent: ${results.map((r) => r.status).join(", ")}`);
    assert.deepEqual(results.filter((r) => r.status === "failed"), [], "nothing reads as a judging failure");
    for (const r of notAttempted) {
      assert.match(r.error!, /^not attempted: the run was stopped before this item's (answers were asked for|judging finished); rerun the same command to finish it$/);
      assert.equal(r.score, null);
      for (const v of r.constraints ?? []) assert.equal(v.score, null);
    }
    assert.doesNotMatch(readFileSync(join(out, "results.jsonl"), "utf8"), /failed in all/);
    const summary = readCheckedFile("summary.json", join(out, "summary.json"));
    assert.equal(summary.status, "incomplete");
    assert.equal(summary.counts.failed_items, 0);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.doesNotMatch(html, /failed in all/);
    assert.match(html, /"verdict":"not_attempted"/);
    assert.match(html, /not attempted \(run stopped\)/, "the verdict filter offers them");

    const again = await runCli(args(out));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await readChecked("results.jsonl", join(out, "results.jsonl"))).map((r) => r.status), Array(6).fill("scored"));
  });
});
