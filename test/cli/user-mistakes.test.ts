// A user mistake ends in one line saying what and where, exit 2, and no stack trace (issue 10, point 4): one test
// per case, each through the real CLI with real files.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir, type CliResult } from "../helpers/cli.js";

/** Exit 2, the expected message, and nothing that looks like a stack frame. */
function refused(r: CliResult, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^\s+at .+[:(]/m, "no stack frame");
}

describe("user mistakes: one line, exit 2, no stack trace", () => {
  const dir = tempDir();
  const file = join(dir, "a-file.txt");
  const folder = join(dir, "a-folder");
  const images = join(dir, "images");
  const bench = join(dir, "bench.jsonl");
  const item = { id: "i1", task: "Describe.", constraints: [], kept: true, response: "Hi.", image: { path: "x.png" } };
  before(async () => {
    writeFileSync(file, "x");
    mkdirSync(folder);
    mkdirSync(images);
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } }).png().toFile(join(dir, "x.png"));
    writeFileSync(bench, `${JSON.stringify({ index: "1", id: "1", tag: "P-Level", infer_type: "main", question: "What?", answer: ["red"], image: "x.png" })}\n`);
  });
  const dpo = (items: string, out = join(dir, "dpo-out")) => ["dpo", "--items", items, "--model", "m", "--judge", "j", "--base-url", "http://127.0.0.1:9/v1", "--judge-base-url", "http://127.0.0.1:9/v1", "--out", out];
  const generate = (extra: string[]) => ["generate", "--images", images, "--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--out", join(dir, "gen"), ...extra];

  it("generate --out that is a file", async () => {
    refused(await runCli(["generate", "--images", images, "--model", "m", "--out", file]), /--out .*a-file\.txt is a file, not a folder/);
  });

  it("dpo --out that is a file", async () => {
    const items = join(dir, "items.jsonl");
    writeFileSync(items, `${JSON.stringify(item)}\n`);
    refused(await runCli(dpo(items, file)), /--out .*a-file\.txt is a file, not a folder/);
  });

  it("export --out that is a file", async () => {
    const items = join(dir, "items-export.jsonl");
    writeFileSync(items, `${JSON.stringify(item)}\n`);
    refused(await runCli(["export", "--in", items, "--format", "llamafactory", "--out", file]), /--out .*a-file\.txt is a file, not a folder/);
  });

  it("report --out that is a folder", async () => {
    const run = join(dir, "run-report");
    mkdirSync(run);
    writeFileSync(join(run, "stats.json"), "{}");
    refused(await runCli(["report", run, "--out", folder]), /--out .*a-folder is a folder; give a file path/);
  });

  it("recipe --out that is a folder", async () => {
    refused(await runCli(["recipe", "llamafactory", "--stage", "sft", "--model", "qwen2-vl-7b", "--out", folder]), /--out .*a-folder is a folder; give a file path/);
  });

  it("a corrupt summary.json, named", async () => {
    const run = join(dir, "run-eval");
    mkdirSync(run);
    writeFileSync(join(run, "summary.json"), "{not json");
    refused(await runCli(["report", run]), /run-eval\/summary\.json: not valid JSON/);
  });

  it("a corrupt stats.json, named", async () => {
    const run = join(dir, "run-gen");
    mkdirSync(run);
    writeFileSync(join(run, "stats.json"), "[1, 2");
    refused(await runCli(["report", run]), /run-gen\/stats\.json: not valid JSON/);
  });

  it("score with a missing predictions file", async () => {
    refused(await runCli(["score", "--bench", bench, "--predictions", join(dir, "nope.xlsx"), "--judge", "j", "--out", join(dir, "s1")]), /--predictions .*nope\.xlsx: no such file/);
  });

  it("score with a predictions table without index or prediction", async () => {
    const preds = join(dir, "preds.tsv");
    writeFileSync(preds, "idx\tanswer\n1\tred\n");
    refused(await runCli(["score", "--bench", bench, "--predictions", preds, "--judge", "j", "--judge-base-url", "http://127.0.0.1:9/v1", "--out", join(dir, "s2")]), /preds\.tsv: no index or prediction column/);
  });

  it("generate --min-constraints above the most constraints --constraint-counts gives", async () => {
    refused(await runCli(generate(["--min-constraints", "8", "--constraint-counts", "3=1,4=1"])), /--min-constraints 8 is larger than the most constraints an item is given \(4, from --constraint-counts\)/);
  });

  it("generate --weights with a key outside the taxonomy", async () => {
    refused(await runCli(generate(["--weights", "nonsense_key=2"])), /--weights: constraint weight for "nonsense_key": not a category id/);
  });

  it("dpo --items given a pairs.jsonl", async () => {
    const pairs = join(dir, "pairs.jsonl");
    writeFileSync(pairs, `${JSON.stringify({ id: "p1", item_id: "i1", chosen: "a", rejected: "b" })}\n`);
    refused(await runCli(dpo(pairs)), /holds preference pairs \(pairs\.jsonl of mmif dpo\), not items/);
  });

  it("dpo --items given an empty file", async () => {
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "\n");
    refused(await runCli(dpo(empty)), /empty\.jsonl is empty; give the items\.jsonl of mmif generate/);
  });

  it("dpo --items given another JSONL: the items reader names the field", async () => {
    const other = join(dir, "results.jsonl");
    writeFileSync(other, `${JSON.stringify({ id: "1", tag: "C-Level", score: 1, status: "scored", replies: {}, rounds: 1 })}\n`);
    refused(await runCli(dpo(other)), /results\.jsonl line 1: not a record of items\.jsonl: image: .*; give the items\.jsonl of mmif generate/);
  });
});
