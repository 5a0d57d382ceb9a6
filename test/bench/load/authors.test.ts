import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { assemblePrompt, BenchFileError, IMAGE_KEYS, loadAuthorsJsonl, loadBench } from "../../../src/bench/load/index.js";

let tmp: string;
let dir: string; // <tmp>/MM-IFEval
let png: Buffer;

const len = { key: "len", value: "Use 3 lines.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [1, 1] }] } };
const tone = { key: "tone", value: "Be cheerful.", judge: { method: "cmp_gpt" } };
// a value with leading/trailing spaces: nothing is trimmed
const style = { key: "style", value: "  Rhyme. ", judge: { method: "cmp_gpt" } };
const direct = { key: "topic", value: "Mention the sea.", judge: { method: "direct_gpt" } };

function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-authors-"));
  dir = path.join(tmp, "MM-IFEval");
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } }).png().toBuffer();
  fs.mkdirSync(path.join(dir, "images"), { recursive: true });
  for (const f of ["images/a.png", "images/b.png", "c.png", "images/d.png"]) fs.writeFileSync(path.join(dir, f), png);
  fs.writeFileSync(path.join(tmp, "x.png"), png); // exists, but outside the root
  fs.writeFileSync(
    path.join(dir, "C-Level.jsonl"),
    jsonl([
      { id: "c1", instruction: "Write a poem.", constraints: [len, tone, style], image: "a.png" },
      // no id; `image` is null (not present); image_path comes before img in the key order
      { image: null, img: "missing.png", image_path: "c.png", instruction: "Describe it.", constraints: [direct] },
      { id: "c3", instruction: "Escape.", constraints: [len], image: "../x.png" },
      { id: "c4", instruction: "Broken.", constraints: [{ key: "k", value: 3, judge: { method: "rule_based" } }], image: "a.png" },
    ]) + "\n", // a blank line at the end is skipped
  );
  fs.writeFileSync(
    path.join(dir, "P-Level.jsonl"),
    jsonl([
      { id: "p1", question: "Which animals?", answer: ["cat", "dog"], filename: "images/b.png" },
      { id: "p2", question: "Where is it?", answer: ["here"], img_path: "nowhere.png" },
      { question: "No answer.", image: "d.png" },
    ]),
  );
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("authors' JSONL", () => {
  test("prompt assembly is instruction + ' ' + each value, in order, nothing trimmed", () => {
    assert.equal(assemblePrompt("Do it.", [{ value: "v1" }, { value: "v2" }]), "Do it. v1 v2");
    assert.equal(assemblePrompt("Do it.", []), "Do it.");
  });

  test("a folder loads both files; aux rows are generated per cmp_gpt constraint", async () => {
    const bench = await loadBench(dir);
    assert.equal(bench.format, "authors-jsonl");
    assert.deepEqual(
      bench.rows.map((r) => [r.index, r.id, r.tag, r.inferType, r.delCons ?? null]),
      [
        ["c1", "c1", "C-Level", "main", null],
        ["c1:tone", "c1", "C-Level", "aux_cmp_gpt", "tone"],
        ["c1:style", "c1", "C-Level", "aux_cmp_gpt", "style"],
        ["c-2", "c-2", "C-Level", "main", null],
        ["p1", "p1", "P-Level", "main", null],
      ],
    );
    const [main, auxTone, auxStyle, second, p1] = bench.rows as [any, any, any, any, any];
    assert.equal(main.question, "Write a poem." + " " + "Use 3 lines." + " " + "Be cheerful." + " " + "  Rhyme. ");
    assert.equal(auxTone.question, "Write a poem. Use 3 lines.   Rhyme. ");
    assert.equal(auxStyle.question, "Write a poem. Use 3 lines. Be cheerful.");
    assert.deepEqual(main.constraints, [len, tone, style]);
    assert.equal(auxTone.constraints, undefined);
    // images: a.png is found under images/ (the fallback root); the aux rows share it
    assert.deepEqual(main.image, { path: path.join(dir, "images", "a.png") });
    assert.deepEqual(auxTone.image, main.image);
    // image_path wins over img: it comes first in the key order
    assert.deepEqual(second.image, { path: path.join(dir, "c.png") });
    assert.equal(second.question, "Describe it. Mention the sea.");
    assert.equal(p1.question, "Which animals?");
    assert.equal(p1.answer, '["cat","dog"]');
    assert.deepEqual(p1.answerValue, ["cat", "dog"]);
    assert.deepEqual(p1.image, { path: path.join(dir, "images", "b.png") });
    assert.equal(main.source, "C-Level.jsonl line 1");

    const issues = bench.issues.map((i) => [path.basename(i.file), i.row, i.field]);
    assert.deepEqual(issues, [
      ["C-Level.jsonl", 3, "image"],
      ["C-Level.jsonl", 4, "constraints"],
      ["P-Level.jsonl", 2, "img_path"],
      ["P-Level.jsonl", 3, "answer"],
    ]);
    assert.match(bench.issues[0]!.message, /outside the image root/);
    assert.match(bench.issues[2]!.message, /not found/);
  });

  test("the image key order is the authors' get_real_image_key order", () => {
    assert.deepEqual(IMAGE_KEYS, ["image", "filename", "img_name", "image_name", "image_local_name", "image_path", "image_local_path", "img", "img_path", "img_local_path", "img_local_name"]);
  });

  test("naming one file loads only that file", async () => {
    const bench = await loadBench(path.join(dir, "P-Level.jsonl"));
    assert.equal(bench.format, "authors-jsonl");
    assert.deepEqual(
      bench.rows.map((r) => r.index),
      ["p1"],
    );
  });

  test("imageRoot: paths resolve against it alone; absolute paths must stay inside it", async () => {
    const root = path.join(tmp, "root");
    fs.mkdirSync(path.join(root, "MM-IFEval", "images"), { recursive: true });
    fs.writeFileSync(path.join(root, "MM-IFEval", "images", "e.png"), png);
    const level = path.join(tmp, "other", "C-Level.jsonl");
    fs.mkdirSync(path.dirname(level));
    fs.writeFileSync(
      level,
      jsonl([
        { id: "a", instruction: "One.", constraints: [len], image: "MM-IFEval/images/e.png" },
        { id: "b", instruction: "Two.", constraints: [len], image: path.join(root, "MM-IFEval", "images", "e.png") },
        { id: "c", instruction: "Three.", constraints: [len], image: path.join(dir, "c.png") },
      ]),
    );
    const bench = await loadAuthorsJsonl(level, { imageRoot: root });
    assert.deepEqual(
      bench.rows.map((r) => r.index),
      ["a", "b"],
    );
    assert.deepEqual(
      bench.issues.map((i) => [i.row, i.field]),
      [[3, "image"]],
    );
  });

  test("authors' files that already hold aux rows are used as they are", async () => {
    const d = path.join(tmp, "with-aux");
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, "x.png"), png);
    const file = path.join(d, "C-Level.jsonl");
    fs.writeFileSync(
      file,
      jsonl([
        { id: 7, infer_type: "main", instruction: "Go.", constraints: [len, tone], image: "x.png" },
        { id: 7, infer_type: "aux_cmp_gpt", del_cons: "tone", instruction: "Go.", constraints: [len, tone], image: "x.png" },
      ]),
    );
    const bench = await loadAuthorsJsonl(file);
    assert.deepEqual(
      bench.rows.map((r) => [r.index, r.question]),
      [
        ["7", "Go. Use 3 lines. Be cheerful."],
        ["7:tone", "Go. Use 3 lines."],
      ],
    );
    assert.deepEqual(bench.issues, []);
  });

  test("a folder without both files is a BenchFileError", async () => {
    const d = path.join(tmp, "half");
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, "C-Level.jsonl"), "");
    await assert.rejects(loadBench(d), (err: unknown) => err instanceof BenchFileError && /no P-Level\.jsonl/.test(err.message));
  });
});
