// Request validation: every refusal names the item and the field; OpenRLHF bodies become the same items.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openRlhfAnswer, parseOpenRlhfRequest, parseRewardRequest, RequestError, responseOf } from "../../src/serve/index.js";

const ctx = { imageRoot: "/srv/images" };
const good = { key: "s", value: "Two sentences.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [2, 2] }] } };

function refusal(body: unknown): RequestError {
  try {
    parseRewardRequest(body, ctx);
  } catch (e) {
    assert.ok(e instanceof RequestError, String(e));
    return e;
  }
  assert.fail("expected a RequestError");
}

describe("parseRewardRequest", () => {
  it("reads items, constraints as a list or a JSON string, and the mode", () => {
    const r = parseRewardRequest({ mode: "strict", items: [{ response: "A.", constraints: [good] }, { response: "B.", constraints: JSON.stringify([good]), response_without: { s: "x" }, prompt: "p" }] }, ctx);
    assert.equal(r.mode, "strict");
    assert.equal(r.items.length, 2);
    assert.deepEqual(r.items[1]!.constraints, [good]);
    assert.deepEqual(r.items[1]!.responseWithout, { s: "x" });
    assert.equal(parseRewardRequest({ items: [] }, ctx).mode, "share");
  });

  it("images: data and http URLs kept, paths resolved inside the image root, escapes refused", () => {
    const items = parseRewardRequest({ items: ["cat.png", "data:image/png;base64,AAAA", "https://example.org/a.png"].map((image) => ({ response: "", constraints: [], image })) }, ctx).items;
    assert.deepEqual(items.map((i) => i.image), [{ path: "/srv/images/cat.png" }, { base64: "data:image/png;base64,AAAA" }, { url: "https://example.org/a.png" }]);
    const e = refusal({ items: [{ response: "", constraints: [] }, { response: "", constraints: [], image: "../etc/passwd" }] });
    assert.deepEqual([e.item, e.field], [1, "items[1].image"]);
    assert.match(e.message, /outside the image root.*--image-root/);
  });

  const cases: Array<[string, unknown, number | undefined, string | undefined, RegExp]> = [
    ["not an object", [1], undefined, undefined, /body must be a JSON object/],
    ["no items", {}, undefined, "items", /missing/],
    ["bad mode", { items: [], mode: "mean" }, undefined, "mode", /"share", "strict"/],
    ["response not a string", { items: [{ response: 3, constraints: [] }] }, 0, "items[0].response", /must be a string, got a number/],
    ["constraints missing", { items: [{ response: "" }] }, 0, "items[0].constraints", /missing/],
    ["constraints bad JSON", { items: [{ response: "", constraints: "[{" }] }, 0, "items[0].constraints", /not valid JSON/],
    ["unknown method", { items: [{ response: "", constraints: [] }, { response: "", constraints: [good, { ...good, judge: { method: "rule-based" } }] }] }, 1, "items[1].constraints[1].judge.method", /"rule_based", "direct_gpt", "cmp_gpt"/],
    ["unknown verify func", { items: [{ response: "", constraints: [{ ...good, judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_rang", params: [1, 2] }] } }] }] }, 0, "items[0].constraints[0].judge.verify_funcs[0]", /did you mean "check_whether_response_sentence_number_in_range"/],
    ["bad params", { items: [{ response: "", constraints: [{ ...good, judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: ["two", 2] }] } }] }] }, 0, "items[0].constraints[0].judge.verify_funcs[0]", /int/],
    ["rule without funcs", { items: [{ response: "", constraints: [{ ...good, judge: { method: "rule_based" } }] }] }, 0, "items[0].constraints[0].judge.verify_funcs", /missing/],
    ["no value", { items: [{ response: "", constraints: [{ key: "k", judge: { method: "direct_gpt" } }] }] }, 0, "items[0].constraints[0].value", /missing/],
    ["response_without not strings", { items: [{ response: "", constraints: [], response_without: { k: 1 } }] }, 0, 'items[0].response_without["k"]', /must be a string/],
    ["image not a string", { items: [{ response: "", constraints: [], image: 5 }] }, 0, "items[0].image", /file path, a data: URL or an http\(s\) URL/],
  ];
  for (const [name, body, item, field, message] of cases) {
    it(`refuses: ${name}`, () => {
      const e = refusal(body);
      assert.equal(e.status, 400);
      assert.equal(e.item, item);
      assert.equal(e.field, field);
      assert.match(e.message, message);
      assert.deepEqual(e.toJSON(), { error: e.message, ...(item !== undefined ? { item } : {}), ...(field !== undefined ? { field } : {}) });
    });
  }
});

describe("OpenRLHF /get_reward bodies", () => {
  const label = JSON.stringify([good]);
  it("the response is the query after its prompt, trailing tokens stripped; a label may carry a whole item", () => {
    assert.equal(responseOf("<pad><pad>Q: hi\nA: One. Two.<|im_end|><|endoftext|>", "Q: hi\nA: ", ["<|endoftext|>", "<|im_end|>"], 0), "One. Two.");
    const r = parseOpenRlhfRequest(
      { query: ["P1 One. Two.", "P2 Three."], prompts: ["P1 ", "P2 "], labels: [label, JSON.stringify({ constraints: [good], response_without: { s: "w" } })] },
      "strict",
      { ...ctx, stripTokens: [] },
    );
    assert.equal(r.mode, "strict");
    assert.deepEqual(r.items.map((i) => i.response), ["One. Two.", "Three."]);
    assert.deepEqual(r.items[1]!.responseWithout, { s: "w" });
  });

  it("refuses mismatched lengths, a query without its prompt, a label that is not JSON, naming the index", () => {
    const opts = { ...ctx, stripTokens: [] };
    assert.throws(() => parseOpenRlhfRequest({ query: ["a"], prompts: ["a"], labels: [] }, null, opts), { field: "labels", message: /0 entries for 1 queries/ });
    assert.throws(() => parseOpenRlhfRequest({ query: ["x", "abc"], prompts: ["x", "zz"], labels: [label, label] }, null, opts), { field: "query[1]", item: 1 });
    assert.throws(() => parseOpenRlhfRequest({ query: ["a"], prompts: ["a"], labels: ["[{"] }, null, opts), { field: "labels[0]", item: 0, message: /not JSON/ });
    assert.throws(() => parseOpenRlhfRequest({ query: ["a"], prompts: ["a"], labels: [JSON.stringify([{ key: 1 }])] }, null, opts), { field: "labels[0].constraints[0].key" });
  });

  it("answers one number per query, 0 for no reward, flagged in extra_logs", () => {
    const a = openRlhfAnswer([
      { reward: 0.5, status: "scored", verdicts: [{ index: 0, key: "a", method: "rule_based", score: 1 }, { index: 1, key: "b", method: "rule_based", score: 0 }] },
      { reward: null, status: "unscorable", verdicts: [{ index: 0, key: "c", method: "direct_gpt", score: null, error: "unscorable" }] },
    ]);
    assert.deepEqual(a, { rewards: [0.5, 0], scores: [0.5, 0], extra_logs: { mmif_unscored: [0, 1], mmif_constraints_passed: [1, 0], mmif_constraints_unscored: [0, 1] } });
  });
});
