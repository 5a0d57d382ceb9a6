// Runs the scripted OpenAI-compatible server in its own process, so a benchmark measures only the client.
// Prints the base URL on the first line; exits when standard input closes. argv: latencyMs
import { startScriptedServer } from "../test/helpers/scripted-server.js";

const server = await startScriptedServer({ latencyMs: Number(process.argv[2] ?? 0), keepBodies: false });
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
