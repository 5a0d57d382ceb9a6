// writeReport on run folders made by hand: what the page carries (data, thumbnails, numbers), how it copes with
// missing pieces, and `mmif report` on the command line.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadBench } from "../../src/bench/load/index.js";
import type { DatasetItem } from "../../src/report/dataset-data.js";
import type { EvalItem } from "../../src/report/eval-data.js";
import { buildReport, detectRunKind, ReportError, writeReport } from "../../src/report/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { BROKEN_IMAGE_ID, DATASET_HOSTILE_ID, embedded, DATASET_ITEMS, EVAL_C_ITEMS, EVAL_P_ITEMS, HOSTILE_ID, IMG_PAYLOAD, makeDatasetRun, makeEvalRun, PAYLOAD, SCRIPT_PAYLOAD } from "./fixtures.js";

const metric = (doc: string, name: string) => new RegExp(`data-metric="${name}">([^<]*)<`).exec(doc)?.[1];

function assertNoRawPayload(doc: string): void {
  assert.ok(!doc.includes(SCRIPT_PAYLOAD), "no raw <script> payload");
  assert.ok(!doc.includes(IMG_PAYLOAD), "no raw <img onerror> payload");
  assert.equal((doc.match(/<script/gi) ?? []).length, 2, "only the data block and our script");
  assert.ok(!/<img/i.test(doc), "no <img> in the markup (thumbnails are added by the script)");
}

describe("eval report", () => {
  const root = tempDir();
  const ready = makeEvalRun(root);

  it("is recognised by summary.json and written to report.html", async () => {
    const { dir } = await ready;
    assert.equal(detectRunKind(dir), "eval");
    const written = await writeReport(dir);
    assert.deepEqual(written, { path: join(dir, "report.html"), kind: "eval", problems: [] });
    assert.ok(existsSync(written.path));
  });

  it("shows a banner over a run that is not complete, and none over a complete one", async () => {
    const { dir } = await ready;
    assert.doesNotMatch((await buildReport(dir)).html, /class="banner"/);
    const root3 = tempDir();
    const { dir: partial } = await makeEvalRun(root3, { status: "incomplete" });
    const doc = (await buildReport(partial)).html;
    assert.match(doc, /<div class="banner" role="alert" data-status="incomplete"><strong>INCOMPLETE: this run did not finish/);
    assert.match(doc, /<li>a incomplete run made by the test<\/li>/);
  });

  it("shows the headline numbers of summary.json to one decimal, with their intervals", async () => {
    const { dir, summary } = await ready;
    const doc = readFileSync(join(dir, "report.html"), "utf8");
    for (const k of ["c_level", "p_level", "overall", "strict"] as const) assert.equal(metric(doc, k), summary[k]!.toFixed(1), k);
    assert.equal(metric(doc, "failed_items"), String(summary.counts.failed_items));
    assert.equal(metric(doc, "failed_constraints"), String(summary.counts.failed_constraints));
    const ci = summary.ci95.c_level!;
    assert.ok(doc.includes(`[${ci.low.toFixed(1)}, ${ci.high.toFixed(1)}]`));
    assert.ok(doc.includes("Qwen2-VL-7B-Instruct + MM-IFDPO-23k"), "the published rows");
  });

  it("labels the leaderboard comparison when the run is not the full MM-IFEval", async () => {
    const { dir, summary } = await ready;
    assert.notEqual(summary.counts.c_items, 300, "the fixture is a partial bench");
    const doc = (await buildReport(dir)).html;
    const section = /<section id="leaderboard">[\s\S]*?<\/section>/.exec(doc)?.[0] ?? "";
    assert.match(section, new RegExp(`data-not-comparable>Not comparable: this run scored ${summary.counts.c_items} C-Level and ${summary.counts.p_items} P-Level items, not the full MM-IFEval \\(300 and 100\\)`));
    const file = join(dir, "summary.json");
    const original = readFileSync(file, "utf8");
    try {
      writeFileSync(file, JSON.stringify({ ...JSON.parse(original), not_comparable: "3 item(s) left out" }));
      assert.match((await buildReport(dir)).html, /data-not-comparable>Not comparable: 3 item\(s\) left out\./);
    } finally {
      writeFileSync(file, original);
    }
  });

  it("carries every item with its prompt, answer, constraint texts, verdicts, replies and aux answers", async () => {
    const { dir } = await ready;
    const data = embedded<EvalItem>(readFileSync(join(dir, "report.html"), "utf8"));
    assert.equal(data.items.length, EVAL_C_ITEMS + EVAL_P_ITEMS);
    const hostile = data.items.find((it) => it.id === HOSTILE_ID)!;
    assert.equal(hostile.prediction, PAYLOAD);
    assert.ok(hostile.replies.find((r) => r.name === "direct")!.text.includes(PAYLOAD));
    const c0 = data.items.find((it) => it.id === "c-0")!;
    assert.deepEqual(
      c0.constraints.map((c) => [c.key, c.cat, c.verdict]),
      [
        ["sentence_number_limit", "text_length", "fail"],
        ["tone_requirement", "action", "pass"],
        ["list_requirements", "format", "fail"],
      ],
    );
    assert.equal(c0.constraints[0]!.value, "Answer in exactly three sentences.");
    assert.equal(c0.constraints[0]!.check, "check_whether_response_sentence_number_in_range(3, 3)");
    assert.equal(c0.replies.find((r) => r.name === "cmp:tone_requirement")!.aux, "A plain description of picture 0.");
    const failed = data.items.find((it) => it.id === "c-5")!;
    assert.equal(failed.verdict, "failed");
    assert.ok(failed.units.every((u) => u[0] === "failed"));
    const p = data.items.find((it) => it.id === "p-0")!;
    assert.deepEqual(p.units, [["pass", "perception"]]);
    assert.equal(p.truth, '["sun","house"]');
    assert.deepEqual(data.statusOptions.map((o) => o[0]), ["pass", "fail", "failed", "not_attempted"]);
    assert.ok(data.categoryOptions.some(([v]) => v === "perception"));
  });

  it("makes one small JPEG thumbnail per distinct image; the unreadable one gets none and a note", async () => {
    const { dir } = await ready;
    const doc = readFileSync(join(dir, "report.html"), "utf8");
    const data = embedded<EvalItem>(doc);
    const urls = Object.values(data.thumbs);
    assert.equal(urls.length, 4);
    for (const u of urls) {
      assert.match(u, /^data:image\/jpeg;base64,/);
      assert.ok(u.length < 20_000, "a thumbnail, not the image");
    }
    const broken = data.items.find((it) => it.id === BROKEN_IMAGE_ID)!;
    assert.ok(broken.img && !(broken.img in data.thumbs));
    assert.match(doc, /1 image\(s\) could not be made into thumbnails/);
  });

  it("never puts run text into the markup unescaped", async () => {
    const root2 = tempDir();
    const { dir } = await makeEvalRun(root2, { model: `evil${SCRIPT_PAYLOAD}` });
    const { html } = await buildReport(dir);
    assertNoRawPayload(html);
    assert.ok(html.includes("evil&lt;script&gt;"));
  });

  it("uses the bench rows it is given, and still works without the bench or the predictions", async () => {
    const { dir, summary } = await ready;
    const rows = (await loadBench(summary.bench)).rows;
    renameSync(summary.bench, `${summary.bench}.moved`);
    try {
      const given = embedded<EvalItem>((await buildReport(dir, { rows })).html);
      assert.equal(Object.keys(given.thumbs).length, 4);
      const { html } = await buildReport(dir);
      const none = embedded<EvalItem>(html);
      assert.equal(Object.keys(none.thumbs).length, 0);
      // Constraint texts come from the run folder (each verdict carries its text); the bench only adds images.
      assert.equal(none.items.find((it) => it.id === "c-0")!.constraints[0]!.value, "Answer in exactly three sentences.");
      assert.match(html, /was not found: images are not shown, nor the verify funcs and P-Level ground truths this results.jsonl \(from an older mmif\) does not carry/);
      const viaFlag = embedded<EvalItem>((await buildReport(dir, { bench: `${summary.bench}.moved` })).html);
      assert.equal(Object.keys(viaFlag.thumbs).length, 0, "a .moved name is not a bench format");
    } finally {
      renameSync(`${summary.bench}.moved`, summary.bench);
    }
    renameSync(join(dir, "predictions.jsonl"), join(dir, "predictions.off"));
    try {
      const { html } = await buildReport(dir);
      const data = embedded<EvalItem>(html);
      assert.equal(data.items[0]!.prediction, undefined);
      assert.equal(data.items[0]!.question?.startsWith("Describe the landscape"), true, "the prompt from the bench");
      assert.match(html, /No predictions\.jsonl/);
    } finally {
      renameSync(join(dir, "predictions.off"), join(dir, "predictions.jsonl"));
    }
  });

  it("holds only the first --max-items items and says so", async () => {
    const { dir } = await ready;
    const { html } = await buildReport(dir, { maxItems: 10, maxThumbnails: 2 });
    const data = embedded<EvalItem>(html);
    assert.equal(data.items.length, 10);
    assert.equal(data.total, EVAL_C_ITEMS + EVAL_P_ITEMS);
    assert.equal(Object.keys(data.thumbs).length, 2);
    assert.match(html, /the first 10 of 66 items/);
    assert.match(html, /past the thumbnail limit/);
  });
});

describe("dataset report", () => {
  const root = tempDir();
  const ready = makeDatasetRun(root);

  it("is recognised by stats.json and shows its numbers", async () => {
    const { dir } = await ready;
    assert.equal(detectRunKind(dir), "dataset");
    const { path, kind } = await writeReport(dir);
    assert.equal(kind, "dataset");
    const doc = readFileSync(path, "utf8");
    const stats = JSON.parse(readFileSync(join(dir, "stats.json"), "utf8"));
    assert.equal(metric(doc, "kept_rate"), (100 * stats.items.kept_rate).toFixed(1));
    assert.equal(metric(doc, "kept"), String(stats.items.kept));
    assert.equal(metric(doc, "items"), String(stats.items.total));
    assert.equal(metric(doc, "per_item_mean"), stats.constraints.per_item.mean.toFixed(2));
    assert.match(doc, /class="arc inner"/, "the sunburst");
    assert.match(doc, /Dropped images \(6\)/);
    assertNoRawPayload(doc);
  });

  it("draws one bar per reason kind, not per distinct reason, with the kind's examples", async () => {
    const { dir, items, images } = await ready;
    const doc = readFileSync(join(dir, "report.html"), "utf8");
    const figure = (title: string) => {
      const start = doc.indexOf(`<figcaption>${title}</figcaption>`);
      assert.notEqual(start, -1, title);
      return doc.slice(start, doc.indexOf("</figure>", start));
    };
    const labels = (fig: string) => [...fig.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const notKept = figure("Items not kept, by reason");
    const distinct = new Set(items.filter((it) => !it.kept).flatMap((it) => it.reasons));
    assert.deepEqual(labels(notKept).sort(), ["model call failed", "question rejected", "score below threshold"]);
    assert.ok(distinct.size > 3, "more distinct reasons than kinds");
    const low = items.filter((it) => !it.kept && it.reasons[0]!.startsWith("score ")).map((it) => it.reasons[0]!).sort();
    assert.match(notKept, new RegExp(`<title>score below threshold: ${low.length}</title>`));
    assert.ok(notKept.includes(`<summary>Examples</summary>`) && notKept.includes(low[0]!.replace("<", "&lt;")), "the smallest example is shown (escaped)");
    const dropped = labels(figure("Images dropped, by reason")).sort();
    assert.deepEqual(dropped, ["aspect ratio", "complexity", "corrupt image", "duplicate", "near-duplicate", "resolution"]);
    assert.equal(dropped.length, images.filter((r) => !r.kept).length);
    assert.deepEqual(labels(figure("Constraints dropped, by reason")), ["incompatible constraints"]);
  });

  it("carries the items, finding images at their path or in images/ by hash", async () => {
    const { dir, items } = await ready;
    const data = embedded<DatasetItem>(readFileSync(join(dir, "report.html"), "utf8"));
    assert.equal(data.items.length, DATASET_ITEMS);
    assert.equal(data.items.filter((it) => it.status === "kept").length, items.filter((it) => it.kept).length);
    assert.equal(data.items.find((it) => it.id === DATASET_HOSTILE_ID)!.response, PAYLOAD);
    const moved = data.items.find((it) => it.id === "item-1")!;
    assert.ok(moved.img && moved.img in data.thumbs, "found in images/ by sha256");
    assert.equal(data.items.find((it) => it.id === "item-4")!.img, undefined, "found nowhere");
    assert.ok(Object.keys(data.thumbs).length >= 6);
  });

  it("is an error for a folder that is not a run", () => {
    const empty = tempDir();
    assert.throws(() => detectRunKind(empty), ReportError);
  });
});

describe("mmif report", () => {
  const root = tempDir();

  it("writes report.html, or --out, and is a usage error on a folder that is not a run", async () => {
    const { dir } = await makeDatasetRun(root);
    rmSync(join(dir, "report.html"), { force: true });
    const r = await runCli(["report", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(dir, "report.html"));
    assert.ok(readFileSync(join(dir, "report.html"), "utf8").startsWith("<!DOCTYPE html>"));
    const out = join(root, "elsewhere.html");
    const q = await runCli(["report", dir, "--out", out, "--quiet", "--max-items", "5"]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout, "");
    assert.equal(embedded<DatasetItem>(readFileSync(out, "utf8")).items.length, 5);
    const notRun = join(root, "empty");
    mkdirSync(notRun);
    const bad = await runCli(["report", notRun]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /neither summary\.json .* nor stats\.json/);
    const missing = await runCli(["report", join(root, "nope")]);
    assert.equal(missing.code, 2);
    const badFlag = await runCli(["report", dir, "--max-items", "0"]);
    assert.equal(badFlag.code, 2);
  });

  it("documents itself in --help and in the command list", async () => {
    const help = await runCli(["report", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /report\.html/);
    assert.match(help.stdout, /--max-items/);
    const all = await runCli(["--help"]);
    assert.match(all.stdout, /report \[options\] <dir>/);
  });

  it("a failing report is a warning, not a failed run", async () => {
    const { reportAfterRun } = await import("../../src/cli/report.js");
    const dir = join(root, "broken-run");
    mkdirSync(dir);
    writeFileSync(join(dir, "summary.json"), "{ not json");
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      await reportAfterRun(dir);
    } finally {
      process.stderr.write = write;
    }
    assert.match(chunks.join(""), /warning: the HTML report could not be written/);
    assert.ok(!existsSync(join(dir, "report.html")));
  });
});
