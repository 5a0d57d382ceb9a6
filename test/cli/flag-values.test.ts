// Option values checked before any work: prices.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parsePrice } from "../../src/cli/flag-values.js";
import { runCli, tempDir } from "../helpers/cli.js";

describe("price flags", () => {
  it("take two non-negative numbers; a missing one is an error, not a price of 0", () => {
    assert.deepEqual(parsePrice("2.5,10", "--price"), { input: 2.5, output: 10 });
    assert.deepEqual(parsePrice("0,0", "--price"), { input: 0, output: 0 });
    assert.equal(parsePrice(undefined, "--price"), undefined);
    for (const bad of ["2.5,", ",10", ",", " , ", "2.5", "1,2,3", "-1,2", "a,b", ""]) {
      assert.throws(() => parsePrice(bad, "--judge-price"), (e: Error) => e.message.includes("--judge-price") && e.message.includes(`"${bad}"`) && /like 2\.5,10/.test(e.message), bad);
    }
  });

  it("are checked by every command that takes them before anything is read (exit 2, the flag named)", async () => {
    const dir = tempDir();
    const out = join(dir, "out");
    const runs: Array<[string, string[]]> = [
      ["--model-price", ["eval", "--bench", join(dir, "b.jsonl"), "--model", "m", "--judge", "j", "--out", out]],
      ["--judge-price", ["score", "--bench", join(dir, "b.jsonl"), "--predictions", join(dir, "p.jsonl"), "--judge", "j", "--out", out]],
      ["--price", ["generate", "--images", dir, "--model", "m", "--out", out]],
      ["--judge-price", ["dpo", "--items", join(dir, "items.jsonl"), "--model", "m", "--judge", "j", "--out", out]],
    ];
    for (const [flag, args] of runs) {
      const r = await runCli([...args, flag, "2.5,", "--dry-run"]);
      assert.equal(r.code, 2, `${args[0]} ${flag}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${flag} takes two prices .*got "2\\.5,"`), `${args[0]} ${flag}`);
    }
  });
});
