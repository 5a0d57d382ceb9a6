// Run folders made by hand for the report tests: an eval run (bench, predictions, results, summary) and a generate
// run (images, items, stats), with small images drawn by sharp and hostile text in answers and judge replies.
import assert from "node:assert/strict";
import { writtenBy } from "../../src/records/format.js";
import type { BrowserData } from "../../src/report/browser-data.js";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import type { SummaryFile } from "../../src/bench/outputs.js";
import type { ItemResult } from "../../src/bench/score.js";
import { summarize } from "../../src/bench/summary.js";
import { getSubcategory } from "../../src/constraints/taxonomy.js";
import { StatsCollector } from "../../src/engine/stats.js";
import type { EngineConstraint, EngineItem, ImageRecord } from "../../src/engine/types.js";
import type { RunStatus } from "../../src/run/status.js";

export const SCRIPT_PAYLOAD = "<script>window.__pwned=1</script>";
export const IMG_PAYLOAD = '<img src=x onerror="window.__pwned=2">';
export const PAYLOAD = `Sure! ${SCRIPT_PAYLOAD} and ${IMG_PAYLOAD} </script><!-- done`;

/** The browser data a report page embeds. */
export function embedded<T>(doc: string): BrowserData<T> {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(doc);
  assert.ok(m, "the data block");
  return JSON.parse(m[1]!) as BrowserData<T>;
}

const jsonl = (path: string, records: readonly unknown[]) => writeFileSync(path, records.map((r) => `${JSON.stringify(r)}\n`).join(""));

const SCENES = [
  { sky: "#87ceeb", ground: "#3a7d44", sun: "#ffd23f" },
  { sky: "#1d3557", ground: "#457b9d", sun: "#f1faee" },
  { sky: "#ffb4a2", ground: "#6d597a", sun: "#e63946" },
  { sky: "#e9c46a", ground: "#264653", sun: "#f4a261" },
];

/** A small landscape drawing (SVG rendered by sharp), so thumbnails show something. */
export async function drawImage(path: string, scene: number, width = 320, height = 240): Promise<void> {
  const s = SCENES[scene % SCENES.length]!;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${s.sky}"/><circle cx="${60 + scene * 50}" cy="70" r="34" fill="${s.sun}"/><path d="M0 ${height * 0.7} Q ${width / 3} ${height * 0.45} ${width / 2} ${height * 0.68} T ${width} ${height * 0.6} V ${height} H 0 Z" fill="${s.ground}"/><rect x="${width * 0.6}" y="${height * 0.5}" width="40" height="50" fill="#8d5524"/><path d="M${width * 0.6 - 8} ${height * 0.5} L${width * 0.6 + 20} ${height * 0.38} L${width * 0.6 + 48} ${height * 0.5} Z" fill="#b23a48"/></svg>`;
  await sharp(Buffer.from(svg)).png().toFile(path);
}

interface Template {
  key: string;
  value: string;
  method: "rule_based" | "direct_gpt" | "cmp_gpt";
  verify_funcs?: Array<{ func: string; params: unknown[] }>;
}

const TEMPLATES: Template[] = [
  { key: "sentence_number_limit", value: "Answer in exactly three sentences.", method: "rule_based", verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [3, 3] }] },
  { key: "tone_requirement", value: "Use a cheerful tone.", method: "cmp_gpt" },
  { key: "list_requirements", value: "Present the main points as a bulleted list.", method: "direct_gpt" },
  { key: "mention", value: "Mention the word 'sky' two to five times.", method: "rule_based", verify_funcs: [{ func: "check_whether_each_keyword_in_list_metioned_in_range", params: [["sky"], 2, 5] }] },
  { key: "precision", value: "Give every number with one decimal.", method: "rule_based", verify_funcs: [{ func: "check_number_precision_in_response", params: [1] }] },
];

export const EVAL_C_ITEMS = 60;
export const EVAL_P_ITEMS = 6;
/** The item whose answer and judge reply carry the payloads. */
export const HOSTILE_ID = "c-2";
/** The item whose image file is not an image. */
export const BROKEN_IMAGE_ID = "c-7";

export interface EvalFixture {
  dir: string;
  summary: SummaryFile;
  results: ItemResult[];
}

/** An eval run in `<root>/run`, its bench in `<root>/bench` (our JSONL with image files). */
export async function makeEvalRun(root: string, options: { model?: string; status?: RunStatus } = {}): Promise<EvalFixture> {
  const benchDir = join(root, "bench");
  const dir = join(root, "run");
  mkdirSync(join(benchDir, "images"), { recursive: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SCENES.length; i++) await drawImage(join(benchDir, "images", `scene${i}.png`), i);
  writeFileSync(join(benchDir, "images", "broken.png"), "this is not an image");

  const benchRows: unknown[] = [];
  const predictions: unknown[] = [];
  const results: ItemResult[] = [];
  for (let i = 0; i < EVAL_C_ITEMS; i++) {
    const id = `c-${i}`;
    const templates = [0, 1, 2].map((j) => TEMPLATES[(i + j) % TEMPLATES.length]!);
    const task = `Describe the landscape in picture ${i}.`;
    const question = [task, ...templates.map((t) => t.value)].join(" ");
    const image = id === BROKEN_IMAGE_ID ? "images/broken.png" : `images/scene${i % SCENES.length}.png`;
    const constraints = templates.map((t) => ({ key: t.key, value: t.value, judge: { method: t.method, ...(t.verify_funcs ? { verify_funcs: t.verify_funcs } : {}) } }));
    benchRows.push({ index: id, id, tag: "C-Level", infer_type: "main", question, constraints, image });
    const answer = id === HOSTILE_ID ? PAYLOAD : `The sky is wide over picture ${i}.\n- Green hills.\n- A small red-roofed house.\nThe sky glows at 12.5 percent brightness.`;
    predictions.push({ index: id, id, tag: "C-Level", infer_type: "main", question, prediction: answer, finish_reason: "stop" });
    const replies: Record<string, string> = {};
    if (templates.some((t) => t.method === "direct_gpt")) replies.direct = id === HOSTILE_ID ? `Judgement: ${PAYLOAD}\nScore: 1/1` : `The answer uses a bulleted list.\nScore: ${i % 3 === 0 ? "0/1" : "1/1"}`;
    for (const t of templates.filter((x) => x.method === "cmp_gpt")) {
      const auxQuestion = [task, ...templates.filter((x) => x !== t).map((x) => x.value)].join(" ");
      benchRows.push({ index: `${id}:${t.key}`, id, tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: t.key, question: auxQuestion, image });
      predictions.push({ index: `${id}:${t.key}`, id, tag: "C-Level", infer_type: "aux_cmp_gpt", del_cons: t.key, question: auxQuestion, prediction: `A plain description of picture ${i}.` });
      replies[`cmp:${t.key}`] = i === 9 ? "I cannot decide." : `Answer A is more cheerful. Final: ${i % 4 === 1 ? "[[B]]" : "[[A]]"}`;
    }
    const failedItem = i === 5;
    const verdicts = templates.map((t, j) => {
      const base = { index: j, key: t.key, text: t.value, method: t.method };
      if (failedItem) return { ...base, score: null, counted: false, error: "not judged: the item's judging stopped before this constraint" };
      if (i === 9 && t.method === "cmp_gpt") return { ...base, score: null, counted: false, error: "unparseable compare reply: dropped" };
      return { ...base, score: (i * 13 + j * 5) % 10 < 4 ? 0 : 1, counted: true };
    });
    const scored = verdicts.filter((v) => v.score !== null).map((v) => v.score!);
    results.push({
      id,
      tag: "C-Level",
      status: failedItem ? "failed" : "scored",
      score: failedItem ? 0 : scored.reduce((a, b) => a + b, 0) / scored.length,
      constraints: verdicts,
      replies,
      rounds: failedItem ? 3 : 1,
      ...(failedItem ? { error: "direct judge reply unparseable in 3 rounds" } : {}),
    });
  }
  for (let i = 0; i < EVAL_P_ITEMS; i++) {
    const id = `p-${i}`;
    const question = "Which objects are in the picture? Answer with a list.";
    benchRows.push({ index: id, id, tag: "P-Level", infer_type: "main", question, answer: ["sun", "house"], image: `images/scene${i % SCENES.length}.png` });
    predictions.push({ index: id, id, tag: "P-Level", infer_type: "main", question, prediction: i % 2 === 0 ? "sun, house" : "a tree", finish_reason: "stop" });
    results.push({ id, tag: "P-Level", status: "scored", score: i % 2 === 0 ? 1 : 0, constraints: [], replies: { perception: `Score: ${i % 2 === 0 ? 1 : 0}` }, rounds: 1 });
  }
  jsonl(join(benchDir, "bench.jsonl"), benchRows);
  jsonl(join(dir, "predictions.jsonl"), predictions);
  jsonl(
    join(dir, "results.jsonl"),
    results.map((r) => ({ id: r.id, tag: r.tag, score: r.score, status: r.status, ...(r.tag === "C-Level" ? { constraints: r.constraints } : {}), replies: r.replies, rounds: r.rounds, ...(r.error ? { error: r.error } : {}) })),
  );
  const summary: SummaryFile = {
    ...writtenBy(),
    status: options.status ?? "complete",
    status_reasons: options.status === undefined || options.status === "complete" ? [] : [`a ${options.status} run made by the test`],
    ...summarize(results),
    model: options.model ?? "test-vlm-7b",
    judge: "gpt-4o-2024-11-20",
    perception_judge: "gpt-4o-mini",
    profile: "vlmevalkit",
    bench: join(benchDir, "bench.jsonl"),
    created_at: "2025-04-10T12:00:00.000Z",
    usage: [
      { model: options.model ?? "test-vlm-7b", stage: "answer", calls: 96, failed: 0, promptTokens: 61_440, completionTokens: 9_216, cost: null },
      { model: "gpt-4o-2024-11-20", stage: "judge", calls: 84, failed: 2, promptTokens: 120_300, completionTokens: 15_010, cost: 0.45085 },
      { model: "gpt-4o-mini", stage: "judge", calls: 6, failed: 0, promptTokens: 2_400, completionTokens: 60, cost: 0.000396 },
    ],
    cost: 0.451246,
  };
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return { dir, summary, results };
}

const ENGINE_KEYS = ["word_count_range_limit", "sentence_number_limit", "precision", "list_requirements", "title_requirements", "writing_style", "rhetorical_device", "tone_requirement", "role_imitation", "prefix_and_suffix", "mention", "not_mention", "highlight_requirements", "perspective_requirement"];

export const DATASET_ITEMS = 55;
export const DATASET_HOSTILE_ID = "item-2";

export interface DatasetFixture {
  dir: string;
  items: EngineItem[];
  images: ImageRecord[];
}

/** A generate run in `<root>/run`, its source images in `<root>/photos` (6 drawings shared by the records). */
export async function makeDatasetRun(root: string): Promise<DatasetFixture> {
  const photos = join(root, "photos");
  const dir = join(root, "run");
  mkdirSync(photos, { recursive: true });
  mkdirSync(join(dir, "images"), { recursive: true });
  for (let i = 0; i < 6; i++) await drawImage(join(photos, `photo${i}.png`), i, 400, 300);
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const images: ImageRecord[] = [];
  for (let i = 0; i < 58; i++) images.push({ path: `img${String(i).padStart(3, "0")}.png`, sha256: sha(`img${i}`), width: 400, height: 300, format: "png", complexity: 0.4, kept: true, reasons: [] });
  const drop = (path: string, reason: string, width = 400, height = 300) => images.push({ path, sha256: sha(path), width, height, format: "png", kept: false, reasons: [reason] });
  drop("tiny.png", "resolution: 50x40 < 224", 50, 40);
  drop("banner.png", "aspect: 10 > 3 (1000x100)", 1000, 100);
  drop("copy-of-img001.png", "duplicate of img001.png");
  drop("img002-small.jpg", "near-duplicate of img002.png (distance 2)");
  drop("flat.png", "complexity: 0.02 < 0.1 (flat)");
  drop("notes.png", "decode: not an image (text)");
  // Item 1's image is no longer at its recorded path, but the run's images/ folder has it under its hash.
  await drawImage(join(dir, "images", `${images[1]!.sha256}.png`), 1, 400, 300);

  const items: EngineItem[] = [];
  const PER_ITEM = [3, 4, 5, 5, 6, 5, 7, 4, 5, 6, 8];
  for (let i = 0; i < DATASET_ITEMS; i++) {
    const fromQuestion = i >= 51;
    const record = images[i % 58]!;
    const path = i === 1 ? join(photos, "moved-away.png") : i === 4 ? join(photos, "gone.png") : join(photos, `photo${i % 6}.png`);
    const n = PER_ITEM[i % PER_ITEM.length]!;
    const constraints: EngineConstraint[] = Array.from({ length: n }, (_, j) => {
      const key = ENGINE_KEYS[(i * 3 + j) % ENGINE_KEYS.length]!;
      const sub = getSubcategory(key)!;
      return { key, category: sub.category, subcategory: sub.key, value: `Constraint ${j + 1} of item ${i}: ${sub.name.toLowerCase()}.`, judge: { method: sub.method }, assignment: j === 1 && i % 7 === 0 ? "fallback: bad params" : "default" };
    });
    const rejected = i === 54;
    const answered = !rejected && i % 11 !== 10;
    const verdicts = answered ? constraints.map((c, j) => ({ index: j, key: c.key, text: c.value, method: c.judge.method, score: (i + j) % 5 === 0 ? 0 : 1, counted: true })) : undefined;
    const score = verdicts ? verdicts.reduce((a, v) => a + (v.score ?? 0), 0) / verdicts.length : undefined;
    const kept = score !== undefined && score >= 0.8;
    const task = fromQuestion ? `What is the story behind the house in photo ${i % 6}?` : `Write a short story about the landscape in photo ${i % 6}.`;
    items.push({
      id: `item-${i}`,
      image: { path, sha256: i === 4 ? "f".repeat(64) : record.sha256 },
      source: fromQuestion ? "question" : "generated",
      task,
      constraints: rejected ? [] : constraints,
      dropped: i % 5 === 0 && !rejected ? [{ key: "paragraph_number_limit", value: "Write exactly two paragraphs.", reason: "incompatible: contradicts the sentence count" }] : [],
      ...(rejected ? {} : { prompt: [task, ...constraints.map((c) => c.value)].join(" ") }),
      ...(answered ? { response: i === 2 ? PAYLOAD : `Once upon a time, under a wide sky, a small house stood on the hill of photo ${i % 6}.` } : {}),
      ...(answered ? { aux: Object.fromEntries(constraints.filter((c) => c.judge.method === "cmp_gpt").map((c) => [c.key, `A story without ${c.key}.`])) } : {}),
      ...(verdicts ? { verdicts, score } : {}),
      kept,
      reasons: rejected ? ["question: numbered_example (Example 1:)"] : answered ? (kept ? [] : [`score ${score!.toFixed(3)} < threshold 0.8`]) : ["answer: the responder never answered (HTTP 500)"],
    });
  }
  jsonl(join(dir, "images.jsonl"), images);
  jsonl(join(dir, "items.jsonl"), items);
  const collector = new StatsCollector();
  for (const r of images) collector.image(r);
  for (const it of items) collector.item(it);
  const stats = collector.finish({
    status: "complete",
    status_reasons: [],
    usage: [
      { model: "gpt-4o-mini", stage: "tasks", calls: 55, failed: 0, promptTokens: 40_000, completionTokens: 5_000, cost: 0.009 },
      { model: "gpt-4o-mini", stage: "constraints", calls: 55, failed: 1, promptTokens: 30_000, completionTokens: 8_000, cost: 0.0093 },
      { model: "gpt-4o", stage: "answer", calls: 80, failed: 5, promptTokens: 90_000, completionTokens: 30_000, cost: 0.525 },
    ],
    cost: 0.5433,
    seed: 7,
    stages: ["filter", "tasks", "constraints", "compat", "assign", "answer"],
  });
  writeFileSync(join(dir, "stats.json"), `${JSON.stringify(stats, null, 2)}\n`);
  return { dir, items, images };
}
