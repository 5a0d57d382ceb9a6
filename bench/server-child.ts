// Starts bench/scripted-server-process.ts as a child and hands back its URL.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export async function startServerProcess(latencyMs: number, mode?: "mmifeval" | "engine"): Promise<{ url: string; stop: () => void }> {
  const args = [new URL("./scripted-server-process.ts", import.meta.url).pathname, String(latencyMs), ...(mode ? [mode] : [])];
  // A large heap: in batch mode the scripted server keeps every uploaded batch file and its answers in memory
  // (2,000 images: ~600 MB of base64 in the first wave), which ran out of Node's default heap.
  const child = spawn(process.execPath, ["--max-old-space-size=12288", "--import", "tsx", ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return { url: first.trim(), stop: () => child.stdin.end() };
}
