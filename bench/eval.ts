// `npm run bench:eval`: a synthetic 687-row MM-IFEval (400 main + 287 aux, 5 constraints per C item) answered and
// judged against the scripted server (another process) with 500 ms latency, concurrency 64 for model and judge.
// Reports wall time against the lower bound set by the calls' critical path and the concurrency cap.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { loadBench } from "../src/bench/load/index.js";
import { profileByName } from "../src/bench/profiles.js";
import { modelAnswers, runBench } from "../src/bench/run.js";
import { summarize } from "../src/bench/summary.js";
import { ModelClient } from "../src/model/client.js";
import { resolveEndpoint } from "../src/model/endpoint.js";
import { Ledger } from "../src/model/ledger.js";
import { startServerProcess } from "./server-child.js";

const LATENCY_S = 0.5;
const CONCURRENCY = 64;
const dir = mkdtempSync(join(tmpdir(), "mmif-bench-eval-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// The bench: 300 C items (2 direct, 2 rule, 1 compare constraint; 13 without the compare one) and 100 P items.
mkdirSync(join(dir, "img"));
writeFileSync(join(dir, "img", "a.png"), await sharp({ create: { width: 64, height: 48, channels: 3, background: "teal" } }).png().toBuffer());
const lines: unknown[] = [];
let aux = 0;
for (let i = 0; i < 300; i++) {
  const withCmp = i >= 13;
  const constraints = [
    { key: "tone_requirement", value: "Use a warm tone.", judge: { method: "direct_gpt" } },
    { key: "title_requirements", value: "Start with a title.", judge: { method: "direct_gpt" } },
    { key: "paragraph_number_limit", value: "Write 2 paragraphs.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [2, 2] }] } },
    { key: "sentence_number_limit", value: "Write 3 sentences.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [3, 3] }] } },
    withCmp
      ? { key: "target_audience_requirement", value: "Write for children.", judge: { method: "cmp_gpt" } }
      : { key: "mention", value: "Mention the sea.", judge: { method: "direct_gpt" } },
  ];
  const question = `Describe picture ${i}. ${constraints.map((c) => c.value).join(" ")}`;
  lines.push({ index: `c${i}`, id: `c${i}`, tag: "C-Level", infer_type: "main", question, constraints, image: "img/a.png" });
  if (withCmp) {
    aux++;
    lines.push({ index: `c${i}-aux`, id: `c${i}`, tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: "target_audience_requirement", question: question.replace(" Write for children.", ""), image: "img/a.png" });
  }
}
for (let i = 0; i < 100; i++) lines.push({ index: `p${i}`, id: `p${i}`, tag: "P-Level", infer_type: "main", question: `What is in picture ${i}?`, answer: JSON.stringify(["teal"]), image: "img/a.png" });
const benchPath = join(dir, "bench.jsonl");
writeFileSync(benchPath, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");

const server = await startServerProcess(LATENCY_S * 1000, "mmifeval");
const ledger = new Ledger(join(dir, "ledger.sqlite"));
const client = (model: string) => new ModelClient(resolveEndpoint({ model, baseURL: server.url, concurrency: CONCURRENCY, params: { temperature: 0 } }, {}), { ledger });
const loaded = await loadBench(benchPath, { imageDir: join(dir, "images") });
if (loaded.issues.length) throw new Error(JSON.stringify(loaded.issues.slice(0, 3)));
const rows = loaded.rows;
const mains = rows.filter((r) => r.inferType === "main").length;

const t0 = performance.now();
const out = await runBench({ rows, answers: modelAnswers(client("model-under-test"), false), judges: { judge: client("judge") }, profile: profileByName("vlmevalkit") });
const wall = (performance.now() - t0) / 1000;
server.stop();
ledger.close();

const judgeCalls = 300 + aux + 100;
const waves = (calls: number) => Math.ceil(calls / CONCURRENCY);
// Every answer must precede its item's judging by one call; each endpoint runs at most 64 calls at a time.
const bound = Math.max(waves(rows.length) * LATENCY_S + LATENCY_S, LATENCY_S + waves(judgeCalls) * LATENCY_S);
const s = summarize(out.results, { bootstrapSamples: 100 });
console.log(`rows ${rows.length} (${mains} main + ${rows.length - mains} aux); model calls ${rows.length}, judge calls ${judgeCalls}`);
console.log(`failed items ${s.counts.failed_items}; C ${s.c_level?.toFixed(1)} P ${s.p_level?.toFixed(1)}`);
console.log(`wall ${wall.toFixed(2)} s; lower bound ${bound.toFixed(2)} s; ratio ${(wall / bound).toFixed(3)}x`);
