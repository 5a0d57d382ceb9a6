// Constraints per item reach the paper's Fig. 3 distribution AFTER the checks: 2,000 items through the engine
// against a scripted server whose constraint writer sometimes skips a type and whose compatibility judge drops
// about one constraint in eight. Replacement rounds restore the counts; items that cannot reach the minimum are
// not kept, with their reason; stats.json holds the target and achieved histograms.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { profileByName } from "../../src/bench/profiles.js";
import { SUBCATEGORIES, getSubcategory } from "../../src/constraints/taxonomy.js";
import type { EngineClients } from "../../src/engine/clients.js";
import { countDistribution } from "../../src/engine/constraint-types.js";
import { runGenerate } from "../../src/engine/generate.js";
import { STAGES } from "../../src/engine/pipeline.js";
import type { GenerateStats } from "../../src/engine/stats.js";
import type { EngineItem, ImageRecord } from "../../src/engine/types.js";
import { Ledger } from "../../src/model/ledger.js";
import { tempDir } from "../helpers/cli.js";
import { engineScript } from "../helpers/engine-script.js";
import { testClient } from "../helpers/model.js";
import { lastUserText, replies, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

const ITEMS = 2000;

/** FNV-1a, mixed: a stable pseudo-random verdict from the text it is about. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  // MurmurHash3's finaliser, so that the low digits are well mixed too.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The engine's roles, with a writer that skips ~1 type in 12 and a compatibility judge that drops ~1 in 8. */
function droppingScript(req: RecordedRequest) {
  const text = lastUserText(req.body);
  if (req.model === "cons" && !text.includes('{"keys"')) {
    const keys = [...text.matchAll(/^- `([a-z_]+)` \(/gm)].map((m) => m[1]!);
    const written = keys.filter((k) => hash(`write:${k}:${keys.join(",")}`) % 12 !== 0);
    return replies.json({ constraints: written.map((key) => ({ key, value: getSubcategory(key)!.example })) });
  }
  if (req.model === "compat") {
    const keys = [...text.matchAll(/^- `([a-z_]+)`: /gm)].map((m) => m[1]!);
    // The verdict on a key depends on the task and how many constraints are listed: a re-check of the same set
    // size agrees with the first one, a different item may disagree.
    const task = /"""\n([^\n]*)/.exec(text)?.[1] ?? "";
    return replies.json({ verdicts: keys.map((key) => ({ key, compatible: hash(`compat:${key}:${task}:${keys.length}`) % 8 !== 0, reason: "scripted" })) });
  }
  return engineScript(req);
}

describe("constraints per item after the checks (paper Fig. 3)", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  let stats: GenerateStats;
  let items: EngineItem[];

  before(async () => {
    server = await startScriptedServer({ script: droppingScript });
    mkdirSync(join(dir, "images"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "teal" } }).png().toFile(join(dir, "images", "x.png"));
    const ledger = new Ledger(":memory:");
    // Generous timeouts: the machine may be busy; a timeout here would be a flaky test, not a finding.
    const client = (model: string) => testClient(server, { model, concurrency: 64, timeoutMs: 120_000 }, { ledger });
    const clients: EngineClients = {
      tasks: client("tasks"),
      constraints: client("cons"),
      compat: client("compat"),
      assign: client("assign"),
      responder: client("resp"),
      judges: { judge: client("judge") },
    };
    async function* records(): AsyncGenerator<ImageRecord> {
      // One small image under 2,000 identities: each item draws its own count and types from its sha256.
      for (let i = 0; i < ITEMS; i++) yield { path: "x.png", sha256: i.toString(16).padStart(64, "0"), kept: true, reasons: [] };
    }
    // The stages up to the compatibility check: what this test is about. With no pool examples every item's task
    // request is the same, so the ledger answers all but the first: about 2.6 calls per item remain.
    stats = await runGenerate({
      outDir: join(dir, "out"),
      ledger,
      seed: 3,
      stages: new Set(["filter", "tasks", "constraints", "compat"] as const),
      clients,
      respond: { profile: profileByName("vlmevalkit"), threshold: 0.8, imageFirst: false },
      tasksPerImage: 1,
      examples: 0,
      counts: {},
      extractTask: true,
      images: records(),
      imageRoot: join(dir, "images"),
    });
    items = readFileSync(join(dir, "out", "items.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as EngineItem);
    ledger.close();
  });
  after(() => server.close());

  it("drops happened: the writer skipped types and the judge found incompatibilities", () => {
    assert.equal(items.length, ITEMS);
    const reasons = items.flatMap((it) => it.dropped.map((d) => d.reason.split(":")[0]));
    assert.ok(reasons.filter((r) => r === "incompatible").length > 0.3 * ITEMS, "compat drops");
    assert.ok(reasons.filter((r) => r === "missing").length > 0.05 * ITEMS, "writer skips");
    assert.ok(stats.constraints.dropped_by_compat > 0.3 * ITEMS);
  });

  it("items that go on are within 2 points of the target for every count, and none has fewer than 3", () => {
    // This run stops before answering: the items that go on to assignment are those not rejected here.
    const kept = items.filter((it) => it.kept !== false);
    assert.ok(kept.length > 0.95 * ITEMS, `${kept.length} kept`);
    assert.ok(kept.every((it) => it.constraints.length >= 3));
    const target = stats.constraints.counts.target;
    for (const [n, p] of countDistribution()) {
      const share = (100 * kept.filter((it) => it.constraints.length === n).length) / kept.length;
      assert.ok(Math.abs(share - 100 * p) <= 2, `${n} constraints: ${share.toFixed(2)} % of kept items, target ${(100 * p).toFixed(2)} %`);
      assert.equal(target[String(n)], Math.round(p * 10000) / 100);
    }
    const all = stats.constraints.counts.all;
    for (const [n, count] of Object.entries(all.histogram)) assert.equal(all.percent[n], Math.round((10000 * count) / all.items) / 100);
  });

  it("every item records its target; stats count all items and the kept ones, and the ones below the minimum", () => {
    assert.ok(items.every((it) => typeof it.target_constraints === "number"));
    const all = stats.constraints.counts.all;
    assert.equal(all.items, ITEMS);
    assert.equal(Object.values(all.histogram).reduce((a, b) => a + b, 0), ITEMS);
    assert.equal(stats.constraints.counts.kept.items, 0, "nothing is kept before the answer stage");
    const below = items.filter((it) => it.reasons.some((r) => r.startsWith("too few constraints")));
    assert.equal(stats.constraints.counts.below_min, below.length);
    for (const it of below) {
      assert.ok(it.constraints.length < 3 && it.kept === false);
      assert.match(it.reasons.join(" "), /below --min-constraints 3 \(target \d+\)/);
    }
    // Most items reach their target exactly; a replacement round never overshoots it.
    assert.ok(items.every((it) => it.constraints.length <= it.target_constraints!));
    assert.ok(items.filter((it) => it.constraints.length === it.target_constraints).length > 0.9 * ITEMS);
  });

  it("an item that cannot reach --min-constraints is not kept, with its reason", async () => {
    const out = join(dir, "strict");
    const ledger = new Ledger(":memory:");
    const client = (model: string) => testClient(server, { model, concurrency: 8, timeoutMs: 120_000 }, { ledger });
    // Only two types can be drawn: a target of 5 cannot be met, whatever the rounds.
    const weights = Object.fromEntries(SUBCATEGORIES.filter((s) => s.key !== "tense_requirements" && s.key !== "title_requirements").map((s) => [s.key, 0]));
    async function* one(): AsyncGenerator<ImageRecord> {
      yield { path: "x.png", sha256: "f".repeat(64), kept: true, reasons: [] };
    }
    const s = await runGenerate({
      outDir: out,
      ledger,
      seed: 1,
      stages: new Set(STAGES),
      clients: { tasks: client("tasks"), constraints: client("cons"), compat: client("compat"), assign: client("assign"), responder: client("resp"), judges: { judge: client("judge") } },
      respond: { profile: profileByName("vlmevalkit"), threshold: 0.8, imageFirst: false },
      tasksPerImage: 1,
      examples: 4,
      counts: { weights, distribution: { 5: 1 } },
      extractTask: true,
      images: one(),
      imageRoot: join(dir, "images"),
    });
    ledger.close();
    const [item] = readFileSync(join(out, "items.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as EngineItem);
    assert.equal(item!.kept, false);
    assert.equal(item!.target_constraints, 5);
    assert.equal(item!.response, undefined, "not answered");
    assert.match(item!.reasons.join(" "), /no untried type left/);
    assert.match(item!.reasons.join(" "), /too few constraints: [0-2] after the checks/);
    assert.equal(s.constraints.counts.below_min, 1);
    // Grouped by kind: the note about the exhausted types has its own kind, so the item counts once under each.
    assert.equal(s.items.not_kept_reasons["too few constraints"]!.count, 1);
    assert.match(s.items.not_kept_reasons["too few constraints"]!.examples[0]!, /^too few constraints: [0-2] after the checks/);
    assert.equal(s.items.not_kept_reasons["no type left for replacement"]!.count, 1);
    assert.deepEqual(s.constraints.counts.kept, { items: 0, histogram: {}, percent: {} });
  });
});
