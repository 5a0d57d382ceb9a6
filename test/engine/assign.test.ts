import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { signature } from "../../src/constraints/params.js";
import { bindVerifyFunc, getVerifyFunction } from "../../src/constraints/registry.js";
import { getSubcategory, SUBCATEGORIES, type Subcategory } from "../../src/constraints/taxonomy.js";
import { assignVerification, checkVerifyFuncs } from "../../src/engine/assign.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const TASK = "Describe the harbor in this picture.";

/** A correct choice for each rule-based subcategory's taxonomy example. */
const VALID: Record<string, Array<{ func: string; params: unknown[] }>> = {
  paragraph_number_limit: [{ func: "check_whether_response_paragraph_number_in_range", params: [3, 3] }],
  sentence_number_limit: [{ func: "check_whether_response_sentence_number_in_range", params: [6, 6] }],
  word_count_range_limit: [{ func: "check_whether_response_word_count_in_range", params: [150, 200] }],
  precision: [{ func: "check_number_precision_in_response", params: [2] }],
  punctuation: [{ func: "check_whether_whole_response_not_contain_certain_substring", params: [","] }],
  prefix_and_suffix: [{ func: "check_whether_whole_response_end_with_certain_substring", params: ["Is there anything else I can help with?"] }],
  mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["harbor"], 2, 4] }],
  not_mention: [{ func: "check_whether_whole_response_not_contain_certain_substrings", params: [["beautiful", "stunning"]] }],
  balanced_mention: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["light", "shadow", "color"], 1, 3] }],
};

const sub = (key: string): Subcategory => getSubcategory(key)!;
const constraintOf = (key: string, value = sub(key).example) => ({ key, value, type: sub(key) });

/** The constraint key an assign conversation is about (from its first message). */
function keyOf(body: any): string {
  return /\(type `([a-z_]+)`/.exec(String(body.messages[0].content))![1]!;
}

describe("assignVerification", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        if (!/Choose rule-based verify functions/.test(String(req.body.messages[0].content))) return replies.text("unexpected");
        return replies.json({ verify_funcs: VALID[keyOf(req.body)] ?? [] });
      },
    });
  });
  after(() => server.close());
  beforeEach(() => server.resetStats());

  it("gives non-rule types their default method without a call", async () => {
    const client = testClient(server);
    for (const s of SUBCATEGORIES.filter((x) => x.method !== "rule_based")) {
      const c = await assignVerification(client, constraintOf(s.key), TASK);
      assert.deepEqual(c, { key: s.key, category: s.category, subcategory: s.key, value: s.example, judge: { method: s.method }, assignment: "default" });
    }
    assert.equal(server.chatRequests().length, 0);
  });

  it("accepts valid verify functions for every rule-based type; all of them bind in the registry", async () => {
    const client = testClient(server);
    const rule = SUBCATEGORIES.filter((s) => s.method === "rule_based");
    assert.deepEqual(Object.keys(VALID).sort(), rule.map((s) => s.key).sort());
    for (const s of rule) {
      const c = await assignVerification(client, constraintOf(s.key), TASK);
      assert.equal(c.judge.method, "rule_based", s.key);
      assert.equal(c.assignment, "rule");
      assert.equal(c.category, s.category);
      assert.equal(c.subcategory, s.key);
      assert.deepEqual(c.judge.verify_funcs, VALID[s.key]);
      for (const call of c.judge.verify_funcs!) {
        assert.doesNotThrow(() => bindVerifyFunc(call));
        assert.ok(s.verifyFuncs.includes(call.func));
      }
    }
    assert.equal(server.chatRequests().length, rule.length);
  });

  it("shows the candidate functions with signatures and descriptions, and asks as the assign stage", async () => {
    await assignVerification(testClient(server), constraintOf("mention"), TASK);
    const req = server.chatRequests()[0]!;
    const text = lastUserText(req.body);
    for (const name of sub("mention").verifyFuncs) {
      const fn = getVerifyFunction(name)!;
      assert.ok(text.includes(signature(fn.name, fn.params)), name);
      assert.ok(text.includes(fn.description), name);
    }
    assert.ok(!text.includes("check_whether_response_word_count_in_range"));
    assert.ok(text.includes(sub("mention").example) && text.includes(TASK));
    assert.match(text, /Return JSON: \{"verify_funcs"/);
    assert.equal(req.body.response_format.json_schema.name, "verify_funcs");
  });

  it("re-asks with the validation error after a wrong name, then accepts the correction", async () => {
    server.queue(replies.json({ verify_funcs: [{ func: "check_whether_response_sentence_count_in_range", params: [6, 6] }] }));
    const c = await assignVerification(testClient(server), constraintOf("sentence_number_limit"), TASK);
    assert.equal(c.assignment, "rule");
    assert.deepEqual(c.judge.verify_funcs, VALID.sentence_number_limit);
    const [, second] = server.chatRequests();
    assert.equal(server.chatRequests().length, 2);
    assert.equal(second!.body.messages.length, 3);
    assert.equal(second!.body.messages[1].content, JSON.stringify({ verify_funcs: [{ func: "check_whether_response_sentence_count_in_range", params: [6, 6] }] }));
    assert.match(lastUserText(second!.body), /Your choice could not be used: verify func #1: "check_whether_response_sentence_count_in_range" is not one of the candidate functions/);
  });

  it("re-asks with the registry's error after wrong params", async () => {
    server.queue(replies.json({ verify_funcs: [{ func: "check_whether_response_word_count_in_range", params: ["150", 200] }] }));
    server.queue(replies.json({ verify_funcs: [{ func: "check_whether_response_word_count_in_range", params: [150] }] }));
    const c = await assignVerification(testClient(server), constraintOf("word_count_range_limit"), TASK);
    assert.equal(c.assignment, "rule");
    const [, second, third] = server.chatRequests();
    assert.match(lastUserText(second!.body), /parameter 1 \(lower_bound\) must be int, got "150"/);
    assert.match(lastUserText(third!.body), /takes 2 parameter\(s\) after the response, got 1/);
    // Each ask is a distinct call: the conversation grows with every error.
    assert.deepEqual(server.chatRequests().map((r) => r.body.messages.length), [1, 3, 5]);
  });

  it("rejects implausible choices: reversed bounds, keywords the constraint does not name", async () => {
    const mention = sub("mention");
    const value = mention.example;
    const reversed = checkVerifyFuncs(mention, value, [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["harbor"], 4, 2] }]);
    assert.ok(!reversed.ok && /lower_bound \(4\) is larger than upper_bound \(2\)/.test(reversed.error));
    const absent = checkVerifyFuncs(mention, value, [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["boat"], 2, 4] }]);
    assert.ok(!absent.ok && /\["boat"\] do not occur in the constraint/.test(absent.error));
    const empty = checkVerifyFuncs(sub("not_mention"), sub("not_mention").example, [{ func: "check_whether_whole_response_not_contain_certain_substrings", params: [[]] }]);
    assert.ok(!empty.ok && /at least one string/.test(empty.error));
    const negative = checkVerifyFuncs(sub("precision"), "Use two decimals.", [{ func: "check_number_precision_in_response", params: [-2] }]);
    assert.ok(!negative.ok && /must not be negative/.test(negative.error));
    const ranges = checkVerifyFuncs(sub("paragraph_number_limit"), "Three paragraphs.", [{ func: "check_whether_each_paragraph_sentence_number_in_range_list", params: [[[3, 1]]] }]);
    assert.ok(!ranges.ok && /0 ≤ lower ≤ upper/.test(ranges.error));
    assert.deepEqual(checkVerifyFuncs(mention, value, [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["Harbor"], 2, 4] }]), {
      ok: true,
      calls: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["Harbor"], 2, 4] }],
    });
    // Missing params are no params, as in the reference.
    assert.deepEqual(checkVerifyFuncs(sub("precision"), "No digits.", [{ func: "check_whether_has_no_arabic_number_in_response" }]), {
      ok: true,
      calls: [{ func: "check_whether_has_no_arabic_number_in_response", params: [] }],
    });
  });

  it("falls back to direct_gpt after N failed re-asks, and records why", async () => {
    const bad = replies.json({ verify_funcs: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["boat"], 2, 4] }] });
    server.queue(bad, bad, bad);
    const c = await assignVerification(testClient(server), constraintOf("mention"), TASK);
    assert.equal(server.chatRequests().length, 3);
    assert.deepEqual(c.judge, { method: "direct_gpt" });
    assert.match(c.assignment!, /^fallback: verify func #1: .*\["boat"\] do not occur in the constraint.* \(after 3 asks\)$/);
    assert.equal(c.key, "mention");
    assert.equal(c.category, "keyword");

    server.resetStats();
    server.queue(bad);
    const once = await assignVerification(testClient(server), constraintOf("mention", "Mention the word 'harbor' twice."), "Another task.", { maxReasks: 0 });
    assert.equal(server.chatRequests().length, 1);
    assert.match(once.assignment!, /^fallback: .*\(after 1 asks\)$/);
  });

  it("falls back without re-asking when the model finds no function, or when its call fails", async () => {
    server.queue(replies.json({ verify_funcs: [] }));
    const none = await assignVerification(testClient(server), constraintOf("punctuation", "Use punctuation sparingly."), TASK);
    assert.deepEqual(none.judge, { method: "direct_gpt" });
    assert.equal(none.assignment, "fallback: the model found no verify function that checks this constraint");
    assert.equal(server.chatRequests().length, 1);

    server.queue(replies.badRequest("model overloaded forever"));
    const failed = await assignVerification(testClient(server), constraintOf("punctuation", "Never use semicolons."), TASK);
    assert.deepEqual(failed.judge, { method: "direct_gpt" });
    assert.match(failed.assignment!, /^fallback: model call failed: .*model overloaded forever/);
  });

  it("re-asks a reply that is not JSON, within the same budget", async () => {
    server.queue("I would use the sentence counter.");
    const c = await assignVerification(testClient(server), constraintOf("sentence_number_limit"), "A third task.");
    assert.equal(c.assignment, "rule");
    assert.equal(server.chatRequests().length, 2);
    assert.match(lastUserText(server.chatRequests()[1]!.body), /Your choice could not be used: (not JSON|does not match the schema)/);
  });
});
