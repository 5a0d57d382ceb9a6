// `npm run bench:export`: time and memory of `mmif export` on a synthetic pairs.jsonl of 20,000 and 200,000
// pairs (about 1.6 KB each, 200 distinct images, copied into the export), each format in a fresh process, to show
// that memory stays flat as the input grows ten times. Each child reports its wall time, its peak RSS (getrusage
// maxrss) and its peak live heap (heapUsed right after a forced GC, sampled every 10,000 lines: what the export
// holds, without the garbage V8 has not collected yet). BENCH_ROWS=20000,200000 and
// BENCH_FORMATS=llamafactory,trl,sharegpt,parquet change the grid.
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { runExport, type ExportFormat, type ImageMode } from "../src/export/index.js";

const IMAGES = 200;

async function child(input: string, format: ExportFormat, images: ImageMode, out: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  let lines = 0;
  let liveHeap = 0;
  let gcSeconds = 0;
  const sample = () => {
    const t = performance.now();
    gc();
    gcSeconds += (performance.now() - t) / 1000;
    liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed);
  };
  const started = performance.now();
  const s = await runExport({ input, format, outDir: out, imageMode: images, onLine: () => ++lines % 10_000 === 0 && sample() });
  const seconds = (performance.now() - started) / 1000 - gcSeconds;
  sample();
  process.stdout.write(`${JSON.stringify({ exported: s.exported, problems: s.problems, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, liveHeapMiB: liveHeap / 2 ** 20 })}\n`);
}

async function makeInput(dir: string, rows: number): Promise<string> {
  mkdirSync(join(dir, "pics"), { recursive: true });
  for (let i = 0; i < IMAGES; i++) {
    const path = join(dir, "pics", `${i}.png`);
    try {
      statSync(path);
    } catch {
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: i % 256, g: (i * 7) % 256, b: 90 } } }).png().toFile(path);
    }
  }
  const input = join(dir, `pairs-${rows}.jsonl`);
  const out = createWriteStream(input);
  const strategies = ["drop-all", "drop-two-thirds", "drop-one-third", "no-image"];
  const filler = "The scene shows a quiet street in the late afternoon light, with long shadows over the pavement. ";
  for (let i = 0; i < rows; i++) {
    const line = JSON.stringify({
      id: `pair-${i}`,
      item_id: `item-${Math.floor(i / 4)}`,
      image: { path: `pics/${Math.floor(i / 4) % IMAGES}.png`, sha256: "" },
      prompt: `Describe the photo in detail (${i}). Use exactly three paragraphs. Mention "light" twice. Write in a cheerful tone.`,
      chosen: filler.repeat(6) + `Chosen ${i}.`,
      rejected: filler.repeat(5) + `Rejected ${i}.`,
      strategy: strategies[i % 4],
      removed: ["paragraph_number_limit", "mention", "tone_requirement"],
      degraded_prompt: "Describe the photo in detail.",
      rejected_verdicts: [{ key: "paragraph_number_limit", method: "rule_based", score: 0 }],
      rejected_score: 0.33,
      rejected_passes_all: false,
    });
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return input;
}

async function parent(): Promise<void> {
  const sizes = (process.env.BENCH_ROWS ?? "20000,200000").split(",").map(Number);
  const formats = (process.env.BENCH_FORMATS ?? "llamafactory,trl,sharegpt,parquet").split(",") as ExportFormat[];
  const dir = mkdtempSync(join(tmpdir(), "mmif-bench-export-"));
  try {
    console.log(`node ${process.version}; synthetic pairs.jsonl, ${IMAGES} distinct PNG images, images copied into the export`);
    console.log("rows      input MB  format        seconds    rows/s  peak RSS MiB  peak live heap MiB");
    for (const rows of sizes) {
      const input = await makeInput(dir, rows);
      const mb = statSync(input).size / 1e6;
      for (const format of formats) {
        const out = join(dir, `out-${format}-${rows}`);
        const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", new URL(import.meta.url).pathname, "--child", input, format, "copy", out], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`child failed (${format}, ${rows}): ${r.stderr}`);
        const res = JSON.parse(r.stdout.trim().split("\n").pop()!) as { exported: number; seconds: number; maxRssMiB: number; liveHeapMiB: number };
        if (res.exported !== rows) throw new Error(`exported ${res.exported} of ${rows}`);
        console.log(
          `${String(rows).padEnd(9)} ${mb.toFixed(1).padStart(8)}  ${format.padEnd(12)} ${res.seconds.toFixed(2).padStart(8)}  ${Math.round(rows / res.seconds).toLocaleString("en-US").padStart(8)}  ${res.maxRssMiB.toFixed(0).padStart(12)}  ${res.liveHeapMiB.toFixed(1).padStart(18)}`,
        );
        rmSync(out, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4] as ExportFormat, process.argv[5] as ImageMode, process.argv[6]!);
else await parent();
