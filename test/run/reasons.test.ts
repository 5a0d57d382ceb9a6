// The one classifier of drop / not-kept reasons, and the grouped tally stats.json and dpo-stats.json carry.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { marginShortfall } from "../../src/dpo/pairs.js";
import { screenQuestion } from "../../src/engine/questions.js";
import { StatsCollector } from "../../src/engine/stats.js";
import { readRecordFile, writtenBy } from "../../src/records/index.js";
import { addReason, reasonKind, REASON_EXAMPLES, REASON_KINDS, type ReasonGroups } from "../../src/run/reasons.js";
import { tempDir } from "../helpers/cli.js";

/** Reasons as our stages write them (the texts of src/engine/filter, pipeline, respond, integrate, compat, dpo). */
const CASES: Array<[string, string]> = [
  // images
  ["duplicate of a/b.png", "duplicate"],
  ["near-duplicate of photos/x.jpg (distance 3)", "near-duplicate"],
  ["resolution: 120x80 < 224", "resolution"],
  ["aspect: 10 > 3 (1000x100)", "aspect ratio"],
  ["complexity: 0.01 < 0.03 (entropy 0.100, edges 0.010)", "complexity"],
  ["decode: empty file (0 bytes)", "corrupt image"],
  ["decode: Input buffer contains unsupported image format", "corrupt image"],
  ["read: EACCES: permission denied", "unreadable image"],
  ["external score: 0.2 < 0.5", "external score"],
  ["external tags: 1 < 3", "external score"],
  ["external scorer: command exited with code 1", "external scorer failed"],
  // items
  ["tasks: model call failed: gpt-4o-mini: 500 Internal Server Error (6 attempts)", "model call failed"],
  ["tasks: image: cannot read x.png (ENOENT)", "unreadable image"],
  ["tasks: tasks: not JSON: Unexpected token", "unusable model reply"],
  ["tasks: tasks: none of the 3 proposed tasks is usable (duplicate; too_short: 4 characters < 10)", "no usable task"],
  ["tasks: gpt-4o: waiting for a batch answer (tasks); rerun to continue", "waiting for batch"],
  ["question: too_short: 3 characters < 10", "question rejected"],
  ['question: numbered_example: "Example 1:"', "question rejected"],
  ["question: main task rejected: too_short: 3 characters < 10", "question rejected"],
  ["question: main task: not JSON: Unexpected end", "unusable model reply"],
  ["question: main task: model call failed: m: 500", "model call failed"],
  ["constraints: write constraints: model call failed: m: connection reset", "model call failed"],
  ["constraints: select types: not JSON: x", "unusable model reply"],
  ["constraints: replacement round 1 failed (write constraints: not JSON: x)", "unusable model reply"],
  ["constraints: no untried type left for a replacement after round 2", "no type left for replacement"],
  ["compat: check failed (model call failed: m: 500); all 5 constraints kept", "compatibility check failed"],
  ["too few constraints: 2 after the checks and 3 replacement round(s), below --min-constraints 3 (target 5)", "too few constraints"],
  ["constraints: none left after the checks", "too few constraints"],
  ["model call failed: gpt-4o: 500 Internal Server Error", "model call failed"],
  ["answer: gpt-4o: the answer was cut off at max_tokens", "model call failed"],
  ["score: direct judge call failed: 500 (failed in all 3 rounds)", "judge call failed"],
  ["score: perception judge reply unusable: no verdict (failed in all 3 rounds)", "judge reply unusable"],
  ["score: judging failed", "judging failed"],
  ["score 0.600 < threshold 0.8", "score below threshold"],
  // dropped constraints
  ["incompatible: contradicts the sentence count", "incompatible constraints"],
  ["unknown key: not one of the requested constraint types", "unknown constraint type"],
  ["duplicate: a constraint for this key was already written", "duplicate constraint"],
  ["empty value", "empty constraint"],
  ["rule: word counts must be ranges, not exact", "exact word count"],
  ["missing: no constraint was written for this type", "constraint not written"],
  // pairs
  ["the rejected answer passes every constraint", "rejected answer passes"],
  ["the rejected answer equals the chosen one", "rejected equals chosen"],
  ["rejected answer: weak: 400 this prompt is refused", "model call failed"],
  ["image missing or unreadable: /data/x.png: no such file", "image missing or unreadable"],
  ["judging the rejected answer: judge: waiting for a batch answer (judge); rerun to continue", "waiting for batch"],
];

describe("reasonKind", () => {
  for (const [reason, kind] of CASES) it(`${JSON.stringify(reason.slice(0, 60))} → ${kind}`, () => assert.equal(reasonKind(reason), kind));

  it("classifies the texts the producers write, taken from the producers themselves", () => {
    const screened = screenQuestion("Hi?");
    assert.equal(screened.ok, false);
    assert.equal(reasonKind(`question: ${(screened as { reason: string }).reason}`), "question rejected");
    assert.equal(reasonKind(marginShortfall(1, null, 0.5)!), "margin unknown");
    assert.equal(reasonKind(marginShortfall(1, 0.9, 0.5)!), "margin below --min-margin");
  });

  it("a text no stage writes is 'other', not a kind of its own", () => {
    assert.equal(reasonKind("something new: 12"), "other");
  });

  it("the README's table of reason kinds lists exactly the kinds reasonKind gives", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("| where | kinds |");
    assert.notEqual(start, -1, "README has the table of reason kinds");
    const rows = readme.slice(start, readme.indexOf("\n\n", start)).split("\n").slice(2);
    const listed = new Set(rows.flatMap((row) => [...row.split(" | ")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
    assert.deepEqual([...listed].sort(), [...REASON_KINDS].sort());
    assert.ok(CASES.every(([, kind]) => REASON_KINDS.includes(kind)));
  });
});

describe("addReason", () => {
  it("counts every reason and keeps at most 3 distinct examples, the smallest in string order whatever the order added", () => {
    const reasons = Array.from({ length: 50 }, (_, i) => `near-duplicate of img${String(i % 7).padStart(2, "0")}.png (distance 2)`);
    const forward: ReasonGroups = {};
    const backward: ReasonGroups = {};
    for (const r of reasons) addReason(forward, r);
    for (const r of [...reasons].reverse()) addReason(backward, r);
    assert.deepEqual(forward, backward);
    assert.deepEqual(Object.keys(forward), ["near-duplicate"]);
    assert.equal(forward["near-duplicate"]!.count, 50);
    assert.equal(REASON_EXAMPLES, 3);
    assert.deepEqual(forward["near-duplicate"]!.examples, ["near-duplicate of img00.png (distance 2)", "near-duplicate of img01.png (distance 2)", "near-duplicate of img02.png (distance 2)"]);
  });

  it("shortens a long example and takes an explicit kind", () => {
    const groups: ReasonGroups = {};
    addReason(groups, `answer: ${"x".repeat(1000)}`);
    addReason(groups, 'question: too_long: 900 characters > 800', "too_long");
    assert.equal(groups["model call failed"]!.examples[0]!.length, 240);
    assert.ok(groups["model call failed"]!.examples[0]!.endsWith("…"));
    assert.deepEqual(groups["too_long"], { count: 1, examples: ["question: too_long: 900 characters > 800"] });
  });
});

describe("stats.json reasons", () => {
  it("groups images and items by kind, counting an item once per kind", () => {
    const c = new StatsCollector();
    c.image({ path: "a.png", sha256: "a", kept: false, reasons: ["near-duplicate of b.png (distance 1)"] });
    c.image({ path: "c.png", sha256: "c", kept: false, reasons: ["near-duplicate of d.png (distance 4)"] });
    c.image({ path: "e.png", sha256: "e", kept: false, reasons: ["resolution: 10x10 < 224", "complexity: 0 < 0.03 (flat)"] });
    const item = { id: "i", image: { path: "a.png", sha256: "a" }, source: "generated" as const, task: "t", constraints: [], kept: false };
    c.item({ ...item, dropped: [{ key: "k", value: "v", reason: "incompatible: clash" }], reasons: ["constraints: replacement round 1 failed (x)", "constraints: replacement round 2 failed (y)", "too few constraints: 1 after"] });
    c.item({ ...item, id: "j", dropped: [{ key: "k", value: "", reason: "missing: no constraint was written for this type" }], reasons: ["score 0.500 < threshold 0.8"] });
    const s = c.finish({ status: "complete", status_reasons: [], usage: [], cost: null, seed: 1, stages: [] });
    assert.deepEqual(s.images.drop_reasons, {
      "near-duplicate": { count: 2, examples: ["near-duplicate of b.png (distance 1)", "near-duplicate of d.png (distance 4)"] },
      resolution: { count: 1, examples: ["resolution: 10x10 < 224"] },
      complexity: { count: 1, examples: ["complexity: 0 < 0.03 (flat)"] },
    });
    assert.deepEqual(s.items.not_kept_reasons, {
      "unusable model reply": { count: 1, examples: ["constraints: replacement round 1 failed (x)"] },
      "too few constraints": { count: 1, examples: ["too few constraints: 1 after"] },
      "score below threshold": { count: 1, examples: ["score 0.500 < threshold 0.8"] },
    });
    assert.deepEqual([s.constraints.dropped_by_compat, s.constraints.dropped_other], [1, 1]);
    assert.deepEqual(Object.keys(s.constraints.drop_reasons!), ["incompatible constraints", "constraint not written"]);
  });

  it("counts a question as rejected only for a screening rule, keyed by the rule, not for a failed or unusable call", () => {
    const c = new StatsCollector();
    const item = { image: { path: "a.png", sha256: "a" }, source: "question" as const, task: "t", constraints: [], dropped: [], kept: false };
    const reasons = [
      "question: too_short: 3 characters < 10",
      'question: numbered_example: "Example 1:"',
      "question: main task rejected: too_short: 4 characters < 10",
      "question: main task: not JSON: Unexpected end",
      "question: model call failed: m: 500 Internal Server Error (6 attempts)",
      "question: m: waiting for a batch answer (questions); rerun to continue",
    ];
    reasons.forEach((reason, i) => c.item({ ...item, id: `q${i}`, reasons: [reason] }));
    const s = c.finish({ status: "complete", status_reasons: [], usage: [], cost: null, seed: 1, stages: [] });
    assert.deepEqual(s.questions, {
      total: 6,
      rejected: 3,
      reject_reasons: {
        too_short: { count: 2, examples: ["question: main task rejected: too_short: 4 characters < 10", "question: too_short: 3 characters < 10"] },
        numbered_example: { count: 1, examples: ['question: numbered_example: "Example 1:"'] },
      },
    });
    assert.deepEqual(Object.keys(s.items.not_kept_reasons).sort(), ["model call failed", "question rejected", "unusable model reply", "waiting for batch"]);
  });

  it("a stats.json of format 1 (bare counts) is still read, as groups without examples", () => {
    const dir = tempDir();
    const c = new StatsCollector();
    const s = c.finish({ status: "complete", status_reasons: [], usage: [], cost: null, seed: 1, stages: [] });
    const old = { ...s, format_version: 1, images: { ...s.images, dropped: 2, drop_reasons: { resolution: 2 } }, constraints: { ...s.constraints, drop_reasons: undefined } };
    const path = join(dir, "stats.json");
    writeFileSync(path, JSON.stringify(old));
    const read = readRecordFile("stats.json", path);
    assert.deepEqual(read.images.drop_reasons, { resolution: { count: 2, examples: [] } });
    assert.equal(writtenBy().format_version, 2, "grouped reasons are format 2");
  });

  it("a dpo-stats.json of format 1 (bare counts, no failed_reasons) is still read", () => {
    const path = join(tempDir(), "dpo-stats.json");
    const old = { mmif_version: "0.1.0", format_version: 1, status: "complete", status_reasons: [], items_read: 4, items_used: 3, pairs: 1, dropped: 2, drop_reasons: { "the rejected answer passes every constraint": 2 }, failed: 0, by_strategy: { "drop-all": 1 }, removed_per_pair: { mean: 2 } };
    writeFileSync(path, JSON.stringify(old));
    const read = readRecordFile("dpo-stats.json", path);
    assert.deepEqual(read.drop_reasons, { "the rejected answer passes every constraint": { count: 2, examples: [] } });
    assert.equal(read.failed_reasons, undefined);
  });
});
