// Clean run folders, as a user sees them after `mmif generate`: no leftover temporary files (from a killed run, or
// after an error exit), images/ holding exactly the kept items' images after every rerun, an --out inside --images
// not read as input, and report.html the same bytes on every rerun of the same run.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { ENGINE_ROLE_FLAGS, engineScript, makeKeptPhotos as makeImages } from "../helpers/engine-script.js";
import { readChecked } from "../helpers/records.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const ROLES = ENGINE_ROLE_FLAGS;

/** Every `*.tmp-*` file in the folder and its sub-folders. */
function temps(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-\d/.test(f));
}

describe("generate run folders", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const photos = join(dir, "photos");
  before(async () => {
    server = await startScriptedServer({ script: engineScript });
    await makeImages(photos);
  });
  after(() => server.close());

  const args = (out: string, extra: string[] = [], url = server.url) => ["generate", "--images", photos, "--model", "unused", "--base-url", url, "--judge-base-url", url, ...ROLES, "--out", out, "--quiet", "--seed", "1", ...extra];

  it("removes the temporary files a killed run left behind", async () => {
    const out = join(dir, "leftovers");
    mkdirSync(join(out, "images"), { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    for (const f of [`items.jsonl.tmp-${dead}`, `stats.json.tmp-${dead}`, `images/${"ab".repeat(32)}.png.tmp-${dead}-4`]) writeFileSync(join(out, f), "half");
    const r = await runCli(args(out));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(temps(out), []);
  });

  it("leaves no temporary file when a second Ctrl-C quits at once (exit 130)", async () => {
    // Every reply is held for a minute, so the run cannot finish between the two Ctrl-Cs: the first one leaves it
    // waiting for its call in flight with its outputs open (temporary items.jsonl), the second must quit at once.
    const held = await startScriptedServer({ script: (req) => {
        const reply = engineScript(req);
        return { ...(typeof reply === "string" ? { content: reply } : reply), delayMs: 60_000 };
      } });
    try {
      const out = join(dir, "quit");
      const child = spawn(process.execPath, [MMIF, ...args(out, ["--concurrency", "1"], held.url)], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = once(child, "exit");
      const until = async (what: string, done: () => boolean) => {
        for (let i = 0; i < 600 && !done(); i++) await sleep(50);
        assert.ok(done(), `${what}: ${stderr}`);
      };
      await until("a call in flight", () => held.chatRequests().length > 0);
      assert.ok(temps(out).some((f) => f.startsWith("items.jsonl")), "the run is writing items.jsonl");
      child.kill("SIGINT");
      await until("the first Ctrl-C seen", () => stderr.includes("finishing the calls in flight"));
      child.kill("SIGINT");
      const [code] = await exited;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /again; quitting now/);
      assert.deepEqual(temps(out), []);
    } finally {
      await held.close();
    }
  });

  it("a kept item whose image is deleted before it is written is not kept ('image: …'), and the run still ends with its stats", async () => {
    const own = join(dir, "vanishing");
    await makeImages(own, 1);
    const photo = join(own, "photo-1.png");
    // The first judge call deletes the photo a moment later: every judge call of the item has read it by then, and
    // the item's image is gone when the run puts the kept item's copy into images/.
    let deleting: Promise<void> | undefined;
    const vanish = await startScriptedServer({
      script: (req) => {
        const reply = engineScript(req);
        if (req.model !== "judge") return reply;
        deleting ??= sleep(150).then(() => rmSync(photo));
        return { ...(typeof reply === "string" ? { content: reply } : reply), delayMs: 400 };
      },
    });
    try {
      const out = join(own, "..", "vanishing-out");
      const r = await runCli(["generate", "--images", own, "--model", "unused", "--base-url", vanish.url, "--judge-base-url", vanish.url, ...ROLES, "--out", out, "--quiet", "--seed", "1"]);
      assert.equal(r.code, 0, r.stderr);
      const items = await readChecked("items.jsonl", join(out, "items.jsonl"));
      assert.equal(items.length, 1);
      assert.equal(items[0]!.kept, false);
      assert.match(items[0]!.reasons.at(-1)!, /^image: .*photo-1\.png/);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      assert.equal(stats.items.kept, 0);
      assert.ok(stats.items.not_kept_reasons["unreadable image"], JSON.stringify(stats.items.not_kept_reasons));
      assert.deepEqual(existsSync(join(out, "images")) ? readdirSync(join(out, "images")) : [], [], "no image copied");
    } finally {
      await vanish.close();
    }
  });

  it("keeps images/ to exactly the kept items' images, when a rerun keeps fewer and when it keeps more", async () => {
    const out = join(dir, "rerun");
    const keptCopies = async () => (await readChecked("items.jsonl", join(out, "items.jsonl"))).filter((i) => i.kept).map((i) => i.image.copy!.slice("images/".length)).sort();
    for (const [extra, n] of [[[], 3], [["--limit", "1"], 1], [[], 3]] as const) {
      const r = await runCli(args(out, [...extra]));
      assert.equal(r.code, 0, r.stderr);
      const copies = await keptCopies();
      assert.equal(copies.length, n, `${extra.join(" ")}: kept items`);
      assert.deepEqual(readdirSync(join(out, "images")).sort(), copies, `${extra.join(" ")}: images/`);
    }
  });

  it("does not read an --out inside --images as input", async () => {
    const out = join(photos, "run");
    for (let i = 0; i < 2; i++) {
      const r = await runCli(args(out));
      assert.equal(r.code, 0, r.stderr);
      const records = await readChecked("images.jsonl", join(out, "images.jsonl"));
      assert.deepEqual(records.map((x) => x.path), ["photo-1.png", "photo-2.png", "photo-3.png"], `run ${i + 1}`);
    }
    assert.equal(readdirSync(join(out, "images")).length, 3, "the run's own copies are there, and were not taken as input");
  });

  it("writes report.html byte for byte the same on every rerun of the same run", async () => {
    const out = join(dir, "report");
    assert.equal((await runCli(args(out))).code, 0);
    const first = readFileSync(join(out, "report.html"));
    assert.equal((await runCli(args(out))).code, 0);
    assert.ok(readFileSync(join(out, "report.html")).equals(first), "rerun of generate");
    assert.equal((await runCli(["report", out, "--quiet"])).code, 0);
    assert.ok(readFileSync(join(out, "report.html")).equals(first), "mmif report");
  });
});
