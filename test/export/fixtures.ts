// Inputs of the export tests: images made here, items.jsonl as `mmif generate` writes it, pairs.jsonl in the shape
import type { PreferencePair } from "../../src/dpo/pairs.js";
// `mmif dpo` writes, with text that must survive every format (quotes, newlines, non-ASCII, a literal "<image>").
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import type { EngineItem } from "../../src/engine/types.js";

export const CONSTRAINTS = [
  { key: "sentence_number_limit", category: "text_length" as const, subcategory: "sentence_number_limit", value: "Use exactly two sentences.", judge: { method: "rule_based" as const, verify_funcs: [{ func: "check_whether_response_sentence_number_in_range", params: [2, 2] }] } },
  { key: "tone_requirement", category: "action" as const, subcategory: "tone_requirement", value: 'Sound "cheerful" — très gai.', judge: { method: "cmp_gpt" as const } },
];

export const TASK = "Describe the photo.";
export const FULL_PROMPT = `${TASK} ${CONSTRAINTS.map((c) => c.value).join(" ")}`;

/** Two images in `<dir>/pics/`: a PNG and a JPEG. */
export async function makeImages(dir: string): Promise<{ png: string; jpg: string }> {
  mkdirSync(join(dir, "pics"), { recursive: true });
  const png = join(dir, "pics", "red.png");
  const jpg = join(dir, "pics", "blue.jpg");
  await sharp({ create: { width: 40, height: 30, channels: 3, background: "red" } }).png().toFile(png);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: "blue" } }).jpeg().toFile(jpg);
  return { png, jpg };
}

export function engineItem(id: string, image: string, over: Partial<EngineItem> = {}): EngineItem {
  return {
    id,
    image: { path: image, sha256: "" },
    source: "generated",
    task: TASK,
    constraints: CONSTRAINTS,
    dropped: [],
    prompt: FULL_PROMPT,
    response: `First "line" of ${id}.\nSecond line: naïve café ✓ 100% <b>tags</b> stay text.`,
    verdicts: [],
    score: 1,
    kept: true,
    reasons: [],
    ...over,
  };
}

/** A line of pairs.jsonl, as `mmif dpo` writes it. */
export type PairLine = PreferencePair;

export function pair(id: string, image: string, strategy: PairLine["strategy"]): PairLine {
  return {
    id,
    item_id: `item-${id}`,
    image: { path: image, sha256: "" },
    prompt: FULL_PROMPT,
    chosen: `Chosen answer ${id}.\nIt follows "every" rule — ✓.`,
    rejected: `Rejected answer ${id}, which ignores the constraints {"json": true}.`,
    strategy,
    removed: strategy === "no-image" ? [] : CONSTRAINTS.map((c) => c.key),
    degraded_prompt: TASK,
    rejected_verdicts: [{ index: 0, key: "sentence_number_limit", text: CONSTRAINTS[0]!.value, method: "rule_based", score: 0, counted: true }],
    rejected_score: 0,
    rejected_passes_all: false,
  };
}

export function writeJsonl(path: string, lines: unknown[]): string {
  writeFileSync(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return path;
}
