// `mmif serve` end to end: the real CLI on a loopback port, every route, rule verdicts against `mmif verify` on the
// parity corpus, bad requests, keys, concurrency, and the judge through the scripted server with ledger reuse.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.js";
import { parityPath, verifyCorpus } from "../helpers/parity.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";
import { postJson, startServe, type RunningServe } from "../helpers/serve.js";

const corpus = verifyCorpus();
/** Each verify func of a corpus case as its own rule_based constraint, so a verdict is one func's result. */
const corpusItem = (c: (typeof corpus)[number]) => ({
  response: c.response,
  constraints: c.verify_funcs.map((f, j) => ({ key: `k${j}`, value: "", judge: { method: "rule_based", verify_funcs: [f] } })),
});
const sentences = (key: string, lo: number, hi: number) => ({ key, value: `${key}`, judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [lo, hi] }] } });

describe("mmif serve without a judge", () => {
  let s: RunningServe;
  before(async () => {
    s = await startServe(["--quiet"]);
  });
  after(() => s.stop());

  it("GET /health says ok with the settings; unknown routes 404, wrong methods 405", async () => {
    const h = await fetch(`${s.url}/health`);
    assert.equal(h.status, 200);
    const body = (await h.json()) as any;
    assert.equal(body.status, "ok");
    assert.deepEqual([body.judge, body.unscorable, body.profile], [null, "skip", "vlmevalkit"]);
    const missing = await fetch(`${s.url}/v2/nothing`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as any).error, /POST \/v1\/reward/);
    const wrong = await fetch(`${s.url}/v1/reward`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
  });

  it("rule verdicts equal `mmif verify` on the whole parity corpus, in one request", async () => {
    const dir = tempDir();
    const input = join(dir, "in.jsonl");
    writeFileSync(input, corpus.map((c) => JSON.stringify({ id: c.id, response: c.response, verify_funcs: c.verify_funcs })).join("\n"));
    const verified = await runCli(["verify", "--in", input, "--quiet"]);
    assert.equal(verified.code, 0, verified.stderr);
    const verdicts = verified.stdout.trim().split("\n").map((l) => JSON.parse(l) as { results: boolean[]; pass: boolean });
    const share = await postJson(`${s.url}/v1/reward`, { items: corpus.map(corpusItem) });
    const strict = await postJson(`${s.url}/v1/reward`, { items: corpus.map(corpusItem), mode: "strict" });
    assert.equal(share.status, 200);
    assert.equal(share.json.rewards.length, corpus.length);
    corpus.forEach((c, i) => {
      const scores = share.json.details[i].verdicts.map((v: { score: number }) => v.score === 1);
      assert.deepEqual(scores, verdicts[i]!.results, c.id);
      assert.deepEqual(scores, c.expected_each, c.id);
      assert.equal(strict.json.rewards[i], verdicts[i]!.pass ? 1 : 0, c.id);
      assert.equal(share.json.rewards[i], verdicts[i]!.results.filter(Boolean).length / verdicts[i]!.results.length, c.id);
    });
    assert.ok(parityPath("verify-corpus.jsonl"));
  });

  it("POST /v1/reward: details per item, judge constraints unscorable without --judge", async () => {
    const r = await postJson(`${s.url}/v1/reward`, {
      items: [{ response: "One. Two.", constraints: [sentences("a", 2, 2), { key: "tone", value: "Be warm.", judge: { method: "direct_gpt" } }] }],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.rewards, [1]);
    assert.equal(r.json.details[0].status, "partial");
    assert.deepEqual(r.json.details[0].verdicts[0], { index: 0, key: "a", method: "rule_based", score: 1 });
    assert.match(r.json.details[0].verdicts[1].error, /unscorable: no judge/);
  });

  it("POST /get_reward speaks OpenRLHF's format", async () => {
    const label = JSON.stringify([sentences("a", 2, 2), sentences("b", 9, 9)]);
    const r = await postJson(`${s.url}/get_reward`, { query: ["<s>Q?\nOne. Two.", "<s>Q?\nOne."], prompts: ["<s>Q?\n", "<s>Q?\n"], labels: [label, label] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.rewards, [0.5, 0]);
    assert.deepEqual(r.json.scores, [0.5, 0]);
    assert.deepEqual(r.json.extra_logs.mmif_unscored, [0, 0]);
    const strict = await postJson(`${s.url}/get_reward?mode=strict`, { query: ["Q?One. Two."], prompts: ["Q?"], labels: [JSON.stringify([sentences("a", 2, 2)])] });
    assert.deepEqual(strict.json.rewards, [1]);
  });

  it("bad requests get 400 naming the item and field; too large 413; the server keeps serving", async () => {
    const bad = await postJson(`${s.url}/v1/reward`, { items: [{ response: "x", constraints: [] }, { response: "x", constraints: [{ key: "k", value: "v", judge: { method: "rule_based", verify_funcs: [{ func: "nope", params: [] }] } }] }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.item, 1);
    assert.equal(bad.json.field, "items[1].constraints[0].judge.verify_funcs[0]");
    assert.match(bad.json.error, /unknown verify function "nope"/);
    const notJson = await postJson(`${s.url}/v1/reward`, "{items: [");
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.error, /not valid JSON/);
    const small = await startServe(["--max-body-mb", "1", "--quiet"]);
    try {
      const big = await postJson(`${small.url}/v1/reward`, { items: [{ response: "x".repeat(2 * 1024 * 1024), constraints: [] }] });
      assert.equal(big.status, 413);
      assert.match(big.json.error, /--max-body-mb/);
      assert.equal((await fetch(`${small.url}/health`)).status, 200);
    } finally {
      await small.stop();
    }
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
  });

  it("a request of thousands of items does not hold up other requests (worker threads)", async () => {
    await bigAndSmall(s);
  });

  it("nor on the main thread alone (--workers 0), with the same rewards", async () => {
    const alone = await startServe(["--workers", "0", "--quiet"]);
    try {
      await bigAndSmall(alone);
      const items = corpus.slice(0, 300).map(corpusItem);
      assert.deepEqual((await postJson(`${alone.url}/v1/reward`, { items })).json, (await postJson(`${s.url}/v1/reward`, { items })).json);
    } finally {
      await alone.stop();
    }
  });
});

/** A request of 8,000 items and, meanwhile, /health and a one-item request, which answer before it. */
async function bigAndSmall(s: RunningServe): Promise<void> {
  const items = Array.from({ length: 3 }, () => corpus.map(corpusItem)).flat();
  let bigDone = false;
  const bigRequest = postJson(`${s.url}/v1/reward`, { items: items.slice(0, 8000) }).then((r) => {
    bigDone = true;
    return r;
  });
  const small = postJson(`${s.url}/v1/reward`, { items: [{ response: "One.", constraints: [sentences("a", 1, 1)] }] });
  // /health and a small request answer while the big one is still being checked.
  await new Promise((r) => setTimeout(r, 20));
  const health = await fetch(`${s.url}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual((await small).json.rewards, [1]);
  assert.equal(bigDone, false, "the big request should still be running");
  const big = await bigRequest;
  assert.equal(big.status, 200);
  assert.equal(big.json.rewards.length, 8000);
}

describe("mmif serve with --api-key-env", () => {
  let s: RunningServe;
  before(async () => {
    s = await startServe(["--api-key-env", "MMIF_TEST_SERVE_KEY", "--quiet"], { MMIF_TEST_SERVE_KEY: "s3cret" });
  });
  after(() => s.stop());

  it("refuses reward requests without the bearer key, accepts them with it; /health stays open", async () => {
    const body = { items: [{ response: "One.", constraints: [sentences("a", 1, 1)] }] };
    const none = await postJson(`${s.url}/v1/reward`, body);
    assert.equal(none.status, 401);
    assert.equal((await postJson(`${s.url}/v1/reward`, body, { authorization: "Bearer wrong" })).status, 401);
    const ok = await postJson(`${s.url}/v1/reward`, body, { authorization: "Bearer s3cret" });
    assert.deepEqual(ok.json.rewards, [1]);
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
    assert.doesNotMatch(s.stderr(), /s3cret/);
  });

  it("an unset key variable or a bad port is bad usage (exit 2)", async () => {
    const unset = await runCli(["serve", "--api-key-env", "MMIF_TEST_UNSET_KEY_VAR"]);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /MMIF_TEST_UNSET_KEY_VAR is not set/);
    const port = await runCli(["serve", "--port", "70000"]);
    assert.equal(port.code, 2);
    const busy = await runCli(["serve", "--port", new URL(s.url).port]);
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /in use/);
  });
});

describe("mmif serve with a judge (scripted server)", () => {
  let judge: ScriptedServer;
  before(async () => {
    judge = await startScriptedServer({
      script: (req) => (lastUserText(req.body).includes("Constraint_1:") ? "Score of constraint_1: 3/4" : "Summary: True"),
    });
  });
  after(() => judge.close());

  it("scores direct_gpt and cmp_gpt through the judge; a repeated request, even after a restart, costs nothing", async () => {
    const ledger = join(tempDir(), "judge.sqlite");
    const args = ["--judge", "judge-model", "--judge-base-url", judge.url, "--judge-api-key-env", "MMIF_TEST_JUDGE_KEY", "--ledger", ledger, "--quiet"];
    const body = {
      items: [
        {
          response: "One. Two.",
          constraints: [sentences("a", 2, 2), { key: "tone", value: "Be warm.", judge: { method: "direct_gpt" } }, { key: "aud", value: "For kids.", judge: { method: "cmp_gpt" } }],
          response_without: { aud: "Without." },
        },
      ],
    };
    const first = await startServe(args, { MMIF_TEST_JUDGE_KEY: "sk-judge" });
    const r1 = await postJson(`${first.url}/v1/reward`, body);
    assert.equal(await first.stop(), 0);
    assert.equal(r1.status, 200);
    assert.deepEqual(r1.json.details[0].verdicts.map((v: { score: number }) => v.score), [1, 0.75, 1]);
    assert.equal(r1.json.rewards[0], (0.75 + 1 + 1) / 3);
    assert.equal(judge.chatRequests().length, 2);
    assert.equal(judge.chatRequests()[0]!.headers.authorization, "Bearer sk-judge");

    judge.resetStats();
    const second = await startServe(args, { MMIF_TEST_JUDGE_KEY: "sk-judge" });
    const r2 = await postJson(`${second.url}/v1/reward`, body);
    await second.stop();
    assert.deepEqual(r2.json, r1.json);
    assert.equal(judge.chatRequests().length, 0);
  });
});
