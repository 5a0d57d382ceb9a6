// `npm run bench:model [a|b|c ...]`: the model layer against the scripted server (in a child process).
//  (a) calls/s through the whole layer (ledger on disk, scheduler, SDK, HTTP) at zero server latency
//  (b) 200 ms server latency, concurrency 64: throughput as a share of the 320 calls/s bound
//  (c) peak memory over 20,000 calls that each carry a 1 MB image (BENCH_IMAGE_CALLS to change)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { ModelClient } from "../src/model/client.js";
import { resolveEndpoint } from "../src/model/endpoint.js";
import { Ledger } from "../src/model/ledger.js";
import type { ChatRequest } from "../src/model/types.js";
import { startServerProcess } from "./server-child.js";

const dir = mkdtempSync(join(tmpdir(), "mmif-bench-model-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

async function run(label: string, latencyMs: number, calls: number, concurrency: number, request: (i: number) => ChatRequest) {
  const server = await startServerProcess(latencyMs);
  const ledger = new Ledger(join(dir, `${label}.sqlite`));
  const endpoint = resolveEndpoint({ model: `bench-${label}`, baseURL: server.url, concurrency, params: { temperature: 0 } }, {});
  const client = new ModelClient(endpoint, { ledger });
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  // Callers hand every request to the client at once, as stages do; the scheduler does the pacing.
  const t0 = performance.now();
  let failed = 0;
  await Promise.all(Array.from({ length: calls }, (_, i) => client.chat(request(i), { stage: "bench" }).catch(() => failed++)));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  ledger.close();
  server.stop();
  return { seconds, rate: calls / seconds, failed, peakRssMB: peakRss / 2 ** 20, peakHeapMB: peakHeap / 2 ** 20 };
}

const text = (i: number): ChatRequest => ({ messages: [{ role: "user", content: `Describe item ${i} in one line.` }] });
const wanted = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ["a", "b", "c"]);

if (wanted.has("a")) {
  await run("warmup", 0, 500, 64, (i) => text(-i - 1));
  const calls = 10_000;
  const r = await run("a", 0, calls, 64, text);
  console.log(`(a) zero latency: ${calls} calls in ${r.seconds.toFixed(2)} s = ${Math.round(r.rate)} calls/s (failed ${r.failed})`);
}
if (wanted.has("b")) {
  const calls = 3_200;
  const r = await run("b", 200, calls, 64, text);
  const bound = 64 / 0.2;
  console.log(`(b) 200 ms latency, concurrency 64: ${calls} calls in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(1)} calls/s = ${((100 * r.rate) / bound).toFixed(1)}% of the ${bound} calls/s bound (failed ${r.failed})`);
}
if (wanted.has("c")) {
  const calls = Number(process.env.BENCH_IMAGE_CALLS ?? 20_000);
  // 16 distinct ~1 MB PNGs of noise, cycled: every call carries one, read and encoded at send time.
  const images = await Promise.all(
    Array.from({ length: 16 }, async (_, k) => {
      const png = await sharp({ create: { width: 590, height: 590, channels: 3, background: "black", noise: { type: "gaussian", mean: 128 + k, sigma: 60 } } }).png({ compressionLevel: 0 }).toBuffer();
      const path = join(dir, `img${k}.png`);
      writeFileSync(path, png);
      return { path, bytes: png.length };
    }),
  );
  const r = await run("c", 0, calls, 64, (i) => ({
    messages: [{ role: "user", content: [{ type: "text", text: `What is in image ${i}?` }, { type: "image", source: { path: images[i % images.length]!.path }, detail: "high" }] }],
  }));
  const mb = images[0]!.bytes / 2 ** 20;
  console.log(`(c) ${calls} calls with a ${mb.toFixed(2)} MB image each: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB, peak heap ${r.peakHeapMB.toFixed(0)} MB (failed ${r.failed})`);
}
