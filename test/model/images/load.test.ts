import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { rngFor } from "../../../src/common/random.js";
import { decodeBase64, decodeBase64Pieces } from "../../../src/model/images/load.js";

/** The rule decodeBase64 promises, written the plain way: strip whitespace, check the alphabet, decode. */
function oracle(value: string, maxBytes: number): Buffer | "rejected" {
  const clean = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length % 4 === 1) return "rejected";
  if (Math.floor((clean.length * 3) / 4) > maxBytes) return "rejected";
  return Buffer.from(clean, "base64");
}

function attempt(value: string, maxBytes: number): Buffer | "rejected" {
  try {
    return decodeBase64(value, "x", maxBytes);
  } catch {
    return "rejected";
  }
}

function attemptPieces(pieces: string[], maxBytes: number): Buffer | "rejected" {
  try {
    return decodeBase64Pieces(pieces, "x", maxBytes);
  } catch {
    return "rejected";
  }
}

/** `value` cut at random places into 1 to 5 pieces (empty ones included). */
function cut(value: string, rng: ReturnType<typeof rngFor>): string[] {
  const cuts = Array.from({ length: rng.int(5) }, () => rng.int(value.length + 1)).sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => value.slice(from, [...cuts, value.length][i]));
}

// Characters a bad payload may carry: outside the alphabet, padding in the wrong place, whitespace, Latin-1 and
// characters whose low byte is a base64 letter (U+0141 = 0x41 'A' + 0x100), which Node's decoder reads by char code.
const INSERTS = ["!", "=", "==", " ", "\n", "\t", "\u00a0", "Á", "\u0141", "\u0100", "é", "*", ".", "-", "_", "+", "/", "\u2028", "\ufeff"];

describe("decodeBase64", () => {
  it("decodes and rejects exactly as the plain rule does, for valid and mutated payloads of every length", () => {
    const rng = rngFor("test:decodeBase64", 1);
    let checked = 0;
    for (let size = 0; size < 40; size++) {
      for (const urlSafe of [false, true]) {
        const bytes = randomBytes(size);
        let b64 = bytes.toString("base64");
        if (urlSafe) b64 = b64.replace(/\+/g, "-").replace(/\//g, "_");
        const variants = [b64, b64.replace(/=+$/, ""), `${b64}=`, `${b64}==`, `${b64}===`, b64.slice(0, -1), `${b64}A`];
        for (let k = 0; k < 40; k++) {
          const at = rng.int(b64.length + 1);
          const insert = rng.pick(INSERTS);
          variants.push(b64.slice(0, at) + insert + b64.slice(at));
          variants.push(b64.slice(0, at) + insert + b64.slice(at + 1)); // replaced, same length
          variants.push(b64.slice(0, at) + b64.slice(at + 1)); // one character missing
        }
        for (const v of variants) {
          for (const value of [v, `data:image/png;base64,${v}`]) {
            for (const maxBytes of [50 * 1024 * 1024, Math.max(0, size - 1)]) {
              const want = value.startsWith("data:") ? oracle(v, maxBytes) : oracle(value, maxBytes);
              const got = attempt(value, maxBytes);
              assert.deepEqual(got, want, `${JSON.stringify(value)} (maxBytes ${maxBytes})`);
              // The same text in pieces (as the TSV loader reads an image cell) decodes or is refused the same way.
              const pieces = cut(value, rng);
              assert.deepEqual(attemptPieces(pieces, maxBytes), want, `${JSON.stringify(pieces)} (maxBytes ${maxBytes})`);
              checked++;
            }
          }
        }
      }
    }
    assert.ok(checked > 10_000);
  });

  it("decodes a large payload read in pieces (cut anywhere, the data: header too) to its bytes, with the same error as one string", () => {
    const bytes = randomBytes(1_000_003);
    const b64 = bytes.toString("base64");
    const max = 50 * 1024 * 1024;
    for (const at of [[1], [4, 8], [1 << 20], [3, 1 << 19, (1 << 20) + 1], [b64.length - 1], [b64.length - 2, b64.length - 1]]) {
      const bounds = [0, ...at, b64.length];
      const pieces = bounds.slice(0, -1).map((from, i) => b64.slice(from, bounds[i + 1]));
      assert.deepEqual(decodeBase64Pieces(pieces, "x", max), bytes, `cut at ${at.join(", ")}`);
    }
    const url = `data:image/png;base64,${b64}`;
    assert.deepEqual(decodeBase64Pieces([url.slice(0, 10), url.slice(10, 500_000), url.slice(500_000)], "x", max), bytes, "header cut between pieces");
    assert.deepEqual(decodeBase64Pieces([url.slice(0, 500_000), url.slice(500_000)], "x", max), bytes);
    const bad = [b64.slice(0, 400_000), "!", b64.slice(400_000)];
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail("not refused");
    };
    assert.equal(message(() => decodeBase64Pieces(bad, "image of row 3", max)), message(() => decodeBase64(bad.join(""), "image of row 3", max)));
    assert.throws(() => decodeBase64Pieces([b64.slice(0, 10), b64.slice(10)], "x", 1000), /over the .* limit/);
  });

  it("decodes a large clean payload to its bytes", () => {
    const bytes = randomBytes(1_000_003);
    assert.deepEqual(decodeBase64(bytes.toString("base64"), "x", 50 * 1024 * 1024), bytes);
    assert.deepEqual(decodeBase64(`data:image/png;base64,${bytes.toString("base64url")}`, "x", 50 * 1024 * 1024), bytes);
  });
});
