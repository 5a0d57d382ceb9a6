// `mmif export` as a user runs it: exit codes, problems named by file, line and field, image modes, streaming.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { before, describe, it } from "node:test";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { engineItem, makeImages, pair, writeJsonl } from "../export/fixtures.js";
import { readJsonl, readParquet } from "../export/helpers.js";

describe("mmif export", () => {
  const dir = tempDir();
  let images: { png: string; jpg: string };
  before(async () => {
    images = await makeImages(dir);
  });

  it("exports kept items for LLaMA-Factory and says what it did", async () => {
    const input = writeJsonl(join(dir, "items.jsonl"), [engineItem("a", "pics/red.png"), engineItem("b", "pics/blue.jpg", { kept: false })]);
    const out = join(dir, "out-items");
    const r = await runCli(["export", "--in", input, "--format", "llamafactory", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 item exported as llamafactory; left out: 1 not kept; 0 lines with problems/);
    assert.deepEqual(readdirSync(out).sort(), ["dataset_info.json", "images", "mmif_sft.jsonl"]);
    assert.deepEqual(readJsonl(join(out, "mmif_sft.jsonl")).map((x) => x.id), ["a"]);
  });

  it("reports malformed lines and missing images with file, line and field, exports the rest, and exits 2", async () => {
    const input = writeJsonl(join(dir, "bad-pairs.jsonl"), [
      pair("p1", "pics/red.png", "drop-all"),
      "{not json",
      { ...pair("p3", "pics/red.png", "drop-all"), chosen: 42 },
      pair("p4", "pics/nowhere.png", "drop-all"),
      pair("p5", "pics/blue.jpg", "no-image"),
    ]);
    const out = join(dir, "out-bad");
    const r = await runCli(["export", "--in", input, "--format", "trl", "--out", out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${input} line 2: not valid JSON`));
    assert.match(r.stderr, new RegExp(`${input} line 3: not a record of pairs.jsonl: chosen: Invalid input: expected string, received number`));
    assert.match(r.stderr, new RegExp(`${input} line 4: image.path: no such file: ${join(dir, "pics", "nowhere.png")}`));
    assert.match(r.stderr, /2 pairs exported as trl; 3 lines with problems \(1 image\)/);
    assert.deepEqual(readJsonl(join(out, "mmif_dpo.jsonl")).map((x) => x.id), ["p1", "p5"]);
    assert.deepEqual((await readParquet(join(out, "mmif_dpo.parquet"))).rows.map((x) => x.id), ["p1", "p5"]);
    assert.equal(readdirSync(out).some((f) => f.includes(".tmp-")), false);
  });

  it("hard-links the images with --images link", async () => {
    const input = writeJsonl(join(dir, "link.jsonl"), [pair("p1", "pics/red.png", "drop-all")]);
    const out = join(dir, "out-link");
    const r = await runCli(["export", "--in", input, "--format", "sharegpt", "--out", out, "--images", "link", "--name", "linked"]);
    assert.equal(r.code, 0, r.stderr);
    const [row] = readJsonl<{ images: string[] }>(join(out, "linked.jsonl"));
    assert.equal(statSync(join(out, row!.images[0]!)).ino, statSync(images.png).ino);
  });

  it("embeds image bytes in Parquet with --images embed and copies nothing", async () => {
    const input = writeJsonl(join(dir, "embed.jsonl"), [engineItem("a", "pics/blue.jpg")]);
    const out = join(dir, "out-embed");
    const r = await runCli(["export", "--in", input, "--format", "parquet", "--out", out, "--images", "embed"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out), ["mmif_sft.parquet"]);
    const { rows } = await readParquet(join(out, "mmif_sft.parquet"));
    assert.deepEqual(Buffer.from((rows[0]!.images as Array<{ bytes: Uint8Array }>)[0]!.bytes), readFileSync(images.jpg));
  });

  it("refuses bad usage with exit 2 before writing anything", async () => {
    const input = writeJsonl(join(dir, "u.jsonl"), [engineItem("a", "pics/red.png")]);
    const cases: Array<[string[], RegExp]> = [
      [["--format", "llamafactory", "--images", "embed"], /--images embed does not go with --format llamafactory/],
      [["--format", "csv"], /argument 'csv' is invalid/],
      [["--format", "trl", "--name", "../escape"], /--name "..\/escape"/],
    ];
    for (const [extra, message] of cases) {
      const out = join(dir, "never");
      const r = await runCli(["export", "--in", input, "--out", out, ...extra]);
      assert.equal(r.code, 2, extra.join(" "));
      assert.match(r.stderr, message);
      assert.equal(existsSync(out), false);
    }
    const empty = await runCli(["export", "--in", writeJsonl(join(dir, "empty.jsonl"), [""]), "--format", "trl", "--out", join(dir, "never")]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /empty\.jsonl has no records/);
    const missing = await runCli(["export", "--in", join(dir, "nope.jsonl"), "--format", "trl", "--out", join(dir, "never")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --in .*nope\.jsonl: no such file/);
  });

  it("refuses a dataset_info.json it cannot merge into, and a file of neither items nor pairs", async () => {
    const input = writeJsonl(join(dir, "v.jsonl"), [engineItem("a", "pics/red.png")]);
    const out = join(dir, "out-badinfo");
    await runCli(["export", "--in", input, "--format", "sharegpt", "--out", out]); // creates the folder
    writeFileSync(join(out, "dataset_info.json"), "{ broken");
    const r = await runCli(["export", "--in", input, "--format", "llamafactory", "--out", out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dataset_info\.json is not valid JSON/);
    assert.equal(readFileSync(join(out, "dataset_info.json"), "utf8"), "{ broken");

    const neither = writeJsonl(join(dir, "neither.jsonl"), [{ id: 1, foo: "bar" }]);
    const n = await runCli(["export", "--in", neither, "--format", "trl", "--out", join(dir, "out-neither")]);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /line 1: neither an item .* nor a pair/);
  });

  it("documents every format and the image modes in --help", async () => {
    const r = await runCli(["export", "--help"]);
    assert.equal(r.code, 0);
    for (const word of ["llamafactory", "trl", "sharegpt", "parquet", "copy", "link", "absolute", "embed", "dataset_info.json", "ranking"]) assert.match(r.stdout, new RegExp(word));
  });

  it("streams: 20,000 pairs (29 MB) go through a 40 MB heap", async () => {
    const input = join(dir, "many.jsonl");
    const stream = createWriteStream(input);
    const text = "A long answer about the photo, sentence after sentence, to make the lines heavy. ".repeat(8);
    for (let i = 0; i < 20_000; i++) {
      const line = JSON.stringify({ ...pair(`p${i}`, "pics/red.png", "drop-all"), chosen: `${text}${i}`, rejected: `${text.slice(0, 300)}${i}` });
      if (!stream.write(`${line}\n`)) await once(stream, "drain");
    }
    stream.end();
    await once(stream, "finish");
    assert.ok(statSync(input).size > 25e6);
    const out = join(dir, "out-many");
    const r = await runCli(["export", "--in", input, "--format", "parquet", "--out", out, "--quiet"], { nodeArgs: ["--max-old-space-size=40"] });
    assert.equal(r.code, 0, r.stderr);
    const { rows, rowGroups } = await readParquet(join(out, "mmif_dpo.parquet"));
    assert.equal(rows.length, 20_000);
    assert.ok(rowGroups.length >= 4, `row groups ${rowGroups.join(",")}`);
    assert.equal(rows[19_999]!.chosen, `${text}19999`);
  });

  it("Ctrl-C or SIGTERM mid-export quits with 130 and leaves no temporary file", async () => {
    const input = join(dir, "many.jsonl"); // the 20,000 pairs of the test above
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const out = join(dir, `out-stopped-${signal}`);
      const child = spawn(process.execPath, [MMIF, "export", "--in", input, "--format", "trl", "--out", out, "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = once(child, "exit");
      const temps = () => (existsSync(out) ? (readdirSync(out, { recursive: true }) as string[]).filter((f) => f.includes(".tmp-")) : []);
      for (let i = 0; i < 1000 && temps().length === 0; i++) await sleep(10);
      assert.ok(temps().length > 0, `the export was writing: ${stderr}`);
      child.kill(signal);
      const [code] = await exited;
      assert.equal(code, 130, `${signal}: ${stderr}`);
      assert.match(stderr, /mmif export: (interrupted \(Ctrl-C\)|stopped by SIGTERM); rerun to export again/);
      assert.deepEqual(temps(), [], signal);
    }
  });
});
