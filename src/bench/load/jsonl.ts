// mmif's own benchmark JSONL → BenchRows.
//
// ## Format (`*.jsonl`, any name other than C-Level.jsonl / P-Level.jsonl)
// UTF-8, one JSON object per line; blank lines are skipped. The fields are those of the VLMEvalKit TSV, with
// lists allowed where the TSV holds JSON text:
//
// | field         | type                      | required | meaning |
// |---------------|---------------------------|----------|---------|
// | `index`       | string or whole number    | yes      | unique per row; predictions are keyed by it |
// | `id`          | string or whole number    | yes      | shared by a main row and its aux rows |
// | `tag`         | `"C-Level"` / `"P-Level"` | yes      | |
// | `infer_type`  | `"main"` / `"aux_cmp_gpt"`| yes      | |
// | `del_cons`    | string                    | aux rows | key of the constraint left out of the prompt; must be a key of the main row's constraints |
// | `question`    | string                    | yes      | the full prompt, sent as is (spec §2 assembly already applied) |
// | `constraints` | list, or its JSON text    | C-Level main rows | `[{key, value, judge: {method, verify_funcs?}}]` |
// | `answer`      | list, or its JSON text    | P-Level main rows | the ground-truth list |
// | `image`       | string                    | yes      | a path relative to the folder of the JSONL file, an absolute path inside that folder, or a `data:image/...;base64,` URL |
//
// Other fields are ignored. Image paths may not leave the JSONL file's folder (`..`, or an absolute path
// elsewhere, is a row issue on `image`), and the file must exist; data URLs must decode to an image. An answer
// given as a list is kept as `JSON.stringify(list)` in BenchRow.answer and as the list in answerValue.
//
// Example:
//   {"index": "17", "id": "17", "tag": "C-Level", "infer_type": "main", "question": "Describe the photo. Use three sentences.", "constraints": [{"key": "sentences", "value": "Use three sentences.", "judge": {"method": "rule_based", "verify_funcs": [{"func": "check_whether_response_sentence_number_in_range", "params": [3, 3]}]}}], "image": "images/17.jpg"}
//   {"index": "17:tone", "id": "17", "tag": "C-Level", "infer_type": "aux_cmp_gpt", "del_cons": "tone", "question": "Describe the photo.", "image": "images/17.jpg"}
//   {"index": "p-3", "id": "p-3", "tag": "P-Level", "infer_type": "main", "question": "What animals are there?", "answer": ["cat", "dog"], "image": "images/p3.png"}
import { basename, dirname, resolve } from "node:path";
import { DEFAULT_MAX_BYTES, ImageError, sniffImageFormat, type ImageSource } from "../../model/images.js";
import { describeUnknownBytes } from "../../model/images/formats.js";
import { decodeBase64 } from "../../model/images/load.js";
import { readJsonObjects } from "../../io/json-lines.js";
import { openInput } from "../../io/lines.js";
import type { LoadedBench, RowIssue } from "../types.js";
import { BenchFileError } from "./errors.js";
import { fileKind, resolveInside } from "../../io/paths.js";
import { buildRow, crossCheck, issueAt, sortIssues, sourceOf, type PendingRow, type RowContext } from "./rows.js";

export interface JsonlLoadOptions {
  /** Largest decoded data-URL image accepted; default 50 MiB. */
  maxImageBytes?: number;
  /** A line with a field larger than this is refused as an issue (src/io/field-limit.ts); default no limit. */
  maxFieldBytes?: number;
}

export async function loadMmifJsonl(path: string, options: JsonlLoadOptions = {}): Promise<LoadedBench> {
  const kind = await fileKind(path);
  if (kind !== "file") throw new BenchFileError(path, kind === "missing" ? "file not found" : "is not a regular file");
  const root = resolve(dirname(path));
  const maxBytes = options.maxImageBytes ?? DEFAULT_MAX_BYTES;
  const issues: RowIssue[] = [];
  const pending: PendingRow[] = [];

  for await (const parsed of readJsonObjects(openInput(path), { maxFieldBytes: options.maxFieldBytes })) {
    const ctx: RowContext = { file: path, row: parsed.line, source: sourceOf(path, "line", parsed.line) };
    if ("error" in parsed) {
      issues.push(issueAt(ctx, parsed.field, parsed.error));
      continue;
    }
    const o = parsed.value;
    const image = await imageOf(ctx, o.image, root, maxBytes, issues);
    const row = buildRow(ctx, o, image, issues);
    if (row) pending.push({ row, ctx });
  }
  return { rows: crossCheck(pending, issues), issues: sortIssues(issues), format: "mmif-jsonl" };
}

async function imageOf(ctx: RowContext, value: unknown, root: string, maxBytes: number, issues: RowIssue[]): Promise<ImageSource | undefined> {
  const bad = (message: string) => {
    issues.push(issueAt(ctx, "image", message));
    return undefined;
  };
  if (value === undefined || value === null || value === "") return bad("image is missing");
  if (typeof value !== "string") return bad(`image must be a string (a path or a data: URL), got ${JSON.stringify(value)}`);
  if (/^data:/i.test(value)) {
    try {
      const bytes = decodeBase64(value, `image of ${ctx.source}`, maxBytes);
      if (sniffImageFormat(bytes) === undefined) return bad(`the data URL is not an image we can read (${describeUnknownBytes(bytes)})`);
    } catch (err) {
      if (err instanceof ImageError) return bad(err.problem);
      throw err;
    }
    return { base64: value, name: ctx.source };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^file:\/\//i.test(value)) {
    return bad(`image must be a file path or a data: URL, not ${value.split(":")[0]} URL`);
  }
  const r = resolveInside(root, value);
  if (!r.ok) return bad(r.message.replace("the image root", `the folder of ${basename(ctx.file)}`));
  const kind = await fileKind(r.path);
  if (kind !== "file") return bad(kind === "missing" ? `image file not found: ${r.path}` : `image is not a regular file: ${r.path}`);
  return { path: r.path };
}
