import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scanImageFolder } from "../../../src/engine/filter/index.js";
import { mapOrdered } from "../../../src/engine/filter/ordered.js";
import { tempDir } from "../../helpers/cli.js";

describe("scanImageFolder", () => {
  it("lists image files recursively by extension, sorted by code units, with / separators", async () => {
    const dir = tempDir();
    for (const f of ["b.JPG", "a.png", "z/c.webp", "z/y/d.tiff", "B.jpeg", "a-1.gif", "notes.txt", "noext", "z/.hidden.jpg", "x.avif", "y.bmp"]) {
      mkdirSync(join(dir, f, ".."), { recursive: true });
      writeFileSync(join(dir, f), "x");
    }
    mkdirSync(join(dir, "folder.jpg")); // a folder named like an image is a folder
    symlinkSync(join(dir, "a.png"), join(dir, "link.png"));
    symlinkSync(join(dir, "z"), join(dir, "zz-link")); // not followed
    const { files, problems } = await scanImageFolder(dir);
    assert.deepEqual(files, ["B.jpeg", "a-1.gif", "a.png", "b.JPG", "link.png", "x.avif", "y.bmp", "z/.hidden.jpg", "z/c.webp", "z/y/d.tiff"]);
    assert.deepEqual(problems, []);
  });

  it("throws when the folder itself is missing", async () => {
    await assert.rejects(scanImageFolder(join(tempDir(), "missing")), /ENOENT/);
  });
});

describe("mapOrdered", () => {
  it("keeps input order under concurrency, with at most `limit` calls running", async () => {
    let running = 0;
    let peak = 0;
    async function* numbers() {
      for (let i = 0; i < 50; i++) yield i;
    }
    const out: number[] = [];
    for await (const x of mapOrdered(numbers(), 4, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      running--;
      return i * 2;
    })) {
      out.push(x);
    }
    assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => i * 2));
    assert.equal(peak, 4);
  });

  it("stops taking new items when the signal is aborted", async () => {
    const controller = new AbortController();
    const out: number[] = [];
    for await (const x of mapOrdered([1, 2, 3, 4, 5, 6], 2, async (i) => i, controller.signal)) {
      out.push(x);
      if (x === 2) controller.abort();
    }
    assert.ok(out.length < 6, `took ${out.length}`);
    assert.deepEqual(out, [1, 2, 3, 4].slice(0, out.length));
  });
});
