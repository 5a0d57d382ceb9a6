// The report written at the end of real runs: `mmif eval` and `mmif generate` against the scripted server.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import { engineScript } from "../helpers/engine-script.js";
import { lastUserText, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";
import { drawImage, makeEvalRun } from "./fixtures.js";

function script(req: RecordedRequest) {
  if (req.model === "vlm") return "The sky is wide. The sky is blue. A house stands there.";
  const text = lastUserText(req.body);
  if (text.includes("<start of constraint list>")) return "**Summary:** Score of constraint_1: 1/1.";
  if (text.includes("<start of response under the constraint>")) return "Summary: True";
  return "right";
}

const metric = (doc: string, name: string) => new RegExp(`data-metric="${name}">([^<]*)<`).exec(doc)?.[1];

describe("reports at the end of a run", () => {
  let server: ScriptedServer;
  const root = tempDir();
  before(async () => {
    server = await startScriptedServer({ script: (req) => (req.model === "vlm" || req.model === "eval-judge" ? script(req) : engineScript(req)) });
  });
  after(() => server.close());

  it("mmif eval writes report.html with the numbers of its summary.json", async () => {
    const { summary } = await makeEvalRun(root);
    const out = join(root, "eval-out");
    const r = await runCli(["eval", "--bench", summary.bench, "--model", "vlm", "--base-url", server.url, "--judge", "eval-judge", "--judge-base-url", server.url, "--limit", "4", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /mmif: report: .*report\.html/);
    const written = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    const doc = readFileSync(join(out, "report.html"), "utf8");
    assert.equal(metric(doc, "c_level"), written.c_level.toFixed(1));
    assert.match(doc, /data:image\/jpeg;base64,/, "thumbnails from the bench rows");
  });

  it("mmif generate writes report.html with the numbers of its stats.json", async () => {
    const images = join(root, "photos");
    mkdirSync(images);
    for (let i = 0; i < 2; i++) await drawImage(join(images, `p${i}.png`), i, 400, 300);
    const out = join(root, "gen-out");
    const roles = ["--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge"];
    const r = await runCli(["generate", "--images", images, "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...roles, "--min-complexity", "0", "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const doc = readFileSync(join(out, "report.html"), "utf8");
    assert.equal(metric(doc, "kept_rate"), (100 * stats.items.kept_rate).toFixed(1));
    assert.equal(metric(doc, "items"), String(stats.items.total));
  });
});
