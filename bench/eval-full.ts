// `npm run bench:eval-full`: `mmif eval` (the real CLI, one process) on a full-size VLMEvalKit-style TSV — 687 rows
// (400 main + 287 aux), 400 distinct 600×600 noise PNGs of about 1 MB each as base64 (≈ 550 MB) — against the
// scripted server in another process with 50 ms latency, concurrency 32 for the model and 32 for the judge.
// Reports the mmif process's wall time, CPU seconds (user + system) and peak RSS, from GNU time.
// The TSV is built once and kept in the temporary folder (BENCH_REBUILD=1 builds it again).
import { createWriteStream, existsSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { measureProcess } from "./process-usage.js";
import { startServerProcess } from "./server-child.js";

const MAINS = 400;
const AUX = 287;
const SIDE = 600;
const LATENCY_MS = 50;
const CONCURRENCY = 32;
const MMIF = new URL("../bin/mmif.js", import.meta.url).pathname;
const tsv = join(tmpdir(), "mmif-bench-eval-full-v1.tsv");

async function buildTsv(): Promise<void> {
  const tmp = `${tsv}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  await write("index\timage\tquestion\tid\ttag\tinfer_type\tdel_cons\tconstraints\tanswer\n");
  let aux = 0;
  for (let i = 0; i < MAINS; i++) {
    const png = await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 }, noise: { type: "gaussian", mean: 128, sigma: 60 } } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const image = png.toString("base64");
    if (i < 300) {
      const withCmp = aux < AUX && i >= 300 - AUX;
      const constraints = [
        { key: "tone_requirement", value: "Use a warm tone.", judge: { method: "direct_gpt" } },
        { key: "paragraph_number_limit", value: "Write 2 paragraphs.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [2, 2] }] } },
        { key: "sentence_number_limit", value: "Write 3 sentences.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [3, 3] }] } },
        withCmp ? { key: "target_audience_requirement", value: "Write for children.", judge: { method: "cmp_gpt" } } : { key: "mention", value: "Mention the sea.", judge: { method: "direct_gpt" } },
      ];
      const question = `Describe picture ${i}. ${constraints.map((c) => c.value).join(" ")}`;
      await write(`c${i}\t${image}\t${question}\tc${i}\tC-Level\tmain\t\t${JSON.stringify(constraints)}\t\n`);
      if (withCmp) {
        aux++;
        // Aux rows reuse the main row's image by index, as VLMEvalKit's file does.
        await write(`c${i}-aux\tc${i}\t${question.replace(" Write for children.", "")}\tc${i}\tC-Level\taux_cmp_gpt\ttarget_audience_requirement\t\t\n`);
      }
    } else {
      await write(`p${i}\t${image}\tWhat is in picture ${i}?\tp${i}\tP-Level\tmain\t\t\t${JSON.stringify(["noise"])}\n`);
    }
  }
  out.end();
  await once(out, "finish");
  renameSync(tmp, tsv);
}

if (process.env.BENCH_REBUILD || !existsSync(tsv)) {
  const t0 = performance.now();
  await buildTsv();
  console.log(`built ${tsv} (${(statSync(tsv).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const dir = mkdtempSync(join(tmpdir(), "mmif-bench-eval-full-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const server = await startServerProcess(LATENCY_MS, "mmifeval");
try {
  const args = [MMIF, "eval", "--bench", tsv, "--model", "model-under-test", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url];
  args.push("--concurrency", String(CONCURRENCY), "--judge-concurrency", String(CONCURRENCY), "--out", join(dir, "run"), "--quiet", ...process.argv.slice(2));
  const run = await measureProcess(process.execPath, args, { ...process.env, OPENAI_API_KEY: "unused" });
  if (run.code !== 0) throw new Error(`mmif eval exited ${run.code}: ${run.stderr.slice(-2000)}`);
  console.log(`mmif eval of ${MAINS + AUX} rows (${MAINS} main + ${AUX} aux, ${MAINS} distinct ${SIDE}×${SIDE} PNGs, ${(statSync(tsv).size / 2 ** 20).toFixed(0)} MiB TSV), ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY} + ${CONCURRENCY}`);
  console.log(`wall ${run.wallSeconds.toFixed(1)} s; CPU ${run.cpuSeconds?.toFixed(1) ?? "?"} s (user + system); peak RSS ${run.peakRssMiB?.toFixed(0) ?? "?"} MiB`);
} finally {
  server.stop();
}
