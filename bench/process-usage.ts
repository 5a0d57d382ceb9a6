// Whole-process measurements for benchmarks: wall time, CPU seconds (user + system) and peak RSS of one child
// process, read from GNU time (/usr/bin/time) when the machine has it; wall time alone otherwise.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ProcessUsage {
  code: number | null;
  wallSeconds: number;
  /** User + system CPU seconds of the process; undefined without GNU time. */
  cpuSeconds?: number;
  peakRssMiB?: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";

export async function measureProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessUsage> {
  const withTime = existsSync(GNU_TIME);
  const dir = mkdtempSync(join(tmpdir(), "mmif-bench-usage-"));
  const usageFile = join(dir, "usage");
  const [cmd, argv] = withTime ? [GNU_TIME, ["-f", "%U %S %M", "-o", usageFile, command, ...args]] : [command, [...args]];
  const started = performance.now();
  const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => child.on("error", reject).on("close", resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  const usage: ProcessUsage = { code, wallSeconds, stdout, stderr };
  if (withTime) {
    const fields = readFileSync(usageFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    usage.cpuSeconds = fields[0]! + fields[1]!;
    usage.peakRssMiB = fields[2]! / 1024;
  }
  rmSync(dir, { recursive: true, force: true });
  return usage;
}
