/**
 * MM-IFEval data as the benchmark code sees it, whatever file it came from (VLMEvalKit TSV, the authors'
 * JSONL, or ours). Loaders produce these; the runner answers them; the scorer judges them.
 */
import type { Constraint } from "../constraints/schema.js";
import type { ImageSource } from "../model/images.js";

export type Tag = "C-Level" | "P-Level";

/** One row the model under test must answer: a main item or an aux row (a main prompt minus one constraint). */
export interface BenchRow {
  /** Unique per row (the TSV's `index`; generated for the authors' layout). */
  index: string;
  /** Shared by a main row and its aux rows. */
  id: string;
  tag: Tag;
  inferType: "main" | "aux_cmp_gpt";
  /** Aux rows: the key of the constraint removed from the prompt. */
  delCons?: string;
  /** The full text sent to the model (spec §2 prompt assembly already applied). */
  question: string;
  image: ImageSource;
  /** C-Level main rows: the constraints, parsed. */
  constraints?: Constraint[];
  /** P-Level main rows: the ground truth as the file holds it (a JSON string in the TSV). */
  answer?: string;
  /**
   * P-Level main rows: `answer` parsed (JSON.parse of the TSV text; the list itself in the authors' JSONL). The
   * scorer formats the ground truth from this value (its Python repr), never from the text.
   */
  answerValue?: unknown;
  /** Where the row came from, for error messages: "MM-IFEval.tsv row 12". */
  source: string;
}

/** A problem with one row: which file, which row, which field, and what is wrong. */
export interface RowIssue {
  file: string;
  /** 1-based data row (header excluded) or line number. */
  row: number;
  field?: string;
  message: string;
}

export interface LoadedBench {
  rows: BenchRow[];
  issues: RowIssue[];
  /** What the file was recognised as. */
  format: "vlmevalkit-tsv" | "authors-jsonl" | "mmif-jsonl";
}
