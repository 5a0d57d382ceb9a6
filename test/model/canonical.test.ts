import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalRequest, requestKey, stableStringify } from "../../src/model/canonical.js";

describe("canonical requests", () => {
  it("serialises objects with sorted keys and drops undefined", () => {
    assert.equal(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it("gives the same key for the same request however params are ordered or defaulted", async () => {
    const a = await canonicalRequest("m", { temperature: 0, max_tokens: 10 }, { messages: [{ role: "user", content: "x" }] });
    const b = await canonicalRequest("m", { max_tokens: 10 }, { messages: [{ role: "user", content: "x" }], params: { temperature: 0 } });
    assert.equal(requestKey(a), requestKey(b));
    const c = await canonicalRequest("other", { temperature: 0, max_tokens: 10 }, { messages: [{ role: "user", content: "x" }] });
    assert.notEqual(requestKey(a), requestKey(c));
  });

  it("keys deliberate re-asks (rounds) apart, round 0 being the plain call", async () => {
    const base = { messages: [{ role: "user" as const, content: "judge this" }] };
    const k = async (round?: number) => requestKey(await canonicalRequest("m", { temperature: 0 }, { ...base, round }));
    assert.equal(await k(0), await k(undefined));
    assert.notEqual(await k(1), await k(0));
    assert.notEqual(await k(2), await k(1));
  });

  it("replaces image bytes by their hash and keeps detail and max side", async () => {
    const bytes = new TextEncoder().encode("not really an image but hashed all the same");
    const r = await canonicalRequest("m", {}, { messages: [{ role: "user", content: [{ type: "image", source: { bytes }, detail: "high", maxSide: 512 }] }] });
    const part = (r.messages[0]!.content as Array<Record<string, unknown>>)[0]!;
    assert.equal(part.type, "image");
    assert.match(String(part.sha256), /^[0-9a-f]{64}$/);
    assert.equal(part.detail, "high");
    assert.equal(part.max_side, 512);
    assert.equal(JSON.stringify(r).includes("hashed all the same"), false);
  });
});
