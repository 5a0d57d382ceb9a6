// `mmif demo`: the whole pipeline on the pictures shipped in data/demo/images, against the simulated endpoint
// started here on loopback. Each step is the real `mmif` command in a child process (the same code a user runs
// against a real endpoint), so what the demo shows is what the commands do.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEMO_MODELS } from "./roles.js";
import { startSimulatedEndpoint } from "./server.js";

export const DEMO_IMAGES = new URL("../../data/demo/images/", import.meta.url).pathname;
const MMIF = new URL("../../bin/mmif.js", import.meta.url).pathname;

export interface DemoStep {
  name: string;
  args: string[];
  /** What the step leaves, relative to the demo folder, to print and to check. */
  outputs: string[];
}

/** The commands of a demo run into `out`, against `url`; the README shows the same ones against a real endpoint. */
export function demoSteps(out: string, url: string): DemoStep[] {
  const m = DEMO_MODELS;
  const endpoint = ["--base-url", url, "--judge-base-url", url];
  return [
    {
      name: "generate",
      args: ["generate", "--images", DEMO_IMAGES, "--model", m.responder, "--task-model", m.tasks, "--constraint-model", m.constraints, "--compat-model", m.compat, "--assign-model", m.assign, "--responder-model", m.responder, "--judge", m.judge, ...endpoint, "--seed", "1", "--out", join(out, "generate")],
      outputs: ["generate/items.jsonl", "generate/bench.jsonl", "generate/stats.json", "generate/report.html"],
    },
    {
      name: "dpo",
      args: ["dpo", "--items", join(out, "generate", "items.jsonl"), "--model", m.student, "--judge", m.judge, ...endpoint, "--keep-passing", "--out", join(out, "dpo")],
      outputs: ["dpo/pairs.jsonl", "dpo/dpo-stats.json"],
    },
    {
      name: "export",
      // The dataset name says where its rows came from, in the file name and in dataset_info.json.
      args: ["export", "--in", join(out, "dpo", "pairs.jsonl"), "--format", "llamafactory", "--name", "simulated_demo_dpo", "--out", join(out, "export")],
      outputs: ["export/simulated_demo_dpo.jsonl", "export/dataset_info.json"],
    },
    {
      name: "eval",
      args: ["eval", "--bench", join(out, "generate", "bench.jsonl"), "--model", m.student, "--judge", m.judge, ...endpoint, "--out", join(out, "eval")],
      outputs: ["eval/predictions.jsonl", "eval/results.jsonl", "eval/summary.json", "eval/report.html"],
    },
  ];
}

/** The environment of the steps: no key and no base URL of the user's leak into a demo run. */
function demoEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  return env;
}

function runStep(step: DemoStep, log: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MMIF, ...step.args, "--quiet"], { env: demoEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const file = createWriteStream(log);
    child.stdout.pipe(file, { end: false });
    child.stderr.pipe(file, { end: false });
    child.on("error", fail);
    child.on("close", (code) => file.end(() => done(code ?? 1)));
  });
}

export interface DemoResult {
  code: number;
  out: string;
  calls: number;
}

export async function runDemo(outDir: string, say: (line: string) => void): Promise<DemoResult> {
  const out = resolve(outDir);
  mkdirSync(join(out, "logs"), { recursive: true });
  const endpoint = await startSimulatedEndpoint();
  const started = performance.now();
  say(`mmif demo: a SIMULATED model endpoint at ${endpoint.url} plays every model (names start with "simulated-"): no key, no network.`);
  say("Steps (the real commands; logs in logs/) and their outputs:");
  try {
    for (const step of demoSteps(out, endpoint.url)) {
      const log = join(out, "logs", `${step.name}.log`);
      const code = await runStep(step, log);
      if (code !== 0) {
        say(`mmif demo: step "${step.name}" failed (exit ${code}); its output:\n${readFileSync(log, "utf8")}`);
        return { code: 1, out, calls: endpoint.calls() };
      }
      const missing = step.outputs.filter((o) => !existsSync(join(out, o)));
      if (missing.length > 0) {
        say(`mmif demo: step "${step.name}" left no ${missing.join(", ")}; its output is in ${log}`);
        return { code: 1, out, calls: endpoint.calls() };
      }
      say(`  ${step.name.padEnd(9)}${step.outputs.map((o) => join(out, o)).join(`\n  ${" ".repeat(9)}`)}`);
    }
  } finally {
    await endpoint.close();
  }
  say(`mmif demo: done in ${((performance.now() - started) / 1000).toFixed(1)} s, ${endpoint.calls()} simulated model calls. Open the reports:`);
  say(`  dataset report  ${join(out, "generate", "report.html")}`);
  say(`  eval report     ${join(out, "eval", "report.html")}`);
  say(`Logs of every step: ${join(out, "logs")}. The numbers come from a simulated model and say nothing about any real one.`);
  return { code: 0, out, calls: endpoint.calls() };
}
