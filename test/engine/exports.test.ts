// The generate run's hand-offs: an MM-IFEval bench our loader reads, and LLaMA-Factory's SFT format.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { loadBench } from "../../src/bench/load/index.js";
import { exportKeptItems, SFT_DATASET } from "../../src/engine/exports.js";
import { assemblePrompt } from "../../src/constraints/prompt.js";
import type { EngineItem } from "../../src/engine/types.js";
import { tempDir } from "../helpers/cli.js";

describe("exportKeptItems", () => {
  const dir = tempDir();

  it("writes kept items as a loadable MM-IFEval bench and a LLaMA-Factory SFT set", async () => {
    const imagePath = join(dir, "photo.png");
    writeFileSync(imagePath, await sharp({ create: { width: 10, height: 10, channels: 3, background: "red" } }).png().toBuffer());
    const constraints = [
      { key: "paragraph_number_limit", category: "text_length" as const, subcategory: "paragraph_number_limit", value: "Write 2 paragraphs.", judge: { method: "rule_based" as const, verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [2, 2] }] } },
      { key: "tone_requirement", category: "action" as const, subcategory: "tone_requirement", value: "Be playful.", judge: { method: "cmp_gpt" as const } },
    ];
    const item = (id: string, kept: boolean): EngineItem => ({
      id, image: { path: imagePath, sha256: "ab".repeat(32), ...(kept ? { copy: `images/${"ab".repeat(32)}.png` } : {}) }, source: "generated", task: "Describe the photo.", constraints, dropped: [],
      response: "One.\n\nTwo.", kept, reasons: kept ? [] : ["score 0.5 < threshold 0.8"],
    });
    const out = join(dir, "run");
    // generate places a kept item's image in the run's images/ as it writes items.jsonl.
    mkdirSync(join(out, "images"), { recursive: true });
    copyFileSync(imagePath, join(out, "images", `${"ab".repeat(32)}.png`));
    const items = join(out, "items.jsonl"); // beside its images/, as generate writes it
    writeFileSync(items, [item("a", true), item("b", false)].map((i) => JSON.stringify(i)).join("\n") + "\n");
    const exported = await exportKeptItems(items, out);
    assert.equal(exported.bench, 1);
    assert.equal(exported.sft.exported, 1);
    assert.deepEqual(exported.sft.skipped, { "not kept": 1 });

    const bench = await loadBench(join(out, "bench.jsonl"));
    assert.deepEqual(bench.issues, []);
    assert.equal(bench.rows.length, 2);
    const [main, aux] = bench.rows;
    assert.equal(main!.question, "Describe the photo. Write 2 paragraphs. Be playful.");
    assert.equal(aux!.delCons, "tone_requirement");
    assert.equal(aux!.question, "Describe the photo. Write 2 paragraphs.");

    // LLaMA-Factory (data/README.md, "sharegpt" multimodal): messages with role/content, images relative to the dataset folder.
    const sft = readFileSync(join(out, "sft.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(sft.length, 1);
    assert.deepEqual(Object.keys(sft[0]).sort(), ["id", "images", "messages"]);
    assert.equal(sft[0].id, "a");
    assert.deepEqual(sft[0].messages, [
      { role: "user", content: `<image>${assemblePrompt("Describe the photo.", constraints)}` },
      { role: "assistant", content: "One.\n\nTwo." },
    ]);
    assert.equal(sft[0].images.length, 1);
    assert.equal(sft[0].messages[0].content.split("<image>").length - 1, sft[0].images.length, "one <image> token per image");
    assert.ok(readFileSync(join(out, sft[0].images[0])).length > 0, "the image path resolves from the dataset folder");
    const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
    assert.deepEqual(info[SFT_DATASET], {
      file_name: "sft.jsonl",
      formatting: "sharegpt",
      columns: { messages: "messages", images: "images" },
      tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" },
    });
  });

  it("goes through mmif export's exporter: dataset_info.json merged, a literal <image> left out and reported, nothing kept still writes the files", async () => {
    const imagePath = join(dir, "blue.png");
    writeFileSync(imagePath, await sharp({ create: { width: 10, height: 10, channels: 3, background: "blue" } }).png().toBuffer());
    const constraints = [{ key: "tone_requirement", category: "action" as const, subcategory: "tone_requirement", value: "Be playful.", judge: { method: "cmp_gpt" as const } }];
    const item = (id: string, response: string): EngineItem => ({ id, image: { path: imagePath, sha256: "cd".repeat(32) }, source: "generated", task: "Describe it.", constraints, dropped: [], response, kept: true, reasons: [] });
    const out = join(dir, "merged");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "dataset_info.json"), JSON.stringify({ mine: { file_name: "mine.jsonl" } }));
    const items = join(dir, "token-items.jsonl");
    writeFileSync(items, [item("ok", "Fine."), item("clash", "See <image> here.")].map((i) => JSON.stringify(i)).join("\n") + "\n");
    const problems: Array<[string, number, string]> = [];
    const exported = await exportKeptItems(items, out, (file, p) => problems.push([file, p.line, p.message]));
    assert.deepEqual(problems, [["sft.jsonl", 2, 'response: holds the literal text "<image>", which trainers read as an image placeholder (the record has one image); left out']]);
    assert.equal(exported.bench, 2, "the bench keeps it: an eval prompt is not a training sample");
    assert.equal(exported.sft.exported, 1);
    const sft = readFileSync(join(out, "sft.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(sft.map((r) => r.id), ["ok"]);
    assert.deepEqual(sft[0].images, [`images/${"cd".repeat(32)}.png`], "images named <sha256>.<ext> as mmif export names them");
    const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
    assert.deepEqual(Object.keys(info).sort(), ["mine", SFT_DATASET], "an existing dataset_info.json keeps its entries");

    assert.equal(exported.problems, 1);

    // A kept item whose image is gone is left out of both files: one line with a problem, not two.
    const goneItems = join(dir, "gone-items.jsonl");
    writeFileSync(goneItems, [item("ok", "Fine."), { ...item("gone", "Fine."), image: { path: join(dir, "nowhere.png"), sha256: "ef".repeat(32) } }].map((i) => JSON.stringify(i)).join("\n") + "\n");
    const goneProblems: Array<[string, number]> = [];
    const gone = await exportKeptItems(goneItems, join(dir, "gone"), (file, p) => goneProblems.push([file, p.line]));
    assert.deepEqual(goneProblems, [["bench.jsonl", 2], ["sft.jsonl", 2]]);
    assert.deepEqual([gone.bench, gone.sft.exported, gone.problems], [1, 1, 1]);

    const none = join(dir, "none");
    const empty = join(dir, "empty-items.jsonl");
    writeFileSync(empty, "");
    const nothing = await exportKeptItems(empty, none);
    assert.equal(nothing.sft.exported, 0);
    assert.equal(readFileSync(join(none, "sft.jsonl"), "utf8"), "");
    assert.equal(readFileSync(join(none, "bench.jsonl"), "utf8"), "");
    assert.ok(JSON.parse(readFileSync(join(none, "dataset_info.json"), "utf8"))[SFT_DATASET]);
  });
});
