import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { COMMANDS, commandNamed } from "../../src/cli/commands.js";
import { buildProgram } from "../../src/cli/main.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";

const MODULE_LOG = new URL("../helpers/module-log/register.mjs", import.meta.url).pathname;

/** The modules `mmif ARGS` loads, as resolved URLs (child process with a resolve hook). */
async function loadedModules(args: string[]): Promise<string[]> {
  const log = `${tempDir()}/modules.log`;
  const r = await runCli(args, { nodeArgs: ["--import", MODULE_LOG], env: { MMIF_MODULE_LOG: log } });
  assert.equal(r.code, 0, r.stderr);
  return [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))];
}

const HEAVY = /\/node_modules\/(openai|zod|sharp|better-sqlite3|hyparquet|hyparquet-writer|jsonrepair)\//;

describe("mmif command table", () => {
  it("finds the command a command line runs", () => {
    assert.equal(commandNamed(["verify", "--in", "x"])?.name, "verify");
    assert.equal(commandNamed(["--quiet", "eval"])?.name, "eval");
    assert.equal(commandNamed(["help", "report"])?.name, "report");
    assert.equal(commandNamed(["--help"]), undefined);
    assert.equal(commandNamed(["frobnicate"]), undefined);
  });

  it("lists every command in --help exactly as the loaded commands show themselves", async () => {
    const lazy = (await buildProgram([])).helpInformation();
    const loaded = await buildProgram(COMMANDS);
    assert.equal(lazy, loaded.helpInformation());
    assert.deepEqual(
      loaded.commands.map((c) => c.name()),
      COMMANDS.map((c) => c.name),
    );
    for (const c of loaded.commands) assert.ok(c.options.length > 0 || c.commands.length > 0, `${c.name()} registered its flags`);
  });

  it("--version and --help load no command's code", async () => {
    for (const args of [["--version"], ["--help"]]) {
      const mods = await loadedModules(args);
      const ours = mods.filter((m) => m.includes("/dist/"));
      assert.deepEqual(ours.map((m) => m.replace(/.*\/dist\//, "")).sort(), ["cli/commands.js", "cli/main.js", "common/errors.js", "common/version.js"]);
      assert.ok(!mods.some((m) => HEAVY.test(m)), `heavy module loaded by ${args}`);
    }
  });

  it("mmif verify loads no model, image, SQLite, schema or Parquet code", async () => {
    const dir = tempDir();
    const input = `${dir}/in.jsonl`;
    await import("node:fs").then((fs) =>
      fs.writeFileSync(input, `${JSON.stringify({ response: "One. Two.", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 2] }] })}\n`),
    );
    const mods = await loadedModules(["verify", "--in", input, "--out", `${dir}/out.jsonl`, "-q"]);
    assert.ok(mods.some((m) => m.endsWith("/dist/constraints/registry.js")), "the log records our modules");
    const heavy = mods.filter((m) => HEAVY.test(m) || /\/dist\/(model|bench|engine|export|report|dpo)\//.test(m));
    assert.deepEqual(heavy, []);
    assert.match(readFileSync(`${dir}/out.jsonl`, "utf8"), /"pass":true/);
  });

  it("mmif eval --help still shows every flag of eval", async () => {
    const r = await runCli(["eval", "--help"]);
    assert.equal(r.code, 0);
    for (const flag of ["--bench", "--model", "--judge", "--out", "--profile", "--concurrency"]) assert.match(r.stdout, new RegExp(` ${flag}\\b`));
    assert.ok(MMIF);
  });
});
