/**
 * One export: stream the records of items.jsonl or pairs.jsonl, place each record's image, and write the
 * format's files. Bad lines and missing images are reported (line and field) and skipped; the good records are
 * still exported. Nothing is held per record, so memory does not grow with the input.
 */
import { mkdir, stat } from "node:fs/promises";
import { ExportImageError, ImagePlacer, type ImageMode } from "./images.js";
import { ExportSetupError, FORMAT_IMAGE_MODES, imageTokenProblem, openFormat, type ExportFormat, type FormatWriter } from "./formats.js";
import type { ParquetSinkOptions } from "./parquet.js";
import { readExportRecords, type InputKind } from "./records.js";

/** Default dataset names (file names and dataset_info.json keys) by kind of input. */
export const DEFAULT_NAMES: Record<InputKind, string> = { items: "mmif_sft", pairs: "mmif_dpo" };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ExportOptions {
  input: string;
  format: ExportFormat;
  outDir: string;
  imageMode?: ImageMode;
  /** Dataset name: `<name>.jsonl` / `<name>.parquet` and the dataset_info.json key (default by kind). */
  name?: string;
  /** The files' base name when it differs from the dataset name (generate's `sft.jsonl` declared as `mmif_sft`). */
  fileStem?: string;
  /** The kind of input, when not told by its first record; given, the format's files are written even for no records. */
  kind?: InputKind;
  /** An input without records is an empty dataset, not an error (a generate run that kept nothing). */
  allowEmpty?: boolean;
  parquet?: ParquetSinkOptions;
  /** Hears each problem as it is found: a malformed line, a missing field, a missing image. */
  onProblem?: (problem: ExportProblem) => void;
  /** Hears each input line read. */
  onLine?: () => void;
}

export interface ExportProblem {
  line: number;
  /** `field: what is wrong`, e.g. `image.path: no such file: /data/a.jpg`. */
  message: string;
}

export interface ExportSummary {
  kind: InputKind | undefined;
  name: string | undefined;
  /** Files written, relative to the output folder (images/ aside). */
  files: string[];
  lines: number;
  exported: number;
  /** Items left out by design, by reason ("not kept", "no response"). */
  skipped: Record<string, number>;
  /** Lines left out because of a problem (malformed line, bad field, missing or unreadable image). */
  problems: number;
  imageProblems: number;
  imagesWritten: number;
  linkFallbacks: number;
  seconds: number;
}

export async function runExport(options: ExportOptions): Promise<ExportSummary> {
  const imageMode = options.imageMode ?? "copy";
  if (!FORMAT_IMAGE_MODES[options.format].includes(imageMode)) {
    throw new ExportSetupError(`--images ${imageMode} does not go with --format ${options.format} (it takes ${FORMAT_IMAGE_MODES[options.format].join(", ")}); embedding needs a Parquet file: --format parquet or trl`);
  }
  if (options.name !== undefined && !NAME.test(options.name)) throw new ExportSetupError(`--name ${JSON.stringify(options.name)}: use letters, digits, ".", "_" and "-" (it names files and the dataset)`);
  try {
    if (!(await stat(options.input)).isFile()) throw new ExportSetupError(`--in ${options.input} is not a file`);
  } catch (e) {
    if (e instanceof ExportSetupError) throw e;
    throw new ExportSetupError(`cannot read --in ${options.input}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  await mkdir(options.outDir, { recursive: true });

  const started = performance.now();
  const placer = new ImagePlacer(options.outDir, imageMode);
  const summary: ExportSummary = { kind: undefined, name: undefined, files: [], lines: 0, exported: 0, skipped: {}, problems: 0, imageProblems: 0, imagesWritten: 0, linkFallbacks: 0, seconds: 0 };
  let writer: FormatWriter | undefined;
  const problem = (line: number, message: string) => {
    summary.problems++;
    options.onProblem?.({ line, message });
  };
  const open = (kind: InputKind) => {
    summary.kind = kind;
    summary.name = options.name ?? DEFAULT_NAMES[kind];
    writer = openFormat({ format: options.format, kind: kind === "items" ? "sft" : "preference", outDir: options.outDir, name: summary.name, fileStem: options.fileStem, imageMode, parquet: options.parquet });
    summary.files = writer.files;
  };
  if (options.kind !== undefined) open(options.kind);

  try {
    for await (const { line, outcome } of readExportRecords(options.input, { kind: options.kind, onKind: (kind) => writer ?? open(kind) })) {
      summary.lines++;
      options.onLine?.();
      if ("error" in outcome) {
        problem(line, outcome.error);
      } else if ("skip" in outcome) {
        summary.skipped[outcome.skip] = (summary.skipped[outcome.skip] ?? 0) + 1;
      } else {
        const clash = imageTokenProblem(outcome.record);
        if (clash !== undefined) {
          problem(line, clash);
          continue;
        }
        let image;
        try {
          image = await placer.place(outcome.record.image);
        } catch (e) {
          if (!(e instanceof ExportImageError)) throw e;
          summary.imageProblems++;
          problem(line, `image.path: ${e.message}`);
          continue;
        }
        await writer!.write(outcome.record, image);
        summary.exported++;
      }
    }
    if (summary.lines === 0 && !options.allowEmpty) throw new ExportSetupError(`${options.input} has no records`);
    await writer?.close();
  } catch (e) {
    await writer?.abort();
    throw e;
  }
  summary.imagesWritten = placer.written;
  summary.linkFallbacks = placer.linkFallbacks;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
