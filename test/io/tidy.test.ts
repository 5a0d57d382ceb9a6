// Leftover temporary files: those of gone processes (and our own) are removed, a live process's are left alone.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keepOnlyFiles, removeLeftoverTemps, tempPath } from "../../src/io/tidy.js";
import { tempDir } from "../helpers/cli.js";

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

describe("removeLeftoverTemps", () => {
  it("removes the temporary files of gone processes and our own, in the folder and its sub-folders, and nothing else", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "images"));
    mkdirSync(join(dir, "images", "deeper"));
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const dead = deadPid();
      const files = {
        [`items.jsonl.tmp-${dead}`]: true,
        [`images/ab.png.tmp-${dead}-7`]: true,
        [tempPath("stats.json").replace(/^.*\//, "")]: true,
        [`pairs.jsonl.tmp-${live.pid}`]: false,
        [`images/cd.png.tmp-${live.pid}-2`]: false,
        "items.jsonl": false,
        "notes.tmp-draft": false,
        [`images/deeper/x.tmp-${dead}`]: false, // only one level down
      };
      for (const name of Object.keys(files)) writeFileSync(join(dir, name), "x");
      const removed = removeLeftoverTemps(dir);
      assert.deepEqual(removed.sort(), Object.keys(files).filter((f) => files[f]).sort());
      for (const [name, gone] of Object.entries(files)) assert.equal(existsSync(join(dir, name)), !gone, name);
    } finally {
      live.kill();
    }
  });

  it("is a no-op on a folder that does not exist", () => {
    assert.deepEqual(removeLeftoverTemps(join(tempDir(), "nowhere")), []);
  });
});

describe("keepOnlyFiles", () => {
  it("keeps exactly the named files (and a live process's temporary files)", () => {
    const dir = tempDir();
    for (const name of ["a.png", "b.png", "c.jpg", `d.png.tmp-${process.ppid}-1`]) writeFileSync(join(dir, name), "x");
    mkdirSync(join(dir, "stray"));
    assert.equal(keepOnlyFiles(dir, new Set(["a.png", "c.jpg", "never-there.png"])), 2);
    assert.deepEqual(readdirSync(dir).sort(), ["a.png", "c.jpg", `d.png.tmp-${process.ppid}-1`]);
  });
});
