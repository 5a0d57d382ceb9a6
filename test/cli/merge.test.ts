// `--shard i/n` on generate and dpo, and `mmif merge`: three shards merged must give the files of one unsharded run
// with the same seed, byte for byte (items in input order, stats recomputed, images de-duplicated, ledgers merged);
// shards of different runs, missing shards and bad --shard values are refused with a message that says what to do.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import sharp from "sharp";
import { Ledger } from "../../src/model/ledger.js";
import { runCli, tempDir } from "../helpers/cli.js";
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
});
