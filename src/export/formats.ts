/**
 * The files of each export format, for SFT records (items) and preference records (pairs):
 * - llamafactory: `<name>.jsonl` + `dataset_info.json` (the entry merged into an existing file), images/
 * - trl: `<name>.jsonl` and `<name>.parquet` in TRL's conversational vision format, images/
 * - sharegpt: `<name>.jsonl` in the classic ShareGPT layout, images/
 * - parquet: `<name>.parquet`, flat string columns (TRL's standard format) and an `images` list, images/
 * (images/ unless the images are embedded or referred to by absolute path).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { ImageMode, PlacedImage } from "./images.js";
import { IMAGE_TOKEN, preferenceDatasetInfo, preferenceExample, sftDatasetInfo, sftExample } from "./llamafactory.js";
import { ParquetSink, type ColumnSpec, type ImageCell, type ParquetSinkOptions } from "./parquet.js";
import type { ExportRecord } from "./records.js";
import { shareGptPreference, shareGptSft } from "./sharegpt.js";
import { JsonlSink, writeFileAtomic } from "../io/jsonl-file.js";
import { trlColumns, trlPreference, trlSft } from "./trl.js";
import { InputError } from "../common/errors.js";

export const EXPORT_FORMATS = ["llamafactory", "trl", "sharegpt", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type RecordKind = ExportRecord["kind"];

/** The image modes each format takes: embedding needs a Parquet file to hold the bytes. */
export const FORMAT_IMAGE_MODES: Record<ExportFormat, readonly ImageMode[]> = {
  llamafactory: ["copy", "link", "absolute"],
  sharegpt: ["copy", "link", "absolute"],
  trl: ["copy", "link", "absolute", "embed"],
  parquet: ["copy", "link", "absolute", "embed"],
};

/** A problem with the output folder found before anything is written (an unreadable dataset_info.json). */
export class ExportSetupError extends InputError {}

export interface FormatWriter {
  /** The files this format writes, relative to the output folder. */
  readonly files: string[];
  write(record: ExportRecord, image: PlacedImage): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

export interface FormatOptions {
  format: ExportFormat;
  kind: RecordKind;
  outDir: string;
  /** The dataset name: the dataset_info.json key, and the files' base name unless `fileStem` says otherwise. */
  name: string;
  /** The files' base name (`<fileStem>.jsonl`, `<fileStem>.parquet`); default `name`. */
  fileStem?: string;
  imageMode: ImageMode;
  parquet?: ParquetSinkOptions;
}

const stem = (o: FormatOptions) => o.fileStem ?? o.name;

/** About how many bytes of text and image a record carries (bounds Parquet row groups). */
function recordBytes(record: ExportRecord, image: PlacedImage): number {
  const text = record.kind === "sft" ? record.prompt.length + record.response.length : record.prompt.length + record.chosen.length + record.rejected.length;
  return 2 * text + (image.bytes?.byteLength ?? 0) + 64;
}

function imageCell(image: PlacedImage, embed: boolean): ImageCell | string {
  return embed ? { bytes: image.bytes ?? null, path: image.name } : image.ref;
}

/**
 * One rule for a literal `<image>` in a record's text, the same in every format, so a dataset has the same rows
 * whatever it is exported as: the record is reported and left out, never silently altered. LLaMA-Factory and
 * ShareGPT trainers (LLaVA) read every `<image>` in the text as one more image and stop on "the number of images
 * does not match the number of <image> tokens"; TRL's processors for LLaVA-style models expand the same text token
 * into image features (a mismatch again), and the plain-string Parquet columns reach the same processors.
 */
export function imageTokenProblem(record: ExportRecord): string | undefined {
  const fields: Array<[string, string]> =
    record.kind === "sft"
      ? [["prompt", record.prompt], ["response", record.response]]
      : [["prompt", record.prompt], ["chosen", record.chosen], ["rejected", record.rejected]];
  const hit = fields.find(([, text]) => text.includes(IMAGE_TOKEN));
  return hit && `${hit[0]}: holds the literal text "${IMAGE_TOKEN}", which trainers read as an image placeholder (the record has one image); left out`;
}

function readDatasetInfo(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ExportSetupError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ExportSetupError(`${path} is not valid JSON (${(e as Error).message}); fix or remove it, the export adds its entry to it`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ExportSetupError(`${path} must hold a JSON object of dataset entries`);
  return parsed as Record<string, unknown>;
}

function llamaFactory(o: FormatOptions): FormatWriter {
  const file = `${stem(o)}.jsonl`;
  const infoPath = join(o.outDir, "dataset_info.json");
  readDatasetInfo(infoPath); // an unreadable one stops the export before anything is written
  const sink = new JsonlSink(join(o.outDir, file));
  return {
    files: [file, "dataset_info.json"],
    async write(record, image) {
      if (record.kind === "sft") {
        const example = sftExample(record.prompt, record.response, isAbsolute(image.ref) ? image.ref : join(o.outDir, image.ref), o.outDir);
        if (isAbsolute(image.ref)) example.images = [image.ref];
        await sink.write({ id: record.id, ...example });
      } else {
        await sink.write({ id: record.id, ...preferenceExample(record.prompt, record.chosen, record.rejected, [image.ref]) });
      }
    },
    async close() {
      await sink.close();
      // Read now: another export into the same folder may have added its entry since this one started.
      const current = readDatasetInfo(infoPath);
      current[o.name] = o.kind === "sft" ? sftDatasetInfo(file) : preferenceDatasetInfo(file);
      await writeFileAtomic(infoPath, `${JSON.stringify(current, null, 2)}\n`);
    },
    abort: () => sink.abort(),
  };
}

function shareGpt(o: FormatOptions): FormatWriter {
  const file = `${stem(o)}.jsonl`;
  const sink = new JsonlSink(join(o.outDir, file));
  return {
    files: [file],
    write: (r, image) => sink.write(r.kind === "sft" ? shareGptSft(r.id, r.prompt, r.response, [image.ref]) : shareGptPreference(r.id, r.prompt, r.chosen, r.rejected, [image.ref])),
    close: () => sink.close(),
    abort: () => sink.abort(),
  };
}

function trl(o: FormatOptions): FormatWriter {
  const embed = o.imageMode === "embed";
  const json = new JsonlSink(join(o.outDir, `${stem(o)}.jsonl`));
  const table = new ParquetSink(join(o.outDir, `${stem(o)}.parquet`), trlColumns(o.kind, embed), o.parquet);
  return {
    files: [`${stem(o)}.jsonl`, `${stem(o)}.parquet`],
    async write(r, image) {
      const cell = [imageCell(image, embed)];
      if (r.kind === "sft") {
        await json.write(trlSft(r.id, r.prompt, r.response, [image.ref]));
        await table.write(trlSft(r.id, r.prompt, r.response, cell), recordBytes(r, image));
      } else {
        await json.write(trlPreference(r.id, r.prompt, r.chosen, r.rejected, [image.ref]));
        await table.write(trlPreference(r.id, r.prompt, r.chosen, r.rejected, cell), recordBytes(r, image));
      }
    },
    async close() {
      await json.close();
      await table.close();
    },
    async abort() {
      await json.abort();
      await table.abort();
    },
  };
}

/** The flat table of the `parquet` format: TRL's standard (plain string) columns plus ids and images. */
export function tableColumns(kind: RecordKind, embed: boolean): ColumnSpec[] {
  const images: ColumnSpec = { name: "images", type: { list: embed ? "image" : "string" } };
  const s = (name: string): ColumnSpec => ({ name, type: "string" });
  return kind === "sft"
    ? [s("id"), s("prompt"), s("response"), images]
    : [s("id"), s("item_id"), s("prompt"), s("chosen"), s("rejected"), s("strategy"), images];
}

function parquet(o: FormatOptions): FormatWriter {
  const embed = o.imageMode === "embed";
  const file = `${stem(o)}.parquet`;
  const table = new ParquetSink(join(o.outDir, file), tableColumns(o.kind, embed), o.parquet);
  return {
    files: [file],
    write(r, image) {
      const images = [imageCell(image, embed)];
      const row =
        r.kind === "sft"
          ? { id: r.id, prompt: r.prompt, response: r.response, images }
          : { id: r.id, item_id: r.itemId, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected, strategy: r.strategy, images };
      return table.write(row, recordBytes(r, image));
    },
    close: () => table.close(),
    abort: () => table.abort(),
  };
}

export function openFormat(options: FormatOptions): FormatWriter {
  switch (options.format) {
    case "llamafactory":
      return llamaFactory(options);
    case "sharegpt":
      return shareGpt(options);
    case "trl":
      return trl(options);
    case "parquet":
      return parquet(options);
  }
}
