// The worker pool gives the same rewards as the main thread, in order, and serves waiting requests in turn.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { VLMEVALKIT } from "../../src/bench/profiles.js";
import { asSent, rewardBatch, RuleWorkers, type RewardItem } from "../../src/serve/index.js";
import { verifyCorpus } from "../helpers/parity.js";

const items: RewardItem[] = verifyCorpus().map((c) => ({
  response: c.response,
  constraints: c.verify_funcs.map((f, j) => ({ key: `k${j}`, value: "", judge: { method: "rule_based", verify_funcs: [f] } })),
  responseWithout: {},
}));
const options = { profile: asSent(VLMEVALKIT), unscorable: "skip" as const };

describe("RuleWorkers", () => {
  const workers = new RuleWorkers(2, { profile: "vlmevalkit", unscorable: "skip" });
  after(() => workers.close());

  it("rewards the parity corpus exactly as the main thread does, in order", async () => {
    const here = await rewardBatch({ items, mode: "share" }, options);
    const there = await rewardBatch({ items, mode: "share" }, { ...options, workers });
    assert.deepEqual(there, here);
    assert.deepEqual(await workers.run(items.slice(0, 5), "strict", 2), await rewardBatch({ items: items.slice(0, 5), mode: "strict" }, options));
  });

  it("a small request waiting behind a large one is served in turn, not after all of it", async () => {
    const order: string[] = [];
    const big = workers.run([...items, ...items], "share", 64).then(() => order.push("big"));
    const small = workers.run(items.slice(0, 3), "share", 64).then(() => order.push("small"));
    await Promise.all([big, small]);
    assert.deepEqual(order, ["small", "big"]);
  });

  it("items with judge constraints stay on the main thread when there is a judge", async () => {
    const judged: RewardItem = { response: "Hi.", constraints: [{ key: "t", value: "Be warm.", judge: { method: "direct_gpt" } }], responseWithout: {} };
    // Without a judge configured the item is rule-only work (its judge constraint is unscorable) and goes to a worker.
    const r = await rewardBatch({ items: [judged, items[0]!], mode: "share" }, { ...options, workers });
    assert.equal(r![0]!.status, "unscorable");
    assert.match(r![0]!.verdicts[0]!.error!, /no judge/);
  });

  it("workers that cannot start fail the waiting requests instead of respawning forever", async () => {
    const broken = new RuleWorkers(1, { profile: "no-such-profile", unscorable: "skip" });
    await assert.rejects(broken.run(items.slice(0, 2), "share"), /rule workers (cannot start|are closed).*no-such-profile|rule workers are closed/s);
    await assert.rejects(broken.run(items.slice(0, 2), "share"), /closed/);
    await broken.close();
  });
});
