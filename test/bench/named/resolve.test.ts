// `--bench MM-IFEval` lookup: $LMUData first, then our cache, else a download (from a local HTTP server here)
// into a temporary file renamed when complete and its md5 checked; local files of another md5 warn, downloads refuse.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cacheDir, KNOWN_BENCHES, knownBench, lmuDataDir, resolveNamedBench, type KnownBench } from "../../../src/bench/named/index.js";
import { tempDir } from "../../helpers/cli.js";

const GOOD = "index\tquestion\n0\thello\n".repeat(2000);
const md5 = (s: string) => createHash("md5").update(s).digest("hex");

describe("benchmarks by name", () => {
  let server: Server;
  let base: string;
  let served = 0;
  before(async () => {
    server = createServer((req, res) => {
      served++;
      if (req.url === "/good.tsv") {
        res.writeHead(200, { "content-length": Buffer.byteLength(GOOD) }).end(GOOD);
      } else if (req.url === "/bad.tsv") {
        res.writeHead(200).end("not the benchmark\n");
      } else {
        res.writeHead(404).end();
      }
    });
    server.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const catalog = (url: string): KnownBench[] => [{ name: "MM-IFEval", file: "MM-IFEval.tsv", md5: md5(GOOD), url, urlEnv: "MMIF_MM_IFEVAL_URL" }];
  const dirs = () => {
    const root = tempDir("mmif-named-");
    return { LMUData: join(root, "lmu"), MMIF_CACHE_DIR: join(root, "cache") };
  };

  it("knows MM-IFEval with VLMEvalKit's md5 and URL, by any case", () => {
    assert.equal(knownBench("mm-ifeval")?.md5, "973bb839961a449565073a5ee70ae7a6");
    assert.equal(KNOWN_BENCHES[0]!.url, "https://opencompass.openxlab.space/utils/VLMEval/MM-IFEval.tsv");
    assert.equal(knownBench("MM-IFEval.tsv"), undefined);
  });

  it("default folders: ~/LMUData and ~/.cache/mm-ifengine, overridable", () => {
    assert.equal(lmuDataDir({ HOME: "/h" }).endsWith("LMUData"), true);
    assert.equal(lmuDataDir({ LMUData: "/data/lmu" }), "/data/lmu");
    assert.equal(cacheDir({ XDG_CACHE_HOME: "/c" }), "/c/mm-ifengine");
    assert.equal(cacheDir({ MMIF_CACHE_DIR: "/x" }), "/x");
  });

  it("a path or an unknown name is left alone", async () => {
    assert.equal(await resolveNamedBench("runs/bench.jsonl"), undefined);
    assert.equal(await resolveNamedBench("MM-IFEval-2"), undefined);
  });

  it("LMUData comes before the cache; a file with another md5 is used with a warning", async () => {
    const env = dirs();
    mkdirSync(env.LMUData, { recursive: true });
    mkdirSync(env.MMIF_CACHE_DIR, { recursive: true });
    writeFileSync(join(env.LMUData, "MM-IFEval.tsv"), "newer release\n");
    writeFileSync(join(env.MMIF_CACHE_DIR, "MM-IFEval.tsv"), GOOD);
    const warnings: string[] = [];
    const before = served;
    const got = await resolveNamedBench("MM-IFEval", { env, catalog: catalog(`${base}/good.tsv`), warn: (m) => warnings.push(m) });
    assert.equal(got, join(env.LMUData, "MM-IFEval.tsv"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /has md5 [0-9a-f]{32}, not [0-9a-f]{32}.*using it anyway/);
    assert.equal(served, before, "nothing downloaded");
  });

  it("the cache is used when LMUData has no file, silently when its md5 is right", async () => {
    const env = dirs();
    mkdirSync(env.MMIF_CACHE_DIR, { recursive: true });
    writeFileSync(join(env.MMIF_CACHE_DIR, "MM-IFEval.tsv"), GOOD);
    const warnings: string[] = [];
    const got = await resolveNamedBench("MM-IFEval", { env, catalog: catalog(`${base}/good.tsv`), warn: (m) => warnings.push(m) });
    assert.equal(got, join(env.MMIF_CACHE_DIR, "MM-IFEval.tsv"));
    assert.deepEqual(warnings, []);
  });

  it("downloads into the cache with progress, renamed into place when complete and checked", async () => {
    const env = dirs();
    const progress: Array<[number, number | undefined]> = [];
    let started = "";
    const got = await resolveNamedBench("MM-IFEval", {
      env,
      catalog: catalog(`${base}/good.tsv`),
      onDownloadStart: (url) => (started = url),
      onProgress: (p) => progress.push([p.received, p.total]),
    });
    assert.equal(got, join(env.MMIF_CACHE_DIR, "MM-IFEval.tsv"));
    assert.equal(started, `${base}/good.tsv`);
    assert.equal(readFileSync(got!, "utf8"), GOOD);
    assert.deepEqual(readdirSync(env.MMIF_CACHE_DIR), ["MM-IFEval.tsv"], "no temporary file left");
    assert.deepEqual(progress.at(-1), [Buffer.byteLength(GOOD), Buffer.byteLength(GOOD)]);
  });

  it("the URL is overridable by MMIF_MM_IFEVAL_URL", async () => {
    const env = { ...dirs(), MMIF_MM_IFEVAL_URL: `${base}/good.tsv` };
    const got = await resolveNamedBench("MM-IFEval", { env, catalog: catalog("http://127.0.0.1:9/never") });
    assert.equal(readFileSync(got!, "utf8"), GOOD);
  });

  it("a downloaded file with another md5 is refused and removed", async () => {
    const env = dirs();
    await assert.rejects(resolveNamedBench("MM-IFEval", { env, catalog: catalog(`${base}/bad.tsv`) }), (e: Error & { refused?: boolean }) => {
      assert.match(e.message, /has md5 [0-9a-f]{32}, not the expected .*refused/);
      assert.equal(e.refused, true);
      return true;
    });
    assert.deepEqual(existsSync(env.MMIF_CACHE_DIR) ? readdirSync(env.MMIF_CACHE_DIR) : [], []);
  });

  it("offline with no local file: says where to put it", async () => {
    const env = dirs();
    for (const url of ["http://127.0.0.1:9/MM-IFEval.tsv", `${base}/missing.tsv`]) {
      await assert.rejects(resolveNamedBench("MM-IFEval", { env, catalog: catalog(url) }), (e: Error & { refused?: boolean }) => {
        assert.equal(e.refused, false);
        assert.ok(e.message.includes(`put it at ${join(env.LMUData, "MM-IFEval.tsv")}`), e.message);
        assert.ok(e.message.includes(url), e.message);
        return true;
      });
    }
  });
});
