// `mmif demo` end to end: the real CLI runs generate → dpo → export → eval against its built-in simulated endpoint
// with no key and no network; every output is there, names the simulated models, and both reports open in
// chromium with the simulated-model banner and no errors.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { demoSteps } from "../../src/demo/run.js";
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from "../helpers/chromium.js";
import { runCli, tempDir, type CliResult } from "../helpers/cli.js";

describe("mmif demo", () => {
  const out = join(tempDir("mmif-demo-"), "demo");
  let r: CliResult;
  before(async () => {
    // A key and base URL in the environment must not reach the demo's steps.
    r = await runCli(["demo", "--out", out], { env: { OPENAI_API_KEY: "sk-must-not-be-used", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
  });

  it("runs every step and prints where each output and report is", () => {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const step of demoSteps(out, "http://unused")) {
      for (const o of step.outputs) {
        assert.ok(existsSync(join(out, o)), `${o} missing`);
        assert.ok(r.stdout.includes(join(out, o)), `${o} not printed`);
      }
    }
    assert.match(r.stdout, /SIMULATED model endpoint/);
    assert.ok(r.stdout.includes(`eval report     ${join(out, "eval", "report.html")}`));
  });

  it("every output names the simulated models", () => {
    const summary = JSON.parse(readFileSync(join(out, "eval", "summary.json"), "utf8"));
    assert.equal(summary.model, "simulated-student-vlm");
    assert.equal(summary.judge, "simulated-judge");
    assert.ok(summary.c_level !== null && summary.counts.c_items > 0);
    const stats = JSON.parse(readFileSync(join(out, "generate", "stats.json"), "utf8"));
    assert.ok(stats.usage.length > 0 && stats.usage.every((u: { model: string }) => u.model.startsWith("simulated-")));
    assert.ok(stats.items.kept > 0 || Object.values(stats.items).some((n) => typeof n === "number" && n > 0));
    const pairs = readFileSync(join(out, "dpo", "pairs.jsonl"), "utf8").trim().split("\n");
    assert.ok(pairs.length > 0);
    assert.ok(JSON.parse(readFileSync(join(out, "export", "dataset_info.json"), "utf8")).simulated_demo_dpo);
    for (const report of ["generate/report.html", "eval/report.html"]) {
      assert.match(readFileSync(join(out, report), "utf8"), /class="banner" role="note">Simulated model:/, report);
    }
  });

  describe("reports in chromium", { skip: chromiumSkip() }, () => {
    let profile: string;
    after(() => profile && rmSync(profile, { recursive: true, force: true }));
    it("both reports open from disk with the banner, items and no errors", async () => {
      profile = mkdtempSync(join(tmpdir(), "mmif-chromium-profile-"));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, offline: true });
      try {
        for (const report of ["generate/report.html", "eval/report.html"]) {
          const page = await context.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
          await page.goto(pathToFileURL(join(out, report)).href);
          await page.waitForSelector("#items article");
          assert.match((await page.textContent(".banner")) ?? "", /Simulated model/);
          assert.ok((await page.$$("#items article")).length > 0, report);
          assert.deepEqual(errors, [], report);
          await page.close();
        }
      } finally {
        await context.close();
      }
    });
  });
});
