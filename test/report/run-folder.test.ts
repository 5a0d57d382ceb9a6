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

describe("the eval report from the run folder", () => {
  const dir = tempDir();
  const bench = join(dir, "bench", "bench.jsonl");
  const out = join(dir, "eval");
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (req.model === "vlm") return text === C1_QUESTION ? "The sky, the grey sky." : text === P1.question ? "Grey." : `unexpected prompt: ${text}`;
        return text.includes("Ground Truth List:") ? "right" : `unexpected judge prompt: ${text}`;
      },
    });
    mkdirSync(join(dir, "bench"));
    writeFileSync(join(dir, "bench", "a.png"), await sharp({ create: { width: 16, height: 16, channels: 3, background: "grey" } }).png().toBuffer());
    const rows = [
      { index: "0", id: "c1", tag: "C-Level", infer_type: "main", question: C1_QUESTION, constraints: C1.constraints, image: "a.png" },
      { index: "1", id: "p1", tag: "P-Level", infer_type: "main", question: P1.question, answer: P1.answer, image: "a.png" },
    ];
    writeFileSync(bench, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  });
  after(() => server.close());

  const report = async () => {
    const r = await runCli(["report", out]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(join(out, "report.html"), "utf8");
    return { html, data: embedded<EvalItem>(html) };
  };
  const shown = (items: EvalItem[]) => items.map((it) => ({ id: it.id, truth: it.truth, constraints: it.constraints }));

  it("shows each verdict of a repeated key with its own text and check, with or without the bench", async () => {
    const r = await runCli(["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);

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
