// `--dry-run` of `mmif generate` and `mmif dpo`: the real CLI against the scripted server (engine roles routed by
// model name). A dry run sends nothing; its counts per model and stage are the calls the real run then makes (the
// script keeps every constraint, so the expected values are exact); after the run, a dry run sees them all paid.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { getSubcategory } from "../../src/constraints/taxonomy.js";
import { Ledger } from "../../src/model/ledger.js";
import { itemShardHash } from "../../src/dpo/run.js";
import { readChecked } from "../helpers/records.js";
import { inShard } from "../../src/run/shard.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { folderSnapshot } from "../helpers/folder.js";
import { engineScript as script } from "../helpers/engine-script.js";
import { lastUserText, replies, startScriptedServer, type RecordedRequest, type ScriptedServer } from "../helpers/scripted-server.js";

/** The dry run's table: "model stage" → [calls, already in the ledger]; and the total line's cost. */
function plan(stdout: string): { stages: Record<string, [number, number]>; cost: string } {
  const lines = stdout.trim().split("\n");
  assert.equal(lines[0], "model | stage | calls | already in the ledger | est. input tokens | est. output tokens | est. cost (USD)");
  const cells = (l: string) => l.split("|").map((c) => c.trim());
  const rows = lines.slice(1, -1).map(cells);
  for (const r of rows) assert.ok(Number(r[4]) > 0 && Number(r[5]) > 0, `tokens estimated: ${r.join(" | ")}`);
  return { stages: Object.fromEntries(rows.map(([model, stage, calls, held]) => [`${model} ${stage}`, [Number(calls), Number(held)]])), cost: cells(lines.at(-1)!)[6]! };
}

/** The calls a real run made, from its ledger: "model stage" → calls. */
function ledgerCalls(out: string): Record<string, number> {
  const ledger = new Ledger(join(out, "ledger.sqlite"));
  try {
    return Object.fromEntries(ledger.usageTotals().map((u) => [`${u.model} ${u.stage}`, u.calls]));
  } finally {
    ledger.close();
  }
}

const calls = (p: ReturnType<typeof plan>) => Object.fromEntries(Object.entries(p.stages).map(([k, [n]]) => [k, n]));

/** The same pixels on every run (xorshift noise): the run, its seeded choices and its counts are reproducible. */
function noise(seed: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

const tag = (body: unknown) => createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 8);

/**
 * The engine script, with model-written text that differs per request as a real model's does: the ledger asks
 * an identical request once, so two items sharing a task, a constraint sentence or an answer would share calls.
 */
function distinct(req: RecordedRequest) {
  const text = lastUserText(req.body);
  if (req.model === "tasks" && !text.includes('{"task"')) return replies.json({ tasks: [`Describe this scene for a travel blog, scene ${tag(req.body)}.`] });
  if (req.model === "cons" && !text.includes('{"keys"')) {
    const keys = [...text.matchAll(/^- `([a-z_]+)` \(/gm)].map((m) => m[1]!);
    return replies.json({ constraints: keys.map((key) => ({ key, value: `${getSubcategory(key)!.example} (${tag(req.body)})` })) });
  }
  if (req.model === "weak") return `My answer to: ${text}`;
  return script(req);
}

const ROLES = ["--task-model", "tasks", "--constraint-model", "cons", "--compat-model", "compat", "--assign-model", "assign", "--responder-model", "resp", "--judge", "judge"];

describe("--dry-run of generate and dpo", () => {
  let server: ScriptedServer;
  const dir = tempDir();
  const images = join(dir, "images");
  // Its own image: an item on an image the folder also has would share identical judge calls (asked once) with it.
  const questions = join(dir, "questions", "questions.jsonl");
  before(async () => {
    server = await startScriptedServer({ script: distinct });
    mkdirSync(images, { recursive: true });
    mkdirSync(join(dir, "questions"));
    for (const [i, path] of [join(images, "a.png"), join(images, "b.png"), join(images, "c.png"), join(dir, "questions", "q.png")].entries()) {
      await sharp(noise(i + 1, 320 * 240 * 3), { raw: { width: 320, height: 240, channels: 3 } }).png().toFile(path);
    }
    writeFileSync(
      questions,
      [
        { image: "q.png", question: "What would a visitor feel when standing in this place? Explain in detail." },
        { image: "q.png", question: "Which of the following colours dominate? A. red B. blue" }, // screened out: no call
      ]
        .map((q) => JSON.stringify(q))
        .join("\n") + "\n",
    );
  });
  after(() => server.close());

  // natural_language=0: the script's compatibility checker drops only that type, so no replacement round happens.
  const generate = (out: string, extra: string[] = []) =>
    runCli(["generate", "--images", images, "--questions", questions, "--model", "unused", "--base-url", server.url, "--judge-base-url", server.url, ...ROLES, "--weights", "natural_language=0", "--seed", "5", "--out", out, "--quiet", ...extra]);
  const dpo = (items: string, out: string, extra: string[] = []) =>
    runCli(["dpo", "--items", items, "--model", "weak", "--base-url", server.url, "--judge", "judge", "--judge-base-url", server.url, "--strategy", "drop-one-third", "--out", out, "--quiet", ...extra]);

  it("generate: no request, per-stage counts equal the real run's calls, and a second dry run finds them all in the ledger", async () => {
    const out = join(dir, "gen");
    const sent = server.chatRequests().length;
    const dry = await generate(out, ["--dry-run", "--price", "1,2"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, sent, "no model call");
    assert.match(dry.stderr, /filter: 3 of 3 images kept \(no model call\)/);
    assert.match(dry.stderr, /5 input\(s\); the input checks passed and no model was called/);
    const first = plan(dry.stdout);
    assert.ok(Object.values(first.stages).every(([, held]) => held === 0), "nothing in the ledger yet");
    assert.notEqual(first.cost, "0.0000");
    // 3 images → 3 proposal calls; the kept question → 1 main-task call and 2 constraint calls (select, write).
    assert.equal(first.stages["tasks tasks"]![0], 3);
    assert.equal(first.stages["tasks questions"]![0], 1);
    assert.equal(first.stages["cons constraints"]![0], 3 + 2);
    assert.equal(first.stages["compat compat"]![0], 4);

    const real = await generate(out);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(calls(first), ledgerCalls(out), "every stage's count is the calls the run made");
    assert.equal(server.chatRequests().length - sent, Object.values(calls(first)).reduce((a, b) => a + b, 0));

    const again = await generate(out, ["--dry-run", "--price", "1,2"]);
    assert.equal(again.code, 0, again.stderr);
    const second = plan(again.stdout);
    assert.deepEqual(calls(second), calls(first));
    assert.ok(Object.entries(second.stages).every(([, [n, held]]) => n === held), "every call is already paid for");
    assert.equal(second.cost, "0.0000");
  });

  it("generate --shard 0/2: the dry run counts only that shard's inputs, the calls its real run then makes", async () => {
    const out = join(dir, "gen-shard");
    const sent = server.chatRequests().length;
    const dry = await generate(out, ["--dry-run", "--shard", "0/2"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, sent, "no model call");
    const planned = Number(/(\d+) input\(s\); the input checks passed/.exec(dry.stderr)?.[1]);
    const real = await generate(out, ["--shard", "0/2"]);
    assert.equal(real.code, 0, real.stderr);
    const taken = (JSON.parse(readFileSync(join(out, "shard.json"), "utf8")) as { positions: number[] }).positions.length;
    assert.equal(planned, taken, "the inputs planned are the shard's own");
    assert.ok(taken < 5, "a shard takes fewer than the run's 5 inputs");
    assert.deepEqual(calls(plan(dry.stdout)), ledgerCalls(out), "every stage's count is the calls the shard's run made");
  });

  it("generate: after a run of the first input, only its calls are held", async () => {
    const out = join(dir, "gen-partial");
    assert.equal((await generate(out, ["--limit", "1"])).code, 0);
    const held = ledgerCalls(out);
    const sent = server.chatRequests().length;
    const dry = await generate(out, ["--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, sent);
    const p = plan(dry.stdout);
    assert.deepEqual(p.stages["tasks tasks"], [3, 1]);
    for (const [k, n] of Object.entries(held)) assert.equal(p.stages[k]![1], n, `${k}: the ledger's calls of the first input`);
    assert.match(p.cost, /no price given/);
  });

  it("a dry run leaves the run folder as it was: nothing created in a new one, nothing changed in a used one, and it reads one another run holds", async () => {
    const fresh = join(dir, "gen-untouched");
    const dry = await generate(fresh, ["--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(existsSync(fresh), false, "no --out folder, ledger or lock made");
    const dpoFresh = join(dir, "dpo-untouched");
    assert.equal((await dpo(join(dir, "gen", "items.jsonl"), dpoFresh, ["--dry-run"])).code, 0);
    assert.equal(existsSync(dpoFresh), false);

    // A used folder (the finished run of the first test), held by a live run: every file stays byte for byte.
    const used = join(dir, "gen");
    writeFileSync(join(used, ".mmif-lock"), JSON.stringify({ pid: process.pid, host: hostname(), command: "generate", started_at: new Date().toISOString() }));
    writeFileSync(join(used, `stats.json.tmp-${2 ** 22 + 1}`), "a dead process's half-written file");
    try {
      const before = folderSnapshot(used);
      const held = await generate(used, ["--dry-run"]);
      assert.equal(held.code, 0, held.stderr);
      assert.ok(Object.values(plan(held.stdout).stages).every(([n, inLedger]) => n === inLedger), "the ledger was read: every call is already paid");
      assert.deepEqual(folderSnapshot(used), before, "ledger, lock, outputs and leftovers untouched");
      assert.equal((await generate(used)).code, 2, "a real run still refuses the held folder");
    } finally {
      rmSync(join(used, ".mmif-lock"));
      rmSync(join(used, `stats.json.tmp-${2 ** 22 + 1}`));
    }
  });

  it("generate: an unset key variable stops the dry run as it stops a run (exit 2, nothing sent)", async () => {
    const sent = server.chatRequests().length;
    const r = await generate(join(dir, "gen-nokey"), ["--dry-run", "--api-key-env", "MMIF_DRY_RUN_UNSET_KEY"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /MMIF_DRY_RUN_UNSET_KEY/);
    assert.equal(server.chatRequests().length, sent);
  });

  it("dpo: no request, counts equal the real run's calls, then all held", async () => {
    const items = join(dir, "gen", "items.jsonl");
    const out = join(dir, "dpo");
    const sent = server.chatRequests().length;
    const dry = await dpo(items, out, ["--dry-run", "--price", "1,2", "--judge-price", "3,4"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, sent, "no model call");
    const first = plan(dry.stdout);
    const kept = readFileSync(items, "utf8").trim().split("\n").filter((l) => JSON.parse(l).kept === true).length;
    assert.ok(kept >= 1);
    assert.deepEqual(first.stages["weak dpo:rejected"], [kept, 0], "one rejected answer per kept item");

    const real = await dpo(items, out);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(calls(first), ledgerCalls(out));

    const again = await dpo(items, out, ["--dry-run"]);
    assert.equal(again.code, 0, again.stderr);
    const second = plan(again.stdout);
    assert.deepEqual(calls(second), calls(first));
    assert.ok(Object.values(second.stages).every(([n, held]) => n === held), "every call is already paid for");
    assert.equal(server.chatRequests().length, sent + Object.values(calls(first)).reduce((a, b) => a + b, 0));
  });

  it("dpo --shard: the dry run counts only that shard's kept items, the calls its real run then makes", async () => {
    const items = join(dir, "gen", "items.jsonl");
    // Read as dpo reads them (checked records), so the split computed here is the one the run makes.
    const keptItems = (await readChecked("items.jsonl", items)).filter((i) => i.kept === true);
    // A split where shard 0 takes some kept items but not all.
    const n = [2, 3, 4, 5, 6].find((count) => {
      const taken = keptItems.filter((i) => inShard({ index: 0, count }, itemShardHash(i))).length;
      return taken > 0 && taken < keptItems.length;
    });
    assert.ok(n !== undefined, "some split divides the kept items");
    const out = join(dir, "dpo-shard");
    const sent = server.chatRequests().length;
    const dry = await dpo(items, out, ["--dry-run", "--shard", `0/${n}`, "--price", "1,2"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(server.chatRequests().length, sent, "no model call");
    const real = await dpo(items, out, ["--shard", `0/${n}`]);
    assert.equal(real.code, 0, real.stderr);
    const taken = (JSON.parse(readFileSync(join(out, "shard.json"), "utf8")) as { positions: number[] }).positions.length;
    assert.ok(taken > 0 && taken < keptItems.length, `the shard takes ${taken} of ${keptItems.length} kept items`);
    const planned = calls(plan(dry.stdout));
    assert.equal(planned["weak dpo:rejected"], taken, "one rejected answer per kept item of the shard");
    assert.deepEqual(planned, ledgerCalls(out), "every stage's count is the calls the shard's run made");
  });
});
