// The README's field tables and the schemas list the same fields, so neither can drift from the other.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { z } from "zod";
import { engineConstraintSchema, JSON_KINDS, JSONL_KINDS, pairSchema, verdictSchema } from "../../src/records/index.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The fields named in the first column of the README's table for `kind` (a cell may name several). */
function readmeFields(kind: string): string[] {
  const start = README.indexOf(`<!-- fields:${kind} -->`);
  assert.notEqual(start, -1, `README has no field table for ${kind}`);
  const table = README.slice(start, README.indexOf("<!-- /fields -->", start));
  return table
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .flatMap((l) => [...l.split(" | ")[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const TABLES: Record<string, z.ZodObject> = {
  verdict: verdictSchema,
  constraint: engineConstraintSchema,
  "images.jsonl": JSONL_KINDS["images.jsonl"],
  "items.jsonl": JSONL_KINDS["items.jsonl"],
  "pairs.jsonl": pairSchema,
  "predictions.jsonl": JSONL_KINDS["predictions.jsonl"],
  "results.jsonl": JSONL_KINDS["results.jsonl"],
  ...JSON_KINDS,
};

describe("README field tables", () => {
  for (const [kind, schema] of Object.entries(TABLES)) {
    it(`${kind}: the README lists exactly the schema's fields`, () => {
      assert.deepEqual([...readmeFields(kind)].sort(), Object.keys(schema.shape).sort());
    });
  }

  it("covers every file kind the readers know", () => {
    for (const kind of [...Object.keys(JSONL_KINDS), ...Object.keys(JSON_KINDS)]) {
      if (kind === "dropped-pairs.jsonl") continue; // pairs.jsonl's fields plus `reason`, said in the text
      assert.ok(kind in TABLES, kind);
    }
  });
});
