/**
 * Checks a loaded benchmark before any model call, for every problem that would make an item unscorable the way
 * the reference scores it: an unknown judge method, a rule_based constraint without verify_funcs, an unknown
 * verify function or bad params, a cmp_gpt constraint without its aux row. The loader has already left out rows
 * with malformed fields (missing answer, missing image…) as RowIssues; both kinds become BenchProblems here, so a
 * run (or a dry run) lists every problem at once and pays for nothing when there is one.
 */
import { bindVerifyFunc } from "../constraints/registry.js";
import { JUDGE_METHODS } from "../constraints/taxonomy.js";
import type { BenchRow, LoadedBench, RowIssue } from "./types.js";


/** One problem, where it is ("MM-IFEval.tsv row 12"), which field, and what is wrong. */
export interface BenchProblem {
  where: string;
  field?: string;
  message: string;
}

export interface BenchCheck {
  /** Every problem, loader issues first, then the rows' constraint problems, in file order. */
  problems: BenchProblem[];
  /** The rows without a problem (a main row with one takes its aux rows along): what --skip-bad-rows scores. */
  usable: BenchRow[];
}

export function formatProblem(p: BenchProblem): string {
  return `${p.where}${p.field ? ` field "${p.field}"` : ""}: ${p.message}`;
}

/** `unit`: how the file counts its records (a JSONL file by line); an issue of row 0 is about the file as a whole. */
export function issueToProblem(issue: RowIssue, unit: "row" | "line" = "row"): BenchProblem {
  const where = issue.row === 0 ? issue.file : `${issue.file} ${unit} ${issue.row}`;
  return { where, ...(issue.field ? { field: issue.field } : {}), message: issue.message };
}

/** The problems of one main row's constraints (C-Level), given the keys its aux rows answer. */
export function constraintProblems(row: BenchRow, auxKeys: ReadonlySet<string>): BenchProblem[] {
  const problems: BenchProblem[] = [];
  const at = (field: string, message: string) => problems.push({ where: row.source, field, message });
  for (const [i, c] of (row.constraints ?? []).entries()) {
    const field = `constraints[${i}]`;
    const method = c.judge.method;
    if (!(JUDGE_METHODS as readonly string[]).includes(method)) {
      at(`${field}.judge.method`, `unknown judge method "${method}" (constraint "${c.key}"); methods are ${JUDGE_METHODS.join(", ")}`);
    } else if (method === "rule_based") {
      const calls = c.judge.verify_funcs;
      if (calls === undefined) at(`${field}.judge.verify_funcs`, `rule_based constraint "${c.key}" has no verify_funcs (the reference fails the item)`);
      for (const [j, call] of (calls ?? []).entries()) {
        const callField = `${field}.judge.verify_funcs[${j}]`;
        try {
          bindVerifyFunc(call, j);
        } catch (e) {
          at(callField, `constraint "${c.key}": ${(e as Error).message}`);
          continue;
        }
        if (call.params === undefined) at(`${callField}.params`, `constraint "${c.key}": verify func "${call.func}" has no params (the reference fails the item); give [] for none`);
      }
    } else if (method === "cmp_gpt" && !auxKeys.has(c.key)) {
      at(field, `cmp_gpt constraint "${c.key}" has no aux row (infer_type aux_cmp_gpt, del_cons "${c.key}") to compare with`);
    }
  }
  return problems;
}

/** Every problem of a loaded bench, and the rows a run may score when the user skips the bad ones. */
export function checkBench(loaded: LoadedBench, rows: readonly BenchRow[] = loaded.rows): BenchCheck {
  const unit = loaded.format === "vlmevalkit-tsv" ? "row" : "line";
  const problems = loaded.issues.map((i) => issueToProblem(i, unit));
  const auxKeys = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.inferType !== "aux_cmp_gpt" || r.delCons === undefined) continue;
    if (!auxKeys.has(r.id)) auxKeys.set(r.id, new Set());
    auxKeys.get(r.id)!.add(r.delCons);
  }
  const badIds = new Set<string>();
  for (const r of rows) {
    if (r.inferType !== "main") continue;
    const found = constraintProblems(r, auxKeys.get(r.id) ?? new Set());
    if (found.length > 0) badIds.add(r.id);
    problems.push(...found);
  }
  return { problems, usable: rows.filter((r) => !badIds.has(r.id)) };
}
