// Every export format read back: JSON against the field lists LLaMA-Factory (data/README.md) and TRL ("Dataset
// formats", "Vision datasets") document, Parquet with hyparquet; every field round-trips (ids, prompts, answers,
// image paths or bytes) and each `<image>` token has its image.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { runExport, type ExportOptions } from "../../src/export/index.js";
import { tempDir } from "../helpers/cli.js";
import { FULL_PROMPT, engineItem, makeImages, pair, writeJsonl } from "./fixtures.js";
import { assertPlacedImage, leadingTokens, readJsonl, readParquet, sha256 } from "./helpers.js";

interface Expected {
  prompt: string;
  image: string;
  response?: string;
  chosen?: string;
  rejected?: string;
  itemId?: string;
  strategy?: string;
}

describe("export formats round-trip", () => {
  const dir = tempDir();
  let images: { png: string; jpg: string };
  let itemsPath: string;
  let pairsPath: string;
  const items = new Map<string, Expected>();
  const pairs = new Map<string, Expected>();

  before(async () => {
    images = await makeImages(dir);
    const a = engineItem("a", "pics/red.png"); // relative to the file's folder
    const b = engineItem("b", images.jpg); // absolute
    delete b.prompt; // prompt assembled from the task and the constraints
    const e = engineItem("e", "pics/red.png", { response: "Same image as a." });
    itemsPath = writeJsonl(join(dir, "items.jsonl"), [
      a,
      b,
      engineItem("c", "pics/red.png", { kept: false, reasons: ["score 0.5 < threshold 0.8"] }),
      engineItem("d", "pics/red.png", { response: undefined }),
      e,
    ]);
    for (const [item, image] of [[a, images.png], [b, images.jpg], [e, images.png]] as const) items.set(item.id, { prompt: FULL_PROMPT, response: item.response!, image });
    const ps = [pair("p1", "pics/red.png", "drop-all"), pair("p2", "pics/red.png", "drop-two-thirds"), pair("p3", "pics/red.png", "drop-one-third"), pair("p4", "pics/blue.jpg", "no-image")];
    pairsPath = writeJsonl(join(dir, "pairs.jsonl"), ps);
    for (const p of ps) pairs.set(p.id, { prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, image: p.id === "p4" ? images.jpg : images.png, itemId: p.item_id, strategy: p.strategy });
  });

  const run = (input: string, options: Partial<ExportOptions> & Pick<ExportOptions, "format" | "outDir">) => runExport({ input, ...options });

  describe("llamafactory", () => {
    it("writes SFT items in the sharegpt/OpenAI messages format with a dataset_info entry", async () => {
      const out = join(dir, "lf");
      const summary = await run(itemsPath, { format: "llamafactory", outDir: out });
      assert.equal(summary.kind, "items");
      assert.equal(summary.exported, 3);
      assert.deepEqual(summary.skipped, { "not kept": 1, "no response": 1 });
      assert.equal(summary.problems, 0);
      assert.equal(summary.imagesWritten, 2); // a and e share one image

      const rows = readJsonl<{ id: string; messages: Array<{ role: string; content: string }>; images: string[] }>(join(out, "mmif_sft.jsonl"));
      assert.deepEqual(rows.map((r) => r.id), ["a", "b", "e"]);
      for (const r of rows) {
        const want = items.get(r.id)!;
        assert.deepEqual(Object.keys(r).sort(), ["id", "images", "messages"]);
        assert.deepEqual(r.messages.map((m) => m.role), ["user", "assistant"]);
        const { count, rest } = leadingTokens(r.messages[0]!.content, "<image>");
        assert.equal(count, r.images.length);
        assert.equal(count, 1);
        assert.equal(rest, want.prompt);
        assert.equal(r.messages[1]!.content, want.response);
        assertPlacedImage(out, r.images[0], want.image);
      }
      const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
      assert.deepEqual(info.mmif_sft, {
        file_name: "mmif_sft.jsonl",
        formatting: "sharegpt",
        columns: { messages: "messages", images: "images" },
        tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" },
      });
    });

    it("writes pairs as a ranking dataset (conversations + chosen/rejected gpt turns) and merges dataset_info.json", async () => {
      const out = join(dir, "lf"); // the same folder as the SFT export: both entries stay
      const summary = await run(pairsPath, { format: "llamafactory", outDir: out });
      assert.equal(summary.kind, "pairs");
      assert.equal(summary.exported, 4);
      const rows = readJsonl<Record<string, any>>(join(out, "mmif_dpo.jsonl"));
      assert.deepEqual(rows.map((r) => r.id), ["p1", "p2", "p3", "p4"]);
      for (const r of rows) {
        const want = pairs.get(r.id)!;
        assert.deepEqual(Object.keys(r).sort(), ["chosen", "conversations", "id", "images", "rejected"]);
        assert.equal(r.conversations.length, 1);
        assert.equal(r.conversations[0].from, "human");
        const { count, rest } = leadingTokens(r.conversations[0].value, "<image>");
        assert.equal(count, r.images.length);
        assert.equal(rest, want.prompt);
        assert.deepEqual(r.chosen, { from: "gpt", value: want.chosen });
        assert.deepEqual(r.rejected, { from: "gpt", value: want.rejected });
        assertPlacedImage(out, r.images[0], want.image);
      }
      const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
      assert.deepEqual(Object.keys(info).sort(), ["mmif_dpo", "mmif_sft"]);
      assert.deepEqual(info.mmif_dpo, {
        file_name: "mmif_dpo.jsonl",
        formatting: "sharegpt",
        ranking: true,
        columns: { messages: "conversations", chosen: "chosen", rejected: "rejected", images: "images" },
      });
      assert.deepEqual(readdirSync(join(out, "images")).sort(), [`${sha256(readFileSync(images.png))}.png`, `${sha256(readFileSync(images.jpg))}.jpg`].sort());
    });

    it("keeps absolute paths with --images absolute and copies nothing", async () => {
      const out = join(dir, "lf-abs");
      const summary = await run(pairsPath, { format: "llamafactory", outDir: out, imageMode: "absolute", name: "pairs_abs" });
      assert.equal(summary.imagesWritten, 0);
      const rows = readJsonl<Record<string, any>>(join(out, "pairs_abs.jsonl"));
      assert.deepEqual(rows.map((r) => r.images[0]), [images.png, images.png, images.png, images.jpg]);
      assert.deepEqual(readdirSync(out).sort(), ["dataset_info.json", "pairs_abs.jsonl"]);
    });

    it("refuses --images embed (there is no Parquet file to hold the bytes)", async () => {
      await assert.rejects(run(itemsPath, { format: "llamafactory", outDir: join(dir, "x"), imageMode: "embed" }), /embed.*does not go with --format llamafactory/);
    });
  });

  describe("trl", () => {
    const textPart = (m: any) => m.content.filter((p: any) => p.type === "text").map((p: any) => p.text).join("");
    const imageParts = (m: any) => m.content.filter((p: any) => p.type === "image").length;

    it("writes pairs in the conversational vision preference format, as JSONL and as Parquet", async () => {
      const out = join(dir, "trl");
      await run(pairsPath, { format: "trl", outDir: out });
      const json = readJsonl<Record<string, any>>(join(out, "mmif_dpo.jsonl"));
      const table = await readParquet(join(out, "mmif_dpo.parquet"));
      assert.deepEqual(table.columns, ["id", "images", "prompt", "chosen", "rejected"]);
      assert.equal(table.rows.length, 4);
      json.forEach((r, i) => {
        const want = pairs.get(r.id)!;
        assert.deepEqual(Object.keys(r).sort(), ["chosen", "id", "images", "prompt", "rejected"]);
        assert.deepEqual(r.prompt[0].content[0], { type: "image" });
        assert.equal(r.prompt.length, 1);
        assert.equal(r.prompt[0].role, "user");
        assert.equal(imageParts(r.prompt[0]), r.images.length);
        assert.equal(textPart(r.prompt[0]), want.prompt);
        assert.deepEqual(r.chosen, [{ role: "assistant", content: [{ type: "text", text: want.chosen }] }]);
        assert.deepEqual(r.rejected, [{ role: "assistant", content: [{ type: "text", text: want.rejected }] }]);
        assertPlacedImage(out, r.images[0], want.image);
        // The Parquet row is the same record (an image part has a null text there).
        const row = table.rows[i]!;
        assert.equal(row.id, r.id);
        assert.deepEqual(row.images, r.images);
        assert.deepEqual(row.prompt, [{ role: "user", content: [{ type: "image", text: null }, { type: "text", text: want.prompt }] }]);
        assert.deepEqual(row.chosen, r.chosen);
        assert.deepEqual(row.rejected, r.rejected);
      });
      assert.deepEqual(table.huggingface!.info.features.images, [{ dtype: "string", _type: "Value" }]);
    });

    it("embeds the image bytes in the datasets Image layout and declares Image features", async () => {
      const out = join(dir, "trl-embed");
      const summary = await run(pairsPath, { format: "trl", outDir: out, imageMode: "embed" });
      assert.equal(summary.imagesWritten, 0);
      assert.deepEqual(readdirSync(out).sort(), ["mmif_dpo.jsonl", "mmif_dpo.parquet"]);
      const table = await readParquet(join(out, "mmif_dpo.parquet"));
      const features = table.huggingface!.info.features;
      assert.deepEqual(features.images, [{ _type: "Image" }]);
      assert.deepEqual(features.prompt, [{ role: { dtype: "string", _type: "Value" }, content: [{ type: { dtype: "string", _type: "Value" }, text: { dtype: "string", _type: "Value" } }] }]);
      for (const row of table.rows) {
        const want = pairs.get(row.id as string)!;
        const [cell] = row.images as Array<{ bytes: Uint8Array; path: string }>;
        const source = readFileSync(want.image);
        assert.deepEqual(Buffer.from(cell!.bytes), source);
        assert.equal(cell!.path, `${sha256(source)}.${want.image.endsWith(".png") ? "png" : "jpg"}`);
      }
      // The JSONL, which cannot hold bytes, points at the source images.
      const json = readJsonl<Record<string, any>>(join(out, "mmif_dpo.jsonl"));
      assert.deepEqual(json.map((r) => r.images[0]), [images.png, images.png, images.png, images.jpg]);
    });

    it("writes SFT items as conversational `messages`", async () => {
      const out = join(dir, "trl-sft");
      await run(itemsPath, { format: "trl", outDir: out });
      const json = readJsonl<Record<string, any>>(join(out, "mmif_sft.jsonl"));
      const table = await readParquet(join(out, "mmif_sft.parquet"));
      assert.deepEqual(table.columns, ["id", "images", "messages"]);
      assert.deepEqual(json.map((r) => r.id), ["a", "b", "e"]);
      json.forEach((r, i) => {
        const want = items.get(r.id)!;
        assert.deepEqual(r.messages.map((m: any) => m.role), ["user", "assistant"]);
        assert.equal(imageParts(r.messages[0]), 1);
        assert.equal(textPart(r.messages[0]), want.prompt);
        assert.deepEqual(r.messages[1], { role: "assistant", content: [{ type: "text", text: want.response }] });
        assertPlacedImage(out, r.images[0], want.image);
        assert.equal(table.rows[i]!.id, r.id);
        assert.deepEqual(table.rows[i]!.images, r.images);
        assert.equal((table.rows[i]!.messages as any)[1].content[0].text, want.response);
      });
    });
  });

  describe("sharegpt", () => {
    it("writes items as human/gpt conversations with one <image> line per image", async () => {
      const out = join(dir, "sg");
      await run(itemsPath, { format: "sharegpt", outDir: out });
      const rows = readJsonl<Record<string, any>>(join(out, "mmif_sft.jsonl"));
      assert.deepEqual(rows.map((r) => r.id), ["a", "b", "e"]);
      for (const r of rows) {
        const want = items.get(r.id)!;
        assert.deepEqual(r.conversations.map((t: any) => t.from), ["human", "gpt"]);
        const { count, rest } = leadingTokens(r.conversations[0].value, "<image>\n");
        assert.equal(count, r.images.length);
        assert.equal(rest, want.prompt);
        assert.equal(r.conversations[1].value, want.response);
        assertPlacedImage(out, r.images[0], want.image);
      }
    });

    it("writes pairs as the human turn with chosen and rejected gpt turns", async () => {
      const out = join(dir, "sg");
      await run(pairsPath, { format: "sharegpt", outDir: out });
      for (const r of readJsonl<Record<string, any>>(join(out, "mmif_dpo.jsonl"))) {
        const want = pairs.get(r.id)!;
        assert.equal(leadingTokens(r.conversations[0].value, "<image>\n").rest, want.prompt);
        assert.deepEqual(r.chosen, { from: "gpt", value: want.chosen });
        assert.deepEqual(r.rejected, { from: "gpt", value: want.rejected });
      }
    });
  });

  describe("parquet", () => {
    it("writes string columns and image paths for pairs", async () => {
      const out = join(dir, "pq");
      await run(pairsPath, { format: "parquet", outDir: out });
      const table = await readParquet(join(out, "mmif_dpo.parquet"));
      assert.deepEqual(table.columns, ["id", "item_id", "prompt", "chosen", "rejected", "strategy", "images"]);
      assert.deepEqual(table.huggingface!.info.features, {
        id: { dtype: "string", _type: "Value" },
        item_id: { dtype: "string", _type: "Value" },
        prompt: { dtype: "string", _type: "Value" },
        chosen: { dtype: "string", _type: "Value" },
        rejected: { dtype: "string", _type: "Value" },
        strategy: { dtype: "string", _type: "Value" },
        images: [{ dtype: "string", _type: "Value" }],
      });
      assert.deepEqual(table.rows.map((r) => r.id), ["p1", "p2", "p3", "p4"]);
      for (const row of table.rows) {
        const want = pairs.get(row.id as string)!;
        assert.deepEqual(
          { prompt: row.prompt, chosen: row.chosen, rejected: row.rejected, item_id: row.item_id, strategy: row.strategy },
          { prompt: want.prompt, chosen: want.chosen, rejected: want.rejected, item_id: want.itemId, strategy: want.strategy },
        );
        assertPlacedImage(out, (row.images as string[])[0], want.image);
      }
    });

    it("embeds image bytes for items with --images embed", async () => {
      const out = join(dir, "pq-embed");
      await run(itemsPath, { format: "parquet", outDir: out, imageMode: "embed", name: "sft_embedded" });
      const table = await readParquet(join(out, "sft_embedded.parquet"));
      assert.deepEqual(table.columns, ["id", "prompt", "response", "images"]);
      assert.deepEqual(table.huggingface!.info.features.images, [{ _type: "Image" }]);
      assert.deepEqual(table.rows.map((r) => r.id), ["a", "b", "e"]);
      for (const row of table.rows) {
        const want = items.get(row.id as string)!;
        assert.equal(row.prompt, want.prompt);
        assert.equal(row.response, want.response);
        const [cell] = row.images as Array<{ bytes: Uint8Array; path: string }>;
        assert.deepEqual(Buffer.from(cell!.bytes), readFileSync(want.image));
      }
    });
  });

  describe("a literal <image> in the text: one rule in every format", () => {
    // Items carry it in the prompt or the response, pairs in the prompt, chosen or rejected answer.
    const clashes = (id: string, image: string) => [
      engineItem(`${id}-prompt`, image, { prompt: "Describe <image> please." }),
      engineItem(`${id}-response`, image, { response: "See <image> here." }),
    ];
    const pairClashes = (image: string) => [
      { ...pair("q-prompt", image, "drop-all"), prompt: "<image> Describe." },
      { ...pair("q-chosen", image, "drop-all"), chosen: "Chosen <image>." },
      { ...pair("q-rejected", image, "drop-all"), rejected: "Rejected <image>" },
    ];
    for (const format of ["llamafactory", "sharegpt", "trl", "parquet"] as const) {
      it(`${format}: the record is reported with its line and field and left out; the others are exported`, async () => {
        const itemsIn = writeJsonl(join(dir, `token-items-${format}.jsonl`), [engineItem("t1", "pics/red.png"), ...clashes("t", "pics/red.png")]);
        const pairsIn = writeJsonl(join(dir, `token-pairs-${format}.jsonl`), [pair("q1", "pics/red.png", "drop-all"), ...pairClashes("pics/red.png")]);
        for (const [input, lines] of [
          [itemsIn, [[2, "prompt"], [3, "response"]]],
          [pairsIn, [[2, "prompt"], [3, "chosen"], [4, "rejected"]]],
        ] as const) {
          const problems: Array<{ line: number; message: string }> = [];
          const outDir = join(dir, `token-${format}-${input === itemsIn ? "items" : "pairs"}`);
          const summary = await run(input, { format, outDir, onProblem: (p) => problems.push(p) });
          assert.equal(summary.exported, 1, format);
          assert.deepEqual(
            problems.map((p) => [p.line, p.message]),
            lines.map(([line, field]) => [line, `${field}: holds the literal text "<image>", which trainers read as an image placeholder (the record has one image); left out`]),
          );
          const ids = format === "parquet" ? (await readParquet(join(outDir, `${summary.name}.parquet`))).rows.map((r) => r.id) : readJsonl<{ id: string }>(join(outDir, `${summary.name}.jsonl`)).map((r) => r.id);
          assert.deepEqual(ids, [input === itemsIn ? "t1" : "q1"]);
          if (format === "trl") assert.deepEqual((await readParquet(join(outDir, `${summary.name}.parquet`))).rows.map((r) => r.id), ids);
        }
      });
    }
  });
});
