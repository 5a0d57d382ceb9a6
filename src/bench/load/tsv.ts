// VLMEvalKit's MM-IFEval.tsv → BenchRows, streamed: the file is hundreds of MB of base64, so it is read one row
// at a time and each image is decoded once, written to `imageDir` (see image-store.ts) and dropped from memory.
//
// Read as VLMEvalKit reads it (`pd.read_csv(path, sep="\t")`, see delimited.ts for the quoting rules), with
// these columns (others are ignored; a missing required column is a BenchFileError):
//   index, image, question, id, tag, infer_type   required
//   del_cons, constraints, answer                 optional; an empty cell (NaN in pandas) is left undefined
// `image` is base64 (plain or a data: URL); a value of at most 64 characters is the `index` of another row whose
// image this row reuses (VLMEvalKit's ImageBaseDataset rule), earlier or later in the file. A reference to an
// index no row has, to a row whose own image is such a short value, or to a row whose image did not decode is
// an issue of the referring row. Cells are compared as text: index "7" and "007" differ.
// A row with more cells than the header, or a file ending inside a quoted field, is an issue of that row
// (pandas would refuse the whole file).
import { stat } from "node:fs/promises";
import { DEFAULT_MAX_BYTES, ImageError, sniffImageFormat } from "../../model/images.js";
import { describeUnknownBytes } from "../../model/images/formats.js";
import { decodeBase64Pieces } from "../../model/images/load.js";
import type { LoadedBench, RowIssue } from "../types.js";
import { oversizedSize } from "../../io/field-limit.js";
import { readDelimitedFile, type FieldLimits, type OversizedField } from "./delimited.js";
import { BenchFileError } from "./errors.js";
import { ImageStore } from "./image-store.js";
import { BufferPool } from "../../io/buffer-pool.js";
import { buildRow, crossCheck, issueAt, sortIssues, sourceOf, type PendingRow, type RawFields, type RowContext } from "./rows.js";

export interface TsvLoadOptions {
  /** Where decoded images are written (created if needed). Required. */
  imageDir: string;
  /** Largest decoded image accepted; default 50 MiB (the model layer's limit). */
  maxImageBytes?: number;
  /**
   * A cell larger than this (UTF-8 bytes) is dropped while it is read and its row refused (src/io/field-limit.ts);
   * default no limit. The `image` cell is bounded by the base64 size of `maxImageBytes` instead when that is larger,
   * as real rows carry images of several MB.
   */
  maxFieldBytes?: number;
}

/** Longest `image` value that is a reference to another row's index rather than base64. */
export const IMAGE_REFERENCE_MAX = 64;

/** Base64 of an image of `maxImageBytes`, plus room for a data: URL prefix. */
function imageCellLimit(maxImageBytes: number): number {
  return Math.ceil(maxImageBytes / 3) * 4 + 1024;
}

function fieldLimits(maxFieldBytes: number | undefined, maxImageBytes: number): FieldLimits | undefined {
  if (maxFieldBytes === undefined) return undefined;
  const image = Math.max(maxFieldBytes, imageCellLimit(maxImageBytes));
  return { bytes: maxFieldBytes, column: (name) => (name === "image" ? image : undefined) };
}

function oversizedIssue(ctx: RowContext, field: string, o: OversizedField): RowIssue {
  const size = { field, fieldBytes: o.bytes, lineBytes: o.bytes, limit: o.limit };
  if (field !== "image") return issueAt(ctx, field, oversizedSize(size));
  return issueAt(ctx, field, `${o.bytes.toLocaleString("en-US")} bytes, over the ${o.limit.toLocaleString("en-US")}-byte limit of an image cell (the base64 size of the largest image accepted, or --max-field-bytes if larger)`);
}

const IMAGE_COLUMN: ReadonlySet<string> = new Set(["image"]);

const REQUIRED = ["index", "image", "question", "id", "tag", "infer_type"] as const;
const OPTIONAL = ["del_cons", "constraints", "answer"] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

interface Reference {
  ctx: RowContext;
  target: string;
  pending: PendingRow | undefined;
}

export async function loadVlmevalkitTsv(path: string, options: TsvLoadOptions): Promise<LoadedBench> {
  if (!options?.imageDir) {
    throw new BenchFileError(path, "loading a VLMEvalKit TSV needs an image folder (imageDir) to write its decoded images to");
  }
  const info = await stat(path).catch((err: unknown) => {
    throw new BenchFileError(path, (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err), { cause: err });
  });
  if (!info.isFile()) throw new BenchFileError(path, "is not a regular file");

  const maxBytes = options.maxImageBytes ?? DEFAULT_MAX_BYTES;
  const store = new ImageStore(options.imageDir);
  const decoded = new BufferPool(1, 64 * 1024 * 1024);
  const issues: RowIssue[] = [];
  const pending: PendingRow[] = [];
  const references: Reference[] = [];
  const imageOf = new Map<string, string>(); // index → image file, for rows with a decoded image
  const shortImage = new Set<string>(); // indexes whose image is itself a reference
  const badImage = new Set<string>(); // indexes whose image could not be used
  let columns: Map<Column, number> | undefined;
  let width = 0;

  // The image column comes in the pieces it was read in and is decoded from them (never one 1.4 MB string).
  for await (const record of readDelimitedFile(path, "\t", fieldLimits(options.maxFieldBytes, maxBytes), IMAGE_COLUMN)) {
    if (!columns) {
      if (record.oversized) throw new BenchFileError(path, `the header line has a field of ${record.oversized[0]!.bytes.toLocaleString("en-US")} bytes: not a VLMEvalKit TSV`);
      columns = headerColumns(path, record.fields);
      width = record.fields.length;
      continue;
    }
    const row = record.record - 1;
    const ctx: RowContext = { file: path, row, source: sourceOf(path, "row", row) };
    if (record.unterminatedQuote) {
      issues.push(issueAt(ctx, undefined, 'the file ends inside a quoted field that starts on this row (a " without its closing ")'));
      continue;
    }
    if (record.fields.length > width) {
      issues.push(issueAt(ctx, undefined, `expected ${width} tab-separated fields (as in the header), found ${record.fields.length}`));
      continue;
    }
    const cell = (name: Column): string => {
      const at = columns!.get(name);
      return at === undefined ? "" : (record.fields[at] ?? "");
    };
    const index = cell("index");
    if (record.oversized) {
      const names = [...columns.entries()];
      for (const o of record.oversized) issues.push(oversizedIssue(ctx, names.find(([, at]) => at === o.column)?.[0] ?? `column ${o.column + 1}`, o));
      badImage.add(index);
      continue;
    }
    const imagePieces = record.pieces?.get(columns.get("image")!) ?? [];
    const imageLength = imagePieces.reduce((sum, p) => sum + p.length, 0);
    const raw: RawFields = {
      index,
      id: cell("id"),
      tag: cell("tag"),
      infer_type: cell("infer_type"),
      del_cons: cell("del_cons"),
      question: cell("question"),
      constraints: cell("constraints"),
      answer: cell("answer"),
    };

    let imagePath: string | undefined;
    let reference: string | undefined;
    if (imageLength === 0) {
      issues.push(issueAt(ctx, "image", "image is empty"));
      badImage.add(index);
    } else if (imageLength <= IMAGE_REFERENCE_MAX) {
      reference = imagePieces.join("");
      shortImage.add(index);
    } else {
      try {
        const bytes = decodeBase64Pieces(imagePieces, `image of ${ctx.source}`, maxBytes, decoded);
        try {
          const format = sniffImageFormat(bytes);
          if (format === undefined) throw new ImageError(`image of ${ctx.source}`, `not an image we can read (${describeUnknownBytes(bytes)})`);
          imagePath = await store.save(bytes, format);
        } finally {
          decoded.release(bytes); // hashed and written: its buffer decodes the next image
        }
        if (!imageOf.has(index)) imageOf.set(index, imagePath);
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        issues.push(issueAt(ctx, "image", err.problem));
        badImage.add(index);
      }
    }

    // A reference is resolved after the whole file is read; until then the row carries a placeholder.
    const built = buildRow(ctx, raw, imagePath !== undefined ? { path: imagePath } : reference !== undefined ? { path: "" } : undefined, issues);
    const entry = built ? { row: built, ctx } : undefined;
    if (entry) pending.push(entry);
    if (reference !== undefined) references.push({ ctx, target: reference, pending: entry });
  }
  if (!columns) throw new BenchFileError(path, "the file is empty (no header line)");

  const unresolved = new Set<PendingRow>();
  for (const ref of references) {
    const target = imageOf.get(ref.target);
    if (target !== undefined) {
      if (ref.pending) ref.pending.row.image = { path: target };
      continue;
    }
    const t = JSON.stringify(ref.target);
    const message = shortImage.has(ref.target)
      ? `image refers to the row with index ${t}, whose image is itself a reference (at most ${IMAGE_REFERENCE_MAX} characters), not base64`
      : badImage.has(ref.target)
        ? `image refers to the row with index ${t}, whose image could not be used (see that row's issue)`
        : `image is ${t}: a value this short is a reference to another row's index, and no row has index ${t}`;
    issues.push(issueAt(ref.ctx, "image", message));
    if (ref.pending) unresolved.add(ref.pending);
  }

  const rows = crossCheck(
    pending.filter((p) => !unresolved.has(p)),
    issues,
  );
  return { rows, issues: sortIssues(issues), format: "vlmevalkit-tsv" };
}

function headerColumns(path: string, header: string[]): Map<Column, number> {
  const columns = new Map<Column, number>();
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    const at = header.indexOf(name);
    if (at >= 0) columns.set(name, at);
  }
  const missing = REQUIRED.filter((name) => !columns.has(name));
  if (missing.length > 0) {
    throw new BenchFileError(
      path,
      `not an MM-IFEval TSV: the header lacks the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (found: ${header.slice(0, 20).join(", ") || "nothing"})`,
    );
  }
  return columns;
}
