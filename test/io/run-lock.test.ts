import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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

  it("refuses a lock another host holds, whatever its pid", () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, command: "eval", started_at: "then" }));
    assert.throws(() => acquireRunLock(dir, "eval"), (e: unknown) => e instanceof RunLockedError && e.message.includes(`on not-${hostname()}`));
  });

  /** Three processes run `loop` (the body of a 2-second loop) against one folder; their counts of holds and overlaps. */
  async function race(dir: string, loop: string): Promise<Array<{ held: number; overlaps: number; broken: number }>> {
    const script = `
      import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
      import { hostname } from "node:os";
      import { acquireRunLock } from ${JSON.stringify(new URL("../../src/io/run-lock.ts", import.meta.url).pathname)};
      const dir = ${JSON.stringify(dir)};
      let held = 0, overlaps = 0, broken = 0;
      for (const end = Date.now() + 2000; Date.now() < end; ) {
        let lock;
        try { lock = acquireRunLock(dir, "race"); } catch { continue; }
        held++;
        try { closeSync(openSync(dir + "/inside", "wx")); } catch { overlaps++; lock.release(); continue; }
        ${loop}
      }
      console.log(JSON.stringify({ held, overlaps, broken }));`;
    return Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<{ held: number; overlaps: number; broken: number }>((resolve, reject) => {
            const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: new URL("../..", import.meta.url).pathname, stdio: ["ignore", "pipe", "inherit"] });
            let out = "";
            child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
  }

  it("lets only one of several processes racing for the folder hold it at a time", async () => {
    // Each process takes and releases the lock in a loop; while it holds it, it owns a marker file made with O_EXCL.
    // A second holder at the same time finds the marker there. Before locks were written whole and linked into place,
    // a contender could read a just-created, still empty lock file, take it for stale and remove it; later, a lock
    // released between a contender's failed link and its read was taken for stale and a fresh one moved aside.
    const dir = tempDir();
    const runs = await race(dir, `unlinkSync(dir + "/inside"); lock.release();`);
    assert.ok(runs.reduce((n, r) => n + r.held, 0) > 0, "the lock was taken");
    assert.deepEqual(runs.map((r) => r.overlaps), [0, 0, 0], "never two holders at once");
    assert.deepEqual(readdirSync(dir), [], "no lock and no temporary file left");
  });

  it("lets only one hold it when holders keep dying and the others race to take over their stale locks", async () => {
    // Every other hold ends as a crash would: the lock stays, its process (a pid that is not running) gone.
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const runs = await race(
      dir,
      `unlinkSync(dir + "/inside");
        if (held % 2 === 0) {
          const tmp = dir + "/stale-" + process.pid;
          writeFileSync(tmp, JSON.stringify({ pid: ${dead}, host: hostname(), command: "crashed", started_at: process.pid + "-" + held }));
          renameSync(tmp, dir + "/.mmif-lock");
          broken++;
        }
        lock.release();`,
    );
    assert.ok(runs.reduce((n, r) => n + r.broken, 0) > 3, `stale locks were left and taken over: ${JSON.stringify(runs)}`);
    assert.deepEqual(runs.map((r) => r.overlaps), [0, 0, 0], "never two holders at once");
    assert.deepEqual(readdirSync(dir).filter((f) => f !== ".mmif-lock"), [], "no temporary or breaker file left");
  });
});
