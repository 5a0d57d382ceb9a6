// `mmif dpo` end to end: hand-made kept items, the scripted server as the weaker model and the judge.
import { readChecked, readCheckedFile } from "../helpers/records.js";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import type { PreferencePair } from "../../src/dpo/pairs.js";
import type { EngineItem } from "../../src/engine/types.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { lastUserText, replies, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

const rule = (key: string, value: string, func: string, params: unknown[]) => ({ key, category: "text_length" as const, subcategory: key, value, judge: { method: "rule_based" as const, verify_funcs: [{ func, params }] } });
const CONSTRAINTS = [
  rule("paragraph_number_limit", "Write 2 paragraphs.", "check_whether_response_paragraph_number_in_range", [2, 2]),
  rule("sentence_number_limit", "Use 2 sentences.", "check_whether_response_sentence_number_in_range", [2, 2]),
  rule("precision", "Use no digits.", "check_whether_has_no_arabic_number_in_response", []),
  { key: "tone_requirement", category: "action" as const, subcategory: "tone_requirement", value: "Be cheerful.", judge: { method: "cmp_gpt" as const } },
  { key: "title_requirements", category: "format" as const, subcategory: "title_requirements", value: "Start with a title.", judge: { method: "direct_gpt" as const } },
];
const CHOSEN = "Sunny.\n\nWhat a day.";

/** The weaker model: follows the prompt only if the prompt still says so ("PERFECT" items answer perfectly). */
function script(req: RecordedRequest) {
  const text = lastUserText(req.body);
  if (req.model === "weak" && text.includes("REFUSE")) return replies.badRequest("this prompt is refused");
  if (req.model === "weak") return text.includes("PERFECT") ? "Bright.\n\nWhat a time." : "A plain answer with 3 digits in 1 paragraph.";
  if (text.includes("<start of constraint list>")) return "Summary: Score of constraint_1: 1/1.";
  return "Summary: True";
}

describe("mmif dpo", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const items = join(dir, "items.jsonl");
  before(async () => {
    server = await startScriptedServer({ script });
    await sharp({ create: { width: 16, height: 16, channels: 3, background: "green" } }).png().toFile(join(dir, "g.png"));
    const item = (id: string, task: string, kept = true): EngineItem => ({
      id, image: { path: "g.png", sha256: "cd".repeat(32) }, source: "generated", task, constraints: CONSTRAINTS, dropped: [],
      response: CHOSEN, aux: { tone_requirement: "An answer." }, score: 1, kept, reasons: [],
    });
    writeFileSync(items, [item("i1", "Describe the scene."), item("i2", "Tell a story."), item("i3", "PERFECT task."), item("i4", "Not kept.", false)].map((x) => JSON.stringify(x)).join("\n") + "\nnot json\n");
  });
  after(() => server.close());

  const run = (out: string, extra: string[]) => runCli(["dpo", "--items", items, "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra]);
  const pairsOf = (out: string) => readFileSync(join(out, "pairs.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as PreferencePair);

  it("drop-all: the weaker model answers the bare task; pairs record what was removed and the rejected verdicts", async () => {
    const out = join(dir, "all");
    const r = await run(out, ["--strategy", "drop-all"]);
    assert.equal(r.code, 2, "the bad line is reported");
    assert.match(r.stderr, /items\.jsonl line 5/);
    const pairs = pairsOf(out);
    assert.deepEqual(pairs.map((p) => p.item_id), ["i1", "i2"], "i3's rejected answer passes everything: dropped; i4 was not kept");
    const p = pairs[0]!;
    assert.equal(p.strategy, "drop-all");
    assert.deepEqual(p.removed, CONSTRAINTS.map((c) => c.key));
    assert.equal(p.degraded_prompt, "Describe the scene.");
    assert.equal(p.prompt, "Describe the scene. Write 2 paragraphs. Use 2 sentences. Use no digits. Be cheerful. Start with a title.");
    assert.equal(p.chosen, CHOSEN);
    assert.equal(p.rejected_passes_all, false);
    assert.deepEqual(p.rejected_verdicts.filter((v) => v.method === "rule_based").map((v) => v.score), [0, 0, 0]);
    const dropped = readFileSync(join(out, "dropped-pairs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(dropped.map((d) => [d.item_id, d.reason]), [["i3", "the rejected answer passes every constraint"]]);
    const stats = readCheckedFile("dpo-stats.json", join(out, "dpo-stats.json"));
    await readChecked("dropped-pairs.jsonl", join(out, "dropped-pairs.jsonl"));
    await readChecked("pairs.jsonl", join(out, "pairs.jsonl"));
    assert.deepEqual([stats.pairs, stats.dropped, stats.by_strategy["drop-all"]], [2, 1, 2]);
    assert.deepEqual(stats.drop_reasons, { "rejected answer passes": { count: 1, examples: ["the rejected answer passes every constraint"] } }, "grouped by kind");
    assert.deepEqual([stats.failed, stats.failed_reasons], [0, {}]);
    assert.deepEqual([stats.status, stats.status_reasons], ["complete", []], "every call answered: the run is complete");
  });

  it("keeps passing pairs on request, and each fraction strategy removes the right number, reproducibly", async () => {
    const keep = join(dir, "keep");
    await run(keep, ["--keep-passing"]);
    assert.equal(pairsOf(keep).length, 3);
    for (const [strategy, n] of [["drop-two-thirds", 3], ["drop-one-third", 2]] as const) {
      const a = join(dir, `${strategy}-a`);
      const b = join(dir, `${strategy}-b`);
      await run(a, ["--strategy", strategy, "--seed", "5"]);
      await run(b, ["--strategy", strategy, "--seed", "5"]);
      const pa = pairsOf(a);
      assert.ok(pa.length >= 1);
      for (const p of pa) {
        assert.equal(p.removed.length, n, strategy);
        const left = CONSTRAINTS.filter((c) => !p.removed.includes(c.key)).map((c) => c.value);
        assert.equal(p.degraded_prompt, [p.prompt.split(" Write")[0], ...left].join(" "));
      }
      assert.deepEqual(pairsOf(b), pa, "same seed, same pairs");
    }
  });

  it("--min-margin drops pairs whose rejected score comes within the margin of the chosen one", async () => {
    const all = pairsOf(join(dir, "keep")); // the --keep-passing run above: every pair, whatever its scores
    assert.ok(all.some((p) => p.rejected_score === 1), "a rejected answer that scores as high as the chosen one (1)");
    const out = join(dir, "margin");
    const r = await run(out, ["--keep-passing", "--min-margin", "0.5"]);
    assert.equal(r.code, 2, r.stderr);
    const wanted = all.filter((p) => 1 - p.rejected_score! >= 0.5).map((p) => p.item_id);
    assert.ok(wanted.length >= 1 && wanted.length < all.length);
    assert.deepEqual(pairsOf(out).map((p) => p.item_id), wanted);
    const dropped = readFileSync(join(out, "dropped-pairs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const d of dropped) assert.match(d.reason, /margin below --min-margin/);
    const stats = readCheckedFile("dpo-stats.json", join(out, "dpo-stats.json"));
    assert.deepEqual(Object.keys(stats.drop_reasons), ["margin below --min-margin"], "one kind, however many pairs");
    assert.equal(stats.drop_reasons["margin below --min-margin"]!.count, dropped.length);
    const bad = await run(join(dir, "margin-bad"), ["--min-margin", "2"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--min-margin must be a number from 0 to 1/);
  });

  it("groups why pairs could not be made: a refused call is 'model call failed', with the item's message as example", async () => {
    const refused = join(dir, "refused-items.jsonl");
    const lines = readFileSync(items, "utf8").split("\n").filter((l) => l.startsWith("{"));
    const item = { ...JSON.parse(lines[0]!), id: "r1", task: "REFUSE this." };
    writeFileSync(refused, [lines[0], JSON.stringify(item)].join("\n") + "\n");
    const out = join(dir, "refused");
    const r = await runCli(["dpo", "--items", refused, "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", "--strategy", "drop-all"]);
    assert.equal(r.code, 1, "a call without an answer leaves the run incomplete");
    const stats = readCheckedFile("dpo-stats.json", join(out, "dpo-stats.json"));
    assert.deepEqual([stats.pairs, stats.failed], [1, 1]);
    assert.deepEqual(Object.keys(stats.failed_reasons!), ["model call failed"]);
    const group = stats.failed_reasons!["model call failed"]!;
    assert.equal(group.count, 1);
    assert.match(group.examples[0]!, /^rejected answer: weak: .*this prompt is refused/);
  });

  it("no-image: the full prompt without the image", async () => {
    const out = join(dir, "noimg");
    const before = server.chatRequests().length;
    await run(out, ["--strategy", "no-image"]);
    const weak = server.chatRequests().slice(before).filter((q) => q.model === "weak");
    assert.ok(weak.length >= 1);
    for (const q of weak) assert.equal(typeof q.body.messages[0].content, "string", "no image part");
    const p = pairsOf(out)[0]!;
    assert.deepEqual(p.removed, []);
    assert.equal(p.degraded_prompt, p.prompt);
  });

  it("rejects a bad mix and documents its flags", async () => {
    const bad = await run(join(dir, "bad"), ["--mix", "drop-most=1"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown strategy "drop-most"/);
    const h = await runCli(["dpo", "--help"]);
    for (const f of ["--items", "--model", "--strategy", "--mix", "--seed", "--keep-passing", "--min-margin", "--judge", "--judge-base-url", "--out"]) assert.ok(h.stdout.includes(f), f);
  });
});
