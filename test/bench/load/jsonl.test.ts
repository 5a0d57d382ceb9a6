import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { BenchFileError, detectBenchFormat, loadBench, loadMmifJsonl } from "../../../src/bench/load/index.js";

let tmp: string;
let dir: string;
let png: Buffer;

const constraints = [
  { key: "len", value: "Be brief.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 2] }] } },
  { key: "tone", value: "Be warm.", judge: { method: "cmp_gpt" } },
];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-jsonl-"));
  dir = path.join(tmp, "bench");
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } }).png().toBuffer();
  fs.mkdirSync(path.join(dir, "img"), { recursive: true });
  fs.writeFileSync(path.join(dir, "img", "a.png"), png);
  fs.writeFileSync(path.join(tmp, "outside.png"), png);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("mmif JSONL", () => {
  test("relative paths resolve against the file's folder; escapes are refused; lists or JSON text", async () => {
    const file = path.join(dir, "bench.jsonl");
    const base = { tag: "C-Level", infer_type: "main", question: "Q. Be brief. Be warm." };
    const lines = [
      { ...base, index: "c1", id: "c1", constraints, image: "img/a.png" },
      { index: "c1:tone", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "tone", question: "Q. Be brief.", image: "./img/../img/a.png" },
      { ...base, index: 3, id: 3, constraints: JSON.stringify(constraints), image: path.join(dir, "img", "a.png") },
      { index: "p1", id: "p1", tag: "P-Level", infer_type: "main", question: "Animals?", answer: ["cat", "dog"], image: `data:image/png;base64,${png.toString("base64")}` },
      { index: "p2", id: "p2", tag: "P-Level", infer_type: "main", question: "Animals?", answer: '["cat"]', image: "img/a.png" },
      { ...base, index: "e1", id: "e1", constraints, image: "../outside.png" },
      { ...base, index: "e2", id: "e2", constraints, image: path.join(tmp, "outside.png") },
      { ...base, index: "e3", id: "e3", constraints, image: "img/none.png" },
      { ...base, index: "e4", id: "e4", constraints, image: "data:image/png;base64,aGVsbG8gd29ybGQ=" },
      { index: "e5", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "len2", question: "Q.", image: "img/a.png" },
      { ...base, index: "c1", id: "dup", constraints, image: "img/a.png" },
      { ...base, index: "e6", id: "e6", constraints: "not json", image: "img/a.png" },
      { ...base, index: "e7", id: "e7", image: "http://example.invalid/a.png", constraints },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n\n{oops\n");
    const bench = await loadBench(file);
    assert.equal(bench.format, "mmif-jsonl");
    assert.deepEqual(
      bench.rows.map((r) => r.index),
      ["c1", "c1:tone", "3", "p1", "p2"],
    );
    const [c1, aux, three, p1, p2] = bench.rows as [any, any, any, any, any];
    assert.deepEqual(c1.image, { path: path.join(dir, "img", "a.png") });
    assert.deepEqual(aux.image, c1.image);
    assert.deepEqual(three.constraints, constraints);
    assert.equal(three.id, "3");
    assert.deepEqual(c1.constraints, constraints);
    assert.equal(p1.answer, '["cat","dog"]');
    assert.deepEqual(p1.answerValue, ["cat", "dog"]);
    assert.ok("base64" in p1.image);
    assert.equal(p2.answer, '["cat"]');
    assert.deepEqual(p2.answerValue, ["cat"]);

    assert.deepEqual(
      bench.issues.map((i) => [i.row, i.field ?? null]),
      [
        [6, "image"],
        [7, "image"],
        [8, "image"],
        [9, "image"],
        [10, "del_cons"],
        [11, "index"],
        [12, "constraints"],
        [13, "image"],
        [15, null],
      ],
    );
    assert.match(bench.issues[0]!.message, /outside the folder of bench\.jsonl/);
    assert.match(bench.issues[2]!.message, /not found/);
    assert.match(bench.issues[3]!.message, /not an image/);
  });

  test("required fields", async () => {
    const file = path.join(dir, "fields.jsonl");
    fs.writeFileSync(file, JSON.stringify({ image: "img/a.png", tag: "P-Level", infer_type: "main" }) + "\n");
    const bench = await loadMmifJsonl(file);
    assert.deepEqual(bench.rows, []);
    assert.deepEqual(
      bench.issues.map((i) => i.field),
      ["index", "id", "question", "answer"],
    );
  });
});

describe("format detection", () => {
  test("folder and C-/P-Level.jsonl → authors; .tsv → TSV; other .jsonl → ours; else an error", async () => {
    fs.writeFileSync(path.join(tmp, "MM-IFEval.tsv"), "");
    fs.writeFileSync(path.join(tmp, "C-Level.jsonl"), "");
    fs.writeFileSync(path.join(tmp, "p-level.jsonl"), "");
    fs.writeFileSync(path.join(tmp, "mine.jsonl"), "");
    fs.writeFileSync(path.join(tmp, "data.parquet"), "");
    assert.equal(await detectBenchFormat(tmp), "authors-jsonl");
    assert.equal(await detectBenchFormat(path.join(tmp, "C-Level.jsonl")), "authors-jsonl");
    assert.equal(await detectBenchFormat(path.join(tmp, "p-level.jsonl")), "authors-jsonl");
    assert.equal(await detectBenchFormat(path.join(tmp, "MM-IFEval.tsv")), "vlmevalkit-tsv");
    assert.equal(await detectBenchFormat(path.join(tmp, "mine.jsonl")), "mmif-jsonl");
    await assert.rejects(detectBenchFormat(path.join(tmp, "data.parquet")), (e: unknown) => e instanceof BenchFileError && /cannot tell the benchmark format/.test(e.message));
    await assert.rejects(detectBenchFormat(path.join(tmp, "missing.tsv")), /no such file/);
  });
});
