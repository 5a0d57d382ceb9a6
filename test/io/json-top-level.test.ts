// The top-level JSON walker shared by the field limit (field-limit.ts) and the tests' scripted server: the same
// members, offsets and scalars however the bytes are cut into pieces.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TopLevelJson, type TopLevelMember } from "../../src/io/json-top-level.js";

function walk(bytes: Buffer, cuts: number[], options: { skipBom?: boolean } = {}): { members: TopLevelMember[]; walker: TopLevelJson } {
  const members: TopLevelMember[] = [];
  const walker = new TopLevelJson((m) => members.push(m), options);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    walker.feed(bytes, at, cut);
    at = cut;
  }
  walker.finish();
  return { members, walker };
}

describe("TopLevelJson", () => {
  const doc = Buffer.from('{"m\\u006fdel": "gpt \\"4\\" é", "n" : 12 , "deep": {"model": "no", "x": [1, "}"]}, "s": "' + "z".repeat(600) + '", "ok": true}');
  const expected = [
    { key: "model", string: 'gpt "4" é' },
    { key: "n", literal: "12" },
    { key: "deep" },
    { key: "s" },
    { key: "ok", literal: "true" },
  ];

  it("reports each top-level member with its decoded key, its value's bytes and short scalars, wherever the pieces are cut", () => {
    const whole = walk(doc, []);
    assert.deepEqual(whole.members.map(({ start: _s, end: _e, ...rest }) => rest), expected);
    const deep = whole.members[2]!;
    assert.equal(doc.subarray(deep.start, deep.end).toString(), '{"model": "no", "x": [1, "}"]}');
    assert.equal(whole.members[3]!.end - whole.members[3]!.start, 602, "a long string: measured, not kept");
    assert.equal(whole.walker.valid, true);
    for (let cut = 1; cut < doc.length; cut++) {
      for (const cuts of [[cut], cut % 5 === 0 ? Array.from({ length: doc.length - 1 }, (_, i) => i + 1) : []]) {
        if (cuts.length === 0) continue;
        const got = walk(doc, cuts);
        assert.deepEqual(got.members, whole.members, `cuts ${cuts.length === 1 ? cut : "every byte"}`);
        assert.equal(got.walker.valid, true);
      }
    }
  });

  it("valid only for one balanced object with nothing but whitespace around it; a byte order mark only when allowed", () => {
    const valid = (text: string, skipBom = false) => walk(Buffer.from(text), [], { skipBom }).walker.valid;
    assert.equal(valid(' {"a": 1}\n'), true);
    for (const bad of ["", "[1]", "nope", '{"a":1', '{"a":1} x', '"str"', '{"a":"b}', '{"a":1}}']) assert.equal(valid(bad), false, bad);
    assert.equal(valid('\ufeff{"a": 1}'), false);
    assert.equal(valid('\ufeff{"a": 1}', true), true);
    assert.equal(walk(Buffer.from("[1, 2]"), []).walker.isObject, false);
  });
});
