// The reward of one item: MM-IFEval's C-Level score over what can be scored, the two modes, the unscorable
// policy, and judge constraints through the model layer against the scripted server (prompts byte-exact, ledger reuse).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { VLMEVALKIT } from "../../src/bench/profiles.js";
import { comparePrompt, directPrompt } from "../../src/bench/prompts.js";
import { Ledger } from "../../src/model/ledger.js";
import { asSent, rewardItem, type RewardItem, type RewardOptions } from "../../src/serve/index.js";
import { tempDir } from "../helpers/cli.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const rule = (key: string, func: string, params: unknown[]) => ({ key, value: `${key} text`, judge: { method: "rule_based", verify_funcs: [{ func, params }] } });
const sentences = (key: string, lo: number, hi: number) => rule(key, "check_whether_response_sentence_number_in_range", [lo, hi]);
const direct = (key: string, value: string) => ({ key, value, judge: { method: "direct_gpt" } });
const cmp = (key: string, value: string) => ({ key, value, judge: { method: "cmp_gpt" } });
const item = (response: string, constraints: RewardItem["constraints"], extra: Partial<RewardItem> = {}): RewardItem => ({ response, constraints, responseWithout: {}, ...extra });
let PNG = "";

const profile = asSent(VLMEVALKIT);
const noJudge = (unscorable: "skip" | "zero" = "skip"): RewardOptions => ({ profile, unscorable });

describe("rewardItem without a judge", () => {
  it("share is MM-IFEval's mean of the rule verdicts; strict is 1 only when all pass", async () => {
    const it3 = item("One. Two.", [sentences("a", 2, 2), sentences("b", 1, 3), sentences("c", 5, 9)]);
    const share = await rewardItem(it3, "share", noJudge());
    assert.equal(share.reward, 2 / 3);
    assert.equal(share.status, "scored");
    assert.deepEqual(share.verdicts.map((v) => [v.index, v.key, v.method, v.score]), [[0, "a", "rule_based", 1], [1, "b", "rule_based", 1], [2, "c", "rule_based", 0]]);
    assert.equal((await rewardItem(it3, "strict", noJudge())).reward, 0);
    assert.equal((await rewardItem(item("One. Two.", [sentences("a", 2, 2)]), "strict", noJudge())).reward, 1);
  });

  it("responses are checked as sent: an empty answer is not pandas' \"nan\"", async () => {
    const r = await rewardItem(item("", [rule("w", "check_whether_response_word_count_in_range", [0, 0])]), "share", noJudge());
    assert.equal(r.reward, 1);
  });

  it("judge constraints are unscorable: skip leaves them out, zero counts them 0", async () => {
    const mixed = item("One. Two.", [sentences("a", 2, 2), direct("tone", "Be warm."), sentences("b", 9, 9)]);
    const skip = await rewardItem(mixed, "share", noJudge("skip"));
    assert.equal(skip.reward, 0.5);
    assert.equal(skip.status, "partial");
    assert.equal(skip.verdicts[1]!.score, null);
    assert.match(skip.verdicts[1]!.error!, /unscorable: no judge model.*--judge/);
    assert.equal((await rewardItem(mixed, "share", noJudge("zero"))).reward, 1 / 3);
    const passing = item("One. Two.", [sentences("a", 2, 2), direct("tone", "Be warm.")]);
    assert.equal((await rewardItem(passing, "strict", noJudge("skip"))).reward, 1);
    assert.equal((await rewardItem(passing, "strict", noJudge("zero"))).reward, 0);
  });

  it("an item with nothing scorable has no reward under skip and 0 under zero; no constraints, no reward", async () => {
    const judgeOnly = item("Hi.", [direct("tone", "Be warm."), cmp("aud", "For kids.")]);
    const skip = await rewardItem(judgeOnly, "share", noJudge("skip"));
    assert.deepEqual([skip.reward, skip.status], [null, "unscorable"]);
    const zero = await rewardItem(judgeOnly, "share", noJudge("zero"));
    assert.deepEqual([zero.reward, zero.status], [0, "unscorable"]);
    const none = await rewardItem(item("Hi.", []), "share", noJudge("zero"));
    assert.deepEqual([none.reward, none.status, none.error], [null, "unscorable", "the item has no constraints"]);
  });

  it("a verify func the reference rejects at run time fails the item with the reason, no number", async () => {
    const r = await rewardItem(item("Hi.", [{ key: "x", value: "x", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range" }] } }]), "share", noJudge());
    assert.equal(r.status, "failed");
    assert.equal(r.reward, null);
    assert.match(r.error!, /params/);
  });
});

describe("rewardItem with a judge (scripted server)", () => {
  let server: ScriptedServer;
  before(async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: "#c33" } }).png().toBuffer();
    PNG = `data:image/png;base64,${png.toString("base64")}`;
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (text.includes("Constraint_1:")) return "Score of constraint_1: 1/1\nScore of constraint_2: 1/2";
        return text.includes("For kids.") ? "Reasoning: fine.\nSummary: True" : "Summary: False";
      },
    });
  });
  after(() => server.close());

  const judged = () =>
    item(
      "One. Two.",
      [direct("tone", "Be warm."), sentences("s", 2, 2), cmp("aud", "For kids."), direct("title", "Start with a title."), cmp("len", "Be short.")],
      { image: { base64: PNG }, responseWithout: { aud: "Without the audience." } },
    );

  it("sends MM-IFEval's prompts byte-exact, the image with the direct call only, and scores as MM-IFEval", async () => {
    server.resetStats();
    const ledger = new Ledger(":memory:");
    const options: RewardOptions = { profile, unscorable: "skip", judges: { judge: testClient(server, {}, { ledger }) } };
    const r = await rewardItem(judged(), "share", options);
    const sent = server.chatRequests().map((q) => q.body.messages[0].content);
    assert.equal(sent.length, 2);
    const directCall = sent.find((c: unknown) => Array.isArray(c))!;
    assert.equal(directCall[0].text, directPrompt("One. Two.", ["Be warm.", "Start with a title."]));
    assert.equal(directCall[1].type, "image_url");
    assert.equal(sent.find((c: unknown) => typeof c === "string"), comparePrompt("For kids.", "One. Two.", "Without the audience.", "compare"));
    assert.deepEqual(r.verdicts.map((v) => v.score), [1, 1, 1, 0.5, null]);
    assert.match(r.verdicts[4]!.error!, /response_without\["len"\]/);
    assert.equal(r.status, "partial");
    assert.equal(r.reward, (1 + 0.5 + 1 + 1) / 4); // MM-IFEval's order: direct, rule, cmp
    assert.equal((await rewardItem(judged(), "strict", options)).reward, 0);
  });

  it("a repeated request is answered from the ledger: no second call, even from a new client", async () => {
    const file = join(tempDir(), "ledger.sqlite");
    const first = new Ledger(file);
    await rewardItem(judged(), "share", { profile, unscorable: "skip", judges: { judge: testClient(server, {}, { ledger: first }) } });
    first.close();
    server.resetStats();
    const again = new Ledger(file);
    const r = await rewardItem(judged(), "share", { profile, unscorable: "skip", judges: { judge: testClient(server, {}, { ledger: again }) } });
    again.close();
    assert.equal(server.chatRequests().length, 0);
    assert.equal(r.reward, 3.5 / 4);
  });

  it("a judge that keeps failing fails the item: no reward, the reason given", async () => {
    const bad = await startScriptedServer({ script: () => "no scores here" });
    after(() => bad.close());
    const r = await rewardItem(item("One.", [direct("tone", "Be warm.")]), "share", { profile, unscorable: "skip", judges: { judge: testClient(bad) } });
    assert.equal(r.status, "failed");
    assert.equal(r.reward, null);
    assert.match(r.error!, /direct judge reply unusable/);
  });
});
