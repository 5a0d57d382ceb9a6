import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { BenchFileError, loadBench, loadVlmevalkitTsv } from "../../../src/bench/load/index.js";
import { imageContentHash, imageHashCacheStats } from "../../../src/model/images.js";

const HEADER = ["index", "image", "question", "id", "tag", "infer_type", "del_cons", "constraints", "answer"];

/** A field as pandas' to_csv (QUOTE_MINIMAL) writes it. */
function quote(v: string): string {
  return /[\t\n\r"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function tsv(rows: Array<Record<string, string>>): string {
  return [HEADER.join("\t"), ...rows.map((r) => HEADER.map((h) => quote(r[h] ?? "")).join("\t"))].join("\n") + "\n";
}

const constraints = [
  { key: "length", value: "Answer in 3 sentences.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [3, 3] }] } },
  { key: "tone", value: "Use a cheerful tone.", judge: { method: "cmp_gpt" } },
];

let dir: string;
let red: Buffer;
let blue: Buffer;
let green: Buffer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-tsv-"));
  red = await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } }).png().toBuffer();
  blue = await sharp({ create: { width: 8, height: 8, channels: 3, background: "blue" } }).jpeg().toBuffer();
  green = await sharp({ create: { width: 8, height: 8, channels: 3, background: "green" } }).png().toBuffer();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("VLMEvalKit TSV", () => {
  const question1 = 'Describe\tthe "red" square.\nAnswer in 3 sentences. Use a cheerful tone.';

  function writeBench(name: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      tsv([
        { index: "1", image: red.toString("base64"), question: question1, id: "c1", tag: "C-Level", infer_type: "main", constraints: JSON.stringify(constraints) },
        { index: "2", image: "1", question: "Describe the square. Answer in 3 sentences.", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "tone" },
        { index: "3", image: blue.toString("base64"), question: "What colour?", id: "p1", tag: "P-Level", infer_type: "main", answer: '["blue", "square"]' },
        { index: "4", image: "3", question: "Bad constraints.", id: "c2", tag: "C-Level", infer_type: "main", constraints: '[{"key": "a", ' },
        { index: "5", image: "99", question: "Missing image row.", id: "p2", tag: "P-Level", infer_type: "main", answer: '["x"]' },
        { index: "6", image: Buffer.from("This is plain text, not an image at all, and long enough to be base64.").toString("base64"), question: "Not an image.", id: "p3", tag: "P-Level", infer_type: "main", answer: '["x"]' },
        { index: "7", image: "3", question: "Reuses row 3's image.", id: "p4", tag: "P-Level", infer_type: "main", answer: '["blue"]' },
        { index: "8", image: "5", question: "Refers to a reference.", id: "p5", tag: "P-Level", infer_type: "main", answer: '["x"]' },
        { index: "9", image: "10", question: "Refers forward.", id: "p6", tag: "P-Level", infer_type: "main", answer: '["green"]' },
        { index: "10", image: `data:image/png;base64,${green.toString("base64")}`, question: "Green.", id: "p7", tag: "P-Level", infer_type: "main", answer: "[\"green\"]" },
      ]),
    );
    return file;
  }

  test("loads good rows, reports bad ones with file, row and field, and writes each distinct image once", async () => {
    const file = writeBench("MM-IFEval.tsv");
    const imageDir = path.join(dir, "images-a");
    const bench = await loadBench(file, { imageDir });
    assert.equal(bench.format, "vlmevalkit-tsv");
    assert.deepEqual(
      bench.rows.map((r) => r.index),
      ["1", "2", "3", "7", "9", "10"],
    );

    const byIndex = new Map(bench.rows.map((r) => [r.index, r]));
    const main = byIndex.get("1")!;
    assert.equal(main.question, question1);
    assert.equal(main.delCons, undefined); // empty cell (NaN in pandas)
    assert.equal(main.answer, undefined);
    assert.deepEqual(main.constraints, constraints);
    assert.equal(main.source, "MM-IFEval.tsv row 1");
    const aux = byIndex.get("2")!;
    assert.equal(aux.inferType, "aux_cmp_gpt");
    assert.equal(aux.delCons, "tone");
    assert.deepEqual(aux.image, main.image); // reuse by index
    const p = byIndex.get("3")!;
    assert.equal(p.answer, '["blue", "square"]');
    assert.deepEqual(p.answerValue, ["blue", "square"]);
    assert.deepEqual(byIndex.get("7")!.image, p.image);
    assert.deepEqual(byIndex.get("9")!.image, byIndex.get("10")!.image);

    // the files: one per distinct image, named by content hash and sniffed format, bytes intact
    const files = fs.readdirSync(imageDir).sort();
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    assert.deepEqual(files, [`${sha(red)}.png`, `${sha(blue)}.jpeg`, `${sha(green)}.png`].sort());
    assert.deepEqual(main.image, { path: path.join(path.resolve(imageDir), `${sha(red)}.png`) });
    assert.deepEqual(fs.readFileSync((p.image as { path: string }).path), blue);

    const issues = bench.issues.map((i) => ({ file: i.file, row: i.row, field: i.field }));
    assert.deepEqual(issues, [
      { file, row: 4, field: "constraints" },
      { file, row: 5, field: "image" },
      { file, row: 6, field: "image" },
      { file, row: 8, field: "image" },
    ]);
    const msg = (row: number) => bench.issues.find((i) => i.row === row)!.message;
    assert.match(msg(4), /not valid JSON/);
    assert.match(msg(5), /no row has index "99"/);
    assert.match(msg(6), /not an image/);
    assert.match(msg(6), /text/);
    assert.match(msg(8), /itself a reference/);
  });

  test("a cell over maxFieldBytes refuses its row; the image cell is bounded by the base64 size of maxImageBytes instead", async () => {
    const file = path.join(dir, "limits.tsv");
    const image = red.toString("base64"); // far over the 40-byte field limit, within an image of maxImageBytes 1000
    fs.writeFileSync(
      file,
      tsv([
        { index: "1", image, question: "Short.", id: "p1", tag: "P-Level", infer_type: "main", answer: '["red"]' },
        { index: "2", image: "1", question: "q".repeat(41), id: "p2", tag: "P-Level", infer_type: "main", answer: '["red"]' },
        { index: "3", image: "1", question: "Short.", id: "p3", tag: "P-Level", infer_type: "main", answer: '["red"]' },
        { index: "4", image: "i".repeat(3000), question: "Short.", id: "p4", tag: "P-Level", infer_type: "main", answer: '["red"]' },
      ]),
    );
    const bench = await loadVlmevalkitTsv(file, { imageDir: path.join(dir, "images-l"), maxFieldBytes: 40, maxImageBytes: 1000 });
    assert.deepEqual(bench.rows.map((r) => r.index), ["1", "3"]);
    assert.deepEqual(
      bench.issues.map((i) => [i.row, i.field, i.message]),
      [
        [2, "question", "41 bytes, over the 40-byte limit (raise it with --max-field-bytes)"],
        [4, "image", "3,000 bytes, over the 2,360-byte limit of an image cell (the base64 size of the largest image accepted, or --max-field-bytes if larger)"],
      ],
    );
  });

  test("the images it writes are keyed for model calls without being read again", async () => {
    const bench = await loadVlmevalkitTsv(writeBench("keyed.tsv"), { imageDir: path.join(dir, "images-k") });
    const reads = imageHashCacheStats().fileReads;
    const image = bench.rows.find((r) => r.index === "1")!.image as { path: string };
    assert.equal(await imageContentHash({ path: image.path }), createHash("sha256").update(red).digest("hex"));
    assert.equal(imageHashCacheStats().fileReads, reads);
  });

  test("a second load reuses the images on disk", async () => {
    const file = writeBench("again.tsv");
    const imageDir = path.join(dir, "images-b");
    await loadVlmevalkitTsv(file, { imageDir });
    const stamps = fs.readdirSync(imageDir).map((f) => fs.statSync(path.join(imageDir, f)).mtimeMs);
    const again = await loadVlmevalkitTsv(file, { imageDir });
    assert.equal(again.rows.length, 6);
    assert.deepEqual(
      fs.readdirSync(imageDir).map((f) => fs.statSync(path.join(imageDir, f)).mtimeMs),
      stamps,
    );
  });

  test("validation: tags, infer types, aux rows against their main row, duplicate index", async () => {
    const img = red.toString("base64");
    const file = path.join(dir, "checks.tsv");
    fs.writeFileSync(
      file,
      tsv([
        { index: "1", image: img, question: "Q. A. B.", id: "c1", tag: "C-Level", infer_type: "main", constraints: JSON.stringify(constraints) },
        { index: "2", image: "1", question: "Q.", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "nope" },
        { index: "3", image: "1", question: "Q.", id: "c9", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "tone" },
        { index: "4", image: "1", question: "Q.", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt" },
        { index: "5", image: "1", question: "Q.", id: "x", tag: "D-Level", infer_type: "main" },
        { index: "6", image: "1", question: "Q.", id: "y", tag: "P-Level", infer_type: "side" },
        { index: "1", image: "1", question: "Q.", id: "z", tag: "P-Level", infer_type: "main", answer: '["a"]' },
        { index: "7", image: "1", question: "Q.", id: "w", tag: "P-Level", infer_type: "main", answer: "['a']" },
        { index: "8", image: "1", question: "Q.", id: "v", tag: "C-Level", infer_type: "main", constraints: '[{"key": "k", "value": "v"}]' },
        { index: "9", image: "1", question: "", id: "u", tag: "P-Level", infer_type: "main", answer: '["a"]' },
        { index: "10", image: "1", question: "Q. A. B.", id: "c1", tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "tone" },
      ]),
    );
    const bench = await loadVlmevalkitTsv(file, { imageDir: path.join(dir, "images-c") });
    assert.deepEqual(
      bench.rows.map((r) => r.index),
      ["1", "10"],
    );
    const got = bench.issues.map((i) => `${i.row}:${i.field}`);
    // data rows are 1-based: the repeated index "1" is data row 7
    assert.deepEqual(got, ["2:del_cons", "3:id", "4:del_cons", "5:tag", "6:infer_type", "7:index", "8:answer", "9:constraints", "10:question"]);
    assert.match(bench.issues.find((i) => i.row === 9)!.message, /constraints\[0\]\.judge/);
  });

  test("file-level problems throw BenchFileError", async () => {
    const file = writeBench("x.tsv");
    await assert.rejects(loadBench(file), BenchFileError); // no imageDir
    const bad = path.join(dir, "cols.tsv");
    fs.writeFileSync(bad, "index\tquestion\n1\tq\n");
    await assert.rejects(loadVlmevalkitTsv(bad, { imageDir: path.join(dir, "i") }), /lacks the columns image, id, tag, infer_type/);
    await assert.rejects(loadVlmevalkitTsv(path.join(dir, "nope.tsv"), { imageDir: dir }), /file not found/);
  });

  test("streams a file far larger than its heap allows", async () => {
    // ~120 MB of base64 through a process with a 48 MB old-space heap: it only works if rows are not all held.
    const file = path.join(dir, "big.tsv");
    const stream = fs.createWriteStream(file);
    stream.write(`${HEADER.join("\t")}\n`);
    const image = Buffer.concat([red, Buffer.alloc(300_000, 7)]).toString("base64");
    const rows = Math.ceil((120 * 1024 * 1024) / image.length);
    for (let i = 0; i < rows; i++) {
      const line = [String(i), image, "Q?", `p${i}`, "P-Level", "main", "", "", '["a"]'].join("\t");
      if (!stream.write(`${line}\n`)) await once(stream, "drain");
    }
    stream.end();
    await once(stream, "finish");
    const loader = new URL("../../../src/bench/load/index.ts", import.meta.url).href;
    const code = `const { loadBench } = await import(${JSON.stringify(loader)});
      const b = await loadBench(${JSON.stringify(file)}, { imageDir: ${JSON.stringify(path.join(dir, "big-images"))} });
      console.log(JSON.stringify({ rows: b.rows.length, issues: b.issues.length }));`;
    const child = spawn(process.execPath, ["--max-old-space-size=48", "--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const [exit] = await once(child, "close");
    assert.equal(exit, 0, err);
    assert.deepEqual(JSON.parse(out), { rows, issues: 0 });
    assert.equal(fs.readdirSync(path.join(dir, "big-images")).length, 1);
    fs.rmSync(file);
  });
});
