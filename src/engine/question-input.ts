/**
 * The question source of `mmif generate`: a JSONL file of images that already carry a question (ALLaVA style).
 * Each line: {"image": path relative to the file (or absolute inside its folder), "question": text, "id"?: string}.
 * Bad lines are reported with their line number and field; they never stop the run.
 */
import { createReadStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { readJsonObjects } from "../io/json-lines.js";
import { imageContentHash } from "../model/images.js";
import { resolveInside } from "../io/paths.js";
import type { RowIssue } from "../bench/types.js";
import type { PipelineInput } from "./pipeline.js";

export async function* readQuestionInputs(file: string, issues: RowIssue[]): AsyncGenerator<PipelineInput & { kind: "question" }> {
  const root = dirname(resolve(file));
  for await (const parsed of readJsonObjects(createReadStream(file))) {
    const bad = (field: string | undefined, message: string) => issues.push({ file, row: parsed.line, ...(field ? { field } : {}), message });
    if ("error" in parsed) {
      bad(undefined, parsed.error);
      continue;
    }
    const { image, question, id } = parsed.value;
    if (typeof question !== "string" || question.trim() === "") {
      bad("question", "must be a non-empty string");
      continue;
    }
    if (typeof image !== "string" || image === "") {
      bad("image", "must be a path to an image file");
      continue;
    }
    const inside = resolveInside(root, image);
    if (!inside.ok) {
      bad("image", inside.message);
      continue;
    }
    const path = inside.path;
    let sha256: string;
    try {
      sha256 = await imageContentHash({ path });
    } catch (e) {
      bad("image", `cannot read "${image}": ${(e as Error).message}`);
      continue;
    }
    yield { kind: "question", id: typeof id === "string" || typeof id === "number" ? `q-${id}` : `q-${parsed.line}`, image: { path, sha256 }, question };
  }
}
