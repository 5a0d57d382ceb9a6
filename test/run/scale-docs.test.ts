// The job scripts of docs/scale.md, run by the shell as a scheduler would run them: each marked block is cut out of
// the doc and run with the environment Slurm or Kubernetes gives a task, `mmif` on PATH being a program that prints
// the arguments it is given; every task must then pass `--shard` the value parseShard reads as its own part.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseShard, type Shard } from "../../src/run/shard.js";
import { tempDir } from "../helpers/cli.js";

const DOC = new URL("../../docs/scale.md", import.meta.url);

/** The code block (bash or yaml) after `<!-- snippet: NAME -->`. */
function snippet(name: string): string {
  const m = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`(?:bash|yaml)\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(DOC, "utf8"));
  assert.ok(m, `docs/scale.md has no block marked "${name}"`);
  return m[1]!;
}

const bin = tempDir();
writeFileSync(join(bin, "mmif"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
chmodSync(join(bin, "mmif"), 0o755);

/** Runs a script with `shell` and the scheduler's variables; the arguments `mmif` got. */
function run(shell: string, script: string, env: Record<string, string>): string[] {
  const r = spawnSync(shell, ["-c", script], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

function flag(args: string[], name: string): string {
  const i = args.indexOf(name);
  assert.ok(i >= 0, `mmif was not given ${name}: ${args.join(" ")}`);
  return args[i + 1]!;
}

/** Every index of the array, then a rerun of one index alone, the way Slurm sets their variables. */
function slurmTasks(count: number): Array<{ env: Record<string, string>; want: Shard }> {
  const all = Array.from({ length: count }, (_, i) => ({ env: { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: String(count - 1) }, want: { index: i, count } }));
  // `sbatch --array=3 generate.sbatch`: an array of one task.
  const rerun = { env: { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "1", SLURM_ARRAY_TASK_MIN: "3", SLURM_ARRAY_TASK_MAX: "3" }, want: { index: 3, count } };
  return [...all, rerun];
}

/** Runs an array script for every Slurm task: each passes `command` its own shard and its own --out folder. */
function checkSlurmTasks(script: string, count: number, command: string): void {
  for (const { env, want } of slurmTasks(count)) {
    const args = run("bash", script, env);
    assert.equal(args[0], command);
    assert.deepEqual(parseShard(flag(args, "--shard")), want, JSON.stringify(env));
    assert.match(flag(args, "--out"), new RegExp(`/shard-${want.index}$`));
  }
}

/** The array's size, from the script's `#SBATCH --array=0-N`. */
function arrayCount(script: string): number {
  const range = /#SBATCH --array=0-(\d+)\n/.exec(script);
  assert.ok(range, "the script sets --array=0-N");
  return Number(range[1]) + 1;
}

describe("docs/scale.md job scripts", () => {
  it("Slurm generate.sbatch: every array task, and a rerun of one index, runs its own shard of the --array's count into its own folder", () => {
    const script = snippet("slurm-generate");
    checkSlurmTasks(script, arrayCount(script), "generate");
  });

  it("Slurm dpo: the same shards inside the array script", () => {
    const generate = snippet("slurm-generate");
    // The dpo command in place of the generate command, the rest of the script as it is.
    checkSlurmTasks(generate.replace(/^mmif generate[\s\S]*$/m, snippet("slurm-dpo")), arrayCount(generate), "dpo");
  });

  it("Kubernetes Indexed Job: the pod of each completion index runs that shard of `completions`", () => {
    const job = snippet("k8s-generate");
    const completions = Number(/^\s*completions: (\d+)$/m.exec(job)![1]);
    assert.match(job, /completionMode: Indexed/);
    // The container's command is ["sh", "-c"] with one folded (>-) argument: its lines joined by spaces.
    assert.match(job, /command: \["sh", "-c"\]/);
    const folded = /args:\n\s*- >-\n((?:\s{14}.*\n)+)/.exec(job);
    assert.ok(folded, "args is one folded scalar");
    const line = folded[1]!.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
    for (let i = 0; i < completions; i++) {
      const args = run("sh", line, { JOB_COMPLETION_INDEX: String(i) });
      assert.equal(args[0], "generate");
      assert.deepEqual(parseShard(flag(args, "--shard")), { index: i, count: completions });
      assert.match(flag(args, "--out"), new RegExp(`/shard-${i}$`));
    }
  });
});
