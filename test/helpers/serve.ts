// Starts the real `mmif serve` (bin/mmif.js) on a free loopback port, for tests, benchmarks and the docs test.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

const MMIF = new URL("../../bin/mmif.js", import.meta.url).pathname;

export interface RunningServe {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  child: ChildProcess;
  /** Everything the server wrote on standard error so far. */
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(args: string[] = [], env: NodeJS.ProcessEnv = {}, options: { cwd?: string } = {}): Promise<RunningServe> {
  const child = spawn(process.execPath, [MMIF, "serve", "--port", "0", ...args], { env: { ...process.env, ...env }, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`mmif serve exited with ${code} before listening:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

/** POSTs JSON and returns the status and the parsed answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
