// `npm run bench:generate [images] [online|batch]`: images through every stage of the engine (filter, tasks,
// constraints, compat, assign, answer and score) against the scripted server in another process, 100 ms latency,
// concurrency 64 per role, images limited to 2048 px as `mmif generate` sends them by default.
//   online: every call sent at once (the default);
//   batch:  `--batch openai` as a run with --batch-wait 0 does it: calls the ledger lacks go into a wave of
//           batches (Files + Batches API of the scripted server), passes repeat until every answer is in.
// Reports items per second, bytes uploaded per item (request bodies online, batch input files in batch mode),
// ledger bytes per call (the SQLite file after the run) and peak memory. The images are made once and kept in
// the temporary folder (mmif-bench-generate-<n>-v1; BENCH_REBUILD=1 makes them again).
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { profileByName } from "../src/bench/profiles.js";
import { DEFAULT_IMAGE_MAX_SIDE } from "../src/cli/flags.js";
import type { EngineClients } from "../src/engine/clients.js";
import { filterImages, scanImageFolder, type FilterRecord } from "../src/engine/filter/index.js";
import { runGenerate } from "../src/engine/generate.js";
import { STAGES } from "../src/engine/pipeline.js";
import { BatchQueue } from "../src/model/batch/queue.js";
import { ModelClient } from "../src/model/client.js";
import { resolveEndpoint } from "../src/model/endpoint.js";
import { Ledger } from "../src/model/ledger.js";
import { startServerProcess } from "./server-child.js";

const count = Number(process.argv[2] ?? 2000);
const mode = process.argv[3] ?? "online";
if (!Number.isInteger(count) || count < 1 || (mode !== "online" && mode !== "batch")) {
  console.error("usage: npm run bench:generate -- [images] [online|batch]");
  process.exit(2);
}

// Distinct 640x480 photo-like images: noise over a colour that differs per image.
const images = join(tmpdir(), `mmif-bench-generate-${count}-v1`);
if (process.env.BENCH_REBUILD || !existsSync(images)) {
  const t0 = performance.now();
  const building = `${images}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building);
  for (let i = 0; i < count; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, (_, j) =>
        sharp({ create: { width: 640, height: 480, channels: 3, background: { r: (i + j) % 256, g: ((i + j) * 7) % 256, b: ((i + j) * 13) % 256 }, noise: { type: "gaussian", mean: 128, sigma: 60 } } })
          .jpeg({ quality: 80 })
          .toFile(join(building, `img${String(i + j).padStart(5, "0")}.jpg`)),
      ),
    );
  }
  rmSync(images, { recursive: true, force: true });
  renameSync(building, images);
  console.log(`made ${count} images in ${((performance.now() - t0) / 1000).toFixed(1)} s (kept in ${images})`);
}

const dir = mkdtempSync(join(tmpdir(), "mmif-bench-generate-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, "out");
const server = await startServerProcess(100, "engine");
const ledger = new Ledger(join(out, "ledger.sqlite"));
const queue = mode === "batch" ? new BatchQueue(ledger, { mode: "openai", dir: out, discount: 0.5 }) : undefined;

// Online, the bytes uploaded are the request bodies as the SDK sends them (the client streams each body as one
// chunk with its content-length).
let bodyBytes = 0;
const countingFetch: typeof fetch = (input, init) => {
  const length = Number(new Headers(init?.headers).get("content-length") ?? NaN);
  if (Number.isFinite(length)) bodyBytes += length;
  else if (typeof init?.body === "string") bodyBytes += Buffer.byteLength(init.body);
  return fetch(input, init);
};
const client = (model: string, temperature: number) =>
  new ModelClient(resolveEndpoint({ model, baseURL: server.url, concurrency: 64, params: { temperature }, images: { maxSide: DEFAULT_IMAGE_MAX_SIDE } }, {}), {
    ledger,
    fetch: countingFetch,
    ...(queue ? { batch: queue } : {}),
  });
const clients: EngineClients = {
  tasks: client("tasks", 0.7),
  constraints: client("cons", 0.7),
  compat: client("compat", 0),
  assign: client("assign", 0),
  responder: client("resp", 0),
  judges: { judge: client("judge", 0) },
};

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 100);
const start = performance.now();
const scan = await scanImageFolder(images);
// Batch mode runs the pipeline once per wave: the filter's verdicts are kept from the first pass, as the CLI's
// rerun finds them again.
const filtered: FilterRecord[] = [];
async function* filterOnce(): AsyncIterable<FilterRecord> {
  if (filtered.length > 0) return yield* filtered;
  for await (const r of filterImages(scan.files, { concurrency: 4 }, { root: images })) {
    filtered.push(r);
    yield r;
  }
}
const pass = () =>
  runGenerate({
    outDir: out,
    ledger,
    seed: 1,
    stages: new Set(STAGES),
    clients,
    respond: { profile: profileByName("vlmevalkit"), threshold: 0.8, imageFirst: false },
    tasksPerImage: 1,
    examples: 4,
    counts: {},
    extractTask: false,
    images: filterOnce(),
    imageRoot: images,
  });

await queue?.begin();
let stats = await pass();
let passes = 1;
if (queue) {
  for (;;) {
    const sent = await queue.submit();
    if (sent.calls === 0 && queue.waitingCount === 0) break;
    // --batch-wait 0: poll until a batch comes back, then run the next pass (which imports it).
    for (;;) {
      const r = await queue.collect();
      if (r.answered + r.failed > 0 || queue.records.openBatches("openai").length === 0) break;
    }
    await queue.begin();
    stats = await pass();
    passes++;
  }
}
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
const batches = queue?.records.batches() ?? [];
const uploaded = queue ? batches.reduce((n, b) => n + b.bytes, 0) : bodyBytes;
const calls = ledger.count();
ledger.close();
const ledgerBytes = statSync(join(out, "ledger.sqlite")).size;
server.stop();
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`${mode}: images ${stats.images.total} (kept ${stats.images.kept}); items ${stats.items.total}, kept ${stats.items.kept}; ${calls} model calls${queue ? ` in ${batches.length} batches, ${passes} passes` : ""}; status ${stats.status}`);
console.log(
  `${seconds.toFixed(1)} s = ${(stats.items.total / seconds).toFixed(1)} items/s; uploaded ${(uploaded / 2 ** 20).toFixed(0)} MiB = ${kb(uploaded / stats.items.total)} per item; ` +
    `ledger ${(ledgerBytes / 2 ** 20).toFixed(1)} MiB = ${(ledgerBytes / calls).toFixed(0)} bytes per call; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MB`,
);
