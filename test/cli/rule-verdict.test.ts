// The one rule verdict, seen from outside: every edge case of the reference's
//   all(globals()[f["func"]](prediction, *f["params"]) for f in constraint["judge"]["verify_funcs"])
// goes through `mmif verify` and through `mmif eval` (the model answers the case's response; the scripted judge is
// never needed, as every constraint is rule_based), and both must give the outcome the reference gives. The README's
// edge-case table lists the same cases with the same outcomes.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { runCli, tempDir } from "../helpers/cli.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

type Outcome = "pass" | "fail" | "error";

interface EdgeCase {
  /** As the README's table names it. */
  name: string;
  response: string;
  verify_funcs?: unknown;
  outcome: Outcome;
}

const WORDS_5_9 = { func: "check_whether_response_word_count_in_range", params: [5, 9] };
const NO_DIGITS = { func: "check_whether_has_no_arabic_number_in_response", params: [] };
const NO_COMMA = (params: unknown) => ({ func: "check_whether_whole_response_not_contain_certain_substring", params });

const EDGE_CASES: EdgeCase[] = [
  { name: "empty `verify_funcs` list", response: "Anything at all.", verify_funcs: [], outcome: "pass" },
  { name: "no `verify_funcs`", response: "Anything at all.", outcome: "error" },
  { name: "`params: []` for a function without parameters", response: "No digits here.", verify_funcs: [NO_DIGITS], outcome: "pass" },
  { name: "a func without `params`", response: "No digits here.", verify_funcs: [{ func: NO_DIGITS.func }], outcome: "error" },
  { name: "unknown function first", response: "Short.", verify_funcs: [{ func: "no_such_function", params: [] }], outcome: "error" },
  { name: "unknown function after a passing one", response: "No digits here.", verify_funcs: [NO_DIGITS, { func: "no_such_function", params: [] }], outcome: "error" },
  { name: "unknown function after a failing one", response: "Short.", verify_funcs: [WORDS_5_9, { func: "no_such_function", params: [] }], outcome: "fail" },
  { name: "a func without `params` after a failing one", response: "Short.", verify_funcs: [WORDS_5_9, { func: NO_DIGITS.func }], outcome: "fail" },
  { name: "wrong arity", response: "Short.", verify_funcs: [{ func: WORDS_5_9.func, params: [5] }], outcome: "error" },
  { name: "wrong arity after a failing one", response: "Short.", verify_funcs: [WORDS_5_9, { func: WORDS_5_9.func, params: [5] }], outcome: "fail" },
  { name: "`params` a one-character string (spread to one argument)", response: "One, two.", verify_funcs: [NO_COMMA(",")], outcome: "fail" },
  { name: "`params` a one-character string, satisfied", response: "One two.", verify_funcs: [NO_COMMA(",")], outcome: "pass" },
  { name: "`params` a longer string (one argument per character)", response: "One two.", verify_funcs: [NO_COMMA(", ")], outcome: "error" },
  { name: "`params` an object (spread to its keys)", response: "One, two.", verify_funcs: [NO_COMMA({ ",": 1 })], outcome: "fail" },
  { name: "`params` a number", response: "One two.", verify_funcs: [NO_COMMA(3)], outcome: "error" },
  { name: "`params` null", response: "One two.", verify_funcs: [NO_COMMA(null)], outcome: "error" },
  { name: "all pass", response: "Five words and no digits.", verify_funcs: [NO_DIGITS, { func: WORDS_5_9.func, params: [1, 9] }], outcome: "pass" },
];

const constraintOf = (c: EdgeCase) => ({
  key: "rule",
  value: "Follow the rule.",
  judge: c.verify_funcs === undefined ? { method: "rule_based" } : { method: "rule_based", verify_funcs: c.verify_funcs },
});

describe("one rule verdict: mmif verify and mmif eval agree on every edge case", () => {
  const dir = tempDir();
  let server: ScriptedServer;
  const question = (i: number) => `Edge case ${i}.`;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        const i = EDGE_CASES.findIndex((_, n) => text.startsWith(question(n)));
        return i === -1 ? `unexpected prompt: ${text}` : EDGE_CASES[i]!.response;
      },
    });
  });
  after(() => server.close());

  it("mmif verify gives the reference's outcome", async () => {
    const input = EDGE_CASES.map((c) => JSON.stringify({ id: c.name, response: c.response, constraints: [constraintOf(c)] })).join("\n");
    const r = await runCli(["verify", "--in", "-", "--quiet"], { input });
    assert.equal(r.code, 2, "lines with errors exit 2");
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { error?: string; pass?: boolean });
    const got = lines.map((l, i) => [EDGE_CASES[i]!.name, l.error !== undefined ? "error" : l.pass ? "pass" : "fail"]);
    assert.deepEqual(got, EDGE_CASES.map((c) => [c.name, c.outcome]));
    // The error names the field and what the reference raises.
    assert.match(lines[1]!.error!, /constraints\[0\]\.judge\.verify_funcs: .*KeyError: 'verify_funcs'/);
    assert.match(lines[3]!.error!, /verify_funcs\[0\]: .*KeyError: 'params'/);
  });

  it("mmif eval gives the same outcome (a raise fails the item, as it stops the reference)", async () => {
    const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: "teal" } }).png().toBuffer();
    mkdirSync(join(dir, "bench"));
    writeFileSync(join(dir, "bench", "a.png"), image);
    const rows = EDGE_CASES.map((c, i) => ({
      index: String(i),
      id: String(i),
      tag: "C-Level",
      infer_type: "main",
      question: `${question(i)} Follow the rule.`,
      constraints: [constraintOf(c)],
      image: "a.png",
    }));
    const bench = join(dir, "bench", "bench.jsonl");
    writeFileSync(bench, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(dir, "eval");
    const r = await runCli(["eval", "--bench", bench, "--model", "vlm", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--out", out, "--quiet", "--score-bad-rows"]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; status: string; score: number });
    const got = EDGE_CASES.map((c, i) => {
      const item = results.find((x) => x.id === String(i))!;
      return [c.name, item.status === "failed" ? "error" : item.score === 1 ? "pass" : "fail"];
    });
    assert.deepEqual(got, EDGE_CASES.map((c) => [c.name, c.outcome]));
    assert.equal(server.chatRequests().filter((q) => q.model === "judge").length, 0, "no judge call for rule_based constraints");
  });

  it("the README's edge-case table lists every case with its outcome", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("<!-- rule-verdict-table -->"), readme.indexOf("<!-- /rule-verdict-table -->"));
    const rows = section
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| case") && !l.startsWith("|---"))
      .map((l) => l.split(" | ").map((cell) => cell.replace(/^\| |\s*\|$/g, "").trim()));
    assert.deepEqual(rows.map((r) => [r[0], r.at(-1)]), EDGE_CASES.map((c) => [c.name, c.outcome]));
  });
});
