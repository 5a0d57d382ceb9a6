// `--bench MM-IFEval` through the real CLI: a file in $LMUData is used (with a warning when its md5 is not the
// release's); with no local file, a download that cannot be made is bad input that says where to put the file,
// and a download with the wrong md5 is refused (exit 1) and leaves nothing behind.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir } from "../helpers/cli.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

describe("mmif score --bench MM-IFEval", () => {
  let judge: ScriptedServer;
  let files: Server;
  let base: string;
  const root = tempDir("mmif-bench-name-");
  before(async () => {
    judge = await startScriptedServer({ script: () => "right" });
    files = createServer((req, res) => (req.url === "/MM-IFEval.tsv" ? res.writeHead(200).end("index\tquestion\n") : res.writeHead(404).end()));
    files.listen(0, "127.0.0.1");
    await new Promise((r) => files.once("listening", r));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(() => {
    judge.close();
    files.close();
  });

  const env = (name: string, url = `${base}/MM-IFEval.tsv`) => ({ LMUData: join(root, name, "lmu"), MMIF_CACHE_DIR: join(root, name, "cache"), MMIF_MM_IFEVAL_URL: url });
  const args = (name: string) => ["score", "--bench", "MM-IFEval", "--predictions", join(root, "predictions.jsonl"), "--judge", "judge", "--judge-base-url", judge.url, "--out", join(root, name, "out"), "--quiet"];

  it("uses $LMUData/MM-IFEval.tsv, warning that its md5 is not the release's", async () => {
    const e = env("local");
    mkdirSync(e.LMUData, { recursive: true });
    const image = (await sharp({ create: { width: 4, height: 4, channels: 3, background: "red" } }).png().toBuffer()).toString("base64");
    writeFileSync(join(e.LMUData, "MM-IFEval.tsv"), `index\timage\tquestion\tid\ttag\tinfer_type\tanswer\n0\t${image}\tWhat color?\tp0\tP-Level\tmain\t"[""red""]"\n`);
    writeFileSync(join(root, "predictions.jsonl"), `${JSON.stringify({ index: "0", prediction: "red" })}\n`);
    const r = await runCli(args("local"), { env: e });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /MM-IFEval\.tsv has md5 [0-9a-f]{32}, not 973bb839961a449565073a5ee70ae7a6 .*using it anyway/);
    const summary = JSON.parse(readFileSync(join(root, "local", "out", "summary.json"), "utf8"));
    assert.equal(summary.bench, join(e.LMUData, "MM-IFEval.tsv"));
    assert.equal(summary.p_level, 100);
  });

  it("offline with no local file: exit 2, saying where to put it", async () => {
    const e = env("offline", "http://127.0.0.1:9/MM-IFEval.tsv");
    const r = await runCli(args("offline"), { env: e });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`put it at ${join(e.LMUData, "MM-IFEval.tsv")}`), r.stderr);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
  });

  it("a download with the wrong md5 is refused: exit 1, nothing kept", async () => {
    const e = env("refused");
    const r = await runCli(args("refused"), { env: e });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /downloading .*MM-IFEval\.tsv/);
    assert.match(r.stderr, /not the expected 973bb839961a449565073a5ee70ae7a6: refused/);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
    assert.deepEqual(existsSync(e.MMIF_CACHE_DIR) ? readdirSync(e.MMIF_CACHE_DIR) : [], []);
  });
});
