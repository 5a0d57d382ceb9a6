import assert from "node:assert/strict";
import { accessSync, constants, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { MMIF, runCli } from "../helpers/cli.js";

describe("mmif", () => {
  it("is an executable declared as the package's bin", () => {
    accessSync(MMIF, constants.X_OK);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.equal(pkg.bin.mmif, "bin/mmif.js");
  });

  it("--help lists every command with one line each and exits 0", async () => {
    const r = await runCli(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: mmif \[options\] \[command\]/);
    assert.match(r.stdout, /^\s+verify \[options\]\s+check responses with MM-IFEval's 19 rule-based\s+verify/m);
  });

  it("--version prints the package version", async () => {
    const r = await runCli(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
  });

  it("exits 2 on an unknown command or flag", async () => {
    const a = await runCli(["frobnicate"]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown command 'frobnicate'/);
    const b = await runCli(["verify", "--bogus"]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /unknown option '--bogus'/);
  });
});
