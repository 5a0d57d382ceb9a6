// `npm run bench:verify`: verify-function evaluations per second over the parity corpus, in one process,
// through the public verify() (validation included), after a warm-up pass.
import { readFileSync } from "node:fs";
import { verify } from "../src/constraints/rule-verdict.js";

interface Case {
  response: string;
  verify_funcs: Array<{ func: string; params: unknown[] }>;
}

const corpusPath = process.argv[2] ?? new URL("../test/fixtures/parity/verify-corpus.jsonl", import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const corpus: Case[] = readFileSync(corpusPath, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Case);
const evalsPerPass = corpus.reduce((n, c) => n + c.verify_funcs.length, 0);

function pass(): number {
  let passed = 0;
  for (const c of corpus) if (verify(c.response, c.verify_funcs).pass) passed++;
  return passed;
}

pass(); // warm-up: JIT, Punkt parameters, keyword regex cache
let passes = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  pass();
  passes++;
}
const elapsed = (performance.now() - start) / 1000;
const rate = (passes * evalsPerPass) / elapsed;
const reference = 32_000;
console.log(`corpus: ${corpus.length} cases, ${evalsPerPass} verify-function evaluations per pass`);
console.log(`${passes} passes in ${elapsed.toFixed(2)} s`);
console.log(`${Math.round(rate).toLocaleString("en-US")} evaluations/s (${(rate / reference).toFixed(1)}x the reference Python's ~32,000/s)`);
