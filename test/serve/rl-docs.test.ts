// The Python clients of docs/rl.md, run as written: each marked snippet is cut out of the doc, given a few calls,
// and run with python3 (standard library only) against a real `mmif serve` with a key, so the doc cannot drift.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { startServe, type RunningServe } from "../helpers/serve.js";

const DOC = readFileSync(new URL("../../docs/rl.md", import.meta.url), "utf8");

/** The python block after `<!-- snippet: NAME -->`. */
function snippet(name: string): string {
  const m = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`python\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  assert.ok(m, `docs/rl.md has no python snippet marked "${name}"`);
  return m[1]!;
}

const rule = (key: string, lo: number, hi: number) => ({ key, value: `${lo}-${hi} sentences`, judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [lo, hi] }] } });
const LABEL = JSON.stringify([rule("a", 2, 2), rule("b", 1, 1)]);
const ONE = JSON.stringify([rule("c", 1, 1)]);
const JUDGED = JSON.stringify([rule("a", 2, 2), { key: "tone", value: "Be warm.", judge: { method: "direct_gpt" } }]);

let server: RunningServe;
before(async () => {
  server = await startServe(["--api-key-env", "MMIF_DOCS_TEST_KEY", "--quiet"], { MMIF_DOCS_TEST_KEY: "doc-key" });
});
after(() => server.stop());

function runPython(code: string): unknown {
  const r = spawnSync("python3", ["-c", code], { encoding: "utf8", env: { ...process.env, MMIF_REWARD_URL: server.url, MMIF_REWARD_KEY: "doc-key" }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("docs/rl.md Python clients", () => {
  it("TRL: mmif_reward over plain and conversational completions", () => {
    const code = `${snippet("trl")}
print(json.dumps([
    mmif_reward(["One. Two.", "One."], [${JSON.stringify(LABEL)}, ${JSON.stringify(ONE)}]),
    mmif_reward([[{"role": "assistant", "content": "One. Two."}]], [json.loads(${JSON.stringify(JUDGED)})], response_without=[None], prompts=["x"]),
]))`;
    assert.deepEqual(runPython(code), [[0.5, 1], [1]]);
  });

  it("verl: compute_score returns the score, 0.0 when unscored", () => {
    const judgeOnly = JSON.stringify([{ key: "tone", value: "Be warm.", judge: { method: "direct_gpt" } }]);
    const code = `${snippet("verl")}
print(json.dumps([compute_score("mmif", "One. Two.", ${JSON.stringify(LABEL)}), compute_score("mmif", "One.", ${JSON.stringify(judgeOnly)}, {})]))`;
    assert.deepEqual(runPython(code), [{ score: 0.5, scored: 1 }, { score: 0, scored: 0 }]);
  });

  it("OpenRLHF: the /get_reward request", () => {
    const code = `${snippet("openrlhf")}
print(json.dumps(get_reward(["<s>Q: describe\\nOne. Two.", "<s>Q: describe\\nOne."], ["<s>Q: describe\\n", "<s>Q: describe\\n"], [${JSON.stringify(LABEL)}, ${JSON.stringify(ONE)}])))`;
    assert.deepEqual(runPython(code), [0.5, 1]);
  });
});
