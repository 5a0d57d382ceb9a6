// `npm run bench:generate [images]`: images through every stage of the engine (filter, tasks, constraints, compat,
// assign, answer and score) against the scripted server in another process, 100 ms latency, concurrency 64 per
// role. Reports items per second and peak memory; run with 500 and 2,000 to see memory does not grow.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { profileByName } from "../src/bench/profiles.js";
import type { EngineClients } from "../src/engine/clients.js";
import { filterImages, scanImageFolder } from "../src/engine/filter/index.js";
import { runGenerate } from "../src/engine/generate.js";
import { STAGES } from "../src/engine/pipeline.js";
import { ModelClient } from "../src/model/client.js";
import { resolveEndpoint } from "../src/model/endpoint.js";
import { Ledger } from "../src/model/ledger.js";
import { startServerProcess } from "./server-child.js";

const count = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), "mmif-bench-generate-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const images = join(dir, "images");
mkdirSync(images);

// Distinct 640x480 photos-like images: noise over a colour that differs per image.
const t0 = performance.now();
for (let i = 0; i < count; i += 8) {
  await Promise.all(
    Array.from({ length: Math.min(8, count - i) }, (_, j) =>
      sharp({ create: { width: 640, height: 480, channels: 3, background: { r: (i + j) % 256, g: ((i + j) * 7) % 256, b: ((i + j) * 13) % 256 }, noise: { type: "gaussian", mean: 128, sigma: 60 } } })
        .jpeg({ quality: 80 })
        .toFile(join(images, `img${String(i + j).padStart(5, "0")}.jpg`)),
    ),
  );
}
console.log(`made ${count} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const server = await startServerProcess(100, "engine");
const ledger = new Ledger(join(dir, "out", "ledger.sqlite"));
const client = (model: string, temperature: number) => new ModelClient(resolveEndpoint({ model, baseURL: server.url, concurrency: 64, params: { temperature } }, {}), { ledger });
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
const stats = await runGenerate({
  outDir: join(dir, "out"),
  ledger,
  seed: 1,
  stages: new Set(STAGES),
  clients,
  respond: { profile: profileByName("vlmevalkit"), threshold: 0.8, imageFirst: false },
  tasksPerImage: 1,
  examples: 4,
  counts: {},
  extractTask: false,
  images: filterImages(scan.files, { concurrency: 4 }, { root: images }),
  imageRoot: images,
});
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
ledger.close();
server.stop();
const calls = stats.usage.reduce((n, u) => n + u.calls, 0);
console.log(`images ${stats.images.total} (kept ${stats.images.kept}); items ${stats.items.total}, kept ${stats.items.kept}; ${calls} model calls`);
console.log(`${seconds.toFixed(1)} s = ${(stats.items.total / seconds).toFixed(1)} items/s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MB`);
