// The eval report renders from the run folder: each verdict carries its constraint's text and verify funcs and each
// P-Level result its ground truth, so a bench with a repeated key shows every verdict with its own text, and the
// report says the same once the bench is gone (only the images go missing).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import type { EvalItem } from "../../src/report/eval-data.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { readChecked } from "../helpers/records.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";
import { embedded } from "./fixtures.js";

const mention = (word: string, min: number, max: number) => ({ method: "rule_based", verify_funcs: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [[word], min, max] }] });
// The same key twice with different texts and checks (the scorer counts the later one, as the reference does).
const C1 = {
  task: "Describe the sky.",
  constraints: [
    { key: "mention", value: "Mention the word 'blue' exactly once.", judge: mention("blue", 1, 1) },
    { key: "mention", value: "Mention the word 'sky' two to five times.", judge: mention("sky", 2, 5) },
  ],
};
const C1_QUESTION = [C1.task, ...C1.constraints.map((c) => c.value)].join(" ");
const P1 = { question: "Which colors are in the picture?", answer: ["grey"] };

/** A bench of one C-Level item (a key repeated) and one P-Level item, both on a.png, in `dir`/bench. */
async function writeBench(dir: string): Promise<string> {
  mkdirSync(join(dir, "bench"));
  writeFileSync(join(dir, "bench", "a.png"), await sharp({ create: { width: 16, height: 16, channels: 3, background: "grey" } }).png().toBuffer());
  const rows = [
    { index: "0", id: "c1", tag: "C-Level", infer_type: "main", question: C1_QUESTION, constraints: C1.constraints, image: "a.png" },
    { index: "1", id: "p1", tag: "P-Level", infer_type: "main", question: P1.question, answer: P1.answer, image: "a.png" },
  ];
  const bench = join(dir, "bench", "bench.jsonl");
  writeFileSync(bench, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return bench;
}

const judgeScript = (req: { body: unknown }) => {
  const text = lastUserText(req.body);
  return text.includes("Ground Truth List:") ? "right" : `unexpected judge prompt: ${text}`;
};

async function reportOf(out: string): Promise<{ html: string; data: ReturnType<typeof embedded<EvalItem>> }> {
  const r = await runCli(["report", out]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(join(out, "report.html"), "utf8");
  return { html, data: embedded<EvalItem>(html) };
}

/** A rerun of the same run, and `mmif report` on it, write report.html byte for byte as the run did. */
async function sameReportOnRerun(out: string, rerun: () => Promise<{ code: number | null; stderr: string }>): Promise<void> {
  const first = readFileSync(join(out, "report.html"));
  const again = await rerun();
  assert.equal(again.code, 0, again.stderr);
  assert.ok(readFileSync(join(out, "report.html")).equals(first), "rerun of the same run");
  const report = await runCli(["report", out, "--quiet"]);
  assert.equal(report.code, 0, report.stderr);
  assert.ok(readFileSync(join(out, "report.html")).equals(first), "mmif report");
}

describe("the eval report from the run folder", () => {
  const dir = tempDir();
  let bench: string;
  const out = join(dir, "eval");
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (req.model === "vlm") return text === C1_QUESTION ? "The sky, the grey sky." : text === P1.question ? "Grey." : `unexpected prompt: ${text}`;
        return judgeScript(req);
      },
    });
    bench = await writeBench(dir);
  });
  after(() => server.close());

  const report = () => reportOf(out);
  const shown = (items: EvalItem[]) => items.map((it) => ({ id: it.id, truth: it.truth, constraints: it.constraints }));

  it("shows each verdict of a repeated key with its own text and check, with or without the bench", async () => {
    const evalRun = () => runCli(["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet"]);
    const r = await evalRun();
    assert.equal(r.code, 0, r.stderr);
    await sameReportOnRerun(out, evalRun);

    // results.jsonl carries what the report needs.
    const results = await readChecked("results.jsonl", join(out, "results.jsonl"));
    const c1 = results.find((x) => x.id === "c1")!;
    assert.deepEqual(
      c1.constraints!.map((v) => [v.index, v.key, v.text, v.verify_funcs]),
      C1.constraints.map((c, i) => [i, c.key, c.value, c.judge.verify_funcs]),
    );
    assert.equal(typeof results.find((x) => x.id === "p1")!.answer, "string");

    const withBench = await report();
    const item = withBench.data.items.find((it) => it.id === "c1")!;
    assert.deepEqual(
      item.constraints.map((c) => [c.value, c.check, c.verdict]),
      [
        ["Mention the word 'blue' exactly once.", 'check_whether_each_keyword_in_list_metioned_in_range(["blue"], 1, 1)', "fail"],
        ["Mention the word 'sky' two to five times.", 'check_whether_each_keyword_in_list_metioned_in_range(["sky"], 2, 5)', "pass"],
      ],
    );
    const truth = withBench.data.items.find((it) => it.id === "p1")!.truth;
    assert.match(truth ?? "", /grey/);
    assert.equal(Object.keys(withBench.data.thumbs).length, 1, "the image from the bench");

    renameSync(bench, join(dir, "bench", "gone.txt"));
    const without = await report();
    assert.deepEqual(shown(without.data.items), shown(withBench.data.items), "the same verdicts, texts, checks and ground truth");
    assert.equal(Object.keys(without.data.thumbs).length, 0);
    assert.ok(without.data.items.every((it) => it.img === undefined), "images shown as missing");
    assert.match(without.html, /The bench \(.*bench\.jsonl\) was not found: images are not shown\./);
  });
});

describe("the score report from the run folder", () => {
  const dir = tempDir();
  let bench: string;
  let server: ScriptedServer;
  const answers = { "0": "The sky, the grey sky.", "1": "Grey." };
  before(async () => {
    server = await startScriptedServer({ script: judgeScript });
    bench = await writeBench(dir);
  });
  after(() => server.close());
  const score = (predictions: string, out: string, extra: string[] = []) =>
    runCli(["score", "--bench", bench, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra]);

  it("carries each row's question and the prediction scored, so the report needs the bench only for images", async () => {
    // VLMEvalKit's layout: only index and prediction; the questions are the bench's.
    const tsv = join(dir, "vlm_bench.tsv");
    writeFileSync(tsv, ["index\tprediction", ...Object.entries(answers).map(([i, a]) => `${i}\t${a}`)].join("\n") + "\n");
    const out = join(dir, "scored");
    const r = await score(tsv, out);
    assert.equal(r.code, 0, r.stderr);
    await sameReportOnRerun(out, () => score(tsv, out));
    const predictions = await readChecked("predictions.jsonl", join(out, "predictions.jsonl"));
    assert.deepEqual(
      predictions.map((p) => [p.index, p.id, p.question, p.prediction]),
      [
        ["0", "c1", C1_QUESTION, answers["0"]],
        ["1", "p1", P1.question, answers["1"]],
      ],
    );

    const withBench = await reportOf(out);
    renameSync(bench, join(dir, "bench", "gone.txt"));
    try {
      const without = await reportOf(out);
      const shown = (items: EvalItem[]) => items.map((it) => ({ id: it.id, question: it.question, prediction: it.prediction, truth: it.truth, constraints: it.constraints }));
      assert.deepEqual(shown(without.data.items), shown(withBench.data.items), "the same questions, answers, verdicts and ground truth");
      assert.deepEqual(
        without.data.items.map((it) => [it.id, it.question, it.prediction]),
        [
          ["c1", C1_QUESTION, answers["0"]],
          ["p1", P1.question, answers["1"]],
        ],
      );
      assert.equal(Object.keys(withBench.data.thumbs).length, 1, "the image from the bench");
      assert.ok(without.data.items.every((it) => it.img === undefined), "images shown as placeholders");
      assert.match(without.html, /The bench \(.*bench\.jsonl\) was not found: images are not shown\./);
      assert.doesNotMatch(without.html, /answers are not shown/);
    } finally {
      renameSync(join(dir, "bench", "gone.txt"), bench);
    }
  });

  it("leaves --predictions alone when it is the run folder's own predictions.jsonl (rescoring in place)", async () => {
    const out = join(dir, "in-place");
    mkdirSync(out);
    const own = join(out, "predictions.jsonl");
    writeFileSync(own, Object.entries(answers).map(([index, prediction]) => `${JSON.stringify({ index, prediction })}\n`).join(""));
    const before = readFileSync(own, "utf8");
    const r = await score(own, out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(own, "utf8"), before, "the input as it was (not rewritten in our layout)");
    assert.equal((await readChecked("results.jsonl", join(out, "results.jsonl"))).length, 2);
  });
});
