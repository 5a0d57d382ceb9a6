import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import { writeFixtureFolder } from "../engine/filter/fixtures.js";

function parseLines(text: string): Array<Record<string, unknown>> {
  return text.trimEnd().split("\n").map((l) => JSON.parse(l));
}

describe("mmif filter", () => {
  const dir = tempDir();
  const images = join(dir, "images");
  let expected: Record<string, RegExp[]>;

  before(async () => {
    mkdirSync(images);
    expected = await writeFixtureFolder(images);
  });

  it("--help documents every flag with its default, the record format and the exit codes", async () => {
    const r = await runCli(["filter", "--help"]);
    assert.equal(r.code, 0);
    const flags: Array<[string, string | null]> = [
      ["--images <dir>", null],
      ["--out <file>", "standard output"],
      ["--min-side <px>", '"224"'],
      ["--max-aspect <ratio>", '"3"'],
      ["--min-complexity <score>", '"0.03"'],
      ["--dedupe <mode>", '"near"'],
      ["--near-distance <bits>", '"6"'],
      ["--external-scorer <url>", "none"],
      ["--external-min-score <x>", "none"],
      ["--external-min-tags <n>", "none"],
      ["--external-timeout <seconds>", '"30"'],
      ["--external-required", "keep them"],
      ["--external-send <what>", '"data-url"'],
      ["--concurrency <n>", '"4"'],
      ["--quiet", null],
    ];
    const help = r.stdout.replace(/\s+/g, " ");
    for (const [flag, dflt] of flags) {
      const at = help.indexOf(flag);
      assert.ok(at >= 0, flag);
      if (dflt) {
        const nextFlag = help.slice(at + flag.length).search(/ --?[a-z]/);
        assert.ok(help.slice(at, at + flag.length + nextFlag).includes(dflt), `${flag} shows its default ${dflt}`);
      }
    }
    assert.match(r.stdout, /External scorer protocol/);
    assert.match(r.stdout, /Exit codes/);
  });

  it("writes one record per image with the right reasons, and a summary per reason", async () => {
    const r = await runCli(["filter", "--images", images]);
    assert.equal(r.code, 0, r.stderr);
    const records = parseLines(r.stdout);
    assert.deepEqual(records.map((x) => x.path), Object.keys(expected).sort());
    for (const rec of records) {
      const want = expected[rec.path as string]!;
      const reasons = rec.reasons as string[];
      assert.equal(reasons.length, want.length, `${rec.path}: ${JSON.stringify(reasons)}`);
      want.forEach((re, i) => assert.match(reasons[i]!, re, String(rec.path)));
      assert.equal(rec.kept, want.length === 0);
    }
    assert.match(r.stderr, /mmif filter: 12 images: 3 kept, 9 dropped \([\d.]+ s\)/);
    assert.match(r.stderr, /dropped for: corrupt image 3, near-duplicate 2, resolution 2, aspect ratio 1, complexity 1, duplicate 1/);
  });

  it("--out writes the same records, byte for byte, at any concurrency; --quiet prints nothing", async () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const r1 = await runCli(["filter", "--images", images, "--out", a, "--concurrency", "1", "--quiet"]);
    const r2 = await runCli(["filter", "--images", images, "--out", b, "--concurrency", "12", "--quiet"]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r1.stdout + r1.stderr + r2.stdout + r2.stderr, "");
    assert.equal(readFileSync(a, "utf8"), readFileSync(b, "utf8"));
    assert.equal(parseLines(readFileSync(a, "utf8")).length, 12);
  });

  it("threshold flags change the verdicts", async () => {
    const r = await runCli(["filter", "--images", images, "--min-side", "40", "--max-aspect", "12", "--min-complexity", "0", "--dedupe", "exact", "-q"]);
    assert.equal(r.code, 0, r.stderr);
    const kept = parseLines(r.stdout).filter((x) => x.kept).map((x) => x.path);
    assert.deepEqual(kept, ["a_photo.png", "banner.png", "c_photo_q70.jpg", "d_photo_resized.png", "e_other.jpg", "flat.png", "sub/nested.webp", "tiny.png"]);
  });

  it("asks an external scorer and applies its score; a failing scorer is noted per image", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const { path } = JSON.parse(body) as { path: string };
        seen.push(path);
        if (path === "sub/nested.webp") {
          res.writeHead(500).end("boom");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ score: path === "a_photo.png" ? 0.8 : 0.2, tags: ["x"] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const r = await runCli(["filter", "--images", images, "--external-scorer", url, "--external-min-score", "0.5"]);
      assert.equal(r.code, 0, r.stderr);
      const byPath = Object.fromEntries(parseLines(r.stdout).map((x) => [x.path, x]));
      assert.deepEqual(seen.sort(), ["a_photo.png", "e_other.jpg", "sub/nested.webp"]);
      assert.deepEqual(byPath["a_photo.png"]!.external, { score: 0.8, tags: ["x"] });
      assert.deepEqual(byPath["e_other.jpg"]!.reasons, ["external score: 0.2 < 0.5"]);
      assert.deepEqual(byPath["sub/nested.webp"]!.notes, ["external scorer: HTTP 500 Internal Server Error: boom"]);
      assert.equal(byPath["sub/nested.webp"]!.kept, true);
      assert.match(r.stderr, /external scorer errors: 1 \(kept with a note; --external-required drops them\); first: sub\/nested\.webp: external scorer: HTTP 500/);
      const req = await runCli(["filter", "--images", images, "--external-scorer", url, "--external-required", "-q"]);
      assert.equal(parseLines(req.stdout).find((x) => x.path === "sub/nested.webp")!.kept, false);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("exit code 2 for bad usage: missing or empty folder, a file, bad values, scorer flags without a scorer", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    const cases: Array<[string[], RegExp]> = [
      [["--images", join(dir, "nope")], /--images .*nope: no such folder/],
      [["--images", join(images, "a_photo.png")], /is not a folder/],
      [["--images", empty], /no image files in/],
      [["--images", images, "--min-side", "abc"], /--min-side must be a number, got "abc"/],
      [["--images", images, "--min-side", "0"], /--min-side: Too small/],
      [["--images", images, "--max-aspect", "0.5"], /--max-aspect: Too small/],
      [["--images", images, "--dedupe", "fuzzy"], /argument 'fuzzy' is invalid/],
      [["--images", images, "--external-min-score", "0.3"], /--external-min-score need --external-scorer URL/],
      [["--images", images, "--external-scorer", "not a url"], /--external-scorer: Invalid URL/],
      [["--images", images, "--out", join(dir, "no", "such", "dir.jsonl")], /cannot write --out/],
      [[], /required option '--images <dir>' not specified/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["filter", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  });
});
