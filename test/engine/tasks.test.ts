import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import sharp from "sharp";
import { screenQuestion } from "../../src/engine/questions.js";
import { rngFor } from "../../src/common/random.js";
import { TABLE6_COUNTS, TASK_KINDS, TASK_POOL } from "../../src/engine/task-pool.js";
import { generateTasks, sampleExamples } from "../../src/engine/tasks.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type ScriptedServer } from "../helpers/scripted-server.js";

const PROPOSALS = [
  "Describe the harbor at dawn, from the boats in the water to the hills behind them.",
  "Write a poem about the fishing boats waiting in the harbor.",
  "As a harbor master, welcome a group of visitors and explain what they see.",
  "Write an Instagram post sharing this harbor view with your followers.",
  "Imagine you are the seagull on the pier and describe your morning.",
  "Explain what the weather and the light suggest about the time of day.",
  "Write a short story about the first fisherman to leave the harbor this morning.",
  "Draft a travel blog introduction inspired by this harbor.",
];

describe("task pool", () => {
  it("is Table 6: 16 open-ended tasks, 4/3/5/3/1 over the five kinds", () => {
    assert.equal(TASK_POOL.length, 16);
    for (const kind of TASK_KINDS) assert.equal(TASK_POOL.filter((t) => t.kind === kind).length, TABLE6_COUNTS[kind], kind);
    assert.equal(new Set(TASK_POOL.map((t) => t.id)).size, TASK_POOL.length);
    assert.equal(new Set(TASK_POOL.map((t) => t.task)).size, TASK_POOL.length);
    for (const t of TASK_POOL) assert.deepEqual(screenQuestion(t.task), { ok: true }, t.task);
  });

  it("examples keep Table 6's shares of the kinds", () => {
    const shown = new Map<string, number>();
    let total = 0;
    for (let seed = 0; seed < 4000; seed++) {
      const four = sampleExamples(rngFor(seed, "x"), TASK_POOL, 4);
      assert.equal(new Set(four.map((t) => t.id)).size, 4);
      for (const t of four) shown.set(t.kind, (shown.get(t.kind) ?? 0) + 1);
      total += four.length;
    }
    for (const kind of TASK_KINDS) {
      const share = (shown.get(kind) ?? 0) / total;
      const want = TABLE6_COUNTS[kind] / 16;
      assert.ok(Math.abs(share - want) < 0.01, `${kind}: ${share.toFixed(3)} shown, Table 6 share ${want.toFixed(3)}`);
    }
    assert.equal(sampleExamples(rngFor(1), TASK_POOL, 100).length, TASK_POOL.length);
  });
});

describe("generateTasks", () => {
  let server: ScriptedServer;
  let dir: string;
  let image: { path: string; sha256: string };
  let other: { path: string; sha256: string };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmif-tasks-"));
    const write = async (name: string, color: string) => {
      const bytes = await sharp({ create: { width: 16, height: 12, channels: 3, background: color } }).png().toBuffer();
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      return { path: file, sha256: createHash("sha256").update(bytes).digest("hex") };
    };
    image = await write("harbor.png", "blue");
    other = await write("other.png", "red");
    server = await startScriptedServer({
      script: (req) => {
        const text = lastUserText(req.body);
        if (/Propose \d+ different open-ended tasks/.test(text)) return replies.json({ tasks: PROPOSALS });
        return replies.text("not JSON at all");
      },
    });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => server.resetStats());

  it("shows the image and k pool examples, and asks for JSON tasks", async () => {
    const r = await generateTasks(testClient(server), image, { seed: 1 });
    assert.ok(!("error" in r));
    if ("error" in r) return;
    assert.equal(r.examples.length, 4);
    assert.equal(r.tasks.length, 1);
    assert.ok(PROPOSALS.includes(r.tasks[0]!));
    assert.deepEqual(r.candidates, PROPOSALS);
    const body = server.chatRequests()[0]!.body;
    const [imagePart, textPart] = body.messages[0].content;
    assert.equal(imagePart.type, "image_url");
    assert.match(imagePart.image_url.url, /^data:image\/png;base64,/);
    for (const e of r.examples) assert.ok(textPart.text.includes(e), e);
    assert.match(textPart.text, /Return JSON: \{"tasks"/);
    assert.equal(body.response_format.json_schema.name, "tasks");
  });

  it("is reproducible with a seed (the rerun comes from the ledger) and differs across seeds", async () => {
    const client = testClient(server);
    const a = await generateTasks(client, image, { seed: 11, perImage: 2 });
    const b = await generateTasks(client, image, { seed: 11, perImage: 2 });
    assert.deepEqual(a, b);
    assert.equal(server.chatRequests().length, 1);
    const fresh = await generateTasks(testClient(server), image, { seed: 11, perImage: 2 });
    assert.deepEqual(fresh, a);

    const picks = new Set<string>();
    const exampleSets = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const r = await generateTasks(client, image, { seed, perImage: 2 });
      assert.ok(!("error" in r));
      if ("error" in r) continue;
      assert.equal(new Set(r.tasks).size, 2);
      picks.add(r.tasks.join("|"));
      exampleSets.add(r.examples.join("|"));
    }
    assert.ok(picks.size >= 6, `only ${picks.size} distinct picks over 12 seeds`);
    assert.ok(exampleSets.size >= 6);
    // The image is part of what is decided: same seed, another image, other examples.
    const o = await generateTasks(client, other, { seed: 11, perImage: 2 });
    assert.ok(!("error" in o) && !("error" in a));
    if (!("error" in o) && !("error" in a)) assert.notDeepEqual(o.examples, a.examples);
  });

  it("honours examples and perImage", async () => {
    const r = await generateTasks(testClient(server), image, { seed: 3, examples: 6, perImage: 3 });
    assert.ok(!("error" in r));
    if ("error" in r) return;
    assert.equal(r.examples.length, 6);
    assert.equal(r.tasks.length, 3);
    assert.match(lastUserText(server.chatRequests()[0]!.body), /Propose 6 different/);
  });

  it("drops duplicates and proposals that fail the question rules", async () => {
    server.queue(replies.json({ tasks: ["Describe the boats.", "describe the boats.", "Which of the following is shown? A. boat B. car", "Hi", " Write a poem about the quay. "] }));
    const r = await generateTasks(testClient(server), image, { seed: 5, perImage: 5 });
    assert.ok(!("error" in r));
    if ("error" in r) return;
    assert.deepEqual(r.candidates, ["Describe the boats.", "Write a poem about the quay."]);
    assert.deepEqual(new Set(r.tasks), new Set(r.candidates));
    assert.deepEqual(r.rejected.map((x) => x.reason.split(":")[0]), ["duplicate", "letter_options", "too_short"]);
  });

  it("reports a reply that never becomes JSON, and a failed call", async () => {
    server.queue("nope", "still nope", "no");
    const r = await generateTasks(testClient(server), image, { seed: 99 });
    assert.ok("error" in r);
    if ("error" in r) {
      assert.match(r.error, /^tasks: (not JSON|does not match the schema)/);
      assert.equal(r.raw, "no");
    }
    server.queue(replies.badRequest("model not found"));
    const f = await generateTasks(testClient(server), image, { seed: 98 });
    assert.ok("error" in f);
    if ("error" in f) assert.match(f.error, /^model call failed: .*model not found/);
    const missing = await generateTasks(testClient(server), { path: path.join(dir, "missing.png"), sha256: "0" }, { seed: 1 });
    assert.ok("error" in missing);
  });
});
