import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { COMMANDS } from "../../src/cli/commands.js";
import { JUDGE_ENDPOINT_DEFAULT } from "../../src/cli/flags.js";
import { buildProgram } from "../../src/cli/main.js";
import { runCli, tempDir } from "../helpers/cli.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** Every leaf command with its full name ("recipe llamafactory"). */
function leaves(cmd: Command, prefix = ""): Array<{ name: string; cmd: Command }> {
  const name = `${prefix}${cmd.name()}`;
  if (cmd.commands.length === 0) return [{ name, cmd }];
  return cmd.commands.flatMap((c) => leaves(c, `${name} `));
}

async function commands(): Promise<Array<{ name: string; cmd: Command }>> {
  const program = await buildProgram(COMMANDS);
  return program.commands.flatMap((c) => leaves(c));
}

const JUDGE_COMMANDS = ["eval", "score", "generate", "dpo"];

describe("one flag vocabulary", () => {
  it("the README documents every option of every command", async () => {
    const missing: string[] = [];
    for (const { name, cmd } of await commands()) {
      for (const o of cmd.options) {
        if (o.hidden) continue;
        // Inside a code span: `--flag <x>` or `-q, --quiet`.
        if (!new RegExp(`\`[^\`]*${o.long}(?![\\w-])[^\`]*\``).test(README)) missing.push(`mmif ${name} ${o.long}`);
      }
    }
    assert.deepEqual(missing, [], "options missing from the README");
  });

  /** Names whose default differs by command on purpose, each documented in its command's README table. */
  const PER_COMMAND_DEFAULT: Record<string, string> = {
    "--concurrency": "filter: images decoded at once (4); elsewhere: calls in flight per model (16)",
    "--temperature": "eval: the model under test (0); generate: the generating roles (0.7)",
    "--images": "filter/generate: a folder (no default); export: how images are placed (copy)",
    "--image-root": "eval/score/report: the authors' image folder (next to the JSONL); serve: where request paths resolve (.)",
    "--out": "demo: the folder it makes (mmif-demo); elsewhere required, or standard output",
    "--api-key-env": "serve: the key clients must send (none by default); elsewhere: the model's key (OPENAI_API_KEY)",
    "--image-max-side": "generate/dpo make data: 2048 (OpenAI's high-detail box); eval/score/serve: originals, as the references send",
    "--image-max-pixels": "recipe: the training config's image_max_pixels (262144); elsewhere: no pixel limit on images sent",
  };

  it("a flag means the same in every command: one default for each name", async () => {
    const defaults = new Map<string, { value: unknown; where: string }>();
    const clashes: string[] = [];
    for (const { name, cmd } of await commands()) {
      for (const o of cmd.options) {
        const seen = defaults.get(o.long!);
        if (seen && seen.value !== o.defaultValue && !(o.long! in PER_COMMAND_DEFAULT)) clashes.push(`${o.long}: ${String(seen.value)} in ${seen.where}, ${String(o.defaultValue)} in ${name}`);
        if (!seen) defaults.set(o.long!, { value: o.defaultValue, where: name });
      }
    }
    assert.deepEqual(clashes, []);
  });

  it("every command that uses a judge takes --judge, --judge-base-url and --judge-api-key-env, with one endpoint rule", async () => {
    for (const { name, cmd } of await commands()) {
      if (!JUDGE_COMMANDS.includes(name)) continue;
      const flags = new Map(cmd.options.map((o) => [o.long, o]));
      const endpointFlags = name === "score" ? [] : ["--model", "--base-url", "--api-key-env", "--concurrency"];
      for (const f of ["--judge", "--judge-model", "--judge-base-url", "--judge-api-key-env", ...endpointFlags]) {
        assert.ok(flags.has(f), `${name} takes ${f}`);
      }
      assert.ok(flags.get("--judge-model")!.hidden, `${name}: --judge-model is a hidden deprecated alias`);
      assert.match(flags.get("--judge-base-url")!.description, new RegExp(JUDGE_ENDPOINT_DEFAULT.replace(/[$()]/g, "\\$&")));
    }
    assert.match(README, /\| `--judge-base-url <url>` \| `\$OPENAI_BASE_URL`, then the OpenAI API; never --base-url \|/, "the README states the judge endpoint rule");
  });

  it("--judge-model still works, with a deprecation warning, and may not contradict --judge", async () => {
    const dir = tempDir();
    const r = await runCli(["dpo", "--items", join(dir, "none.jsonl"), "--model", "m", "--judge-model", "a", "--judge", "b", "--out", join(dir, "o")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--judge-model is deprecated; use --judge/);
    assert.match(r.stderr, /--judge b and --judge-model a disagree/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("a judge command without --judge says so and exits 2", async () => {
    const dir = tempDir();
    const r = await runCli(["dpo", "--items", join(dir, "none.jsonl"), "--model", "m", "--out", join(dir, "o")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '--judge <name>' not specified/);
  });
});
