import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, it } from "node:test";
import { LEDGER_FORMAT, Ledger } from "../../src/model/ledger.js";
import { usageWithCost } from "../../src/model/accounting.js";
import { tempDir } from "../helpers/cli.js";

const usage = (p: number, c: number) => ({ promptTokens: p, completionTokens: c });
const LEDGER_MODULE = new URL("../../src/model/ledger.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

describe("Ledger", () => {
  const dir = tempDir();

  it("records successes and failures, and a success is never overwritten", () => {
    const ledger = new Ledger(":memory:");
    ledger.recordFailure({ key: "k1", model: "m", stage: "s", request: "{}", error: "500", attempts: 3 });
    assert.equal(ledger.getSuccess("k1"), undefined);
    assert.equal(ledger.get("k1")?.status, "failed");
    ledger.recordSuccess({ key: "k1", model: "m", stage: "s", request: "{}", content: "hi", finishReason: "stop", usage: usage(10, 2), latencyMs: 5, attempts: 1 });
    const ok = ledger.getSuccess("k1");
    assert.equal(ok?.content, "hi");
    assert.equal(ok?.attempts, 4, "attempts of the failed run are kept");
    ledger.recordFailure({ key: "k1", model: "m", stage: "s", request: "{}", error: "later", attempts: 1 });
    ledger.recordSuccess({ key: "k1", model: "m", stage: "s", request: "{}", content: "other", finishReason: "stop", usage: usage(1, 1), latencyMs: 5, attempts: 1 });
    assert.equal(ledger.getSuccess("k1")?.content, "hi");
    assert.equal(ledger.get("k1")?.error, null);
  });

  it("totals usage per model and stage over successful calls", () => {
    const ledger = new Ledger(":memory:");
    const ok = (key: string, model: string, stage: string, p: number, c: number) =>
      ledger.recordSuccess({ key, model, stage, request: "{}", content: "x", finishReason: "stop", usage: usage(p, c), latencyMs: 1, attempts: 1 });
    ok("a", "m1", "answer", 10, 1);
    ok("b", "m1", "answer", 20, 2);
    ok("c", "m2", "judge", 5, 5);
    ledger.recordFailure({ key: "d", model: "m2", stage: "judge", request: "{}", error: "x", attempts: 6 });
    assert.deepEqual(ledger.usageTotals(), [
      { model: "m1", stage: "answer", calls: 2, failed: 0, promptTokens: 30, completionTokens: 3 },
      { model: "m2", stage: "judge", calls: 1, failed: 1, promptTokens: 5, completionTokens: 5 },
    ]);
    assert.equal(ledger.count("ok"), 3);
    assert.equal(ledger.count(), 4);
    const costs = usageWithCost(ledger, { m1: { input: 1_000_000, output: 2_000_000 } });
    assert.deepEqual(costs.map((c) => c.cost), [30 + 6, null]);
  });

  it("persists across reopening, in WAL mode, creating parent folders", () => {
    const path = join(dir, "nested", "calls.sqlite");
    const a = new Ledger(path);
    a.recordSuccess({ key: "k", model: "m", stage: "s", request: "{}", content: "kept", finishReason: null, usage: usage(1, 1), latencyMs: 1, attempts: 1 });
    a.recordAttemptError({ key: "k", attempt: 1, kind: "server", status: 500, message: "boom" });
    a.close();
    const b = new Ledger(path);
    assert.equal(b.getSuccess("k")?.content, "kept");
    assert.deepEqual(b.attemptErrors("k"), [{ key: "k", attempt: 1, kind: "server", status: 500, message: "boom" }]);
    b.close();
  });

  // A ledger as format 1 wrote it: the request JSON in `request`, no request_z/request_dict columns, user_version 0.
  const FORMAT_1 = `
CREATE TABLE calls (key TEXT PRIMARY KEY, model TEXT NOT NULL, stage TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  request TEXT NOT NULL, content TEXT, finish_reason TEXT, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE attempt_errors (id INTEGER PRIMARY KEY, key TEXT NOT NULL, attempt INTEGER NOT NULL, kind TEXT NOT NULL, status INTEGER, message TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE batch_calls (key TEXT NOT NULL, batch_id TEXT NOT NULL, model TEXT NOT NULL, stage TEXT NOT NULL, request TEXT NOT NULL, outcome TEXT, PRIMARY KEY (key, batch_id));`;

  it("reads a format-1 ledger (request JSON as text), migrates it, and resumes from it", () => {
    const path = join(dir, "format1.sqlite");
    const old = new Database(path);
    old.exec(FORMAT_1);
    old.prepare("INSERT INTO calls (key, model, stage, status, request, content, finish_reason, prompt_tokens, completion_tokens, attempts) VALUES (?, ?, ?, 'ok', ?, ?, 'stop', 7, 3, 1)")
      .run("old", "m", "answer", '{"messages":"old request"}', "old answer");
    old.close();
    const ledger = new Ledger(path);
    assert.equal(ledger.getSuccess("old")?.content, "old answer", "a call answered under format 1 is not sent again");
    assert.equal(ledger.request("old"), '{"messages":"old request"}');
    assert.deepEqual(ledger.usageTotals(), [{ model: "m", stage: "answer", calls: 1, failed: 0, promptTokens: 7, completionTokens: 3 }]);
    ledger.recordSuccess({ key: "new", model: "m", stage: "answer", request: '{"messages":"new request"}', content: "new answer", finishReason: "stop", usage: usage(1, 1), latencyMs: 1, attempts: 1 });
    assert.equal(ledger.request("new"), '{"messages":"new request"}');
    ledger.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), LEDGER_FORMAT);
    const row = db.prepare("SELECT request, request_z FROM calls WHERE key = 'new'").get() as { request: string; request_z: Buffer };
    assert.equal(row.request, "", "format 2 keeps the request deflated, not as text");
    assert.ok(row.request_z.length > 0);
    db.close();
    // Opening it again (now format 2) changes nothing.
    const again = new Ledger(path);
    assert.equal(again.request("old"), '{"messages":"old request"}');
    assert.equal(again.request("new"), '{"messages":"new request"}');
    again.close();
  });

  /** A format-1 ledger with `rows` answered calls (k0, k1, ...). */
  function format1Ledger(path: string, rows: number): void {
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec(FORMAT_1);
    const insert = old.prepare("INSERT INTO calls (key, model, stage, status, request, content, prompt_tokens, completion_tokens, attempts) VALUES (?, 'm', 'answer', 'ok', ?, ?, 1, 1, 1)");
    old.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(`k${i}`, `{"messages":"request ${i} ✓"}`, `answer ${i}`);
    })();
    old.close();
  }

  /** Runs `code` in another Node process (with Ledger, Database and `path` in scope); resolves with its stdout. */
  function inChild(path: string, code: string, onLine?: (line: string, child: ChildProcess) => void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
    const script = `import { Ledger } from ${JSON.stringify(LEDGER_MODULE)}; import Database from "better-sqlite3"; const path = ${JSON.stringify(path)};\n${code}`;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        for (const line of d.split("\n").filter(Boolean)) onLine?.(line, child);
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  it("a migration killed before it committed leaves the format-1 ledger as it was: the next open migrates it, nothing lost", async () => {
    const path = join(dir, "killed.sqlite");
    format1Ledger(path, 200);
    // The migration's own steps, in its transaction, then SIGKILL before the commit.
    const child = await inChild(
      path,
      `const db = new Database(path); db.exec("BEGIN IMMEDIATE; ALTER TABLE calls ADD COLUMN request_z BLOB; ALTER TABLE calls ADD COLUMN request_dict INTEGER; PRAGMA user_version = 2;");
       console.log("altered"); setInterval(() => {}, 1000);`,
      (line, c) => line === "altered" && c.kill("SIGKILL"),
    );
    assert.equal(child.signal, "SIGKILL", child.stderr);
    const ledger = new Ledger(path);
    assert.equal(ledger.count("ok"), 200);
    for (const i of [0, 123, 199]) {
      assert.equal(ledger.getSuccess(`k${i}`)?.content, `answer ${i}`);
      assert.equal(ledger.request(`k${i}`), `{"messages":"request ${i} ✓"}`);
    }
    ledger.recordSuccess({ key: "new", model: "m", stage: "answer", request: '{"messages":"new"}', content: "n", finishReason: "stop", usage: usage(1, 1), latencyMs: 1, attempts: 1 });
    assert.equal(ledger.request("new"), '{"messages":"new"}');
    ledger.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), LEDGER_FORMAT);
    db.close();
  });

  it("two processes opening one format-1 ledger at once both migrate it safely and keep every call", async () => {
    const path = join(dir, "two.sqlite");
    format1Ledger(path, 300);
    const writer = (name: string) =>
      inChild(
        path,
        `const ledger = new Ledger(path);
         let old = 0;
         for (let i = 0; i < 300; i++) if (ledger.request("k" + i) === '{"messages":"request ' + i + ' ✓"}' && ledger.getSuccess("k" + i)) old++;
         for (let i = 0; i < 200; i++) ledger.recordSuccess({ key: "${name}" + i, model: "m", stage: "answer", request: '{"messages":"${name} ' + i + ' é"}', content: "${name}", finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 1, attempts: 1 });
         ledger.close();
         console.log(old);`,
      );
    const [a, b] = await Promise.all([writer("a"), writer("b")]);
    assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
    assert.deepEqual([a.stdout.trim(), b.stdout.trim()], ["300", "300"], "each process read every format-1 call");
    const ledger = new Ledger(path);
    assert.equal(ledger.count("ok"), 700);
    for (const name of ["a", "b"]) for (const i of [0, 99, 199]) assert.equal(ledger.request(`${name}${i}`), `{"messages":"${name} ${i} é"}`);
    assert.equal(ledger.request("k7"), '{"messages":"request 7 ✓"}');
    ledger.close();
  });

  it("stores each stage's repeated prompt text once: requests round-trip at well under half their size", () => {
    const template = "Your task is to evaluate whether the response from an AI assistant adheres to all of the given constraints. ".repeat(12);
    const request = (i: number) => JSON.stringify({ model: "judge", messages: [{ role: "user", content: `${template}\n<start of response>\nAnswer number ${i}: ${"word ".repeat(i % 40)}\n<end of response>` }], params: { temperature: 0 } });
    const path = join(dir, "compact.sqlite");
    const plain = join(dir, "plain.sqlite");
    const ledger = new Ledger(path);
    const format1 = new Database(plain);
    format1.exec(FORMAT_1);
    const insert = format1.prepare("INSERT INTO calls (key, model, stage, status, request, content, prompt_tokens, completion_tokens, attempts) VALUES (?, 'judge', 'judge:direct', 'ok', ?, 'Summary: fine', 1, 1, 1)");
    for (let i = 0; i < 500; i++) {
      ledger.recordSuccess({ key: `k${i}`, model: "judge", stage: "judge:direct", request: request(i), content: "Summary: fine", finishReason: "stop", usage: usage(1, 1), latencyMs: 1, attempts: 1 });
      insert.run(`k${i}`, request(i));
    }
    for (const i of [0, 1, 77, 499]) assert.equal(ledger.request(`k${i}`), request(i));
    ledger.close();
    format1.close();
    const ratio = statSync(path).size / statSync(plain).size;
    assert.ok(ratio < 0.5, `format 2 is ${(100 * ratio).toFixed(0)} % of format 1`);
  });

  it("importFrom (mmif merge): the same call in two shards' ledgers is kept once, a success over a failure, and a repeat adds nothing", () => {
    const shard = (name: string, fill: (l: Ledger) => void) => {
      const path = join(dir, `${name}.sqlite`);
      const l = new Ledger(path);
      fill(l);
      l.close();
      return path;
    };
    const ok = (l: Ledger, key: string, content: string, tokens: number) =>
      l.recordSuccess({ key, model: "m", stage: "answer", request: `{"q":"${key}"}`, content, finishReason: "stop", usage: usage(tokens, 1), latencyMs: 1, attempts: 1 });
    // Shard A answered k1 and k2; shard B failed k1 (with an attempt error) and answered k3; shard C answered k2 too,
    // differently (the same call made twice).
    const a = shard("shard-a", (l) => {
      ok(l, "k1", "a1", 10);
      ok(l, "k2", "a2", 20);
    });
    const b = shard("shard-b", (l) => {
      l.recordFailure({ key: "k1", model: "m", stage: "answer", request: '{"q":"k1"}', error: "500", attempts: 3 });
      l.recordAttemptError({ key: "k1", attempt: 1, kind: "server", status: 500, message: "boom" });
      ok(l, "k3", "b3", 30);
    });
    const c = shard("shard-c", (l) => ok(l, "k2", "c2", 99));
    for (const order of [[a, b, c], [b, c, a]]) {
      const merged = new Ledger(":memory:");
      for (const path of [...order, ...order]) merged.importFrom(path);
      assert.equal(merged.getSuccess("k1")?.content, "a1", "a success replaces a failure, whichever shard comes first");
      assert.equal(merged.get("k1")?.error, null);
      assert.equal(merged.getSuccess("k2")?.content, order[0] === a ? "a2" : "c2", "a success already merged stays");
      assert.equal(merged.getSuccess("k3")?.content, "b3");
      assert.equal(merged.request("k3"), '{"q":"k3"}');
      assert.equal(merged.count(), 3, "each call once");
      assert.equal(merged.count("ok"), 3);
      assert.deepEqual(merged.attemptErrors("k1"), [{ key: "k1", attempt: 1, kind: "server", status: 500, message: "boom" }], "attempt errors copied once");
      const [totals] = merged.usageTotals();
      assert.equal(totals!.calls, 3, "usage counts the call made in two shards once");
      merged.close();
    }
  });
});

describe("Ledger requests (format 2): restored byte for byte", () => {
  const dir = tempDir();
  const ok = (ledger: Ledger, key: string, stage: string, request: string) =>
    ledger.recordSuccess({ key, model: "m", stage, request, content: "x", finishReason: "stop", usage: usage(1, 1), latencyMs: 1, attempts: 1 });

  it("non-ASCII text, a prompt far longer than deflate's 32 KB window, and requests unlike their stage's dictionary", () => {
    const path = join(dir, "exact.sqlite");
    const ledger = new Ledger(path);
    const requests = new Map<string, string>([
      // The first request of the stage becomes its dictionary.
      ["first", JSON.stringify({ messages: [{ role: "user", content: "Describe the image in three sentences." }] })],
      ["unicode", JSON.stringify({ messages: [{ role: "user", content: "Décris l'image — 描述这张图片 😀 \u0000 \u2028 مرحبا" }] })],
      ["escaped", JSON.stringify({ messages: [{ role: "user", content: "lone surrogate \ud800 and a quote \" and \\ backslash" }] })],
      ["long", JSON.stringify({ messages: [{ role: "user", content: Array.from({ length: 40_000 }, (_, i) => `word${(i * 7919) % 10007}`).join(" ") }] })],
      // The stage's prompt changed (a new mmif version): nothing in common with the dictionary.
      ["changed", JSON.stringify({ model: "m", messages: [{ role: "system", content: "Você é um juiz. ".repeat(50) }], params: { temperature: 0.7 } })],
    ]);
    for (const [key, request] of requests) ok(ledger, key, "answer", request);
    ledger.close();
    // Read back by a fresh process's ledger: nothing cached, only what the file holds.
    const again = new Ledger(path);
    for (const [key, request] of requests) assert.equal(again.request(key), request, key);
    assert.ok(requests.get("long")!.length > 300_000);
    again.close();
  });

  it("a transaction rolled back after a stage's first request leaves later requests of that stage restorable", () => {
    const path = join(dir, "rollback.sqlite");
    const ledger = new Ledger(path);
    // The first request of stage "judge" (its dictionary) is written in a transaction that then fails (disk full,
    // a constraint, an exception in the same transaction): the dictionary row goes with it.
    assert.throws(() =>
      ledger.database.transaction(() => {
        ok(ledger, "gone", "judge", '{"messages":"the rolled back one"}');
        throw new Error("disk full");
      })(),
    );
    assert.equal(ledger.get("gone"), undefined);
    ok(ledger, "kept", "judge", '{"messages":"recorded after the rollback"}');
    ledger.close();
    const again = new Ledger(path);
    assert.equal(again.request("kept"), '{"messages":"recorded after the rollback"}');
    again.close();
  });
});

describe("a ledger snapshot (a dry run's view)", () => {
  const call = (key: string) => ({ key, model: "m", stage: "s", request: `{"q":"${key}"}`, content: `answer ${key}`, finishReason: "stop", usage: { promptTokens: 3, completionTokens: 4 }, latencyMs: 1, attempts: 1 });
  const listing = (dir: string) => readdirSync(dir).sort();

  it("holds every commit, also those still in the WAL of a run that is writing, and leaves the folder as it was", async () => {
    const dir = tempDir();
    const path = join(dir, "ledger.sqlite");
    const closed = new Ledger(path);
    await closed.commitSuccess(call("a"));
    closed.close();
    const bytes = readFileSync(path);
    assert.deepEqual(listing(dir), ["ledger.sqlite"]);
    const copy = new Ledger(path, { snapshot: true });
    assert.equal(copy.get("a")?.content, "answer a");
    await copy.commitSuccess(call("b")); // written to the copy only
    copy.close();
    assert.deepEqual(listing(dir), ["ledger.sqlite"], "no -wal or -shm left beside a closed ledger");
    assert.ok(readFileSync(path).equals(bytes), "the file is unchanged");

    const writing = new Ledger(path); // a run at work: its commits sit in the WAL
    await writing.commitSuccess(call("c"));
    const during = listing(dir);
    const seen = new Ledger(path, { snapshot: true });
    assert.equal(seen.get("c")?.content, "answer c");
    assert.equal(seen.get("b"), undefined);
    seen.close();
    assert.deepEqual(listing(dir), during);
    assert.equal(writing.get("c")?.status, "ok", "the writer goes on");
    writing.close();
  });

  it("is empty, and makes nothing, where there is no ledger", () => {
    const dir = tempDir();
    const none = new Ledger(join(dir, "sub", "ledger.sqlite"), { snapshot: true });
    assert.equal(none.get("a"), undefined);
    none.close();
    assert.deepEqual(listing(dir), []);
  });
});
