import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { checkCompatibility } from "../../src/engine/compat.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const TASK = "Write a formal report on the traffic shown in the image.";
const CONSTRAINTS = [
  { key: "word_count_range_limit", value: "Keep it between 150 and 200 words." },
  { key: "tone_requirement", value: "Use a playful and humorous tone." },
  { key: "case_requirements", value: "Write your entire answer in lowercase letters." },
  { key: "title_requirements", value: "Start with a title wrapped in << >>." },
];

describe("checkCompatibility", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (!/Check whether the constraints below can all be followed/.test(text)) return replies.text("unexpected");
        return replies.json({
          verdicts: [
            { key: "word_count_range_limit", compatible: true, reason: "fine" },
            { key: "tone_requirement", compatible: false, reason: "a playful tone contradicts the formal report" },
            { key: "case_requirements", compatible: true, reason: "fine" },
            { key: "ghost", compatible: false, reason: "?" },
          ],
        });
      },
    });
  });
  after(() => server.close());
  beforeEach(() => server.resetStats());

  it("drops what the judge finds incompatible, with its reason, and keeps the rest in order", async () => {
    const r = await checkCompatibility(testClient(server), { task: TASK, constraints: CONSTRAINTS });
    assert.equal(r.checked, true);
    assert.deepEqual(r.kept.map((c) => c.key), ["word_count_range_limit", "case_requirements", "title_requirements"]);
    assert.deepEqual(r.dropped, [{ key: "tone_requirement", value: "Use a playful and humorous tone.", reason: "incompatible: a playful tone contradicts the formal report" }]);
    assert.deepEqual(r.notes, ['compat: verdict for "ghost", which is not one of the constraints, ignored', 'compat: no verdict for "title_requirements"; kept']);
    assert.equal(r.note, undefined);
    const req = server.chatRequests()[0]!;
    const text = lastUserText(req.body);
    assert.ok(text.includes(TASK));
    for (const c of CONSTRAINTS) assert.ok(text.includes(`- \`${c.key}\`: ${c.value}`));
    assert.match(text, /Return JSON: \{"verdicts"/);
    assert.equal(req.body.response_format.json_schema.name, "compatibility");
    assert.equal(typeof req.body.messages[0].content, "string");
  });

  it("replacement rounds: accepted constraints are shown as context and never judged again", async () => {
    const accepted = [{ key: "word_count_range_limit", value: "Between 150 and 200 words." }];
    const fresh = CONSTRAINTS.filter((c) => c.key !== "word_count_range_limit");
    const r = await checkCompatibility(testClient(server), { task: TASK, constraints: fresh, accepted });
    assert.deepEqual(r.kept.map((c) => c.key), ["case_requirements", "title_requirements"]);
    assert.ok(!r.notes.some((n) => n.includes("word_count_range_limit")), "the verdict on the accepted one is not asked for, not noted");
    const text = lastUserText(server.chatRequests()[0]!.body);
    assert.match(text, /Already accepted \(fixed; do not judge these[^\n]*\n- `word_count_range_limit` \(accepted\): Between 150 and 200 words\.\n\nNew constraints to judge:\n- `tone_requirement`: /);
  });

  it("keeps extra fields of the constraints it is given", async () => {
    const rich = CONSTRAINTS.map((c, i) => ({ ...c, rank: i }));
    const r = await checkCompatibility(testClient(server), { task: TASK, constraints: rich });
    assert.deepEqual(r.kept.map((c) => c.rank), [0, 2, 3]);
  });

  it("keeps everything, with a note, when the check fails or never becomes JSON", async () => {
    server.queue(replies.badRequest("no such model"));
    const failed = await checkCompatibility(testClient(server), { task: "Task one about the image.", constraints: CONSTRAINTS });
    assert.equal(failed.checked, false);
    assert.deepEqual(failed.kept, CONSTRAINTS);
    assert.deepEqual(failed.dropped, []);
    assert.match(failed.note!, /^compat: check failed \(model call failed: .*no such model.*\); all 4 constraints kept$/);
    assert.deepEqual(failed.notes, [failed.note]);

    server.queue("garbage", "garbage", "garbage");
    const garbled = await checkCompatibility(testClient(server), { task: "Task two about the image.", constraints: CONSTRAINTS });
    assert.equal(garbled.checked, false);
    assert.deepEqual(garbled.kept, CONSTRAINTS);
    assert.match(garbled.note!, /^compat: check failed \(.*\); all 4 constraints kept$/);
  });

  it("makes no call for an empty list", async () => {
    const r = await checkCompatibility(testClient(server), { task: TASK, constraints: [] });
    assert.deepEqual(r.kept, []);
    assert.equal(server.chatRequests().length, 0);
  });
});
