// resolveInside: the one check that keeps a path a file names inside the folder it may name.
import assert from "node:assert/strict";
import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { resolveInside, sameFile } from "../../src/io/paths.js";
import { tempDir } from "../helpers/cli.js";

describe("resolveInside", () => {
  const root = "/data/bench";

  it("resolves relative, absolute and file:// paths that stay inside the root", () => {
    assert.deepEqual(resolveInside(root, "images/a.png"), { ok: true, path: join(root, "images/a.png") });
    assert.deepEqual(resolveInside(root, join(root, "b.png")), { ok: true, path: join(root, "b.png") });
    assert.deepEqual(resolveInside(root, pathToFileURL(join(root, "c d.png")).href), { ok: true, path: join(root, "c d.png") });
    assert.deepEqual(resolveInside(root, "x/../y.png"), { ok: true, path: join(root, "y.png") });
  });

  it("refuses paths that leave the root, and NUL characters, saying why", () => {
    for (const value of ["../secret.png", "/etc/passwd", "images/../../x.png", "file:///etc/passwd"]) {
      const r = resolveInside(root, value);
      assert.equal(r.ok, false, value);
      assert.match((r as { message: string }).message, /outside the image root \/data\/bench/);
    }
    const nul = resolveInside(root, "a\0.png");
    assert.deepEqual(nul, { ok: false, message: "the path contains a NUL character" });
  });
});

describe("sameFile", () => {
  it("is true for two names of one file (a detour, a hard link), false for another file or a missing one", () => {
    const dir = tempDir();
    const a = join(dir, "a.jsonl");
    writeFileSync(a, "{}\n");
    writeFileSync(join(dir, "b.jsonl"), "{}\n");
    mkdirSync(join(dir, "sub"));
    linkSync(a, join(dir, "sub", "link.jsonl"));
    assert.equal(sameFile(a, join(dir, "sub", "..", "a.jsonl")), true);
    assert.equal(sameFile(a, join(dir, "sub", "link.jsonl")), true);
    assert.equal(sameFile(a, join(dir, "b.jsonl")), false, "same content, another file");
    assert.equal(sameFile(a, join(dir, "missing.jsonl")), false);
  });
});
