// --image-max-side / --image-max-pixels through the real CLI: generate and dpo send at most 2048 px by default,
// eval sends originals unless asked, and the limits are part of each call's ledger key (same flags: resume; other
// flags: new calls). The images the scripted server received are decoded here with sharp.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir } from "../helpers/cli.js";
import { engineScript } from "../helpers/engine-script.js";
import { lastUserText, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

/** The data-URL images of the chat requests received so far, decoded. */
async function receivedImages(requests: readonly RecordedRequest[]): Promise<Array<{ model: string; bytes: Buffer; width: number; height: number }>> {
  const out = [];
  for (const r of requests) {
    for (const m of r.body?.messages ?? []) {
      if (typeof m.content === "string") continue;
      for (const p of m.content) {
        if (p.type !== "image_url") continue;
        const bytes = Buffer.from(String(p.image_url.url).replace(/^data:image\/[a-z]+;base64,/, ""), "base64");
        const meta = await sharp(bytes).metadata();
        out.push({ model: r.model!, bytes, width: meta.width!, height: meta.height! });
      }
    }
  }
  return out;
}

const ROLES = ["--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge"];

describe("image size limits", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const images = join(dir, "images");
  const wide = { width: 3000, height: 1200 };
  before(async () => {
    server = await startScriptedServer({
      script: (req) => (req.model === "vlm" ? "A cat and a dog." : req.model === "pjudge" ? "right" : engineScript(req)),
    });
    mkdirSync(images);
    // An image wider than OpenAI's 2048 px high-detail box, with enough edges to pass the filter: noise blown up.
    const small = await sharp({ create: { width: 300, height: 120, channels: 3, background: { r: 90, g: 140, b: 60 }, noise: { type: "gaussian", mean: 120, sigma: 60 } } }).png().toBuffer();
    await sharp(small).resize(wide.width, wide.height, { kernel: "nearest" }).jpeg({ quality: 70 }).toFile(join(images, "wide.jpg"));
  });
  after(() => server.close());

  const generate = (out: string, extra: string[] = []) =>
    runCli(["generate", "--images", images, "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...ROLES, "--out", out, "--quiet", "--concurrency", "4", ...extra]);

  it("generate and dpo send at most 2048 px by default; --image-max-side/--image-max-pixels lower it; the limits key the calls", async () => {
    const out = join(dir, "gen");
    server.resetStats();
    const r = await generate(out);
    assert.equal(r.code, 0, r.stderr);
    const sent = await receivedImages(server.chatRequests());
    assert.ok(sent.length >= 4, `the image went to several roles (${sent.length})`);
    for (const s of sent) assert.deepEqual([s.width, s.height], [2048, 819], `${s.model} got the image fitted into 2048 px`);
    assert.equal(new Set(sent.map((s) => s.bytes.toString("base64"))).size, 1, "every call sent the same prepared bytes");

    // The same command again: every call is in the ledger, none is sent.
    server.resetStats();
    assert.equal((await generate(out)).code, 0);
    assert.equal(server.chatRequests().length, 0, "same limits: resumed from the ledger");

    // Other limits are other requests: the image-bearing calls are made again, fitted to the new limits.
    server.resetStats();
    const again = await generate(out, ["--image-max-side", "900", "--image-max-pixels", "200000"]);
    assert.equal(again.code, 0, again.stderr);
    const resent = await receivedImages(server.chatRequests());
    assert.ok(resent.length >= 4);
    for (const s of resent) {
      assert.ok(Math.max(s.width, s.height) <= 900 && s.width * s.height <= 200_000, `${s.width}×${s.height}`);
      assert.ok(Math.abs(s.width / s.height - 2.5) < 0.02, "aspect kept");
    }

    server.resetStats();
    const dpo = await runCli(["dpo", "--items", join(out, "items.jsonl"), "--model", "tasks", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--keep-passing", "--out", join(dir, "dpo"), "--quiet"]);
    assert.equal(dpo.code, 0, dpo.stderr);
    const dpoSent = await receivedImages(server.chatRequests());
    assert.ok(dpoSent.length >= 1);
    for (const s of dpoSent) assert.equal(Math.max(s.width, s.height), 2048, `dpo's ${s.model} got the image fitted into 2048 px`);

    server.resetStats();
    const orig = await generate(join(dir, "gen-orig"), ["--image-max-side", "none"]);
    assert.equal(orig.code, 0, orig.stderr);
    const originals = await receivedImages(server.chatRequests());
    assert.ok(originals.length >= 4);
    for (const s of originals) assert.ok(s.bytes.equals(readFileSync(join(images, "wide.jpg"))), "--image-max-side none: the original file");
  });

  it("eval sends the original image unless --image-max-side is given", async () => {
    const benchDir = join(dir, "bench");
    mkdirSync(benchDir);
    const file = join(benchDir, "a.jpg");
    await sharp({ create: { width: 2600, height: 1000, channels: 3, background: { r: 200, g: 100, b: 50 }, noise: { type: "gaussian", mean: 100, sigma: 30 } } }).jpeg({ quality: 70 }).toFile(file);
    const bench = join(benchDir, "bench.jsonl");
    writeFileSync(bench, `${JSON.stringify({ index: "1", id: "1", tag: "P-Level", infer_type: "main", question: "Which animals are there?", answer: ["cat"], image: "a.jpg" })}\n`);
    const evalArgs = (out: string, extra: string[] = []) => ["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "pjudge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];

    server.resetStats();
    const r = await runCli(evalArgs(join(dir, "eval")));
    assert.equal(r.code, 0, r.stderr);
    const sent = await receivedImages(server.chatRequests());
    assert.ok(sent.some((s) => s.model === "vlm"));
    for (const s of sent) assert.ok(s.bytes.equals(readFileSync(file)), `${s.model} got the original file, byte for byte`);
    assert.ok(server.chatRequests().every((q) => lastUserText(q.body) !== ""));

    server.resetStats();
    const small = await runCli(evalArgs(join(dir, "eval-small"), ["--image-max-side", "1000"]));
    assert.equal(small.code, 0, small.stderr);
    const resized = await receivedImages(server.chatRequests());
    assert.ok(resized.length > 0);
    for (const s of resized) assert.deepEqual([s.width, s.height], [1000, 385]);
  });

  it("a bad limit is a usage error naming the flag", async () => {
    const r = await generate(join(dir, "bad"), ["--image-max-side", "0"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--image-max-side must be a whole number of at least 1, or none; got "0"/);
  });
});
