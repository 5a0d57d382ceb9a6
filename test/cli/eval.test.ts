// `mmif eval` and `mmif score` end to end: the real CLI against the scripted server playing model and judge, on a
// small bench written here in all three formats, with hand-computed expected scores.
import { readChecked, readCheckedFile } from "../helpers/records.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { lastUserText, replies, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";
import { MMIF, runCli, tempDir } from "../helpers/cli.js";
import { folderSnapshot } from "../helpers/folder.js";
import { closedPort } from "../helpers/closed-port.js";

const rule = (func: string, params: unknown[]) => ({ method: "rule_based", verify_funcs: [{ func, params }] });
const C1 = {
  id: "1",
  instruction: "Tell a story about the picture.",
  constraints: [
    { key: "tone_requirement", value: "Use a warm tone.", judge: { method: "direct_gpt" } },
    { key: "paragraph_number_limit", value: "Write exactly 2 paragraphs.", judge: rule("check_whether_response_paragraph_number_in_range", [2, 2]) },
    { key: "target_audience_requirement", value: "Write for children.", judge: { method: "cmp_gpt" } },
    { key: "title_requirements", value: "Start with a title.", judge: { method: "direct_gpt" } },
  ],
};
const C2 = {
  id: "2",
  instruction: "Describe the colors.",
  constraints: [
    { key: "sentence_number_limit", value: "Use one sentence.", judge: rule("check_whether_response_sentence_number_in_range", [1, 1]) },
    { key: "tone_requirement", value: "Sound excited.", judge: { method: "cmp_gpt" } },
  ],
};
const P1 = { id: "3", question: "Which animals are there?", answer: ["cat", "dog"] };
const P2 = { id: "4", question: "What is written on the sign?", answer: ["it's"] };

const assemble = (c: { instruction: string; constraints: Array<{ key: string; value: string }> }, drop?: string) =>
  c.instruction + c.constraints.filter((k) => k.key !== drop).map((k) => ` ${k.value}`).join("");

/** The model under test: fixed answers per prompt. */
const ANSWERS: Record<string, string> = {
  [assemble(C1)]: "A Warm Day\n\nThe kitten and the puppy play together.",
  [assemble(C1, "target_audience_requirement")]: "An adult description of two animals.",
  [assemble(C2)]: "Bright red and blue everywhere!",
  [assemble(C2, "tone_requirement")]: "Red and blue.",
  [P1.question]: "A cat and a dog.",
  [P2.question]: "It is raining.",
};

/** The judge: C1's direct judgment gives 1 and 0; compare says True for C1, False for C2; perception by content. */
function judgeReply(text: string): string {
  if (text.includes("<start of constraint list>")) return "Judgement: ...\n**Summary:** Score of constraint_1: 1/1, Score of constraint_2: 0/1.";
  if (text.includes("<start of response under the constraint>")) return text.includes("Write for children.") ? "Reasoning: fine.\nSummary: True" : 'Reasoning: too similar.\nSummary: "False".';
  if (text.includes("Ground Truth List:")) return text.includes("Response from the model: A cat and a dog.") ? "right" : "wrong";
  return "unexpected prompt";
}

function script(req: RecordedRequest) {
  const text = lastUserText(req.body);
  if (req.model === "vlm") return ANSWERS[text] ?? `no scripted answer for: ${text}`;
  return judgeReply(text);
}

// C1 = mean(1, 1, 1, 0) = 0.75; C2 = mean(1, 0) = 0.5; P1 = 1; P2 = 0.
const EXPECTED = { c_level: 62.5, p_level: 50, overall: 56.25 };

async function writeBenches(dir: string): Promise<{ tsv: string; authors: string; ours: string }> {
  const imgA = await sharp({ create: { width: 12, height: 8, channels: 3, background: "orange" } }).png().toBuffer();
  const imgB = await sharp({ create: { width: 8, height: 12, channels: 3, background: "navy" } }).jpeg().toBuffer();
  // VLMEvalKit TSV: base64 images; rows 2-5 reuse rows 0 and 1 by index.
  const header = ["index", "image", "question", "id", "tag", "infer_type", "del_cons", "constraints", "answer"];
  const q = (s: string) => (/[\t\n"]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const tsvRows = [
    ["0", imgA.toString("base64"), assemble(C1), "1", "C-Level", "main", "", JSON.stringify(C1.constraints), ""],
    ["1", imgB.toString("base64"), assemble(C2), "2", "C-Level", "main", "", JSON.stringify(C2.constraints), ""],
    ["2", "0", P1.question, "3", "P-Level", "main", "", "", JSON.stringify(P1.answer)],
    ["3", "1", P2.question, "4", "P-Level", "main", "", "", JSON.stringify(P2.answer)],
    ["4", "0", assemble(C1, "target_audience_requirement"), "1", "C-Level", "aux_cmp_gpt", "target_audience_requirement", "", ""],
    ["5", "1", assemble(C2, "tone_requirement"), "2", "C-Level", "aux_cmp_gpt", "tone_requirement", "", ""],
  ];
  const tsv = join(dir, "MM-IFEval.tsv");
  writeFileSync(tsv, [header, ...tsvRows].map((r) => r.map(q).join("\t")).join("\n") + "\n");

  // The authors' layout: C-Level.jsonl / P-Level.jsonl with images beside them.
  const authors = join(dir, "authors");
  mkdirSync(authors);
  writeFileSync(join(authors, "a.png"), imgA);
  writeFileSync(join(authors, "b.jpg"), imgB);
  writeFileSync(join(authors, "C-Level.jsonl"), [{ ...C1, image: "a.png" }, { ...C2, image_path: "b.jpg" }].map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(join(authors, "P-Level.jsonl"), [{ ...P1, img: "a.png" }, { ...P2, filename: "b.jpg" }].map((r) => JSON.stringify(r)).join("\n") + "\n");

  // Our JSONL: image paths relative to the file.
  const oursDir = join(dir, "ours");
  mkdirSync(join(oursDir, "img"), { recursive: true });
  writeFileSync(join(oursDir, "img", "a.png"), imgA);
  writeFileSync(join(oursDir, "img", "b.jpg"), imgB);
  const ours = join(oursDir, "bench.jsonl");
  const main = (c: typeof C1, image: string) => ({ index: c.id, id: c.id, tag: "C-Level", infer_type: "main", question: assemble(c), constraints: c.constraints, image });
  const aux = (c: typeof C1, key: string, image: string) => ({ index: `${c.id}-aux`, id: c.id, tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: key, question: assemble(c, key), image });
  const p = (x: typeof P1, image: string) => ({ index: x.id, id: x.id, tag: "P-Level", infer_type: "main", question: x.question, answer: x.answer, image });
  writeFileSync(
    ours,
    [main(C1, "img/a.png"), aux(C1, "target_audience_requirement", "img/a.png"), main(C2, "img/b.jpg"), aux(C2, "tone_requirement", "img/b.jpg"), p(P1, "img/a.png"), p(P2, "img/b.jpg")]
      .map((r) => JSON.stringify(r))
      .join("\n") + "\n",
  );
  return { tsv, authors, ours };
}

function readJsonl(path: string): Array<Record<string, any>> {
  return readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

describe("mmif eval / mmif score end to end", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  let benches: Awaited<ReturnType<typeof writeBenches>>;
  before(async () => {
    server = await startScriptedServer({ script });
    benches = await writeBenches(dir);
  });
  after(() => server.close());

  const evalArgs = (bench: string, out: string, extra: string[] = []) => [
    "eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url,
    "--concurrency", "2", "--judge-concurrency", "2", "--out", out, "--quiet", ...extra,
  ];

  for (const format of ["tsv", "authors", "ours"] as const) {
    it(`scores the ${format} bench as computed by hand`, async () => {
      const out = join(dir, `out-${format}`);
      const r = await runCli(evalArgs(benches[format], out));
      assert.equal(r.code, 0, r.stderr);
      const summary = readCheckedFile("summary.json", join(out, "summary.json"));
      await readChecked("results.jsonl", join(out, "results.jsonl"));
      await readChecked("predictions.jsonl", join(out, "predictions.jsonl"));
      assert.deepEqual({ c_level: summary.c_level, p_level: summary.p_level, overall: summary.overall }, EXPECTED);
      assert.deepEqual(summary.counts, { c_items: 2, p_items: 2, failed_items: 0, failed_constraints: 0, scored_c_items: 2, scored_p_items: 2 });
      assert.equal(summary.strict, 0);
      assert.equal(summary.model, "vlm");
      assert.equal(summary.judge, "judge");
      assert.equal(summary.profile, "vlmevalkit");
      assert.ok(summary.ci95.overall!.low <= 56.25 && summary.ci95.overall!.high >= 56.25);
      assert.ok(summary.usage.some((u: { stage: string }) => u.stage === "answer"));
      assert.match(r.stdout, /vlm\s+\|\s+62\.5 \|\s+50\.0 \|\s+56\.3/);

      const predictions = readJsonl(join(out, "predictions.jsonl"));
      assert.equal(predictions.length, 6, "every row, aux included");
      assert.ok(predictions.every((p) => typeof p.prediction === "string" && !p.prediction.startsWith("no scripted answer")));
      const results = readJsonl(join(out, "results.jsonl"));
      assert.equal(results.length, 4);
      const c1 = results.find((x) => x.id === "1")!;
      assert.equal(c1.score, 0.75);
      assert.deepEqual(
        c1.constraints.map((k: { key: string; method: string; score: number }) => [k.key, k.method, k.score]),
        [["tone_requirement", "direct_gpt", 1], ["paragraph_number_limit", "rule_based", 1], ["target_audience_requirement", "cmp_gpt", 1], ["title_requirements", "direct_gpt", 0]],
      );
      assert.match(c1.replies.direct, /Score of constraint_1: 1\/1/);
      assert.equal(results.find((x) => x.id === "4")!.score, 0);
    });
  }

  it("sends the model text then image, and the direct judge the image at high detail", async () => {
    const direct = server.chatRequests().find((r) => r.model === "judge" && lastUserText(r.body).includes("<start of constraint list>"))!;
    const parts = direct.body.messages[0].content;
    assert.equal(parts[0].type, "text");
    assert.equal(parts[1].image_url.detail, "high");
    assert.equal(direct.body.temperature, 0);
    assert.equal(direct.body.max_tokens, 4096);
    const answer = server.chatRequests().find((r) => r.model === "vlm")!;
    assert.deepEqual(answer.body.messages[0].content.map((p: { type: string }) => p.type), ["text", "image_url"]);
  });

  it("sends the model VLMEvalKit's default max_tokens (2048), and the server's with --max-tokens server", async () => {
    const answer = server.chatRequests().find((r) => r.model === "vlm")!;
    assert.equal(answer.body.max_tokens, 2048);
    const out = join(dir, "out-server-tokens");
    const before = server.chatRequests().length;
    const r = await runCli(evalArgs(benches.ours, out, ["--max-tokens", "server", "--limit", "1"]));
    assert.equal(r.code, 0, r.stderr);
    const sent = server.chatRequests().slice(before).filter((q) => q.model === "vlm");
    assert.ok(sent.length >= 1);
    for (const q of sent) assert.equal("max_tokens" in q.body, false);
  });

  it("--model-prompt qwen2-vl: the image first, then the question and VLMEvalKit's Qwen2-VL short-answer line", async () => {
    const out = join(dir, "out-qwen-prompt");
    const before = server.chatRequests().length;
    const r = await runCli(evalArgs(benches.tsv, out, ["--model-prompt", "qwen2-vl"]));
    assert.equal(r.code, 0, r.stderr);
    const sent = server.chatRequests().slice(before).filter((q) => q.model === "vlm");
    assert.equal(sent.length, 6, "every row, aux included");
    const main1 = sent.find((q) => lastUserText(q.body).startsWith(assemble(C1) + "\n"))!;
    const parts = main1.body.messages[0].content;
    assert.deepEqual(parts.map((p: { type: string }) => p.type), ["image_url", "text"]);
    assert.equal(parts[1].text, `${assemble(C1)}\nPlease try to answer the question with short words or phrases if possible.`);
    for (const q of sent) assert.match(lastUserText(q.body), /\nPlease try to answer the question with short words or phrases if possible\.$/);
    // The judge still sees the bench's question, without the model's suffix.
    const judged = server.chatRequests().slice(before).filter((q) => q.model === "judge");
    assert.ok(judged.length > 0);
    assert.ok(judged.some((q) => lastUserText(q.body).includes(`Question: ${P1.question}\nResponse from the model:`)));
    const bad = await runCli(evalArgs(benches.tsv, join(dir, "x"), ["--model-prompt", "gpt-9"]));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown --model-prompt "gpt-9"; known: none, qwen2-vl/);
  });

  it("reruns from the ledger without a single new call", async () => {
    const out = join(dir, "out-ours");
    const before = server.chatRequests().length;
    const r = await runCli(evalArgs(benches.ours, out));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.chatRequests().length, before);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).overall, EXPECTED.overall);
  });

  it("scores our predictions.jsonl and a VLMEvalKit-style TSV of predictions with `mmif score`", async () => {
    const predictions = join(dir, "out-tsv", "predictions.jsonl");
    const out = join(dir, "scored");
    const r = await runCli(["score", "--bench", benches.tsv, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual({ c_level: s.c_level, p_level: s.p_level, overall: s.overall }, EXPECTED);
    assert.equal(s.model, null);

    // VLMEvalKit's layout: index and prediction columns in bench order; an empty cell is "nan".
    const rows = readJsonl(predictions);
    const tsv = join(dir, "vlm_MM-IFEval.tsv");
    writeFileSync(tsv, ["index\tprediction", ...rows.map((p) => `${p.index}\t${p.index === "3" ? "" : JSON.stringify(p.prediction).slice(1, -1)}`)].join("\n") + "\n");
    const out2 = join(dir, "scored-tsv");
    const r2 = await runCli(["score", "--bench", benches.tsv, "--predictions", tsv, "--judge", "judge", "--judge-base-url", server.url, "--out", out2, "--quiet"]);
    assert.equal(r2.code, 0, r2.stderr);
    const s2 = JSON.parse(readFileSync(join(out2, "summary.json"), "utf8"));
    assert.equal(s2.p_level, 50, "P2 was already wrong; its prediction is now \"nan\"");
    const perception = server.chatRequests().filter((q) => lastUserText(q.body).includes("Response from the model: nan\n"));
    assert.equal(perception.length, 1);

    // The full predictions files scored with --limit: the rows past the limit are not "not a row of the benchmark".
    for (const [file, name] of [[predictions, "jsonl"], [tsv, "tsv"]] as const) {
      const limited = join(dir, `scored-limit-${name}`);
      const r3 = await runCli(["score", "--bench", benches.tsv, "--predictions", file, "--limit", "1", "--judge", "judge", "--judge-base-url", server.url, "--out", limited, "--quiet"]);
      assert.equal(r3.code, 0, `${name}: ${r3.stderr}`);
      const results = readJsonl(join(limited, "results.jsonl"));
      assert.equal(results.length, 1, name);
      assert.equal(results[0]!.status, "scored", name);
    }
  });

  it("fails an item whose judge never answers usably, says so, and keeps it in the vlmevalkit denominator", async () => {
    const seen = new Set<string>();
    const garbage = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (req.model === "vlm") return ANSWERS[text] ?? "?";
        if (text.includes("Ground Truth List:")) return "I cannot tell.";
        // A direct judgment cut off by max_tokens (no constraint_2) the first time, complete in the next round.
        if (text.includes("<start of constraint list>") && !seen.has(text)) {
          seen.add(text);
          return { content: "Judgement: ...\nSummary: Score of constraint_1: 1/1, Score of constr", finishReason: "length" };
        }
        return judgeReply(text);
      },
    });
    after(() => garbage.close());
    const out = join(dir, "out-garbage");
    const r = await runCli([...evalArgs(benches.ours, out).map((a) => (a === server.url ? garbage.url : a))]);
    assert.equal(r.code, 1, "2 of 4 items failed, more than --max-failed-share allows: unreliable");
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(s.status, "unreliable");
    assert.equal(s.counts.failed_items, 2);
    assert.equal(s.p_level, 0, "both P items failed: scored 0 and kept, as the vlmevalkit profile does");
    assert.match(r.stderr, /2 item\(s\) and 0 constraint\(s\) could not be judged/);
    const results = readJsonl(join(out, "results.jsonl"));
    const p1 = results.find((x) => x.id === "3")!;
    assert.equal(p1.status, "failed");
    assert.equal(p1.rounds, 3);
    assert.match(p1.error, /C-Level, fail in judge|perception/);
    // Three rounds are three distinct calls, not one call answered twice from the ledger.
    const asked = garbage.chatRequests().filter((q) => lastUserText(q.body).includes("Response from the model: A cat and a dog."));
    assert.equal(asked.length, 3);
    // The truncated direct judgment failed round 1; round 2 scored the item as usual.
    const c1 = results.find((x) => x.id === "1")!;
    assert.deepEqual([c1.status, c1.rounds, c1.score], ["scored", 2, 0.75]);
    assert.equal(s.c_level, 62.5);
  });

  it("resumes after kill -9 with the same summary and no successful call repeated", async () => {
    const slow = await startScriptedServer({ script, latencyMs: 120 });
    after(() => slow.close());
    const out = join(dir, "out-killed");
    const args = evalArgs(benches.tsv, out).map((a) => (a === server.url ? slow.url : a));
    const child = spawn(process.execPath, [MMIF, ...args], { stdio: "ignore" });
    while (slow.chatRequests().filter((q) => q.status === 200).length < 5) await new Promise((res) => setTimeout(res, 5));
    child.kill("SIGKILL");
    await once(child, "exit");
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual({ c_level: s.c_level, p_level: s.p_level, overall: s.overall }, EXPECTED);
    const answered = new Map<string, number>();
    for (const q of slow.chatRequests()) {
      if (q.status !== 200 || q.body === undefined) continue;
      const k = JSON.stringify(q.body);
      answered.set(k, (answered.get(k) ?? 0) + 1);
    }
    const repeated = [...answered.values()].filter((n) => n > 1).length;
    // Only calls in flight at the kill (at most 2 model + 2 judge) can have been answered twice.
    assert.ok(repeated <= 4, `${repeated} successful calls were paid twice`);
  });

  it("lists every bad row and constraint by file, row and field before any call, and scores the rest only under --skip-bad-rows", async () => {
    const bad = join(dir, "ours", "bad.jsonl");
    const lines = readFileSync(benches.ours, "utf8").trim().split("\n");
    lines.push(JSON.stringify({ index: "9", id: "9", tag: "C-Level", infer_type: "main", question: "q", constraints: "[oops", image: "img/a.png" }));
    lines.push(JSON.stringify({ index: "10", id: "10", tag: "P-Level", infer_type: "main", question: "q", answer: ["x"], image: "../../escape.png" }));
    const typo = { key: "tone", value: "Be calm.", judge: { method: "cmp_gtp" } };
    const unknown = { key: "len", value: "Short.", judge: rule("check_whether_response_wordz", [1]) };
    const lonely = { key: "style", value: "Poetic.", judge: { method: "cmp_gpt" } };
    lines.push(JSON.stringify({ index: "11", id: "11", tag: "C-Level", infer_type: "main", question: "q", constraints: [typo, unknown, lonely], image: "img/a.png" }));
    writeFileSync(bad, lines.join("\n") + "\n");
    const before = server.requests.length;
    const out = join(dir, "out-bad");
    const r = await runCli(evalArgs(bad, out));
    assert.equal(r.code, 2);
    assert.equal(server.requests.length, before, "no model call before the input is clean");
    assert.match(r.stderr, /5 problem\(s\) in the input; nothing was sent to a model/);
    assert.match(r.stderr, /bad\.jsonl line 7 field "constraints"/);
    assert.match(r.stderr, /bad\.jsonl line 8 field "image"/);
    assert.match(r.stderr, /bad\.jsonl line 9 field "constraints\[0\]\.judge\.method": unknown judge method "cmp_gtp"/);
    assert.match(r.stderr, /field "constraints\[1\]\.judge\.verify_funcs\[0\]": constraint "len": unknown verify function "check_whether_response_wordz"/);
    assert.match(r.stderr, /field "constraints\[2\]": cmp_gpt constraint "style" has no aux row/);
    assert.match(r.stderr, /--skip-bad-rows/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.ok(!existsSync(join(out, "summary.json")));

    const skipped = await runCli(evalArgs(bad, out, ["--skip-bad-rows"]));
    assert.equal(skipped.code, 0, skipped.stderr);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual(summary.overall, EXPECTED.overall);
    assert.match(summary.not_comparable, /1 item\(s\) and 2 unreadable row\(s\) left out .* not comparable with the full benchmark/);
  });

  it("checks every option before any call and lists all their problems", async () => {
    const before = server.requests.length;
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const r = await runCli([...evalArgs(benches.ours, file), "--limit", "0", "--temperature", "3", "--judge-price", "cheap"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /4 problems with the options/);
    assert.match(r.stderr, /--limit must be a whole number/);
    assert.match(r.stderr, /--temperature must be a number from 0 to 2/);
    assert.match(r.stderr, /--judge-price takes two prices/);
    assert.match(r.stderr, /--out .*a-file is a file, not a folder/);
    const s = await runCli(["score", "--bench", benches.ours, "--predictions", join(dir, "nope.jsonl"), "--judge", "j", "--out", join(dir, "s")]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--predictions .*nope\.jsonl: no such file/);
    assert.equal(server.requests.length, before);
  });

  it("--judge none: only C-Level items with rule_based constraints, no judge call, results equal the rule verdicts", async () => {
    const out = join(dir, "out-rule-only");
    const before = server.chatRequests().length;
    const r = await runCli(evalArgs(benches.tsv, out, []).map((a) => (a === "judge" ? "none" : a)));
    assert.equal(r.code, 0, r.stderr);
    const calls = server.chatRequests().slice(before);
    assert.deepEqual(calls.map((c) => c.model).sort(), ["vlm", "vlm"], "the two C-Level main rows only: no aux, no P-Level, no judge");
    const results = readJsonl(join(out, "results.jsonl"));
    for (const [item, answer] of [[C1, ANSWERS[assemble(C1)]!], [C2, ANSWERS[assemble(C2)]!]] as const) {
      const rules = item.constraints.filter((c) => c.judge.method === "rule_based");
      const verdicts = await runCli(["verify", "--in", "-"], { input: `${JSON.stringify({ response: answer, constraints: rules })}\n` });
      const expected = rules.map(() => (JSON.parse(verdicts.stdout).pass ? 1 : 0));
      assert.deepEqual(results.find((x) => x.id === item.id)!.constraints.map((c: { score: number }) => c.score), expected);
    }
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.equal(summary.judge, "none");
    assert.deepEqual([summary.c_level, summary.p_level, summary.overall], [null, null, null]);
    // C1's answer has 2 paragraphs (pass); C2's is one sentence (pass).
    assert.deepEqual({ accuracy: summary.rule_only.accuracy, constraints: summary.rule_only.constraints, strict: summary.rule_only.strict }, { accuracy: 100, constraints: 2, strict: 100 });
    assert.match(r.stdout, /rule_based acc/);
    assert.match(r.stdout, /not comparable with MM-IFEval scores/);
    const report = readFileSync(join(out, "report.html"), "utf8");
    assert.match(report, /class="banner"[^>]*>rule_based constraints only \(--judge none\): not comparable with MM-IFEval scores/);
    assert.ok(!report.includes('id="leaderboard"'), "no leaderboard beside rule-only numbers");
    assert.ok(!report.includes('data-metric="c_level"'));
  });

  /** The dry run's table: "model stage" → [calls, already in the ledger, est. cost]; and the total's cost. */
  const plan = (stdout: string) => {
    const lines = stdout.trim().split("\n").map((l) => l.split("|").map((c) => c.trim()));
    const stages = Object.fromEntries(lines.slice(1, -1).map(([model, stage, calls, inLedger, , , cost]) => [`${model} ${stage}`, [Number(calls), Number(inLedger), cost]]));
    return { stages, cost: lines.at(-1)![6] };
  };
  const counts = (p: ReturnType<typeof plan>) => Object.fromEntries(Object.entries(p.stages).map(([k, [calls, held]]) => [k, [calls, held]]));

  it("refuses, before any call, two prices for one model name (a model judging itself); one price flag is enough", async () => {
    const before = server.chatRequests().length;
    const r = await runCli(evalArgs(benches.tsv, join(dir, "out-price-clash"), ["--judge", "vlm", "--model-price", "1,2", "--judge-price", "3,4"]));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the model vlm is also the model under test's model, at another price \(3,4 vs 1,2\); costs are counted per model name/);
    assert.equal(server.chatRequests().length, before, "no model call");
    const dry = await runCli(evalArgs(benches.tsv, join(dir, "out-price-one"), ["--judge", "vlm", "--model-price", "1,2", "--dry-run"]));
    assert.equal(dry.code, 0, dry.stderr);
    const rows = dry.stdout.split("\n").filter((l) => l.startsWith("vlm |"));
    assert.ok(rows.length >= 2 && rows.every((l) => /\| \d+\.\d{4}$/.test(l)), `every vlm call is priced, the judge's too:\n${dry.stdout}`);
  });

  it("--dry-run makes no call, and its counts are the calls the real run then makes; a second dry run finds every call paid", async () => {
    const out = join(dir, "out-dry-run");
    const before = server.chatRequests().length;
    const dry = await runCli(evalArgs(benches.tsv, out, ["--dry-run", "--model-price", "1,2"]));
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, before, "no model call");
    assert.match(dry.stderr, /no model was called/);
    assert.deepEqual(counts(plan(dry.stdout)), { "vlm answer": [6, 0], "judge judge:direct": [1, 0], "judge judge:cmp": [2, 0], "judge judge:perception": [2, 0] });
    assert.match(dry.stdout, /^vlm \| answer \| 6 \| 0 \| \d+ \| 12288 \| 0\.\d+$/m); // 6 × eval's max_tokens 2048: an upper bound
    const real = await runCli(evalArgs(benches.tsv, out));
    assert.equal(real.code, 0, real.stderr);
    const calls = server.chatRequests().slice(before);
    const count = (model: string) => calls.filter((c) => c.model === model).length;
    assert.equal(count("vlm"), 6);
    assert.equal(count("judge"), 1 + 2 + 2);
    const again = await runCli(evalArgs(benches.tsv, out, ["--dry-run", "--model-price", "1,2", "--judge-price", "3,4"]));
    assert.equal(again.code, 0, again.stderr);
    const second = plan(again.stdout);
    assert.deepEqual(counts(second), { "vlm answer": [6, 6], "judge judge:direct": [1, 1], "judge judge:cmp": [2, 2], "judge judge:perception": [2, 2] }, "every call, the judges' too, is already in the ledger");
    assert.equal(second.cost, "0.0000", "nothing left to pay");
    assert.equal(server.chatRequests().length, before + calls.length);
  });

  it("--dry-run leaves --out as it was: a new folder is not made (TSV images decoded elsewhere), a used one keeps every byte", async () => {
    const fresh = join(dir, "out-dry-run-untouched");
    const dry = await runCli(evalArgs(benches.tsv, fresh, ["--dry-run"]));
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(existsSync(fresh), false, "no --out folder, images/, ledger or lock made");
    const used = join(dir, "out-tsv");
    const before = folderSnapshot(used);
    const again = await runCli(evalArgs(benches.tsv, used, ["--dry-run"]));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(folderSnapshot(used), before);
    const s = await runCli(["score", "--bench", benches.tsv, "--predictions", join(used, "predictions.jsonl"), "--judge", "judge", "--judge-base-url", server.url, "--out", fresh, "--quiet", "--dry-run"]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(existsSync(fresh), false);
  });

  it("--dry-run contacts no endpoint: an unset key variable is refused (exit 2) as in a run, an unreachable endpoint is not noticed", async () => {
    const out = join(dir, "out-dry-run-endpoints");
    for (const flag of ["--api-key-env", "--judge-api-key-env"]) {
      const r = await runCli(evalArgs(benches.ours, out, ["--dry-run", flag, "MMIF_DRY_RUN_UNSET_KEY"]));
      assert.equal(r.code, 2, `${flag}: ${r.stderr}`);
      assert.match(r.stderr, /MMIF_DRY_RUN_UNSET_KEY/);
      assert.equal(r.stdout, "", "no plan printed");
    }
    const nowhere = `http://127.0.0.1:${await closedPort()}/v1`;
    const r = await runCli(evalArgs(benches.ours, out, ["--dry-run", "--base-url", nowhere, "--judge-base-url", nowhere]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^vlm \| answer \| 6 \| 0 \|/m);
    assert.equal(existsSync(out), false);
  });

  it("--dry-run after a partial run (--limit 2) counts that run's calls as paid and prices only the rest", async () => {
    const out = join(dir, "out-dry-run-partial");
    assert.equal((await runCli(evalArgs(benches.ours, out, ["--limit", "2"]))).code, 0);
    const before = server.chatRequests().length;
    const dry = await runCli(evalArgs(benches.ours, out, ["--dry-run", "--model-price", "1,2", "--judge-price", "3,4"]));
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, before, "no model call");
    const p = plan(dry.stdout);
    // C1 and C2 were answered (2 main + 2 aux rows) and judged; P1 and P2 were not.
    assert.deepEqual(counts(p), { "vlm answer": [6, 4], "judge judge:direct": [1, 1], "judge judge:cmp": [2, 2], "judge judge:perception": [2, 0] });
    assert.equal(p.stages["judge judge:direct"]![2], "0.0000");
    assert.equal(p.stages["judge judge:cmp"]![2], "0.0000");
    assert.ok(Number(p.stages["judge judge:perception"]![2]) > 0);
    const real = await runCli(evalArgs(benches.ours, out));
    assert.equal(real.code, 0, real.stderr);
    const sent = server.chatRequests().slice(before);
    assert.deepEqual(
      [sent.filter((c) => c.model === "vlm").length, sent.filter((c) => c.model === "judge").length],
      [6 - 4, 2],
      "the rerun pays for exactly the calls the dry run priced",
    );
  });

  it("--dry-run after a run whose judge failed calls counts them as still to pay, as the rerun then does", async () => {
    const out = join(dir, "out-dry-run-failed");
    // A judge that refuses every perception judgment (400: not retried, recorded as failed in the ledger).
    const refusing = await startScriptedServer({ script: (req) => (lastUserText(req.body).includes("Ground Truth List:") ? replies.badRequest("refused") : script(req)) });
    try {
      const failed = await runCli(evalArgs(benches.ours, out, ["--base-url", refusing.url, "--judge-base-url", refusing.url]));
      assert.equal(failed.code, 1, failed.stderr);
      const dry = await runCli(evalArgs(benches.ours, out, ["--dry-run", "--base-url", refusing.url, "--judge-base-url", refusing.url]));
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(counts(plan(dry.stdout)), { "vlm answer": [6, 6], "judge judge:direct": [1, 1], "judge judge:cmp": [2, 2], "judge judge:perception": [2, 0] });
    } finally {
      await refusing.close();
    }
    const before = server.chatRequests().length;
    const rerun = await runCli(evalArgs(benches.ours, out));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(server.chatRequests().slice(before).map((c) => c.model), ["judge", "judge"], "the rerun sends the two failed judgments only");
  });

  it("score --dry-run: the judge calls, then all paid after the real run", async () => {
    const predictions = join(dir, "out-tsv", "predictions.jsonl");
    const out = join(dir, "scored-dry-run");
    const score = (extra: string[] = []) => runCli(["score", "--bench", benches.tsv, "--predictions", predictions, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", ...extra]);
    const before = server.chatRequests().length;
    const dry = await score(["--dry-run", "--judge-price", "3,4"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, before, "no model call");
    assert.deepEqual(counts(plan(dry.stdout)), { "judge judge:direct": [1, 0], "judge judge:cmp": [2, 0], "judge judge:perception": [2, 0] });
    assert.equal((await score()).code, 0);
    assert.equal(server.chatRequests().length - before, 5, "the run makes the calls the dry run counted");
    const again = await score(["--dry-run", "--judge-price", "3,4"]);
    assert.deepEqual(counts(plan(again.stdout)), { "judge judge:direct": [1, 1], "judge judge:cmp": [2, 2], "judge judge:perception": [2, 2] });
    assert.equal(plan(again.stdout).cost, "0.0000");
  });

  it("documents every flag and exits 2 on bad usage", async () => {
    const h = await runCli(["eval", "--help"]);
    for (const flag of ["--bench", "--model", "--base-url", "--api-key-env", "--judge", "--judge-base-url", "--judge-api-key-env", "--p-judge", "--profile", "--image-first", "--model-prompt", "--max-tokens", "--concurrency", "--limit", "--out"]) {
      assert.ok(h.stdout.includes(flag), flag);
    }
    const s = await runCli(["score", "--help"]);
    assert.ok(s.stdout.includes("--predictions"));
    const bad = await runCli(["eval", "--bench", benches.ours, "--model", "m", "--judge", "j", "--out", join(dir, "x"), "--profile", "nope"]);
    assert.equal(bad.code, 2);
    const badLimit = await runCli([...evalArgs(benches.ours, join(dir, "y")), "--limit", "0"]);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--limit must be a whole number/);
  });
});

