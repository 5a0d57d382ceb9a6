// A process killed with SIGKILL mid-run loses at most its in-flight calls; the rerun reuses every finished call.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Ledger } from "../../src/model/ledger.js";
import { tempDir } from "../helpers/cli.js";
import { startScriptedServer } from "../helpers/scripted-server.js";

const WORKER = new URL("./fixtures/ledger-worker.ts", import.meta.url).pathname;
const CALLS = 40;
const CONCURRENCY = 4;

function startWorker(env: Record<string, string>) {
  return spawn(process.execPath, ["--import", "tsx", WORKER], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

describe("Ctrl-C", () => {
  it("stops taking new calls, finishes and records the calls in flight, and a rerun does the rest", async () => {
    const server = await startScriptedServer({ latencyMs: 100 });
    after(() => server.close());
    const ledgerPath = join(tempDir(), "ledger.sqlite");
    const env = { SERVER_URL: server.url, LEDGER_PATH: ledgerPath, CALLS: String(CALLS), CONCURRENCY: String(CONCURRENCY) };
    const first = startWorker(env);
    let err = "";
    first.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    await server.waitForRequests(CONCURRENCY * 2 + 1, 10_000);
    first.kill("SIGINT");
    const [code] = await once(first, "exit");
    assert.equal(code, 1, "calls were left undone");
    assert.match(err, /interrupted \(Ctrl-C\); finishing the calls in flight/);
    const sent = server.chatRequests().length;
    assert.ok(sent < CALLS, "no new calls after the interrupt");
    const ledger = new Ledger(ledgerPath);
    assert.equal(ledger.count("ok"), sent, "every call sent was answered and recorded");
    assert.equal(ledger.count("failed"), 0, "calls refused at the interrupt are not recorded as failures");
    ledger.close();
    server.resetStats();
    const second = startWorker(env);
    const [code2] = await once(second, "exit");
    assert.equal(code2, 0);
    assert.equal(server.chatRequests().length, CALLS - sent);
  });
});

describe("kill -9 and resume", () => {
  it("reuses every call recorded before the kill and finishes the rest", async () => {
    const server = await startScriptedServer({ latencyMs: 40 });
    after(() => server.close());
    const ledgerPath = join(tempDir(), "ledger.sqlite");
    const env = { SERVER_URL: server.url, LEDGER_PATH: ledgerPath, CALLS: String(CALLS), CONCURRENCY: String(CONCURRENCY) };

    const first = startWorker(env);
    const answered = () => server.chatRequests().filter((r) => r.status === 200).length;
    while (answered() < 12) await new Promise((r) => setTimeout(r, 5));
    first.kill("SIGKILL");
    const [, signal] = await once(first, "exit");
    assert.equal(signal, "SIGKILL");

    const answeredBeforeKill = answered();
    const ledger = new Ledger(ledgerPath);
    const recorded = ledger.count("ok");
    ledger.close();
    assert.ok(recorded >= answeredBeforeKill - CONCURRENCY, `recorded ${recorded} of ${answeredBeforeKill} answered: more than the in-flight calls were lost`);
    assert.ok(recorded < CALLS, "the kill came mid-run");
    // A request cut off mid-upload by the kill has no body recorded.
    const firstRunPrompts = new Set(server.chatRequests().map((r) => r.body?.messages[0].content));

    server.resetStats();
    const second = startWorker(env);
    let out = "";
    second.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const [code] = await once(second, "exit");
    assert.equal(code, 0);
    const lines = out.trim().split("\n");
    assert.equal(lines.length, CALLS);
    assert.equal(lines.filter((l) => l.endsWith("cached")).length, recorded);
    assert.equal(server.chatRequests().length, CALLS - recorded, "only unrecorded calls are sent again");
    const resent = server.chatRequests().map((r) => r.body.messages[0].content);
    // Whatever was re-sent was not recorded: never sent, in flight at the kill, or answered but not yet committed.
    const repeated = resent.filter((p) => firstRunPrompts.has(p)).length;
    assert.ok(repeated <= CONCURRENCY + (answeredBeforeKill - recorded), `${repeated} first-run prompts sent again`);
    const final = new Ledger(ledgerPath);
    assert.equal(final.count("ok"), CALLS);
    final.close();
  });
});
