// `npm run bench:verify`: ours against the reference Python verify functions, on the same input, in the same run.
//  (a) in one process: read, parse and check a shuffled copy of the parity corpus (×3), timed from the first line
//      (no warm-up pass excluded) — the reference script's own timing covers the same work;
//  (b) whole processes: `mmif verify --in BIG --out ...` against `reference-verify.py BIG --out ...` on the corpus
//      shuffled ×20 (58,980 lines), wall time and CPU seconds (the machine is shared: CPU seconds are steadier).
// The reference runs the authors' released functions with NLTK Punkt (../shared/bench/reference-verify.py); it
// needs Python with NLTK: $MMIF_REFERENCE_PYTHON, else python3. BENCH_COPIES changes the ×20.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rngFor } from "../src/common/random.js";
import { verify } from "../src/constraints/rule-verdict.js";
import { measureProcess } from "./process-usage.js";

const ROOT = new URL("..", import.meta.url).pathname;
const CORPUS = join(ROOT, "test/fixtures/parity/verify-corpus.jsonl");
const REFERENCE = join(ROOT, "../shared/bench/reference-verify.py");
const MMIF = join(ROOT, "bin/mmif.js");
const COPIES = Number(process.env.BENCH_COPIES ?? 20);
const PYTHON = process.env.MMIF_REFERENCE_PYTHON ?? "python3";

const dir = mkdtempSync(join(tmpdir(), "mmif-bench-verify-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** `copies` independently shuffled copies of the corpus: the same response rarely follows itself, as in real files. */
function shuffledCorpus(copies: number, path: string): number {
  const lines = readFileSync(CORPUS, "utf8").split("\n").filter((l) => l.trim() !== "");
  const out: string[] = [];
  for (let k = 0; k < copies; k++) out.push(...rngFor("bench:verify", k).shuffle(lines));
  writeFileSync(path, `${out.join("\n")}\n`);
  return out.length;
}

function referenceProblem(): string | undefined {
  if (!existsSync(REFERENCE)) return `the reference script ${REFERENCE} is missing (the team's shared folder next to the repository)`;
  const probe = spawnSync(PYTHON, ["-c", "import nltk"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    return [
      `${PYTHON} cannot import nltk. Make a venv with NLTK and point the benchmark at it:`,
      "  python3 -m venv /work/wt/venv-nltk && /work/wt/venv-nltk/bin/pip install nltk",
      "  MMIF_REFERENCE_PYTHON=/work/wt/venv-nltk/bin/python npm run bench:verify",
      "(or Debian's python3-nltk: apt-get install -y python3-nltk)",
    ].join("\n");
  }
  return undefined;
}

interface ReferenceTiming {
  lines: number;
  evaluations: number;
  seconds: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// (a) in one process
const small = join(dir, "shuffled-x3.jsonl");
const smallLines = shuffledCorpus(3, small);
const started = performance.now();
let evaluations = 0;
for (const text of readFileSync(small, "utf8").split("\n")) {
  if (text.trim() === "") continue;
  const c = JSON.parse(text) as { response: string; verify_funcs: Array<{ func: string; params: unknown[] }> };
  evaluations += verify(c.response, c.verify_funcs).results.length;
}
const oursA = (performance.now() - started) / 1000;
console.log(`(a) in one process, ${fmt(smallLines)} shuffled lines, ${fmt(evaluations)} evaluations, no warm-up excluded`);
console.log(`    ours:      ${oursA.toFixed(3)} s = ${fmt(evaluations / oursA)} evaluations/s`);

const problem = referenceProblem();
if (problem) {
  console.log(`    reference: not run. ${problem}`);
  process.exit(1);
}
const refA = spawnSync(PYTHON, [REFERENCE, small], { encoding: "utf8" });
if (refA.status !== 0) throw new Error(`reference-verify.py failed: ${refA.stderr}`);
const a = JSON.parse(refA.stdout.trim().split("\n").at(-1)!) as ReferenceTiming;
if (a.evaluations !== evaluations) throw new Error(`the reference counted ${a.evaluations} evaluations, we ${evaluations}`);
console.log(`    reference: ${a.seconds.toFixed(3)} s = ${fmt(a.evaluations / a.seconds)} evaluations/s`);
console.log(`    ratio:     ${(a.seconds / oursA).toFixed(1)}×`);

// (b) whole processes
const big = join(dir, `shuffled-x${COPIES}.jsonl`);
const bigLines = shuffledCorpus(COPIES, big);
const ours = await measureProcess(process.execPath, [MMIF, "verify", "--in", big, "--out", join(dir, "ours.jsonl"), "--quiet"]);
if (ours.code !== 0) throw new Error(`mmif verify exited ${ours.code}: ${ours.stderr}`);
const ref = await measureProcess(PYTHON, [REFERENCE, big, "--out", join(dir, "reference.jsonl")]);
if (ref.code !== 0) throw new Error(`reference-verify.py exited ${ref.code}: ${ref.stderr}`);

// The two must agree line by line, or the timing compares different work.
const oursOut = readFileSync(join(dir, "ours.jsonl"), "utf8").split("\n");
const refOut = readFileSync(join(dir, "reference.jsonl"), "utf8").split("\n");
let disagree = 0;
for (let i = 0; i < bigLines; i++) {
  const o = JSON.parse(oursOut[i]!) as { results?: boolean[] };
  const r = JSON.parse(refOut[i]!) as { results?: boolean[] };
  if (JSON.stringify(o.results) !== JSON.stringify(r.results)) disagree++;
}

const cpu = (u: { cpuSeconds?: number }) => (u.cpuSeconds === undefined ? "" : `, ${u.cpuSeconds.toFixed(2)} CPU-s`);
console.log(`(b) whole processes, ${fmt(bigLines)} lines (${(readFileSync(big).length / 2 ** 20).toFixed(1)} MiB, the corpus shuffled ×${COPIES}), output written`);
console.log(`    mmif verify:         ${ours.wallSeconds.toFixed(2)} s wall${cpu(ours)}`);
console.log(`    reference-verify.py: ${ref.wallSeconds.toFixed(2)} s wall${cpu(ref)}`);
const cpuRatio = ours.cpuSeconds && ref.cpuSeconds ? `, ${(ref.cpuSeconds / ours.cpuSeconds).toFixed(1)}× in CPU seconds` : "";
console.log(`    ratio:               ${(ref.wallSeconds / ours.wallSeconds).toFixed(1)}× in wall time${cpuRatio}`);
console.log(`    verdicts: ${disagree === 0 ? "identical on every line" : `${disagree} lines differ`}`);
if (disagree > 0) process.exit(1);
