/**
 * Parquet output that Hugging Face `datasets` loads (`load_dataset("parquet", data_files=...)`), written as a
 * stream: rows are buffered into row groups of bounded size (rows and bytes), each group is encoded by
 * hyparquet-writer and handed to the file with backpressure, so memory does not grow with the file.
 *
 * Columns are described once (ColType) and give both the Parquet schema and the `huggingface` key of the file's
 * metadata, `{"info": {"features": ...}}`, the way `datasets` records its Features: an `image` column is the
 * `datasets` Image layout (a struct {bytes: binary, path: string}) declared as an Image feature, so `datasets`
 * decodes it to a PIL image. Every field is optional (nullable), lists are the standard three-level LIST
 * (`<name>` / `list` / `item`): arrow then reads `list<item: ...>`, the type `datasets` expects for a list feature
 * (a feature is only applied when its arrow type equals the file's). Lists are declared in the `[feature]`
 * notation that both `datasets` 2.x/3.x and 4.x read.
 */
import { tempPath } from "../io/tidy.js";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer";

export type ColType = "string" | "binary" | "image" | { list: ColType } | { struct: ReadonlyArray<readonly [string, ColType]> };

export interface ColumnSpec {
  name: string;
  type: ColType;
}

/** The value of an `image` column cell (the `datasets` Image storage). */
export interface ImageCell {
  bytes: Uint8Array | null;
  path: string | null;
}

const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } } as const;

function elements(name: string, type: ColType): SchemaElement[] {
  if (type === "string") return [{ name, ...STRING, repetition_type: "OPTIONAL" }];
  if (type === "binary") return [{ name, type: "BYTE_ARRAY", repetition_type: "OPTIONAL" }];
  if (type === "image") return elements(name, { struct: [["bytes", "binary"], ["path", "string"]] });
  if ("list" in type) {
    return [
      { name, repetition_type: "OPTIONAL", converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      ...elements("item", type.list),
    ];
  }
  return [{ name, repetition_type: "OPTIONAL", num_children: type.struct.length }, ...type.struct.flatMap(([child, t]) => elements(child, t))];
}

/** The Parquet schema (flattened, depth first, as the file footer holds it) of these columns. */
export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [{ name: "schema", num_children: columns.length }, ...columns.flatMap((c) => elements(c.name, c.type))];
}

function feature(type: ColType): unknown {
  if (type === "string") return { dtype: "string", _type: "Value" };
  if (type === "binary") return { dtype: "binary", _type: "Value" };
  if (type === "image") return { _type: "Image" };
  if ("list" in type) return [feature(type.list)];
  return Object.fromEntries(type.struct.map(([child, t]) => [child, feature(t)]));
}

/** The `datasets` Features of these columns, as `datasets` stores them under the `huggingface` metadata key. */
export function hfFeatures(columns: readonly ColumnSpec[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c.name, feature(c.type)]));
}

/** A ByteWriter that hands its bytes to a file stream: spilled in 1 MiB pieces, drained after every row group. */
class StreamByteWriter extends ByteWriter {
  private failure: Error | undefined;

  constructor(private readonly stream: WriteStream) {
    super(1 << 20);
    stream.on("error", (e) => (this.failure ??= e));
  }

  override ensure(size: number): void {
    if (this.index >= 1 << 20) this.spill();
    super.ensure(size);
  }

  private spill(): void {
    if (this.index === 0) return;
    this.stream.write(Buffer.from(this.buffer.slice(0, this.index)));
    this.index = 0;
  }

  async flush(): Promise<void> {
    this.spill();
    if (this.failure) throw this.failure;
    if (this.stream.writableNeedDrain) await once(this.stream, "drain"); // once() rejects on "error"
    if (this.failure) throw this.failure;
  }

  override async finish(): Promise<void> {
    this.spill();
    this.stream.end();
    if (!this.stream.writableFinished) await once(this.stream, "finish");
    if (this.failure) throw this.failure;
  }
}

export interface ParquetSinkOptions {
  /** Most rows in one row group (5,000). */
  rowGroupRows?: number;
  /** A row group is closed once its rows hold about this many bytes of text and images (16 MiB). */
  rowGroupBytes?: number;
}

/** One Parquet file written through `<path>.tmp-<pid>`, renamed into place by close(). */
export class ParquetSink {
  rows = 0;
  rowGroups = 0;
  private batch: Array<Record<string, unknown>> = [];
  private batchBytes = 0;
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private readonly writer: StreamByteWriter;
  private readonly parquet: ParquetWriter;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;

  constructor(
    readonly path: string,
    private readonly columns: readonly ColumnSpec[],
    options: ParquetSinkOptions = {},
  ) {
    this.rowGroupRows = options.rowGroupRows ?? 5_000;
    this.rowGroupBytes = options.rowGroupBytes ?? 16 << 20;
    this.tmp = tempPath(path);
    this.stream = createWriteStream(this.tmp);
    this.writer = new StreamByteWriter(this.stream);
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: parquetSchema(columns),
      kvMetadata: [{ key: "huggingface", value: JSON.stringify({ info: { features: hfFeatures(columns) } }) }],
      createdBy: "mm-ifengine (hyparquet-writer)",
      // Min/max statistics cost a sixth of the time and serve no reader of training data.
      statistics: false,
    });
  }

  /** Adds a row; `bytes` is about how much text and image data it holds (it bounds the row group). */
  async write(row: Record<string, unknown>, bytes: number): Promise<void> {
    this.batch.push(row);
    this.batchBytes += bytes;
    this.rows++;
    if (this.batch.length >= this.rowGroupRows || this.batchBytes >= this.rowGroupBytes) await this.writeGroup();
  }

  private async writeGroup(): Promise<void> {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const columnData = this.columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name] ?? null) }));
    await this.parquet.write({ columnData, rowGroupSize: rows.length });
    this.rowGroups++;
  }

  async close(): Promise<void> {
    await this.writeGroup();
    await this.parquet.finish();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    // The file may still be opening: wait until the stream is closed, or the unlink would come first.
    if (!this.stream.closed) await new Promise<void>((done) => this.stream.destroy().once("close", () => done()));
    await unlink(this.tmp).catch(() => undefined);
  }
}
