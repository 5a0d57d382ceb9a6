// The MM-IFEngine authors' layout → BenchRows.
//
// Files: `C-Level.jsonl` and `P-Level.jsonl`, one JSON object per line (blank lines skipped).
// - A folder loads both files, and both must be there. Naming one of the files loads only that file.
// - Tag: from the file name; a row's own `tag` "C-Level"/"P-Level", when present, must agree (other values are
//   ignored).
// - id: the row's `id` (string or whole number) when present, else `c-<line>` / `p-<line>`.
// - C-Level rows: `instruction` (string) and `constraints` (a list of {key, value, judge}; its JSON text is
//   accepted too). The prompt is `instruction`, then for each constraint in list order one ASCII space and its
//   `value` (the authors' make_prompt_v2: no numbering, no newline, no trimming). Main row index: `<id>`.
// - Aux rows: for every constraint whose `judge.method` is `cmp_gpt`, an aux row (infer_type aux_cmp_gpt,
//   del_cons = its key, index `<id>:<key>`) whose prompt is the same assembly without that constraint, with the
//   same image and id. If a file already holds aux rows (rows with `infer_type: "aux_cmp_gpt"` and `del_cons`, as
//   the authors' inference output does), none are generated for that file: those rows are used, their prompt
//   assembled from their own `constraints` minus any with the key `del_cons`.
// - P-Level rows: `question` (the prompt as is) and `answer`, the ground-truth list (its JSON text is accepted
//   too). BenchRow.answer is `JSON.stringify(list)`, BenchRow.answerValue the list itself.
// - Image: the value of the first key present (not null) of IMAGE_KEYS, a path relative to the image root:
//     * `imageRoot` when given, and only it;
//     * else the folder of the JSONL files, and then, if that folder has an `images/` subfolder, that subfolder:
//       the first of these roots under which the file exists is used.
//   A path (relative, or absolute) must stay inside the root it is resolved against, else it is a row issue
//   naming the image field; so is a file found under no root. (The authors' own scripts resolve images
//   against `<project>/data`, the parent of the folder holding the JSONL files; pass `imageRoot` for that.)
//   Files are checked to exist, not opened; the model layer reads and checks them when a prompt is sent.
import { basename, dirname, join, resolve } from "node:path";
import type { Constraint } from "../../constraints/schema.js";
import { assemblePrompt } from "../../constraints/prompt.js";
import { readJsonObjects } from "../../io/json-lines.js";
import { openInput } from "../../io/lines.js";
import type { LoadedBench, RowIssue, Tag } from "../types.js";
import { BenchFileError } from "./errors.js";
import { fileKind, isDirectory, resolveInside } from "../../io/paths.js";
import { buildRow, crossCheck, issueAt, parseConstraints, sortIssues, sourceOf, type PendingRow, type RowContext } from "./rows.js";

export interface AuthorsLoadOptions {
  /** The folder image paths are relative to (see the top of this file for the default). */
  imageRoot?: string;
  /** A line with a field larger than this is refused as an issue (src/io/field-limit.ts); default no limit. */
  maxFieldBytes?: number;
}

/** The image fields, in the order the authors' get_real_image_key tries them. */
export const IMAGE_KEYS = [
  "image",
  "filename",
  "img_name",
  "image_name",
  "image_local_name",
  "image_path",
  "image_local_path",
  "img",
  "img_path",
  "img_local_path",
  "img_local_name",
] as const;

export const AUTHORS_FILES: Readonly<Record<Tag, string>> = { "C-Level": "C-Level.jsonl", "P-Level": "P-Level.jsonl" };


/** The level an authors' file name stands for, or undefined. */
export function authorsFileTag(path: string): Tag | undefined {
  const name = basename(path).toLowerCase();
  if (name === "c-level.jsonl") return "C-Level";
  if (name === "p-level.jsonl") return "P-Level";
  return undefined;
}

interface Line {
  ctx: RowContext;
  obj: Record<string, unknown>;
}

export async function loadAuthorsJsonl(path: string, options: AuthorsLoadOptions = {}): Promise<LoadedBench> {
  let dir: string;
  let files: Array<{ file: string; tag: Tag }>;
  if (await isDirectory(path)) {
    dir = path;
    files = (["C-Level", "P-Level"] as const).map((tag) => ({ file: join(path, AUTHORS_FILES[tag]), tag }));
    for (const { file } of files) {
      if ((await fileKind(file)) !== "file") {
        throw new BenchFileError(path, `no ${basename(file)} in this folder: the authors' layout has C-Level.jsonl and P-Level.jsonl (name one of the files to load only it)`);
      }
    }
  } else {
    const tag = authorsFileTag(path);
    if (!tag) throw new BenchFileError(path, "not an authors' file: expected a folder, C-Level.jsonl or P-Level.jsonl");
    const kind = await fileKind(path);
    if (kind !== "file") throw new BenchFileError(path, kind === "missing" ? "file not found" : "is not a regular file");
    dir = dirname(path);
    files = [{ file: path, tag }];
  }

  let roots: string[];
  if (options.imageRoot !== undefined) {
    if (!(await isDirectory(options.imageRoot))) throw new BenchFileError(options.imageRoot, "the image root is not a folder");
    roots = [resolve(options.imageRoot)];
  } else {
    roots = [resolve(dir)];
    if (await isDirectory(join(dir, "images"))) roots.push(resolve(dir, "images"));
  }

  const issues: RowIssue[] = [];
  const pending: PendingRow[] = [];
  for (const { file, tag } of files) {
    const lines = await readObjects(file, issues, options.maxFieldBytes);
    const hasAux = lines.some((l) => l.obj.infer_type === "aux_cmp_gpt");
    for (const line of lines) await loadLine(line, tag, hasAux, roots, options.imageRoot !== undefined, issues, pending);
  }
  return { rows: crossCheck(pending, issues), issues: sortIssues(issues), format: "authors-jsonl" };
}

/** Every non-blank line parsed as a JSON object; bad lines become issues. Rows without images are small. */
async function readObjects(file: string, issues: RowIssue[], maxFieldBytes?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const parsed of readJsonObjects(openInput(file), { maxFieldBytes })) {
    const ctx: RowContext = { file, row: parsed.line, source: sourceOf(file, "line", parsed.line) };
    if ("error" in parsed) issues.push(issueAt(ctx, parsed.field, parsed.error));
    else out.push({ ctx, obj: parsed.value });
  }
  return out;
}

async function resolveImage(
  ctx: RowContext,
  obj: Record<string, unknown>,
  roots: readonly string[],
  explicitRoot: boolean,
  issues: RowIssue[],
): Promise<string | undefined> {
  const key = IMAGE_KEYS.find((k) => obj[k] !== undefined && obj[k] !== null);
  if (key === undefined) {
    issues.push(issueAt(ctx, "image", `no image field (looked for ${IMAGE_KEYS.join(", ")})`));
    return undefined;
  }
  const value = obj[key];
  if (typeof value !== "string" || value === "") {
    issues.push(issueAt(ctx, key, `${key} must be a non-empty path string, got ${JSON.stringify(value)}`));
    return undefined;
  }
  let refused: string | undefined;
  const tried: string[] = [];
  for (const root of roots) {
    const r = resolveInside(root, value);
    if (!r.ok) {
      refused ??= r.message;
      continue;
    }
    tried.push(r.path);
    if ((await fileKind(r.path)) === "file") return r.path;
  }
  if (tried.length === 0) {
    issues.push(issueAt(ctx, key, refused!));
  } else {
    const hint = explicitRoot ? "" : "; if the paths are relative to another folder (the authors' scripts use the parent of the JSONL folder), pass imageRoot";
    issues.push(issueAt(ctx, key, `image file not found: ${tried.join(" or ")}${hint}`));
  }
  return undefined;
}

function identifierOf(ctx: RowContext, obj: Record<string, unknown>, fallback: string, issues: RowIssue[]): string | undefined {
  const id = obj.id;
  if (id === undefined || id === null) return fallback;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return String(id);
  issues.push(issueAt(ctx, "id", `id must be a non-empty string or a whole number, got ${JSON.stringify(id)}`));
  return undefined;
}

async function loadLine(
  { ctx, obj }: Line,
  tag: Tag,
  fileHasAux: boolean,
  roots: readonly string[],
  explicitRoot: boolean,
  issues: RowIssue[],
  pending: PendingRow[],
): Promise<void> {
  const before = issues.length;
  const bad = (field: string, message: string) => issues.push(issueAt(ctx, field, message));
  // Only a contradiction is an issue: other tag values (older releases used e.g. "vision") are ignored.
  if ((obj.tag === "C-Level" || obj.tag === "P-Level") && obj.tag !== tag) bad("tag", `tag ${JSON.stringify(obj.tag)} in ${basename(ctx.file)}, which holds ${tag} items`);
  const id = identifierOf(ctx, obj, `${tag === "C-Level" ? "c" : "p"}-${ctx.row}`, issues);
  const imagePath = await resolveImage(ctx, obj, roots, explicitRoot, issues);
  const image = imagePath === undefined ? undefined : { path: imagePath };
  const push = (raw: Parameters<typeof buildRow>[1], source = ctx.source) => {
    const row = buildRow({ ...ctx, source }, raw, image, issues);
    if (row) pending.push({ row, ctx: { ...ctx, source } });
  };

  if (tag === "P-Level") {
    let answer: unknown = obj.answer;
    if (typeof answer === "string") {
      try {
        answer = JSON.parse(answer);
      } catch {
        // reported below as not a list
      }
    }
    if (answer === undefined || answer === null) bad("answer", "P-Level rows need answer, the ground-truth list");
    else if (!Array.isArray(answer)) bad("answer", `answer must be a list (the ground truth), got ${JSON.stringify(obj.answer)}`);
    if (issues.length > before || id === undefined) return;
    push({ index: id, id, tag, infer_type: obj.infer_type ?? "main", question: obj.question, answer });
    return;
  }

  const instruction = obj.instruction;
  if (typeof instruction !== "string" || instruction === "") bad("instruction", "C-Level rows need instruction, a non-empty string");
  let constraints: Constraint[] | undefined;
  if (obj.constraints === undefined || obj.constraints === null) bad("constraints", "C-Level rows need constraints, a list");
  else {
    const parsed = parseConstraints(obj.constraints);
    if (parsed.ok) constraints = parsed.value;
    else bad("constraints", parsed.message);
  }
  if (issues.length > before || id === undefined || constraints === undefined) return;
  const text = instruction as string;

  if (obj.infer_type === "aux_cmp_gpt") {
    const delCons = obj.del_cons;
    if (typeof delCons !== "string" || delCons === "") {
      bad("del_cons", "aux rows need del_cons, the key of the constraint left out of the prompt");
      return;
    }
    const kept = constraints.filter((c) => c.key !== delCons);
    push({ index: `${id}:${delCons}`, id, tag, infer_type: "aux_cmp_gpt", del_cons: delCons, question: assemblePrompt(text, kept) });
    return;
  }

  push({ index: id, id, tag, infer_type: obj.infer_type ?? "main", question: assemblePrompt(text, constraints), constraints });
  if (fileHasAux) return;
  constraints.forEach((c, i) => {
    if (c.judge.method !== "cmp_gpt") return;
    const others = constraints!.filter((_, j) => j !== i);
    push(
      { index: `${id}:${c.key}`, id, tag, infer_type: "aux_cmp_gpt", del_cons: c.key, question: assemblePrompt(text, others) },
      `${ctx.source} (aux without ${c.key})`,
    );
  });
}
