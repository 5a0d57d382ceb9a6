// Loading an MM-IFEval benchmark from any of the three layouts, recognised from the path:
//   a folder, or a file named C-Level.jsonl / P-Level.jsonl (any case)  → the authors' JSONL   (authors.ts)
//   *.tsv                                                               → VLMEvalKit's TSV     (tsv.ts)
//   any other *.jsonl                                                   → mmif's JSONL         (jsonl.ts)
// Anything else is a BenchFileError; `options.format` overrides the guess.
// Problems with single rows are RowIssues in the result (those rows are left out, the others load); problems
// with the whole file (missing, unreadable, wrong columns) are thrown as BenchFileError.
import { stat } from "node:fs/promises";
import { extname } from "node:path";
import type { LoadedBench } from "../types.js";
import { authorsFileTag, loadAuthorsJsonl } from "./authors.js";
import { BenchFileError } from "./errors.js";
import { loadMmifJsonl } from "./jsonl.js";
import { loadVlmevalkitTsv } from "./tsv.js";

export type BenchFormat = LoadedBench["format"];

export interface LoadBenchOptions {
  /** Skip detection. */
  format?: BenchFormat;
  /** VLMEvalKit TSV: where decoded images are written (required for that format). */
  imageDir?: string;
  /** Authors' JSONL: the folder image paths are relative to (default: see authors.ts). */
  imageRoot?: string;
  /** Largest decoded base64 image accepted (TSV, data URLs); default 50 MiB. */
  maxImageBytes?: number;
  /** A JSONL line or TSV cell with a field larger than this is refused as a row issue (src/io/field-limit.ts). */
  maxFieldBytes?: number;
}

/** The format `path` is in, from its name (and whether it is a folder). */
export async function detectBenchFormat(path: string): Promise<BenchFormat> {
  const info = await stat(path).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BenchFileError(path, code === "ENOENT" ? "no such file or folder" : `cannot read it: ${(err as Error).message}`, { cause: err });
  });
  if (info.isDirectory() || authorsFileTag(path)) return "authors-jsonl";
  const ext = extname(path).toLowerCase();
  if (ext === ".tsv") return "vlmevalkit-tsv";
  if (ext === ".jsonl") return "mmif-jsonl";
  throw new BenchFileError(
    path,
    "cannot tell the benchmark format from the name: expected a VLMEvalKit .tsv file (MM-IFEval.tsv), " +
      "the authors' folder or C-Level.jsonl / P-Level.jsonl, or an mmif .jsonl file",
  );
}

export async function loadBench(path: string, options: LoadBenchOptions = {}): Promise<LoadedBench> {
  const format = options.format ?? (await detectBenchFormat(path));
  const max = options.maxImageBytes === undefined ? {} : { maxImageBytes: options.maxImageBytes };
  const field = options.maxFieldBytes === undefined ? {} : { maxFieldBytes: options.maxFieldBytes };
  switch (format) {
    case "vlmevalkit-tsv":
      if (!options.imageDir) throw new BenchFileError(path, "a VLMEvalKit TSV needs imageDir, the folder its decoded images are written to");
      return loadVlmevalkitTsv(path, { imageDir: options.imageDir, ...max, ...field });
    case "authors-jsonl":
      return loadAuthorsJsonl(path, { ...(options.imageRoot === undefined ? {} : { imageRoot: options.imageRoot }), ...field });
    case "mmif-jsonl":
      return loadMmifJsonl(path, { ...max, ...field });
    default:
      throw new BenchFileError(path, `unknown benchmark format ${JSON.stringify(format)}`);
  }
}

export { BenchFileError } from "./errors.js";
export { IMAGE_KEYS } from "./authors.js";
export { assemblePrompt } from "../../constraints/prompt.js";
export { loadAuthorsJsonl, type AuthorsLoadOptions } from "./authors.js";
export { loadMmifJsonl, type JsonlLoadOptions } from "./jsonl.js";
export { IMAGE_REFERENCE_MAX, loadVlmevalkitTsv, type TsvLoadOptions } from "./tsv.js";
export { parseDelimited, readDelimitedFile, DelimitedParser, type DelimitedRecord } from "./delimited.js";
