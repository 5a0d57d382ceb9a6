// `mmif generate` end to end: the real CLI, a folder of images made here (good, corrupt, tiny, duplicate), and
// the scripted server playing every model role (routed by model name).
import { readChecked, readCheckedFile } from "../helpers/records.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { loadBench } from "../../src/bench/load/index.js";
import { bindVerifyFunc } from "../../src/constraints/registry.js";
import { getSubcategory } from "../../src/constraints/taxonomy.js";
import type { EngineItem } from "../../src/engine/types.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { ENGINE_ANSWER as ANSWER, engineScript as script } from "../helpers/engine-script.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

async function makeImages(dir: string): Promise<void> {
  mkdirSync(join(dir, "sub"), { recursive: true });
  const detailed = (seed: number) =>
    sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40 * seed, g: 90, b: 200 - 30 * seed }, noise: { type: "gaussian", mean: 100 + seed * 20, sigma: 70 } } });
  for (const [i, name] of ["a.png", "b.png", "sub/c.png"].entries()) await detailed(i + 1).png().toFile(join(dir, name));
  copyFileSync(join(dir, "a.png"), join(dir, "copy-of-a.png")); // exact duplicate (sorts after a.png: the first is kept)
  await sharp(join(dir, "b.png")).jpeg({ quality: 80 }).toFile(join(dir, "b2.jpg")); // near duplicate
  await detailed(4).resize(60, 40).png().toFile(join(dir, "tiny.png"));
  const jpeg = await detailed(5).jpeg().toBuffer();
  writeFileSync(join(dir, "broken.jpg"), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(join(dir, "notes.jpg"), "not an image at all");
}

function readJsonl<T>(path: string): T[] {
  const text = readFileSync(path, "utf8").trim();
  return text === "" ? [] : text.split("\n").map((l) => JSON.parse(l) as T);
}

const ROLES = ["--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge"];

describe("mmif generate end to end", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const images = join(dir, "images");
  before(async () => {
    server = await startScriptedServer({ script });
    await makeImages(images);
  });
  after(() => server.close());

  const args = (out: string, extra: string[] = [], url = server.url) => ["generate", "--images", images, "--model", "unused", "--base-url", url, "--judge-base-url", url, ...ROLES, "--out", out, "--quiet", "--concurrency", "4", ...extra];

  it("filters the images, generates verified items, and writes every output", async () => {
    const out = join(dir, "run1");
    const r = await runCli(args(out, ["--seed", "7"]));
    assert.equal(r.code, 0, r.stderr);

    const records = await readChecked("images.jsonl", join(out, "images.jsonl"));
    const why = Object.fromEntries(records.map((x) => [x.path, x.reasons.join("; ")]));
    assert.equal(records.length, 8);
    assert.deepEqual(records.filter((x) => x.kept).map((x) => x.path).sort(), ["a.png", "b.png", "sub/c.png"]);
    assert.match(why["copy-of-a.png"]!, /duplicate of a\.png/);
    assert.match(why["b2.jpg"]!, /near-duplicate of b\.png/);
    assert.match(why["tiny.png"]!, /resolution/);
    assert.match(why["broken.jpg"]!, /decode|truncated|corrupt/);
    assert.match(why["notes.jpg"]!, /not a supported image|image/);

    const items = await readChecked("items.jsonl", join(out, "items.jsonl"));
    assert.equal(items.length, 3);
    for (const item of items) {
      assert.ok(item.constraints.length >= 1, item.id);
      for (const c of item.constraints) {
        const sub = getSubcategory(c.key);
        assert.ok(sub, `${c.key} is in the taxonomy`);
        assert.equal(c.category, sub!.category);
        if (c.judge.method === "rule_based") for (const f of c.judge.verify_funcs ?? []) assert.doesNotThrow(() => bindVerifyFunc(f), `${c.key}: ${f.func}`);
      }
      for (const d of item.dropped) if (d.key === "natural_language") assert.match(d.reason, /^incompatible/);
      if (item.kept) assert.ok((item.score ?? 0) >= 0.8, `${item.id} kept with ${item.score}`);
      else assert.ok(item.reasons.length > 0, `${item.id} not kept says why`);
      assert.equal(item.response, ANSWER);
    }
    const kept = items.filter((i) => i.kept);
    assert.ok(kept.length >= 1);
    // A kept item records the run's own copy of its image beside the original path; images/ holds exactly those.
    for (const it of items) {
      if (!it.kept) assert.equal(it.image.copy, undefined, it.id);
      else {
        assert.match(it.image.copy!, new RegExp(`^images/${it.image.sha256}\\.png$`));
        assert.deepEqual(readFileSync(join(out, it.image.copy!)), readFileSync(it.image.path));
      }
    }
    assert.deepEqual(readdirSync(join(out, "images")).sort(), [...new Set(kept.map((it) => it.image.copy!.slice("images/".length)))].sort());

    const stats = readCheckedFile("stats.json", join(out, "stats.json"));
    assert.deepEqual([stats.images.total, stats.images.kept, stats.items.total, stats.items.kept], [8, 3, 3, kept.length]);
    assert.equal(stats.seed, 7);
    assert.ok(Object.keys(stats.constraints.by_category).length >= 1);
    // Target and achieved constraint counts: the paper's Fig. 3 as the target, the kept items' counts achieved.
    assert.equal(stats.constraints.counts.target["5"], 35.4);
    assert.equal(stats.constraints.counts.kept.items, kept.length);
    for (const it of kept) assert.ok(it.constraints.length >= 3 && it.constraints.length <= it.target_constraints!, it.id);
    const keptCounts: Record<string, number> = {};
    for (const it of kept) keptCounts[it.constraints.length] = (keptCounts[it.constraints.length] ?? 0) + 1;
    assert.deepEqual(stats.constraints.counts.kept.histogram, keptCounts);
    assert.ok(stats.usage.some((u: { stage: string }) => u.stage === "answer"));
    // Drop reasons grouped by kind, one group per kind however many distinct texts, each with ≤ 3 examples.
    const drops = stats.images.drop_reasons;
    const count = (kind: string) => drops[kind]?.count;
    assert.deepEqual([count("corrupt image"), count("duplicate"), count("near-duplicate"), count("resolution")], [2, 1, 1, 1], "the truncated JPEG and the text file do not decode");
    // tiny.png may also fall under "complexity" (its noise is random): an image counts once under each of its kinds.
    assert.deepEqual(Object.keys(drops).filter((k) => !["corrupt image", "duplicate", "near-duplicate", "resolution", "complexity"].includes(k)), []);
    assert.deepEqual(drops["near-duplicate"]!.examples, [why["b2.jpg"]]);
    for (const g of Object.values(drops)) assert.ok(g.examples.length >= 1 && g.examples.length <= 3);
    for (const g of [...Object.values(stats.items.not_kept_reasons), ...Object.values(stats.constraints.drop_reasons ?? {})]) assert.ok(g.count >= 1 && g.examples.length <= 3);
    assert.ok(!("other" in stats.items.not_kept_reasons) && !("other" in (stats.constraints.drop_reasons ?? {})), "every reason has a known kind");

    const bench = await loadBench(join(out, "bench.jsonl"));
    assert.deepEqual(bench.issues, []);
    assert.equal(bench.rows.filter((r) => r.inferType === "main").length, kept.length);
    const sft = readJsonl<{ messages: Array<{ role: string; content: string }>; images: string[] }>(join(out, "sft.jsonl"));
    assert.equal(sft.length, kept.length);
    assert.ok(sft.every((s) => s.messages[0]!.content.startsWith("<image>") && readFileSync(join(out, s.images[0]!)).length > 0));
    assert.ok(JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8")).mmif_sft);
  });

  it("gives the same items for the same seed, and a rerun costs no call", async () => {
    const before = server.chatRequests().length;
    const again = join(dir, "run1");
    assert.equal((await runCli(args(again, ["--seed", "7"]))).code, 0);
    assert.equal(server.chatRequests().length, before, "the rerun is answered from the ledger");
    const fresh = join(dir, "run-same-seed");
    assert.equal((await runCli(args(fresh, ["--seed", "7"]))).code, 0);
    assert.equal(readFileSync(join(fresh, "items.jsonl"), "utf8"), readFileSync(join(dir, "run1", "items.jsonl"), "utf8"));
    const other = join(dir, "run-other-seed");
    assert.equal((await runCli(args(other, ["--seed", "8"]))).code, 0);
    const keys = (p: string) => readJsonl<EngineItem>(join(p, "items.jsonl")).map((i) => i.constraints.map((c) => c.key).join(","));
    assert.notDeepEqual(keys(other), keys(fresh));
  });

  it("resumes after kill -9 without paying for a finished call again", async () => {
    const slow = await startScriptedServer({ script, latencyMs: 60 });
    after(() => slow.close());
    const out = join(dir, "run-killed");
    const child = spawn(process.execPath, [MMIF, ...args(out, ["--seed", "3"], slow.url)], { stdio: "ignore" });
    while (slow.chatRequests().filter((q) => q.status === 200).length < 8) await new Promise((res) => setTimeout(res, 5));
    child.kill("SIGKILL");
    await once(child, "exit");
    const r = await runCli(args(out, ["--seed", "3"], slow.url));
    assert.equal(r.code, 0, r.stderr);
    const seen = new Map<string, number>();
    for (const q of slow.chatRequests()) {
      if (q.status !== 200 || q.body === undefined) continue;
      const k = JSON.stringify(q.body);
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    const repeated = [...seen.values()].filter((n) => n > 1).length;
    assert.ok(repeated <= 8, `${repeated} answered calls were sent again (at most those in flight at the kill)`);
    assert.equal(readJsonl<EngineItem>(join(out, "items.jsonl")).length, 3);
  });

  it("screens questions and documents its flags", async () => {
    const qdir = join(dir, "questions");
    mkdirSync(qdir);
    copyFileSync(join(images, "a.png"), join(qdir, "a.png"));
    writeFileSync(
      join(qdir, "q.jsonl"),
      [
        { image: "a.png", question: "What is happening in this harbor scene, and why does it feel calm? Please answer in two short paragraphs." },
        { image: "a.png", question: "Which color is the boat? A. red B. blue C. green" },
        { image: "../escape.png", question: "Describe it." },
      ].map((x) => JSON.stringify(x)).join("\n") + "\n",
    );
    const out = join(dir, "run-q");
    const r = await runCli(["generate", "--questions", join(qdir, "q.jsonl"), "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...ROLES, "--out", out, "--quiet"]);
    assert.equal(r.code, 2, "a bad line is reported");
    assert.match(r.stderr, /q\.jsonl line 3 field "image"/);
    const items = await readChecked("items.jsonl", join(out, "items.jsonl"));
    assert.equal(items.length, 2);
    assert.equal(items[0]!.source, "question");
    // "Refine & extract main task" runs by default (paper Fig. 2); --no-extract-task keeps the question as given.
    assert.equal(items[0]!.task, "What is happening in this harbor scene, and why does it feel calm?");
    const asGiven = await runCli(["generate", "--questions", join(qdir, "q.jsonl"), "--no-extract-task", "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...ROLES, "--out", join(dir, "run-q-raw"), "--quiet", "--stages", "filter,tasks"]);
    assert.equal(asGiven.code, 2, asGiven.stderr);
    assert.match(readJsonl<EngineItem>(join(dir, "run-q-raw", "items.jsonl"))[0]!.task, /two short paragraphs\.$/);
    assert.match(items[1]!.reasons.join(" "), /question: .*option/i);

    const h = await runCli(["generate", "--help"]);
    for (const flag of ["--images", "--questions", "--seed", "--limit", "--stages", "--threshold", "--responder-model", "--judge", "--judge-base-url", "--min-side", "--min-complexity"]) {
      assert.ok(h.stdout.includes(flag), flag);
    }
    const bad = await runCli(["generate", "--images", images, "--model", "m", "--out", join(dir, "x"), "--stages", "tasks,answer"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--stages must be a prefix/);
  });
});
