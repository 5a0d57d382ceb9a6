// `--shard i/n` on generate and dpo, and `mmif merge`: three shards merged must give the files of one unsharded run
// with the same seed, byte for byte (items in input order, stats recomputed, images de-duplicated, ledgers merged);
// shards of different runs, missing shards and bad --shard values are refused with a message that says what to do.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, constants, cpSync, existsSync, openSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import sharp from "sharp";
import { Ledger } from "../../src/model/ledger.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { closedPort } from "../helpers/closed-port.js";
import { ENGINE_ANSWER, engineScript } from "../helpers/engine-script.js";
import { lastUserText, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

const IMAGES = 8;
const SHARDS = 3;

/** The engine's roles; the weak model of dpo copies the chosen answer for some prompts (a dropped pair). */
function script(req: RecordedRequest) {
  if (req.model === "weak") return lastUserText(req.body).length % 3 === 0 ? ENGINE_ANSWER : "A plain answer with 3 digits.";
  return engineScript(req);
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

function sameFiles(single: string, merged: string, files: string[]): void {
  for (const f of files) assert.equal(read(merged, f), read(single, f), `${f} differs from the unsharded run's`);
}

function sameFolder(single: string, merged: string): void {
  const names = readdirSync(single).sort();
  assert.ok(names.length > 0 && names.every((n) => /^[0-9a-f]{64}\.png$/.test(n)), `images/ holds ${names.join(", ")}`);
  assert.deepEqual(readdirSync(merged).sort(), names);
  for (const n of names) assert.ok(readFileSync(join(merged, n)).equals(readFileSync(join(single, n))), `${n} differs`);
}

/** Every recorded request of the merged ledger reads back as the unsharded run's (dictionaries copied along). */
function sameRequests(single: string, merged: string): void {
  const a = new Ledger(join(single, "ledger.sqlite"));
  const b = new Ledger(join(merged, "ledger.sqlite"));
  try {
    for (const key of callKeys(single)) assert.equal(b.request(key), a.request(key), `request of ${key}`);
  } finally {
    a.close();
    b.close();
  }
}

function callKeys(dir: string): string[] {
  const db = new Database(join(dir, "ledger.sqlite"), { readonly: true });
  try {
    return (db.prepare("SELECT key FROM calls WHERE status = 'ok' ORDER BY key").all() as Array<{ key: string }>).map((r) => r.key);
  } finally {
    db.close();
  }
}

/** Files and folders under `dir` (one level of subfolders) whose names are temporary or locks: what a clean folder lacks. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...readdirSync(join(dir, entry.name)).filter((n) => /\.tmp-\d+/.test(n)).map((n) => `${entry.name}/${n}`));
    else if (/\.tmp-\d+|^\.mmif-lock$/.test(entry.name)) found.push(entry.name);
  }
  return found;
}

/** The pid of a process that has exited (for leftovers "of a killed run"). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid!;
}

/** Waits until `dir` holds a file whose name matches `name` (the merge reached that point), for at most 60 s. */
async function waitForFile(dir: string, name: RegExp): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (existsSync(dir) && readdirSync(dir).some((n) => name.test(n))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${dir} never held a file matching ${name}`);
}

describe("shards and merge (--shard i/n, mmif merge)", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const images = join(dir, "photos");
  const shardDirs = (name: string) => Array.from({ length: SHARDS }, (_, i) => join(dir, `${name}-${i}`));

  const generate = (out: string, extra: string[] = [], folder = images) =>
    runCli([
      "generate", "--images", folder, "--model", "unused", "--base-url", server.url, "--task-model", "tasks", "--constraint-model", "cons",
      "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge", "--judge-base-url", server.url,
      "--out", out, "--quiet", "--seed", "3", "--tasks-per-image", "2", "--price", "1,2", ...extra,
    ]);
  const dpo = (items: string, out: string, extra: string[] = []) =>
    runCli(["dpo", "--items", items, "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--mix", "drop-all=1,drop-one-third=1,no-image=1", "--seed", "5", "--out", out, "--quiet", ...extra]);

  before(async () => {
    server = await startScriptedServer({ script });
    mkdirSync(images);
    for (let i = 0; i < IMAGES; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 30 * i, g: 90, b: 120 }, noise: { type: "gaussian", mean: 120, sigma: 70 } } })
        .png()
        .toFile(join(images, `img-${i}.png`));
    }
    // An exact copy: the filter drops it as a duplicate in every shard, and images/ holds its bytes once.
    cpSync(join(images, "img-2.png"), join(images, "img-9-copy.png"));
  });
  after(() => server.close());

  it("generate: 3 shards + merge give the unsharded run's items, images, stats, exports and images/, byte for byte", async () => {
    const single = join(dir, "gen-single");
    const r = await generate(single);
    assert.equal(r.code, 0, r.stderr);
    const parts = shardDirs("gen");
    for (const [i, out] of parts.entries()) {
      const s = await generate(out, ["--shard", `${i}/${SHARDS}`]);
      assert.equal(s.code, 0, s.stderr);
    }
    // Each shard answered only its own images: the shards' items split the run's between them.
    const counts = parts.map((p) => read(p, "items.jsonl").split("\n").filter(Boolean).length);
    const total = read(single, "items.jsonl").split("\n").filter(Boolean).length;
    assert.equal(total, 2 * IMAGES);
    assert.equal(counts.reduce((a, b) => a + b, 0), total);
    assert.ok(counts.filter((c) => c > 0).length >= 2, `shards took ${counts.join(", ")} items: the split is not spread`);

    const merged = join(dir, "gen-merged");
    const m = await runCli(["merge", ...[...parts].reverse(), "--out", merged]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stderr, /mmif merge: 3 generate shards: items 16, kept \d+; images 8\/9 kept/);
    sameFiles(single, merged, ["items.jsonl", "images.jsonl", "stats.json", "bench.jsonl", "sft.jsonl", "dataset_info.json"]);
    sameFolder(join(single, "images"), join(merged, "images"));
    // The merged ledger holds every answered call once: a rerun of the unsharded command there would pay for nothing.
    assert.deepEqual(callKeys(merged), callKeys(single));
    sameRequests(single, merged);

    // A shard's folder rerun without --shard (a job script that lost the flag) is refused before any call: it would do
    // every shard's work there and leave a shard.json that no longer describes the folder.
    const sent = server.chatRequests().length;
    const lost = await generate(parts[1]!);
    assert.equal(lost.code, 2, lost.stderr);
    assert.match(lost.stderr, new RegExp(`holds shard 1/${SHARDS} of a sharded run \\(shard\\.json\\); rerun with --shard 1/${SHARDS}`));
    assert.equal(server.chatRequests().length, sent, "no call");
    const lostDpo = await runCli(["dpo", "--items", join(single, "items.jsonl"), "--model", "weak", "--base-url", server.url, "--out", parts[1]!, "--quiet"]);
    assert.equal(lostDpo.code, 2, lostDpo.stderr);
    assert.match(lostDpo.stderr, /holds shard 1\/3 of a sharded run/);

    // Safe to rerun: the same files again, the ledger unchanged.
    const again = await runCli(["merge", ...parts, "--out", merged]);
    assert.equal(again.code, 0, again.stderr);
    sameFiles(single, merged, ["items.jsonl", "images.jsonl", "stats.json", "sft.jsonl"]);
    assert.deepEqual(callKeys(merged), callKeys(single));
  });

  it("dpo: 3 shards + merge give the unsharded run's pairs, dropped pairs and dpo-stats.json", async () => {
    const items = join(dir, "gen-single", "items.jsonl");
    const single = join(dir, "dpo-single");
    const r = await dpo(items, single);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(read(single, "dpo-stats.json")) as { pairs: number; dropped: number };
    assert.ok(stats.pairs > 0 && stats.dropped > 0, `pairs ${stats.pairs}, dropped ${stats.dropped}: the test needs both`);
    const parts = shardDirs("dpo");
    for (const [i, out] of parts.entries()) {
      const s = await dpo(items, out, ["--shard", `${i}/${SHARDS}`]);
      assert.equal(s.code, 0, s.stderr);
    }
    const merged = join(dir, "dpo-merged");
    const m = await runCli(["merge", ...parts, "--out", merged]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stderr, /3 dpo shards: \d+ kept items: \d+ pairs/);
    sameFiles(single, merged, ["pairs.jsonl", "dropped-pairs.jsonl", "dpo-stats.json"]);
    sameFolder(join(single, "images"), join(merged, "images"));
    assert.deepEqual(callKeys(merged), callKeys(single));
    sameRequests(single, merged);
  });

  it("the part a shard takes depends on the images' content, not their names or order", async () => {
    const renamed = join(dir, "photos-renamed");
    cpSync(images, renamed, { recursive: true });
    for (const [i, name] of readdirSync(renamed).sort().entries()) renameSync(join(renamed, name), join(renamed, `z${IMAGES + 1 - i}-${name}`));
    const hashes = async (folder: string, out: string) => {
      const r = await generate(out, ["--shard", `1/${SHARDS}`, "--stages", "filter,tasks"], folder);
      assert.equal(r.code, 0, r.stderr);
      return read(out, "items.jsonl").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { image: { sha256: string } }).image.sha256).sort();
    };
    assert.deepEqual(await hashes(renamed, join(dir, "renamed-1")), await hashes(images, join(dir, "original-1")));
  });

  it("refuses shards of different runs, a missing or repeated shard, a used --out, and bad --shard values", async () => {
    const parts = shardDirs("gen");
    const otherSeed = join(dir, "gen-seed4-1");
    assert.equal((await generate(otherSeed, ["--shard", `1/${SHARDS}`, "--seed", "4", "--stages", "filter,tasks"])).code, 0);
    let r = await runCli(["merge", parts[0]!, otherSeed, parts[2]!, "--out", join(dir, "bad-1")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot merge: --seed differs: 3 in .*gen-0 \(shard 0\/3\), 4 in .*gen-seed4-1 \(shard 1\/3\)/);

    const otherThreshold = join(dir, "gen-threshold-1");
    assert.equal((await generate(otherThreshold, ["--shard", `1/${SHARDS}`, "--threshold", "0.5"])).code, 0);
    r = await runCli(["merge", parts[0]!, otherThreshold, parts[2]!, "--out", join(dir, "bad-2")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threshold differs: "0\.8" in .*, "0\.5" in /);

    // A shard written by another format of shard.json (the same mmif version) is named by that, not by the version.
    const otherFormat = join(dir, "gen-format-1");
    cpSync(parts[1]!, otherFormat, { recursive: true });
    const manifest = JSON.parse(read(otherFormat, "shard.json")) as { format_version: number };
    writeFileSync(join(otherFormat, "shard.json"), JSON.stringify({ ...manifest, format_version: manifest.format_version + 1 }));
    r = await runCli(["merge", parts[0]!, otherFormat, parts[2]!, "--out", join(dir, "bad-format")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cannot merge: the shard.json format_version differs: ${manifest.format_version} in .*, ${manifest.format_version + 1} in `));

    r = await runCli(["merge", parts[0]!, join(dir, "dpo-1"), parts[2]!, "--out", join(dir, "bad-3")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot merge a generate shard .* with a dpo shard/);

    r = await runCli(["merge", parts[0]!, parts[2]!, "--out", join(dir, "bad-4")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing shard 1\/3: give the --out folder of every shard 0\/3 … 2\/3/);

    r = await runCli(["merge", parts[0]!, parts[0]!, parts[1]!, parts[2]!, "--out", join(dir, "bad-5")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /shard 0\/3 is given twice/);

    r = await runCli(["merge", join(dir, "gen-single"), "--out", join(dir, "bad-6")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /gen-single is not a shard folder \(no shard\.json\)/);

    // A folder that is not an earlier merge of these shards is never written over (its ledger would mix in).
    const used = join(dir, "used");
    mkdirSync(used);
    writeFileSync(join(used, "notes.txt"), "mine");
    r = await runCli(["merge", ...parts, "--out", used]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out .*used already holds files \(notes\.txt\)/);
    r = await runCli(["merge", ...shardDirs("dpo"), "--out", join(dir, "gen-merged")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /holds the merge of another run/);

    for (const [value, message] of [
      ["3/3", /the index must be below 3 \(0 to 2\), got "3\/3"/],
      ["1/0", /the number of shards must be at least 1/],
      ["half", /--shard takes i\/n, the 0-based index/],
    ] as const) {
      r = await generate(join(dir, "never"), ["--shard", value]);
      assert.equal(r.code, 2, value);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    r = await dpo(join(dir, "gen-single", "items.jsonl"), join(dir, "never"), ["--shard", "-1/2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--shard takes i\/n/);
  });

  /**
   * Copies of the generate shards where shard 1's items.jsonl is a named pipe nobody writes to: a merge of them
   * stops there, holding its locks, with items.jsonl half-written under its temporary name: the moment to kill it.
   */
  function blockingShards(name: string): { parts: string[]; unblock: () => void } {
    const parts = shardDirs(name);
    for (const [i, from] of shardDirs("gen").entries()) cpSync(from, parts[i]!, { recursive: true });
    const items = join(parts[1]!, "items.jsonl");
    renameSync(items, `${items}.real`);
    execFileSync("mkfifo", [items]);
    return {
      parts,
      unblock: () => {
        unlinkSync(items);
        renameSync(`${items}.real`, items);
      },
    };
  }

  /** Opens the pipe for writing and closes it at once, when a reader waits for it (nothing happens otherwise). */
  function releasePipe(path: string): void {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader (ENXIO): nobody waits
    }
  }

  it("killed mid-merge (SIGKILL): the rerun takes over the stale locks, removes the half-written files and gives the same files", async () => {
    const { parts, unblock } = blockingShards("killed");
    // A leftover of a killed shard run in its images/ is not an image of the run.
    writeFileSync(join(parts[0]!, "images", `${"a".repeat(64)}.png.tmp-${await deadPid()}-1`), "half");
    const merged = join(dir, "killed-merged");
    const child = spawn(process.execPath, [MMIF, "merge", ...parts, "--out", merged, "--quiet"], { stdio: "ignore" });
    await waitForFile(merged, /^items\.jsonl\.tmp-/);
    child.kill("SIGKILL");
    await once(child, "exit");
    assert.ok(leftovers(merged).length >= 2, `the killed merge left ${leftovers(merged).join(", ")}`);
    assert.ok(existsSync(join(parts[1]!, ".mmif-lock")), "the killed merge left its lock in the shard");
    unblock();

    const r = await runCli(["merge", ...parts, "--out", merged, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const single = join(dir, "gen-single");
    sameFiles(single, merged, ["items.jsonl", "images.jsonl", "stats.json", "bench.jsonl", "sft.jsonl", "dataset_info.json"]);
    sameFolder(join(single, "images"), join(merged, "images"));
    assert.deepEqual(leftovers(merged), []);
    for (const p of parts) assert.equal(existsSync(join(p, ".mmif-lock")), false, `${p} is still locked`);
  });

  it("SIGTERM or Ctrl-C during a merge quits with 130, leaving no lock in any shard and no temporary file", async () => {
    const { parts, unblock } = blockingShards("terminated");
    const merged = join(dir, "terminated-merged");
    const child = spawn(process.execPath, [MMIF, "merge", ...parts, "--out", merged, "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await waitForFile(merged, /^items\.jsonl\.tmp-/);
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    // Node joins its I/O threads on exit, and one still waits to open the pipe: once the merge said it quits (its
    // exit handlers ran), give that open a writer so the process can end.
    while (!/stopped by SIGTERM/.test(stderr)) await new Promise((r) => setTimeout(r, 50));
    releasePipe(join(parts[1]!, "items.jsonl"));
    const [code] = (await exited) as [number | null];
    unblock();
    assert.equal(code, 130, stderr);
    assert.match(stderr, /mmif merge: stopped by SIGTERM; the shards are unchanged: run the same merge again/);
    assert.deepEqual(leftovers(merged), []);
    for (const p of parts) assert.equal(existsSync(join(p, ".mmif-lock")), false, `${p} is still locked`);
  });

  it("a merge again into the same --out keeps images/ to the shards' images (a stray file of an earlier merge goes)", async () => {
    const merged = join(dir, "gen-merged");
    writeFileSync(join(merged, "images", `${"0".repeat(64)}.png`), "not of this run");
    const r = await runCli(["merge", ...shardDirs("gen"), "--out", merged, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    sameFolder(join(dir, "gen-single", "images"), join(merged, "images"));
  });

  it("an incomplete shard makes the merge incomplete everywhere (exit 1, stats.json, report); after rerunning that shard the merge equals one run", async () => {
    const parts = shardDirs("gen");
    // The shard with the most items (the images are random, so which one varies) runs with a dead judge.
    const sizes = parts.map((p) => read(p, "items.jsonl").split("\n").filter(Boolean).length);
    const k = sizes.indexOf(Math.max(...sizes));
    const broken = join(dir, `inc-${k}`);
    const given = parts.map((p, i) => (i === k ? broken : p));
    const dead = `http://127.0.0.1:${await closedPort()}/v1`;
    const s = await generate(broken, ["--shard", `${k}/${SHARDS}`, "--judge-base-url", dead]);
    assert.equal(s.code, 2, s.stderr);
    assert.equal((JSON.parse(read(broken, "stats.json")) as { status: string }).status, "incomplete");

    const merged = join(dir, "inc-merged");
    const m = await runCli(["merge", ...given, "--out", merged]);
    assert.equal(m.code, 1, m.stderr);
    assert.match(m.stderr, /mmif merge: INCOMPLETE: 3 generate shards/);
    assert.match(m.stderr, new RegExp(`shard ${k}/3 \\(.*inc-${k}\\) is not complete: .*rerun it, then merge again`));
    const stats = JSON.parse(read(merged, "stats.json")) as { status: string; status_reasons: string[] };
    assert.equal(stats.status, "incomplete");
    assert.match(stats.status_reasons.join(" "), new RegExp(`shard ${k}/3`));
    assert.match(read(merged, "report.html"), /data-status="incomplete"/);

    const again = await generate(broken, ["--shard", `${k}/${SHARDS}`]);
    assert.equal(again.code, 0, again.stderr);
    const m2 = await runCli(["merge", ...given, "--out", merged]);
    assert.equal(m2.code, 0, m2.stderr);
    const single = join(dir, "gen-single");
    sameFiles(single, merged, ["items.jsonl", "images.jsonl", "bench.jsonl", "sft.jsonl", "dataset_info.json"]);
    assert.deepEqual(callKeys(merged), callKeys(single));
    assert.equal((JSON.parse(read(merged, "stats.json")) as { status: string }).status, "complete");
    assert.doesNotMatch(read(merged, "report.html"), /data-status=/, "no incomplete banner once complete");
  });

  it("refuses shards made with another number of shards, another model, or another --questions file", async () => {
    const parts = shardDirs("gen");
    const cheap = ["--stages", "filter,tasks"];
    const half = join(dir, "gen-half-1");
    assert.equal((await generate(half, ["--shard", "1/2"])).code, 0);
    let r = await runCli(["merge", parts[0]!, half, parts[2]!, "--out", join(dir, "bad-n")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot merge: the number of shards differs: 3 in .*gen-0 \(shard 0\/3\), 2 in .*gen-half-1 \(shard 1\/2\)/);

    const otherModel = join(dir, "gen-model-1");
    assert.equal((await generate(otherModel, ["--shard", `1/${SHARDS}`, "--responder-model", "resp-2"])).code, 0);
    r = await runCli(["merge", parts[0]!, otherModel, parts[2]!, "--out", join(dir, "bad-model")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot merge: --responder-model differs: "resp" in .*, "resp-2" in /);

    // Two questions files of the same length: their inputs line up, so only their content tells them apart.
    const questions = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, `${JSON.stringify({ image: "photos/img-0.png", question: text })}\n`);
      return path;
    };
    const q1 = questions("q1.jsonl", "Describe the picture as a travel writer would.");
    const q2 = questions("q2.jsonl", "Write a short poem about this picture.");
    const qa = join(dir, "q-0");
    const qb = join(dir, "q-1");
    assert.equal((await generate(qa, ["--shard", "0/2", "--questions", q1, ...cheap])).code, 0);
    assert.equal((await generate(qb, ["--shard", "1/2", "--questions", q2, ...cheap])).code, 0);
    r = await runCli(["merge", qa, qb, "--out", join(dir, "bad-questions")]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot merge: the content of --questions \(sha256\) differs/);
  });
});
