// Huge inputs (#10.12): a 50 MB field in `mmif verify --in`, in a bench (JSONL or TSV) and in a predictions file
// (JSONL, CSV or XLSX) is refused under --max-field-bytes with its file, line or row, field and size, the other lines go
// on, and the process stays under 300 MB of peak RSS (read from the child itself: process.resourceUsage().maxRSS, the kernel's VmHWM, at exit).
import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir, type CliResult } from "../helpers/cli.js";
import { startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";
import { xlsx } from "../helpers/xlsx.js";

const HUGE = 50 * 1000 * 1000;
const RSS_LIMIT_MIB = 300;

/** Writes JSONL lines; field `big.field` of line `big.line` gets HUGE bytes of "a", written in 1 MB pieces (never one string). */
function writeJsonl(path: string, lines: Array<Record<string, unknown>>, big?: { line: number; field: string }): void {
  const fd = openSync(path, "w");
  const piece = Buffer.alloc(1_000_000, 0x61);
  lines.forEach((obj, i) => {
    if (big === undefined || i !== big.line) {
      writeSync(fd, `${JSON.stringify(obj)}\n`);
      return;
    }
    const { [big.field]: _, ...rest } = obj;
    const before = JSON.stringify(rest).slice(0, -1);
    writeSync(fd, `${before}${before.length > 1 ? "," : ""}"${big.field}":"`);
    for (let n = 0; n < HUGE / piece.length; n++) writeSync(fd, piece);
    writeSync(fd, '"}\n');
  });
  closeSync(fd);
}

/** Writes a tab- or comma-separated table; cell `big.column` of data row `big.row` (0-based) gets HUGE bytes of "a" in 1 MB pieces. */
function writeTable(path: string, delimiter: string, rows: string[][], big?: { row: number; column: number }): void {
  const fd = openSync(path, "w");
  const piece = Buffer.alloc(1_000_000, 0x61);
  rows.forEach((cells, r) => {
    cells.forEach((cell, c) => {
      if (c > 0) writeSync(fd, delimiter);
      if (big !== undefined && r === big.row + 1 && c === big.column) for (let n = 0; n < HUGE / piece.length; n++) writeSync(fd, piece);
      else writeSync(fd, cell);
    });
    writeSync(fd, "\n");
  });
  closeSync(fd);
}

/** Runs the CLI and reads its peak RSS (MiB) as the child saw it at exit. */
async function runMeasured(args: string[], dir: string): Promise<CliResult & { peakMiB: number }> {
  const file = join(dir, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const preload = `data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(${JSON.stringify(file)},String(process.resourceUsage().maxRSS)))`;
  const r = await runCli(args, { nodeArgs: ["--import", preload] });
  return { ...r, peakMiB: Number(readFileSync(file, "utf8")) / 1024 };
}

const rule = { key: "sentence_number_limit", value: "Use one sentence.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 1] }] } };

describe("huge inputs", () => {
  const dir = tempDir();
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({ script: () => "A fine answer." });
    mkdirSync(join(dir, "bench"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "teal" } }).png().toFile(join(dir, "bench", "a.png"));
  });
  after(() => server.close());

  it("verify: a 50 MB response is refused with its file, line, field, size and the flag; the other lines are checked", async () => {
    const input = join(dir, "answers.jsonl");
    const line = { response: "Hi.", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [1, 1] }] };
    writeJsonl(input, [{ id: 1, ...line }, { id: 2, verify_funcs: [] }, { id: 3, ...line }], { line: 1, field: "response" });
    const out = join(dir, "verdicts.jsonl");
    const r = await runMeasured(["verify", "--in", input, "--out", out], dir);
    assert.equal(r.code, 2, "a line with an error exits 2");
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id?: number; pass?: boolean; error?: string });
    assert.deepEqual(lines.map((l) => l.id ?? null), [1, null, 3]);
    assert.deepEqual([lines[0]!.pass, lines[2]!.pass], [true, true]);
    const message = `line 2: field "response" of ${input} is 50,000,002 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`;
    assert.equal(lines[1]!.error, message);
    assert.ok(r.stderr.includes(message), r.stderr);
    assert.ok(r.peakMiB < RSS_LIMIT_MIB, `peak RSS ${r.peakMiB.toFixed(0)} MiB`);
  });

  it("verify: --max-field-bytes lowers or raises the limit, and a bad value is a usage error", async () => {
    const input = JSON.stringify({ id: 1, response: "x".repeat(3000) + ".", verify_funcs: [] });
    const low = await runCli(["verify", "--in", "-", "--max-field-bytes", "2K", "--quiet"], { input });
    assert.equal(low.code, 2);
    assert.match(low.stdout, /field \\"response\\" of standard input is 3,003 bytes, over the 2,048-byte limit/);
    const high = await runCli(["verify", "--in", "-", "--max-field-bytes", "4K", "--quiet"], { input });
    assert.equal(high.code, 0, high.stderr);
    assert.equal(JSON.parse(high.stdout).pass, true);
    const bad = await runCli(["verify", "--in", "-", "--max-field-bytes", "lots"], { input });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-field-bytes must be a size in bytes of at least 1, such as 16777216, 64K, 16M or 1G; got "lots"/);
  });

  const row = (i: number) => ({ index: String(i), id: String(i), tag: "C-Level", infer_type: "main", question: `Question ${i}.`, constraints: [rule], image: "a.png" });

  /** `mmif eval` on `bench` (row 1 of 0..2 holds the huge question): refused with `message`, no call; --skip-bad-rows scores 0 and 2. */
  async function evalRefusesThenSkips(bench: string, name: string, message: string): Promise<void> {
    const args = (out: string, extra: string[] = []) => ["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];
    const before = server.chatRequests().length;
    const refused = await runMeasured(args(join(dir, `${name}-refused`)), dir);
    assert.equal(refused.code, 2, refused.stderr);
    assert.ok(refused.stderr.includes(message), refused.stderr);
    assert.match(refused.stderr, /nothing was sent to a model/);
    assert.equal(server.chatRequests().length, before, "no model call");
    assert.ok(refused.peakMiB < RSS_LIMIT_MIB, `peak RSS ${refused.peakMiB.toFixed(0)} MiB`);

    const out = join(dir, `${name}-skip`);
    const skipped = await runMeasured(args(out, ["--skip-bad-rows"]), dir);
    assert.equal(skipped.code, 0, `the user chose to leave bad rows out: ${skipped.stderr}`);
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string });
    assert.deepEqual(results.map((x) => x.id).sort(), ["0", "2"]);
    assert.match(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).not_comparable, /not comparable/);
    assert.ok(skipped.peakMiB < RSS_LIMIT_MIB, `peak RSS ${skipped.peakMiB.toFixed(0)} MiB`);
  }

  it("eval: a 50 MB question is a bad row found before any call (exit 2); --skip-bad-rows scores the others", async () => {
    const bench = join(dir, "bench", "bench.jsonl");
    writeJsonl(bench, [row(0), row(1), row(2)], { line: 1, field: "question" });
    await evalRefusesThenSkips(bench, "eval", `${bench} line 2 field "question": 50,000,002 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`);
  });

  const TSV_HEADER = ["index", "image", "question", "id", "tag", "infer_type", "constraints"];
  const tsvRow = (i: number, image: string) => [String(i), image, `Question ${i}.`, String(i), "C-Level", "main", JSON.stringify([rule])];

  it("eval: a 50 MB question in a VLMEvalKit TSV is dropped as it is read and is a bad row the same way", async () => {
    const bench = join(dir, "bench", "MM-IFEval.tsv");
    const image = readFileSync(join(dir, "bench", "a.png")).toString("base64");
    writeTable(bench, "\t", [TSV_HEADER, tsvRow(0, image), tsvRow(1, "0"), tsvRow(2, "0")], { row: 1, column: 2 });
    await evalRefusesThenSkips(bench, "tsv", `${bench} row 2 field "question": 50,000,000 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`);
  });

  it("score: a TSV image cell of 27 MB (over --max-field-bytes) loads; a 50 MB prediction in a CSV is a bad row", async () => {
    // A 20 MB PNG (stored, not deflated) is 27 MB of base64: image cells are bounded by the image size limit instead.
    const png = await sharp({ create: { width: 2600, height: 2600, channels: 3, background: "olive" } }).png({ compressionLevel: 0 }).toBuffer();
    const bench = join(dir, "bench", "big-image.tsv");
    writeTable(bench, "\t", [TSV_HEADER, tsvRow(0, png.toString("base64")), tsvRow(1, "0"), tsvRow(2, "0")]);
    const predictions = join(dir, "predictions.csv");
    writeTable(predictions, ",", [["index", "prediction"], ["0", "One sentence."], ["1", "One sentence."], ["2", "One sentence."]], { row: 2, column: 1 });
    const args = (out: string, extra: string[] = []) => ["score", "--bench", bench, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];
    const before = server.chatRequests().length;
    const refused = await runMeasured(args(join(dir, "csv-refused")), dir);
    assert.equal(refused.code, 2, refused.stderr);
    assert.ok(refused.stderr.includes(`${predictions} row 3 field "prediction": 50,000,000 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`), refused.stderr);
    assert.ok(refused.stderr.includes(`${predictions} field "index": no prediction for 1 of the benchmark's 3 rows (index 2)`), `the file as a whole, not "row 0": ${refused.stderr}`);
    assert.ok(!refused.stderr.includes("image"), `the large image is accepted: ${refused.stderr}`);
    assert.equal(server.chatRequests().length, before, "no model call");
    assert.ok(refused.peakMiB < RSS_LIMIT_MIB, `peak RSS ${refused.peakMiB.toFixed(0)} MiB`);
    const out = join(dir, "csv-skip");
    const skipped = await runCli(args(out, ["--skip-bad-rows"]));
    assert.equal(skipped.code, 0, skipped.stderr);
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; score: number });
    assert.deepEqual(results.map((x) => [x.id, x.score]).sort(), [["0", 1], ["1", 1]]);
    assert.match(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).not_comparable, /not comparable/);
  });

  it("score: a 50 MB prediction in an .xlsx (a shared string, an inline string) is refused by sheet and cell as it is streamed", async () => {
    const bench = join(dir, "bench", "xlsx-bench.jsonl");
    writeJsonl(bench, [row(0), row(1), row(2)]);
    const predictions = join(dir, "predictions.xlsx");
    const huge = "a".repeat(HUGE);
    writeFileSync(predictions, xlsx([["index", "prediction"], [0, "One sentence."], [1, huge], [2, { inline: huge }]]));
    const args = (out: string, extra: string[] = []) => ["score", "--bench", bench, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];
    const before = server.chatRequests().length;
    const refused = await runMeasured(args(join(dir, "xlsx-refused")), dir);
    assert.equal(refused.code, 2, refused.stderr);
    for (const [row, cell] of [[2, "B3"], [3, "B4"]]) {
      const message = `${predictions} row ${row} field "prediction": sheet "Sheet1" cell ${cell}: 50,000,000 bytes, over the 16,777,216-byte limit (raise it with --max-field-bytes)`;
      assert.ok(refused.stderr.includes(message), refused.stderr);
    }
    assert.equal(server.chatRequests().length, before, "no model call");
    assert.ok(refused.peakMiB < RSS_LIMIT_MIB, `peak RSS ${refused.peakMiB.toFixed(0)} MiB`);
    const out = join(dir, "xlsx-skip");
    const skipped = await runMeasured(args(out, ["--skip-bad-rows"]), dir);
    assert.equal(skipped.code, 0, skipped.stderr);
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; score: number });
    assert.deepEqual(results.map((x) => [x.id, x.score]), [["0", 1]]);
    assert.ok(skipped.peakMiB < RSS_LIMIT_MIB, `peak RSS ${skipped.peakMiB.toFixed(0)} MiB`);
  });

  it("score: a 50 MB prediction is a bad line of the predictions file; --skip-bad-rows scores the others", async () => {
    const bench = join(dir, "bench", "small.jsonl");
    writeJsonl(bench, [row(0), row(1), row(2)]);
    const predictions = join(dir, "predictions.jsonl");
    writeJsonl(predictions, [0, 1, 2].map((i) => ({ index: String(i), prediction: "One sentence." })), { line: 2, field: "prediction" });
    const args = (out: string, extra: string[] = []) => ["score", "--bench", bench, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra];
    const refused = await runMeasured(args(join(dir, "score-refused")), dir);
    assert.equal(refused.code, 2, refused.stderr);
    assert.ok(refused.stderr.includes(`${predictions} line 3 field "prediction": 50,000,002 bytes, over the 16,777,216-byte limit`), refused.stderr);
    assert.ok(refused.peakMiB < RSS_LIMIT_MIB, `peak RSS ${refused.peakMiB.toFixed(0)} MiB`);
    const out = join(dir, "score-skip");
    const skipped = await runCli(args(out, ["--skip-bad-rows"]));
    assert.equal(skipped.code, 0, skipped.stderr);
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; score: number });
    assert.deepEqual(results.map((x) => [x.id, x.score]).sort(), [["0", 1], ["1", 1]]);
  });
});
