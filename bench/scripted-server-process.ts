// Runs the scripted OpenAI-compatible server in its own process, so a benchmark measures only the client.
// Prints the base URL on the first line; exits when standard input closes. argv: latencyMs [mmifeval]
// "mmifeval" keeps bodies and answers like a model under test and the three MM-IFEval judges would;
// "engine" plays every role of mmif generate, routed by model name.
import { engineScript } from "../test/helpers/engine-script.js";
import { lastUserText, startScriptedServer, type Script } from "../test/helpers/scripted-server.js";

/** Plausible replies by prompt kind: direct judge, compare judge, perception judge, or an answer. */
const mmifevalScript: Script = (req) => {
  const text = lastUserText(req.body);
  if (text.includes("<start of constraint list>")) {
    const n = (text.match(/^Constraint_\d+:/gm) ?? []).length;
    const scores = Array.from({ length: n }, (_, i) => `Score of constraint_${i + 1}: ${i % 3 === 0 ? 0 : 1}/1`);
    return `Judgement: fine.\nSummary: ${scores.join(", ")}.`;
  }
  if (text.includes("<start of response under the constraint>")) return "Reasoning: differs enough.\nSummary: True";
  if (text.includes("Ground Truth List:")) return req.index % 2 === 0 ? "right" : "wrong";
  return "First paragraph of the answer. It has two sentences.\n\nSecond paragraph, shorter.";
};

const mode = process.argv[3];
const scripts: Record<string, Script> = { mmifeval: mmifevalScript, engine: engineScript };
const script = mode === undefined ? undefined : scripts[mode];
const server = await startScriptedServer({
  latencyMs: Number(process.argv[2] ?? 0),
  keepBodies: script !== undefined,
  ...(script ? { script } : {}),
});
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
