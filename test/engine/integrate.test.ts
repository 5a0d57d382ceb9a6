import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import sharp from "sharp";
import { getSubcategory, SUBCATEGORIES, type Subcategory } from "../../src/constraints/taxonomy.js";
import { writeConstraints, type WrittenConstraints } from "../../src/engine/integrate.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const sub = (key: string): Subcategory => getSubcategory(key)!;
const TASK = "Write a social media post about the harbor in this picture.";

/** The type keys a prompt lists (lines "- `key` (Name): ..."). */
function listedKeys(text: string): string[] {
  return [...text.matchAll(/^- `([a-z_]+)` \(/gm)].map((m) => m[1]!);
}

function ok(r: WrittenConstraints | { error: string }): WrittenConstraints {
  assert.ok(!("error" in r), JSON.stringify(r));
  return r as WrittenConstraints;
}

describe("writeConstraints", () => {
  let server: ScriptedServer;
  let dir: string;
  let image: { path: string; sha256: string };
  let selectKeys: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-integrate-"));
    const bytes = await sharp({ create: { width: 16, height: 12, channels: 3, background: "green" } }).png().toBuffer();
    image = { path: path.join(dir, "harbor.png"), sha256: createHash("sha256").update(bytes).digest("hex") };
    fs.writeFileSync(image.path, bytes);
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (/Select the types that fit it/.test(text)) return replies.json({ keys: selectKeys });
        if (/Write exactly one constraint for each type below/.test(text)) {
          return replies.json({ constraints: listedKeys(text).map((key) => ({ key, value: `A concrete ${key} constraint.` })) });
        }
        return replies.text("unexpected request");
      },
    });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => server.resetStats());

  it("writes one constraint per type, guided by each type's guidance and example and the rules", async () => {
    const types = ["word_count_range_limit", "tone_requirement", "mention", "sentence_number_limit"].map(sub);
    const r = ok(await writeConstraints(testClient(server), { image, task: TASK, source: "generated", types, seed: 1 }));
    assert.deepEqual(r.constraints.map((c) => c.key), types.map((t) => t.key));
    assert.deepEqual(r.dropped, []);
    assert.equal(r.selected, undefined);
    const [req] = server.chatRequests();
    assert.equal(server.chatRequests().length, 1);
    const text = lastUserText(req!.body);
    assert.ok(text.includes(TASK));
    for (const t of types) {
      assert.ok(text.includes(t.guidance), t.key);
      assert.ok(text.includes(t.example), t.key);
    }
    assert.match(text, /Word counts are always ranges/);
    assert.match(text, /Exact counts are allowed only for sentences and paragraphs/);
    assert.match(text, /Return JSON: \{"constraints"/);
    assert.equal(req!.body.messages[0].content[0].type, "image_url");
    assert.equal(req!.body.response_format.json_schema.name, "constraints");
  });

  it("drops unknown keys, duplicates, empty values and exact word counts, and records missing types", async () => {
    server.queue(
      replies.json({
        constraints: [
          { key: "word_count_range_limit", value: "Keep the post  between 80 and 120 words." },
          { key: "tone_requirement", value: "Use an upbeat, inviting tone." },
          { key: "made_up_key", value: "Mention unicorns." },
          { key: "tone_requirement", value: "Be sad." },
          { key: "sentence_number_limit", value: "   " },
          { key: "prefix_and_suffix", value: "Use exactly 50 words and end with 'See you there!'." },
        ],
      }),
    );
    const types = ["word_count_range_limit", "tone_requirement", "mention", "sentence_number_limit", "prefix_and_suffix"].map(sub);
    const r = ok(await writeConstraints(testClient(server), { image, task: TASK, source: "generated", types, seed: 1 }));
    assert.deepEqual(r.constraints, [
      { key: "word_count_range_limit", value: "Keep the post between 80 and 120 words.", type: sub("word_count_range_limit") },
      { key: "tone_requirement", value: "Use an upbeat, inviting tone.", type: sub("tone_requirement") },
    ]);
    assert.deepEqual(
      r.dropped.map((d) => [d.key, d.reason.split(":")[0]]),
      [
        ["made_up_key", "unknown key"],
        ["tone_requirement", "duplicate"],
        ["sentence_number_limit", "empty value"],
        ["prefix_and_suffix", "rule"],
        ["mention", "missing"],
      ],
    );
    for (const c of r.constraints) assert.ok(getSubcategory(c.key), c.key);
  });

  it("keeps the paper's narrow word counts: \"between 20 and 30 words\", \"a single word or phrase\"", async () => {
    server.queue(
      replies.json({
        constraints: [
          { key: "word_count_range_limit", value: "Answer in between 20 and 30 words." },
          { key: "unstrict_formatting_requirements", value: "Answer in a single word or phrase." },
        ],
      }),
    );
    const types = ["word_count_range_limit", "unstrict_formatting_requirements"].map(sub);
    const r = ok(await writeConstraints(testClient(server), { image, task: TASK, source: "generated", types, seed: 1 }));
    assert.deepEqual(r.constraints.map((c) => c.value), ["Answer in between 20 and 30 words.", "Answer in a single word or phrase."]);
    assert.deepEqual(r.dropped, []);
    assert.doesNotMatch(sub("word_count_range_limit").guidance, /at least \d+ words wide/);
  });

  it("question path: selects the fitting types first, then writes only those", async () => {
    selectKeys = ["mention", "not_a_type", "tone_requirement"];
    const types = ["word_count_range_limit", "tone_requirement", "strict_formatting_requirements", "mention", "situation"].map(sub);
    const question = "What makes this harbor a good place for fishing?";
    const r = ok(await writeConstraints(testClient(server), { image, task: question, source: "question", types, seed: 1 }));
    const [select, write] = server.chatRequests();
    assert.equal(server.chatRequests().length, 2);
    assert.match(lastUserText(select!.body), /Select the types that fit it/);
    assert.ok(lastUserText(select!.body).includes(question));
    assert.deepEqual(listedKeys(lastUserText(select!.body)), types.map((t) => t.key));
    assert.equal(select!.body.response_format.json_schema.name, "constraint_types");
    assert.deepEqual(listedKeys(lastUserText(write!.body)), ["tone_requirement", "mention"]);
    assert.match(lastUserText(write!.body), /Write constraints to add to this question/);
    assert.deepEqual(r.selected, ["tone_requirement", "mention"]);
    assert.deepEqual(r.constraints.map((c) => c.key), ["tone_requirement", "mention"]);
    assert.deepEqual(r.notes, ['select: "not_a_type" is not one of the offered types']);
  });

  it("question path: maxTypes keeps a seeded sample of the selected types", async () => {
    selectKeys = SUBCATEGORIES.map((s) => s.key);
    const input = { image, task: "Why are the boats painted in bright colors?", source: "question" as const, types: SUBCATEGORIES, maxTypes: 5 };
    const a = ok(await writeConstraints(testClient(server), { ...input, seed: 4 }));
    const b = ok(await writeConstraints(testClient(server), { ...input, seed: 4 }));
    assert.equal(a.constraints.length, 5);
    assert.equal(a.selected!.length, SUBCATEGORIES.length);
    assert.deepEqual(a, b);
    const subsets = new Set<string>();
    for (let seed = 0; seed < 6; seed++) subsets.add(ok(await writeConstraints(testClient(server), { ...input, seed })).constraints.map((c) => c.key).join(","));
    assert.ok(subsets.size >= 4);
  });

  it("question path: when no type fits, nothing is written", async () => {
    selectKeys = [];
    const r = ok(await writeConstraints(testClient(server), { image, task: "How many boats are there?", source: "question", types: [sub("tone_requirement")], seed: 1 }));
    assert.deepEqual(r.constraints, []);
    assert.deepEqual(r.selected, []);
    assert.equal(server.chatRequests().length, 1);
    assert.match(r.notes.join(" "), /no offered type fits/);
  });

  it("text only on request; unusable replies become an error with the raw reply", async () => {
    const types = [sub("tone_requirement")];
    ok(await writeConstraints(testClient(server), { image, task: TASK, source: "generated", types, seed: 1, withImage: false }));
    assert.equal(typeof server.chatRequests()[0]!.body.messages[0].content, "string");

    server.queue("garbage", "garbage again", "[1, 2]");
    const r = await writeConstraints(testClient(server), { image, task: "Another task about the picture.", source: "generated", types, seed: 1 });
    assert.ok("error" in r);
    if ("error" in r) {
      assert.match(r.error, /^write constraints: /);
      assert.equal(r.raw, "[1, 2]");
    }
  });
});
