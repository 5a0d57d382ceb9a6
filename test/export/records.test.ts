// Reading items.jsonl and pairs.jsonl: the kind from the first record, prompts, paths, and errors that name the field.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectKind, readExportRecords, toRecord } from "../../src/export/records.js";
import { tempDir } from "../helpers/cli.js";
import { FULL_PROMPT, engineItem, pair, writeJsonl } from "./fixtures.js";

const BASE = "/data/run1";

describe("detectKind", () => {
  it("tells pairs by chosen/rejected and items by constraints/task/response", () => {
    assert.equal(detectKind(pair("p", "x.png", "drop-all") as unknown as Record<string, unknown>), "pairs");
    assert.equal(detectKind(engineItem("i", "x.png") as unknown as Record<string, unknown>), "items");
    assert.equal(detectKind({ id: "x", task: "t" }), "items");
    assert.equal(detectKind({ id: "x", image: {} }), undefined);
  });
});

describe("toRecord", () => {
  const item = (over: Record<string, unknown> = {}) => ({ ...(engineItem("i1", "pics/a.png") as unknown as Record<string, unknown>), ...over });

  it("takes the item's prompt, or assembles the task and each constraint after one space", () => {
    const withPrompt = toRecord("items", item({ prompt: "Exactly this." }), BASE);
    assert.ok("record" in withPrompt && withPrompt.record.kind === "sft");
    assert.equal(withPrompt.record.prompt, "Exactly this.");
    const assembled = toRecord("items", item({ prompt: undefined }), BASE);
    assert.ok("record" in assembled);
    assert.equal(assembled.record.prompt, FULL_PROMPT);
  });

  it("resolves relative image paths against the input's folder and keeps absolute ones", () => {
    const rel = toRecord("items", item(), BASE);
    assert.ok("record" in rel);
    assert.equal(rel.record.image.path, "/data/run1/pics/a.png");
    const abs = toRecord("items", item({ image: { path: "/elsewhere/b.jpg", sha256: "AB".repeat(32) } }), BASE);
    assert.ok("record" in abs);
    assert.deepEqual(abs.record.image, { path: "/elsewhere/b.jpg", sha256: "ab".repeat(32) });
  });

  it("skips items that were not kept or have no response", () => {
    assert.deepEqual(toRecord("items", item({ kept: false }), BASE), { skip: "not kept" });
    assert.deepEqual(toRecord("items", item({ kept: undefined }), BASE), { skip: "not kept" });
    assert.deepEqual(toRecord("items", item({ response: undefined }), BASE), { skip: "no response" });
  });

  it("checks each line with the file kind's schema (src/records) and names the field at fault", () => {
    const bad = (kind: "items" | "pairs", value: Record<string, unknown>) => (toRecord(kind, value, BASE) as { error: string }).error;
    assert.equal(bad("items", item({ id: 7 })), "not a record of items.jsonl: id: Invalid input: expected string, received number");
    assert.equal(bad("items", item({ response: ["a"] })), "not a record of items.jsonl: response: Invalid input: expected string, received array");
    assert.match(bad("items", item({ prompt: undefined, constraints: [{ key: "k" }] })), /^not a record of items\.jsonl: constraints\[0\]\.\w+: /);
    assert.equal(bad("items", item({ image: "a.png" })), "not a record of items.jsonl: image: Invalid input: expected object, received string");
    assert.equal(bad("items", item({ image: { sha256: "" } })), "not a record of items.jsonl: image.path: Invalid input: expected string, received undefined");
    const p = pair("p1", "a.png", "drop-all") as unknown as Record<string, unknown>;
    assert.equal(bad("pairs", { ...p, rejected: null }), "not a record of pairs.jsonl: rejected: Invalid input: expected string, received null");
    assert.equal(bad("pairs", { ...p, chosen: undefined }), "not a record of pairs.jsonl: chosen: Invalid input: expected string, received undefined");
    assert.match(bad("pairs", { ...p, strategy: 3 }), /^not a record of pairs\.jsonl: strategy: Invalid option: expected one of "drop-all"/);
  });

  it("reads a pair with its full prompt, answers, item id and strategy", () => {
    const p = pair("p1", "pics/a.png", "no-image");
    const r = toRecord("pairs", p as unknown as Record<string, unknown>, BASE);
    assert.deepEqual(r, {
      record: { kind: "preference", id: "p1", itemId: "item-p1", prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, strategy: "no-image", image: { path: "/data/run1/pics/a.png", sha256: "" } },
    });
  });
});

describe("readExportRecords", () => {
  const dir = tempDir();

  it("streams lines with their numbers; a malformed first line does not hide the kind", async () => {
    const path = writeJsonl(join(dir, "pairs.jsonl"), ["{oops", "", pair("p1", "a.png", "drop-all"), "[1]", pair("p2", "a.png", "drop-all")]);
    const kinds: string[] = [];
    const lines = [];
    for await (const l of readExportRecords(path, { onKind: (k) => kinds.push(k) })) lines.push(l);
    assert.deepEqual(kinds, ["pairs"]);
    assert.deepEqual(lines.map((l) => [l.line, Object.keys(l.outcome)[0]]), [[1, "error"], [3, "record"], [4, "error"], [5, "record"]]);
    assert.match((lines[0]!.outcome as { error: string }).error, /^not valid JSON/);
    assert.equal((lines[2]!.outcome as { error: string }).error, "each line must be a JSON object");
    const first = lines[1]!.outcome as { record: { image: { path: string } } };
    assert.equal(first.record.image.path, join(dir, "a.png"));
  });
});
