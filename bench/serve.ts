// `npm run bench:serve`: rule-only reward throughput of `mmif serve` over HTTP, side by side with the reference
// Python's in-process rate (../shared/bench/reference-verify.py) on the same cases, in the same run.
//
// Both sides check the parity corpus repeated REPEAT times: the reference calls each verify function in-process;
// we POST the same cases to a real `mmif serve` (bin/mmif.js, one process) as /v1/reward items, one rule_based
// constraint per verify function (the same evaluations), in requests of BATCH items, CLIENTS requests in flight,
// timing the whole client round trip (JSON both ways, HTTP, checks). The two sides alternate for ROUNDS rounds and
// each side's best round counts, so a burst of other work on the machine does not decide the ratio. Python: $MMIF_REFERENCE_PYTHON, else python3;
// it needs NLTK (`python3 -m venv venv && venv/bin/pip install nltk`, then MMIF_REFERENCE_PYTHON=venv/bin/python).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "../test/helpers/serve.js";

interface Case {
  response: string;
  verify_funcs: Array<{ func: string; params: unknown[] }>;
}

const REPEAT = Number(process.env.BENCH_REPEAT ?? 4);
const BATCH = Number(process.env.BENCH_BATCH ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHARED = new URL("../../shared/", import.meta.url).pathname;
const corpusPath = process.argv[2] ?? new URL("../test/fixtures/parity/verify-corpus.jsonl", import.meta.url).pathname;
const referenceScript = join(SHARED, "bench/reference-verify.py");

const cases: Case[] = readFileSync(corpusPath, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Case);
const all = Array.from({ length: REPEAT }, () => cases).flat();
const evaluations = all.reduce((n, c) => n + c.verify_funcs.length, 0);
console.log(`cases: ${cases.length} × ${REPEAT} = ${all.length} responses, ${evaluations} verify-function evaluations`);

const python = process.env.MMIF_REFERENCE_PYTHON ?? "python3";

/** Why the reference cannot run here, or undefined. */
function referenceProblem(): string | undefined {
  if (!existsSync(referenceScript)) return `no ${referenceScript} (the team's shared folder beside the repository)`;
  const probe = spawnSync(python, ["-c", "import nltk"], { encoding: "utf8" });
  if (probe.status !== 0) {
    return `${python} cannot import nltk. Install it (apt-get install python3-nltk, or python3 -m venv venv && venv/bin/pip install nltk) and set MMIF_REFERENCE_PYTHON=venv/bin/python`;
  }
  return undefined;
}

function reference(input: string): Rate {
  const r = spawnSync(python, [referenceScript, input], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the reference failed: ${r.stderr.slice(-500)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { evaluations: number; seconds: number };
  return { rate: out.evaluations / out.seconds, seconds: out.seconds };
}

interface Rate {
  rate: number;
  seconds: number;
}

async function oursRounds(between: () => void): Promise<Rate[]> {
  const server = await startServe(["--quiet"]);
  try {
    const bodies: string[] = [];
    for (let i = 0; i < all.length; i += BATCH) {
      const items = all.slice(i, i + BATCH).map((c) => ({
        response: c.response,
        constraints: c.verify_funcs.map((f, j) => ({ key: `k${j}`, value: "", judge: { method: "rule_based", verify_funcs: [f] } })),
      }));
      bodies.push(JSON.stringify({ items }));
    }
    const post = async (body: string) => {
      const r = await fetch(`${server.url}/v1/reward`, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (r.status !== 200) throw new Error(`mmif serve answered ${r.status}: ${await r.text()}`);
      return (await r.json()) as { rewards: unknown[] };
    };
    const round = async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < bodies.length) await post(bodies[next++]!);
        }),
      );
    };
    await round(); // warm-up: JIT, Punkt parameters, keyword regex cache
    const rates: Rate[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      between();
      const start = performance.now();
      await round();
      const seconds = (performance.now() - start) / 1000;
      rates.push({ rate: evaluations / seconds, seconds });
    }
    return rates;
  } finally {
    await server.stop();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const best = (rates: Rate[]) => rates.reduce((a, b) => (b.rate > a.rate ? b : a));
const problem = referenceProblem();
const dir = mkdtempSync(join(tmpdir(), "bench-serve-"));
const input = join(dir, "cases.jsonl");
writeFileSync(input, all.map((c) => JSON.stringify(c)).join("\n"));
const refRates: Rate[] = [];
let us: Rate[];
try {
  us = await oursRounds(() => {
    if (problem === undefined) refRates.push(reference(input));
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ourBest = best(us);
console.log(`mmif serve over HTTP (${BATCH} items a request, ${CLIENTS} in flight): best of ${ROUNDS} ${fmt(ourBest.rate)} evaluations/s (${us.map((r) => fmt(r.rate)).join(", ")})`);
if (problem !== undefined) {
  console.log(`reference Python: not measured: ${problem}`);
} else {
  const refBest = best(refRates);
  console.log(`reference Python, in-process: best of ${ROUNDS} ${fmt(refBest.rate)} evaluations/s (${refRates.map((r) => fmt(r.rate)).join(", ")})`);
  console.log(`ratio: ${(ourBest.rate / refBest.rate).toFixed(1)}x the reference`);
}
