// A generate run folder is portable: moved elsewhere with its source images deleted, dpo, export and report still
// read every image from the run's own copies (items.jsonl `image.copy`). One missing and one corrupt image then
// drop only their own item, with the reason, and the rest goes on.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import { ENGINE_ROLE_FLAGS, engineScript, makeKeptPhotos as makeImages } from "../helpers/engine-script.js";
import { readChecked, readCheckedFile } from "../helpers/records.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const ROLES = ENGINE_ROLE_FLAGS;

describe("a moved generate run folder", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const sources = join(dir, "photos");
  const moved = join(dir, "elsewhere", "run");
  before(async () => {
    server = await startScriptedServer({ script: engineScript });
    await makeImages(sources);
    const original = join(dir, "run");
    const r = await runCli(["generate", "--images", sources, "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...ROLES, "--out", original, "--quiet", "--seed", "3"]);
    assert.equal(r.code, 0, r.stderr);
    // Copied to a training machine: the run folder alone, without the source images.
    cpSync(original, moved, { recursive: true });
    rmSync(original, { recursive: true });
    rmSync(sources, { recursive: true });
  });
  after(() => server.close());

  const dpo = (out: string) =>
    runCli(["dpo", "--items", join(moved, "items.jsonl"), "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--keep-passing", "--out", out, "--quiet"]);

  it("still feeds dpo, export and report from its own image copies", async () => {
    const items = await readChecked("items.jsonl", join(moved, "items.jsonl"));
    const kept = items.filter((i) => i.kept);
    assert.equal(kept.length, 3, "every item kept");

    const pairsDir = join(dir, "dpo");
    const d = await dpo(pairsDir);
    assert.equal(d.code, 0, d.stderr);
    const pairs = await readChecked("pairs.jsonl", join(pairsDir, "pairs.jsonl"));
    assert.equal(pairs.length, 3);
    for (const p of pairs) assert.deepEqual(readFileSync(join(pairsDir, p.image.copy!)), readFileSync(join(moved, kept.find((k) => k.id === p.item_id)!.image.copy!)), "the pair's own copy is the item's image");

    for (const input of [join(moved, "items.jsonl"), join(pairsDir, "pairs.jsonl")]) {
      const out = join(dir, `export-${pairs.length}-${input.includes("pairs") ? "pairs" : "items"}`);
      const e = await runCli(["export", "--in", input, "--format", "llamafactory", "--out", out]);
      assert.equal(e.code, 0, e.stderr);
      assert.match(e.stderr, /3 (items|pairs) exported as llamafactory; 0 lines with problems/);
      const rows = readFileSync(join(out, input.includes("pairs") ? "mmif_dpo.jsonl" : "mmif_sft.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { images: string[] });
      for (const row of rows) assert.ok(readFileSync(join(out, row.images[0]!)).length > 0);
    }

    const rep = await runCli(["report", moved]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.doesNotMatch(rep.stderr, /missing|unreadable/);
    const html = readFileSync(join(moved, "report.html"), "utf8");
    assert.doesNotMatch(html, /missing or unreadable/);
    assert.equal(html.match(/"sha:[0-9a-f]{64}":"data:image\/jpeg;base64,/g)?.length, 3, "a thumbnail for every item");
  });

  it("drops only the item whose image is missing or corrupt, with its reason, and goes on", async () => {
    const items = await readChecked("items.jsonl", join(moved, "items.jsonl"));
    const [gone, corrupt, good] = items;
    unlinkSync(join(moved, gone!.image.copy!));
    writeFileSync(join(moved, corrupt!.image.copy!), "these bytes are not an image");

    const pairsDir = join(dir, "dpo-bad");
    const d = await dpo(pairsDir);
    assert.equal(d.code, 2, "bad input was left out");
    assert.match(d.stderr, /items\.jsonl line 1 field "image": image missing or unreadable, the item is left out: no such file: .*; the original: no such file/);
    assert.match(d.stderr, /items\.jsonl line 2 field "image": image missing or unreadable, the item is left out: not an image we know/);
    assert.deepEqual((await readChecked("pairs.jsonl", join(pairsDir, "pairs.jsonl"))).map((p) => p.item_id), [good!.id]);
    const dropped = await readChecked("dropped-pairs.jsonl", join(pairsDir, "dropped-pairs.jsonl"));
    assert.deepEqual(dropped.map((x) => x.item_id), [gone!.id, corrupt!.id]);
    for (const x of dropped) assert.match(x.reason, /^image missing or unreadable: /);
    const stats = readCheckedFile("dpo-stats.json", join(pairsDir, "dpo-stats.json"));
    assert.deepEqual([stats.status, stats.pairs, stats.dropped, stats.drop_reasons["image missing or unreadable"]?.count], ["complete", 1, 2, 2]);

    const out = join(dir, "export-bad");
    const e = await runCli(["export", "--in", join(moved, "items.jsonl"), "--format", "llamafactory", "--out", out]);
    assert.equal(e.code, 2, e.stderr);
    assert.match(e.stderr, /line 1: image\.path: no such file/);
    assert.match(e.stderr, /line 2: image\.path: not an image we know/);
    assert.match(e.stderr, /1 item exported as llamafactory; 2 lines with problems \(2 image\)/);

    const rep = await runCli(["report", moved]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.match(rep.stderr, new RegExp(`item ${gone!.id}: image missing or unreadable: no such file`));
    assert.match(rep.stderr, new RegExp(`item ${corrupt!.id}: image missing or unreadable: not an image we know`));
    const html = readFileSync(join(moved, "report.html"), "utf8");
    assert.match(html, /2 item image\(s\) were missing or unreadable/);
    assert.equal(html.match(/"sha:[0-9a-f]{64}":"data:image\/jpeg;base64,/g)?.length, 1, "a thumbnail for the good item only");
  });
});
