import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  FilterOptionsError,
  FilterTally,
  filterImages,
  parseFilterOptions,
  scanImageFolder,
  type FilterOptionsInput,
  type FilterRecord,
} from "../../../src/engine/filter/index.js";
import { ModelEvents, ProgressTracker } from "../../../src/model/progress.js";
import { tempDir } from "../../helpers/cli.js";
import { writeFixtureFolder } from "./fixtures.js";

async function collect(it: AsyncIterable<FilterRecord>): Promise<FilterRecord[]> {
  const out: FilterRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

type Reply = { status?: number; body?: unknown; hang?: boolean };

/** A scorer on 127.0.0.1: answers per image path with `reply`, and records every request body. */
function startScorer(reply: (path: string) => Reply) {
  const requests: Array<{ path: string; image: string }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      const request = JSON.parse(body) as { path: string; image: string };
      requests.push(request);
      const r = reply(request.path);
      if (r.hang) return; // never answers
      res.writeHead(r.status ?? 200, { "content-type": "application/json" });
      res.end(typeof r.body === "string" ? r.body : JSON.stringify(r.body ?? {}));
    });
  });
  return {
    requests,
    server,
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
    },
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("filterImages", () => {
  const dir = tempDir();
  let expected: Record<string, RegExp[]>;
  let files: string[];

  before(async () => {
    expected = await writeFixtureFolder(dir);
    files = (await scanImageFolder(dir)).files;
  });

  const run = (options: FilterOptionsInput = {}, events?: ModelEvents) => collect(filterImages(files, options, { root: dir, events }));

  it("gives every fixture image its record, with the right reasons, in input order", async () => {
    assert.deepEqual(files, Object.keys(expected).sort());
    const records = await run();
    assert.deepEqual(records.map((r) => r.path), files);
    for (const r of records) {
      const want = expected[r.path]!;
      assert.equal(r.reasons.length, want.length, `${r.path}: ${JSON.stringify(r.reasons)}`);
      want.forEach((re, i) => assert.match(r.reasons[i]!, re, r.path));
      assert.equal(r.kept, want.length === 0, r.path);
    }
    const photo = records.find((r) => r.path === "a_photo.png")!;
    assert.deepEqual(Object.keys(photo), ["path", "sha256", "width", "height", "format", "complexity", "phash", "kept", "reasons"]);
    assert.deepEqual([photo.width, photo.height, photo.format], [320, 240, "png"]);
    assert.match(photo.sha256, /^[0-9a-f]{64}$/);
    assert.equal(records.find((r) => r.path === "notes.jpg")!.format, undefined);
  });

  it("is deterministic whatever the concurrency", async () => {
    const one = await run({ concurrency: 1 });
    const many = await run({ concurrency: 16 });
    assert.deepEqual(many, one);
  });

  it("thresholds are options: lower ones keep what the defaults drop", async () => {
    const records = await run({ minSide: 40, maxAspect: 20, minComplexity: 0, dedupe: "off" });
    const kept = new Set(records.filter((r) => r.kept).map((r) => r.path));
    for (const p of ["tiny.png", "banner.png", "flat.png", "b_photo_copy.png", "c_photo_q70.jpg"]) assert.ok(kept.has(p), p);
    const exactOnly = await run({ dedupe: "exact" });
    assert.deepEqual(exactOnly.find((r) => r.path === "c_photo_q70.jpg")!.reasons, []);
    assert.deepEqual(exactOnly.find((r) => r.path === "b_photo_copy.png")!.reasons, ["duplicate of a_photo.png"]);
  });

  it("a dropped image never shadows a later good copy of it", async () => {
    // With min side 300, the 320x240 original fails resolution, so its 640x480 upscale stays.
    const big = tempDir();
    const { writeFileSync } = await import("node:fs");
    const sharp = (await import("sharp")).default;
    const original = readFileSync(join(dir, "a_photo.png"));
    writeFileSync(join(big, "1_small.png"), original);
    writeFileSync(join(big, "2_large.png"), await sharp(original).resize(640, 480).png().toBuffer());
    const records = await collect(filterImages(["1_small.png", "2_large.png"], { minSide: 300 }, { root: big }));
    assert.deepEqual(records.map((r) => r.reasons), [["resolution: 320x240 < 300"], []]);
  });

  it("reports progress: the total, then one item per image (unreadable and undecodable ones as failed)", async () => {
    const events = new ModelEvents();
    const tracker = new ProgressTracker();
    tracker.attach(events);
    await run({}, events);
    const [stage] = tracker.snapshot();
    assert.equal(stage!.stage, "filter");
    assert.equal(stage!.total, files.length);
    assert.equal(stage!.done + stage!.failed, files.length);
    assert.equal(stage!.failed, 3, "corrupt.jpg, notes.jpg, empty.png");
  });

  it("records unreadable paths as dropped, with an empty sha256", async () => {
    const [r] = await collect(filterImages(["missing.jpg"], {}, { root: dir }));
    assert.deepEqual(r, { path: "missing.jpg", sha256: "", kept: false, reasons: ["read: file not found"] });
  });

  it("validates options once, naming the field", () => {
    assert.throws(() => parseFilterOptions({ minSide: -1 }), (e: unknown) => e instanceof FilterOptionsError && /minSide/.test((e as Error).message));
    assert.throws(() => parseFilterOptions({ external: { url: "ftp://x" } }), /external\.url/);
    assert.throws(() => parseFilterOptions({ nearDistance: 40 }), /nearDistance/);
  });

  it("tallies kept and dropped per reason kind", async () => {
    const tally = new FilterTally();
    for (const r of await run()) tally.add(r);
    assert.deepEqual([tally.images, tally.kept, tally.dropped], [12, 3, 9]);
    assert.equal(tally.formatReasons(), "corrupt image 3, near-duplicate 2, resolution 2, aspect ratio 1, complexity 1, duplicate 1");
  });

  describe("external scorer", () => {
    const scores: Record<string, Reply> = {
      "a_photo.png": { body: { score: 0.9, tags: ["shapes", "gradient", "noise"], extra: "ignored" } },
      "e_other.jpg": { body: { score: 0.1, tags: ["shapes"] } },
      "sub/nested.webp": { status: 500, body: "model crashed" },
    };
    const scorer = startScorer((path) => scores[path] ?? { status: 404 });
    let url: string;
    before(async () => {
      url = await scorer.start();
    });
    after(() => scorer.stop());

    it("is called once per image that passed the local checks, and its score and tags are applied", async () => {
      scorer.requests.length = 0;
      const records = await run({ external: { url, minScore: 0.5, minTags: 2 } });
      assert.deepEqual(scorer.requests.map((r) => r.path).sort(), ["a_photo.png", "e_other.jpg", "sub/nested.webp"]);
      const sent = scorer.requests.find((r) => r.path === "a_photo.png")!;
      assert.equal(sent.image, `data:image/png;base64,${readFileSync(join(dir, "a_photo.png")).toString("base64")}`);
      assert.match(scorer.requests.find((r) => r.path === "e_other.jpg")!.image, /^data:image\/jpeg;base64,/);
      const byPath = Object.fromEntries(records.map((r) => [r.path, r]));
      assert.deepEqual(byPath["a_photo.png"]!.external, { score: 0.9, tags: ["shapes", "gradient", "noise"] });
      assert.equal(byPath["a_photo.png"]!.kept, true);
      assert.deepEqual(byPath["e_other.jpg"]!.reasons, ["external score: 0.1 < 0.5", "external tags: 1 < 2"]);
      assert.equal(byPath["e_other.jpg"]!.kept, false);
      // Not required: the failed call keeps the image and says why.
      const nested = byPath["sub/nested.webp"]!;
      assert.equal(nested.kept, true);
      assert.deepEqual(nested.reasons, []);
      assert.deepEqual(nested.notes, ["external scorer: HTTP 500 Internal Server Error: model crashed"]);
      assert.equal(nested.external, undefined);
      assert.equal(byPath["b_photo_copy.png"]!.external, undefined, "duplicates are never sent");
    });

    it("with required, a failed call drops the image with the error as its reason", async () => {
      const records = await run({ external: { url, required: true } });
      const nested = records.find((r) => r.path === "sub/nested.webp")!;
      assert.equal(nested.kept, false);
      assert.deepEqual(nested.reasons, ["external scorer: HTTP 500 Internal Server Error: model crashed"]);
      assert.equal(nested.notes, undefined);
      // Without thresholds the score is only recorded.
      assert.equal(records.find((r) => r.path === "e_other.jpg")!.kept, true);
    });

    it("sends the absolute path instead of the bytes with send: path", async () => {
      scorer.requests.length = 0;
      await run({ external: { url, send: "path" } });
      assert.equal(scorer.requests.find((r) => r.path === "sub/nested.webp")!.image, join(dir, "sub/nested.webp"));
    });
  });

  describe("external scorer failures", () => {
    const scorer = startScorer((path) =>
      path === "a_photo.png" ? { hang: true } : path === "e_other.jpg" ? { body: "not json" } : { body: { score: "high" } },
    );
    let url: string;
    before(async () => {
      url = await scorer.start();
    });
    after(() => scorer.stop());

    it("a hanging scorer times out per image; bad replies are errors of that image only", async () => {
      const started = performance.now();
      const records = await run({ external: { url, timeoutMs: 300 } });
      assert.ok(performance.now() - started < 5000);
      const notes = Object.fromEntries(records.filter((r) => r.notes).map((r) => [r.path, r.notes]));
      assert.deepEqual(notes["a_photo.png"], ["external scorer: no reply within 0.3 s"]);
      assert.deepEqual(notes["e_other.jpg"], ['external scorer: reply is not JSON: "not json"']);
      assert.match(notes["sub/nested.webp"]![0]!, /^external scorer: bad reply: score: .*expected \{"score"\?: number/);
      assert.ok(records.filter((r) => r.notes).every((r) => r.kept));
    });

    it("a scorer that is not there is an error per image, not a crash", async () => {
      const records = await run({ external: { url: "http://127.0.0.1:9/score", required: true, timeoutMs: 2000 } });
      const failed = records.filter((r) => r.reasons.some((x) => x.startsWith("external scorer: request failed:")));
      assert.equal(failed.length, 3);
      assert.ok(failed.every((r) => !r.kept));
    });

    it("a minimum score with a reply that has none is an error", async () => {
      const s = startScorer(() => ({ body: { tags: ["a"] } }));
      const u = await s.start();
      try {
        const records = await run({ external: { url: u, minScore: 0.2 } });
        assert.deepEqual(records.find((r) => r.path === "a_photo.png")!.notes, ['external scorer: reply has no "score", and a minimum score is set']);
      } finally {
        await s.stop();
      }
    });
  });
});
