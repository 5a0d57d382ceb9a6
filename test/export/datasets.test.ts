// Every export format read by its real consumer: Hugging Face `datasets` (`load_dataset("json" | "parquet")`,
// images cast to and decoded as `Image`) in one Python process (hf-datasets.py). Checks row counts, columns,
// `<image>` tokens against images, the texts, and the decoded pixels against the source images'.
// The Python: $MMIF_DATASETS_PYTHON, else .venv-test/bin/python (test/helpers/datasets-python.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { before, describe, it } from "node:test";
import sharp from "sharp";
import { runExport, type ExportFormat, type ImageMode } from "../../src/export/index.js";
import { tempDir } from "../helpers/cli.js";
import { DATASETS_PYTHON, datasetsPythonMissingMessage, datasetsPythonSkip } from "../helpers/datasets-python.js";
import { FULL_PROMPT, engineItem, makeImages, pair, writeJsonl } from "./fixtures.js";
import { leadingTokens } from "./helpers.js";

const run = promisify(execFile);
const SCRIPT = new URL("./hf-datasets.py", import.meta.url).pathname;

type Kind = "sft" | "dpo";
type Label = "png" | "jpg";

interface ImageFacts {
  mode: string;
  size: [number, number];
  pixels_sha256: string;
}

type Row = Record<string, unknown> & { id: string; images: ImageFacts[] };

interface Loaded {
  rows: number;
  columns: string[];
  declared_images: string;
  declares_image: boolean;
  records: Row[];
}

interface Report {
  versions: Record<string, string>;
  sources: Record<Label, ImageFacts>;
  datasets: Record<string, Loaded>;
}

/** What each exported row must carry: its prompt, answers and the source of its one image. */
interface Want {
  prompt: string;
  response?: string;
  chosen?: string;
  rejected?: string;
  itemId?: string;
  strategy?: string;
  image: Label;
}

/** One file to load: which export wrote it, how `datasets` loads it, and the columns it must have. */
interface Case {
  name: string;
  format: ExportFormat;
  kind: Kind;
  builder: "json" | "parquet";
  file: string;
  mediaDir: string;
  columns: string[];
  /** The file itself declares its images as `datasets` Images (embedded bytes). */
  embedded: boolean;
  /** Checks one row's text and its image tokens against the row's images. */
  check(row: Row, want: Want): void;
}

interface Part {
  type: string;
  text?: string | null;
}
interface Turn {
  role: string;
  content: Part[];
}

/** `<image>` markers at the start of `text` (one per image), then exactly the prompt. */
function tokensThenPrompt(text: unknown, token: string, row: Row, want: Want): void {
  const { count, rest } = leadingTokens(String(text), token);
  assert.equal(count, row.images.length, `${row.id}: one ${JSON.stringify(token)} per image`);
  assert.equal(rest, want.prompt);
}

/** A TRL user turn: one image part per image, then the prompt as text. */
function trlUserTurn(turn: Turn, row: Row, want: Want): void {
  assert.equal(turn.role, "user");
  assert.equal(turn.content.filter((p) => p.type === "image").length, row.images.length, `${row.id}: one image part per image`);
  assert.deepEqual(turn.content.filter((p) => p.type === "text").map((p) => p.text), [want.prompt]);
}

function trlAnswer(turns: unknown, text: string | undefined): void {
  const [turn, ...more] = turns as Turn[];
  assert.deepEqual(more, []);
  assert.equal(turn!.role, "assistant");
  assert.deepEqual(turn!.content.map((p) => [p.type, p.text]), [["text", text]]);
}

/** The flat Parquet table: no token in the text (the `images` column holds the image). */
function flatRow(row: Row, want: Want, kind: Kind): void {
  assert.equal(row.prompt, want.prompt);
  assert.ok(!String(row.prompt).includes("<image>"));
  if (kind === "sft") assert.equal(row.response, want.response);
  else assert.deepEqual([row.item_id, row.chosen, row.rejected, row.strategy], [want.itemId, want.chosen, want.rejected, want.strategy]);
}

/** A preference pair in the ShareGPT layout (LLaMA-Factory's `ranking: true` and classic ShareGPT): the human turn, then two gpt answers. */
function shareGptPair(token: string): { columns: string[]; check: (row: Row, want: Want) => void } {
  return {
    columns: ["id", "conversations", "chosen", "rejected", "images"],
    check(row, want) {
      const [human, ...more] = row.conversations as Array<{ from: string; value: string }>;
      assert.deepEqual(more, []);
      assert.equal(human!.from, "human");
      tokensThenPrompt(human!.value, token, row, want);
      assert.deepEqual([row.chosen, row.rejected], [{ from: "gpt", value: want.chosen }, { from: "gpt", value: want.rejected }]);
    },
  };
}

const CHECKS: Record<"llamafactory" | "sharegpt" | "trl" | "parquet", Record<Kind, { columns: string[]; check: (row: Row, want: Want) => void }>> = {
  llamafactory: {
    sft: {
      columns: ["id", "messages", "images"],
      check(row, want) {
        const [user, assistant] = row.messages as Array<{ role: string; content: string }>;
        assert.equal(user!.role, "user");
        tokensThenPrompt(user!.content, "<image>", row, want);
        assert.deepEqual(assistant, { role: "assistant", content: want.response });
      },
    },
    dpo: shareGptPair("<image>"),
  },
  sharegpt: {
    sft: {
      columns: ["id", "conversations", "images"],
      check(row, want) {
        const [human, gpt] = row.conversations as Array<{ from: string; value: string }>;
        assert.equal(human!.from, "human");
        tokensThenPrompt(human!.value, "<image>\n", row, want);
        assert.deepEqual(gpt, { from: "gpt", value: want.response });
      },
    },
    dpo: shareGptPair("<image>\n"),
  },
  trl: {
    sft: {
      columns: ["id", "images", "messages"],
      check(row, want) {
        const [user, ...answer] = row.messages as Turn[];
        trlUserTurn(user!, row, want);
        trlAnswer(answer, want.response);
      },
    },
    dpo: {
      columns: ["id", "images", "prompt", "chosen", "rejected"],
      check(row, want) {
        const [user, ...more] = row.prompt as Turn[];
        assert.deepEqual(more, []);
        trlUserTurn(user!, row, want);
        trlAnswer(row.chosen, want.chosen);
        trlAnswer(row.rejected, want.rejected);
      },
    },
  },
  parquet: {
    sft: { columns: ["id", "prompt", "response", "images"], check: (row, want) => flatRow(row, want, "sft") },
    dpo: { columns: ["id", "item_id", "prompt", "chosen", "rejected", "strategy", "images"], check: (row, want) => flatRow(row, want, "dpo") },
  },
};

/** The exports a user makes, SFT and DPO each: format, image mode, and the files each writes for `datasets`. */
const EXPORTS: Array<{ format: ExportFormat; images: ImageMode; files: Array<"jsonl" | "parquet"> }> = [
  { format: "llamafactory", images: "copy", files: ["jsonl"] },
  { format: "sharegpt", images: "absolute", files: ["jsonl"] },
  { format: "trl", images: "copy", files: ["jsonl", "parquet"] },
  { format: "trl", images: "embed", files: ["jsonl", "parquet"] },
  { format: "parquet", images: "copy", files: ["parquet"] },
  { format: "parquet", images: "embed", files: ["parquet"] },
];

const DATASET_NAMES: Record<Kind, string> = { sft: "mmif_sft", dpo: "mmif_dpo" };

describe("exports loaded by Hugging Face datasets", { skip: datasetsPythonSkip() }, () => {
  const dir = tempDir();
  const wants: Record<Kind, Map<string, Want>> = { sft: new Map(), dpo: new Map() };
  const outDirOf = (e: (typeof EXPORTS)[number]) => join(dir, "out", `${e.format}-${e.images}`);
  const cases: Case[] = EXPORTS.flatMap((e) =>
    (["sft", "dpo"] as const).flatMap((kind) =>
      e.files.map((ext) => ({
        name: `${e.format} --images ${e.images} ${kind} (${ext})`,
        format: e.format,
        kind,
        builder: ext === "jsonl" ? ("json" as const) : ("parquet" as const),
        file: join(outDirOf(e), `${DATASET_NAMES[kind]}.${ext}`),
        mediaDir: outDirOf(e),
        embedded: ext === "parquet" && e.images === "embed",
        ...CHECKS[e.format][kind],
      })),
    ),
  );
  let report: Report;
  let pngPixels: string;

  before(async () => {
    if (!existsSync(DATASETS_PYTHON)) throw new Error(datasetsPythonMissingMessage());
    const images = await makeImages(dir);
    pngPixels = createHash("sha256").update(await sharp(images.png).removeAlpha().raw().toBuffer()).digest("hex");

    // Kept items a, b, e (b with its prompt assembled from task and constraints); c not kept, d unanswered.
    const b = engineItem("b", images.jpg);
    delete b.prompt;
    const items = [engineItem("a", "pics/red.png"), b, engineItem("c", "pics/red.png", { kept: false, reasons: ["score 0.5 < threshold 0.8"] }), engineItem("d", "pics/red.png", { response: undefined }), engineItem("e", "pics/red.png", { response: "Same image as a." })];
    const itemsPath = writeJsonl(join(dir, "items.jsonl"), items);
    for (const item of items.filter((i) => i.kept && i.response !== undefined)) wants.sft.set(item.id, { prompt: FULL_PROMPT, response: item.response!, image: item.id === "b" ? "jpg" : "png" });
    const pairs = [pair("p1", "pics/red.png", "drop-all"), pair("p2", "pics/red.png", "drop-two-thirds"), pair("p3", "pics/red.png", "drop-one-third"), pair("p4", "pics/blue.jpg", "no-image")];
    const pairsPath = writeJsonl(join(dir, "pairs.jsonl"), pairs);
    for (const p of pairs) wants.dpo.set(p.id, { prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, itemId: p.item_id, strategy: p.strategy, image: p.id === "p4" ? "jpg" : "png" });

    for (const e of EXPORTS) {
      for (const [kind, input] of [["sft", itemsPath], ["dpo", pairsPath]] as const) {
        const summary = await runExport({ input, format: e.format, imageMode: e.images, outDir: outDirOf(e) });
        assert.equal(summary.problems, 0);
        assert.equal(summary.exported, wants[kind].size);
      }
    }
    // LLaMA-Factory finds its files through dataset_info.json, as its users do.
    for (const c of cases.filter((c) => c.format === "llamafactory")) {
      c.file = join(c.mediaDir, JSON.parse(readFileSync(join(c.mediaDir, "dataset_info.json"), "utf8"))[DATASET_NAMES[c.kind]].file_name);
    }

    const plan = join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify({ sources: images, datasets: cases.map((c) => ({ name: c.name, builder: c.builder, file: c.file, media_dir: c.mediaDir })) }));
    const env = { ...process.env, HF_HOME: join(dir, "hf"), HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1", HF_HUB_DISABLE_TELEMETRY: "1" };
    const r = await run(DATASETS_PYTHON, [SCRIPT, plan], { env, maxBuffer: 64 * 1024 * 1024 }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`${SCRIPT} failed: ${e.stderr?.trim().split("\n").slice(-5).join("\n") ?? e.message}\n${datasetsPythonMissingMessage()}`);
    });
    report = JSON.parse(r.stdout) as Report;
  });

  it("decodes the source images as sharp does (the pixel hashes below mean something)", () => {
    assert.equal(report.sources.png.pixels_sha256, pngPixels);
    assert.deepEqual(report.sources.png.size, [40, 30]);
    assert.notEqual(report.sources.jpg.pixels_sha256, report.sources.png.pixels_sha256);
  });

  it("loads every format, SFT and DPO, JSON and Parquet", () => {
    assert.equal(cases.length, 16);
    assert.deepEqual(Object.keys(report.datasets).sort(), cases.map((c) => c.name).sort());
  });

  for (const c of cases) {
    it(`${c.name}: the rows, columns, texts, one <image> per image and the source images' pixels`, () => {
      const loaded = report.datasets[c.name]!;
      const want = wants[c.kind];
      assert.equal(loaded.rows, want.size);
      assert.deepEqual([...loaded.columns].sort(), [...c.columns].sort());
      assert.equal(loaded.declares_image, c.embedded, `images declared as ${loaded.declared_images}`);
      assert.deepEqual(loaded.records.map((r) => r.id).sort(), [...want.keys()].sort());
      for (const row of loaded.records) {
        const w = want.get(row.id)!;
        assert.equal(row.images.length, 1, `${row.id} has one image`);
        assert.deepEqual(row.images[0], report.sources[w.image], `${row.id}'s decoded image is the ${w.image} source`);
        c.check(row, w);
      }
    });
  }
});
