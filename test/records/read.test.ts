import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readRecordFile, readRecords, RecordFileError, writtenBy } from "../../src/records/index.js";
import { tempDir } from "../helpers/cli.js";

const item = {
  id: "a",
  image: { path: "img.png", sha256: "" },
  source: "generated",
  task: "Describe it.",
  constraints: [{ key: "tone_requirement", category: "action" as const, subcategory: "tone_requirement", value: "Be warm.", judge: { method: "cmp_gpt" } }],
  dropped: [],
  reasons: [],
};

describe("one reader per kind", () => {
  const dir = tempDir();

  it("yields valid records and names the line and field of a bad one", async () => {
    const path = join(dir, "items.jsonl");
    const bad = { ...item, constraints: [{ ...item.constraints[0], judge: { method: "gpt" } }] };
    writeFileSync(path, [item, bad, "{oops"].map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
    const lines = [];
    for await (const l of readRecords("items.jsonl", path)) lines.push(l);
    assert.deepEqual(lines[0], { line: 1, value: item });
    assert.equal(lines[1]!.line, 2);
    assert.match("error" in lines[1]! ? lines[1].error : "", /^not a record of items\.jsonl: constraints\[0\]\.judge\.method: /);
    assert.match("error" in lines[2]! ? lines[2].error : "", /not valid JSON/);
  });

  it("reads items written before the one constraint record: a display-name subcategory comes back as its key", async () => {
    const path = join(dir, "old-items.jsonl");
    const old = {
      ...item,
      constraints: [
        { ...item.constraints[0], subcategory: "Tone" },
        { key: "paragraph_number_limit", category: "text_length", subcategory: "Paragraph count", value: "Write 2 paragraphs.", judge: { method: "rule_based", verify_funcs: [{ func: "check_whether_response_paragraph_number_in_range", params: [2, 2] }] } },
        { key: "custom_key", category: "format", subcategory: "custom_key", value: "Custom.", judge: { method: "direct_gpt" } },
      ],
    };
    writeFileSync(path, `${JSON.stringify(old)}\n`);
    const lines = [];
    for await (const l of readRecords("items.jsonl", path)) lines.push(l);
    assert.ok("value" in lines[0]!, JSON.stringify(lines[0]));
    assert.deepEqual(lines[0].value.constraints.map((c) => [c.key, c.category, c.subcategory]), [
      ["tone_requirement", "action", "tone_requirement"],
      ["paragraph_number_limit", "text_length", "paragraph_number_limit"],
      ["custom_key", "format", "custom_key"],
    ]);
  });

  it("reads a summary file whole, or says which file and field is wrong", () => {
    const stats = { ...writtenBy(), status: "complete", status_reasons: [], items_read: 1, items_used: 1, pairs: 1, dropped: 0, drop_reasons: {}, failed: 0, by_strategy: { "drop-all": 1 }, removed_per_pair: { mean: 2 } };
    const path = join(dir, "dpo-stats.json");
    writeFileSync(path, JSON.stringify(stats));
    assert.deepEqual(readRecordFile("dpo-stats.json", path), stats);
    writeFileSync(path, JSON.stringify({ ...stats, format_version: undefined }));
    assert.throws(() => readRecordFile("dpo-stats.json", path), (e: unknown) => e instanceof RecordFileError && /dpo-stats\.json: not a dpo-stats\.json: format_version: /.test(e.message));
    assert.throws(() => readRecordFile("summary.json", join(dir, "none.json")), /none\.json: no such file/);
  });

  it("stamps the writing mmif version and the format version", () => {
    const w = writtenBy();
    assert.match(w.mmif_version, /^\d+\.\d+\.\d+/);
    assert.equal(w.format_version, 2);
  });
});
