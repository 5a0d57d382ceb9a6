import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { acquireRunLock, LOCK_FILE, RunLockedError } from "../../src/io/run-lock.js";
import { tempDir } from "../helpers/cli.js";

describe("run lock", () => {
  it("is taken, refused to a second holder while the first lives, and released", () => {
    const dir = join(tempDir(), "out");
    const lock = acquireRunLock(dir, "eval");
    const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
    assert.equal(info.pid, process.pid);
    lock.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  });

  it("refuses while another live process holds it, naming its pid", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, host: hostname(), command: "eval", started_at: "then" }));
      assert.throws(() => acquireRunLock(dir, "eval"), (e: unknown) => e instanceof RunLockedError && e.message.includes(`pid ${child.pid}`) && e.message.includes(dir));
    } finally {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    // Now that the holder is dead its lock is stale and taken over.
    const lock = acquireRunLock(dir, "score");
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).command, "score");
    lock.release();
  });

  it("takes over a half-written lock file", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    acquireRunLock(dir, "eval").release();
  });
});
