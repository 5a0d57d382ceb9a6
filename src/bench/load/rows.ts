// Row validation shared by the three loaders: one raw record (TSV cells or JSON fields) → a BenchRow or
// RowIssues, then the checks that need every row (duplicate index, aux rows → their main row).
import { basename } from "node:path";
import { z } from "zod";
import { constraintSchema, type Constraint } from "../../constraints/schema.js";
import { zodMessage } from "../../records/zod-message.js";
import type { ImageSource } from "../../model/images.js";
import type { BenchRow, RowIssue, Tag } from "../types.js";

/** Where a record came from. */
export interface RowContext {
  file: string;
  /** 1-based data row (TSV, header excluded) or line number (JSONL). */
  row: number;
  /** For BenchRow.source: "MM-IFEval.tsv row 12". */
  source: string;
}

/** A record's fields as the file holds them, before any checking. Empty strings and null count as absent. */
export interface RawFields {
  index?: unknown;
  id?: unknown;
  tag?: unknown;
  infer_type?: unknown;
  del_cons?: unknown;
  question?: unknown;
  /** A list, or the JSON text of one. */
  constraints?: unknown;
  /** Any JSON value (a list for MM-IFEval), or its JSON text. */
  answer?: unknown;
}

/** A row that passed the per-row checks, waiting for the cross-row checks. */
export interface PendingRow {
  row: BenchRow;
  ctx: RowContext;
}

export const TAGS: readonly Tag[] = ["C-Level", "P-Level"];
export const INFER_TYPES: ReadonlyArray<BenchRow["inferType"]> = ["main", "aux_cmp_gpt"];

const constraintListSchema = z.array(constraintSchema);

export function sourceOf(file: string, unit: "row" | "line", n: number): string {
  return `${basename(file)} ${unit} ${n}`;
}

export function issueAt(ctx: RowContext, field: string | undefined, message: string): RowIssue {
  return field === undefined ? { file: ctx.file, row: ctx.row, message } : { file: ctx.file, row: ctx.row, field, message };
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** An identifier: a non-empty string, or a whole number (JSON files often have numeric ids). */
function identifier(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

/** Parses and validates a constraint list given as a list or as its JSON text. */
export function parseConstraints(v: unknown): { ok: true; value: Constraint[] } | { ok: false; message: string } {
  let value = v;
  if (typeof v === "string") {
    try {
      value = JSON.parse(v);
    } catch (err) {
      return { ok: false, message: `constraints is not valid JSON: ${(err as Error).message}` };
    }
  }
  if (!Array.isArray(value)) return { ok: false, message: `constraints must be a list of constraint objects, got ${show(value)}` };
  const parsed = constraintListSchema.safeParse(value);
  if (!parsed.success) return { ok: false, message: zodMessage("constraints", parsed.error) };
  return { ok: true, value: parsed.data };
}

/**
 * Checks one record's own fields. Returns the row, or undefined after pushing one issue per bad field.
 * `image` is undefined when the loader already reported the image as unusable (the row is then rejected, but
 * its other fields are still checked so that every problem is reported at once).
 */
export function buildRow(ctx: RowContext, raw: RawFields, image: ImageSource | undefined, issues: RowIssue[]): BenchRow | undefined {
  const before = issues.length;
  const bad = (field: string, message: string) => issues.push(issueAt(ctx, field, message));

  const index = identifier(raw.index);
  if (index === undefined) bad("index", isAbsent(raw.index) ? "index is missing" : `index must be a non-empty string or a whole number, got ${show(raw.index)}`);
  const id = identifier(raw.id);
  if (id === undefined) bad("id", isAbsent(raw.id) ? "id is missing" : `id must be a non-empty string or a whole number, got ${show(raw.id)}`);

  const tag = raw.tag as Tag;
  if (!TAGS.includes(tag)) bad("tag", isAbsent(raw.tag) ? "tag is missing" : `tag must be "C-Level" or "P-Level", got ${show(raw.tag)}`);
  const inferType = raw.infer_type as BenchRow["inferType"];
  if (!INFER_TYPES.includes(inferType)) {
    bad("infer_type", isAbsent(raw.infer_type) ? "infer_type is missing" : `infer_type must be "main" or "aux_cmp_gpt", got ${show(raw.infer_type)}`);
  }

  let delCons: string | undefined;
  if (!isAbsent(raw.del_cons)) {
    if (typeof raw.del_cons === "string") delCons = raw.del_cons;
    else bad("del_cons", `del_cons must be a string (a constraint key), got ${show(raw.del_cons)}`);
  } else if (inferType === "aux_cmp_gpt") bad("del_cons", "aux rows need del_cons, the key of the constraint left out of the prompt");

  const question = raw.question;
  if (typeof question !== "string" || question === "") {
    bad("question", isAbsent(question) ? "question is missing or empty" : `question must be a string, got ${show(question)}`);
  }

  let constraints: Constraint[] | undefined;
  if (!isAbsent(raw.constraints)) {
    const parsed = parseConstraints(raw.constraints);
    if (parsed.ok) constraints = parsed.value;
    else bad("constraints", parsed.message);
  } else if (tag === "C-Level" && inferType === "main") bad("constraints", "C-Level main rows need constraints");

  let answer: string | undefined;
  let answerValue: unknown;
  if (!isAbsent(raw.answer)) {
    if (typeof raw.answer === "string") {
      try {
        answerValue = JSON.parse(raw.answer);
        answer = raw.answer;
      } catch (err) {
        bad("answer", `answer is not valid JSON: ${(err as Error).message}`);
      }
    } else {
      answerValue = raw.answer;
      answer = JSON.stringify(raw.answer);
    }
  } else if (tag === "P-Level" && inferType === "main") bad("answer", "P-Level main rows need answer, the ground-truth list");

  if (issues.length > before || image === undefined) return undefined;
  const row: BenchRow = { index: index!, id: id!, tag, inferType, question: question as string, image, source: ctx.source };
  if (delCons !== undefined) row.delCons = delCons;
  if (constraints !== undefined) row.constraints = constraints;
  if (answer !== undefined) {
    row.answer = answer;
    row.answerValue = answerValue;
  }
  return row;
}

/**
 * The checks across rows, in file order: a repeated index (the first one stays), a second main row for an id,
 * and aux rows whose main row is missing or rejected, is not C-Level, or has no constraint with the del_cons key.
 */
export function crossCheck(pending: readonly PendingRow[], issues: RowIssue[]): BenchRow[] {
  const byIndex = new Map<string, PendingRow>();
  const unique: PendingRow[] = [];
  for (const p of pending) {
    const first = byIndex.get(p.row.index);
    if (first) {
      issues.push(issueAt(p.ctx, "index", `duplicate index ${show(p.row.index)} (first at ${first.row.source})`));
      continue;
    }
    byIndex.set(p.row.index, p);
    unique.push(p);
  }

  const mains = new Map<string, PendingRow>();
  const rejected = new Set<PendingRow>();
  for (const p of unique) {
    if (p.row.inferType !== "main") continue;
    const first = mains.get(p.row.id);
    if (first) {
      issues.push(issueAt(p.ctx, "id", `a second main row for id ${show(p.row.id)} (the first is ${first.row.source})`));
      rejected.add(p);
    } else mains.set(p.row.id, p);
  }

  for (const p of unique) {
    if (p.row.inferType !== "aux_cmp_gpt") continue;
    const main = mains.get(p.row.id)?.row;
    if (!main) {
      issues.push(issueAt(p.ctx, "id", `aux row for id ${show(p.row.id)}, which has no valid main row`));
      rejected.add(p);
    } else if (main.tag !== "C-Level" || p.row.tag !== "C-Level") {
      issues.push(issueAt(p.ctx, "tag", `aux rows belong to C-Level items; this one is ${p.row.tag} and its main row (${main.source}) is ${main.tag}`));
      rejected.add(p);
    } else if (!main.constraints?.some((c) => c.key === p.row.delCons)) {
      const keys = (main.constraints ?? []).map((c) => c.key).join(", ");
      issues.push(issueAt(p.ctx, "del_cons", `del_cons ${show(p.row.delCons)} is not a constraint key of the main row (${main.source}; keys: ${keys || "none"})`));
      rejected.add(p);
    }
  }
  return unique.filter((p) => !rejected.has(p)).map((p) => p.row);
}

/** Issues sorted by file, then row, so reports read top to bottom. Stable for one row's several fields. */
export function sortIssues(issues: RowIssue[]): RowIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.file < b.issue.file ? -1 : a.issue.file > b.issue.file ? 1 : a.issue.row - b.issue.row || a.i - b.i))
    .map((x) => x.issue);
}
