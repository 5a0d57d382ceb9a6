// A JSONL output file written through a temporary name and renamed when complete, so a reader (or a crash)
// never leaves half a file under the real name. Writes respect backpressure.
import { createWriteStream, renameSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { BufferedWriter } from "./writer.js";

export interface JsonlFile {
  /** Writes one record as a line. */
  write(record: unknown): Promise<void>;
  /** The underlying writer, for code that writes prepared lines. */
  readonly writer: BufferedWriter;
  /** Flushes, closes and moves the file into place. */
  close(): Promise<void>;
}

export function openJsonlFile(path: string): JsonlFile {
  const tmp = `${path}.tmp`;
  const stream = createWriteStream(tmp);
  const writer = new BufferedWriter(stream);
  return {
    writer,
    write: (record) => writer.write(`${JSON.stringify(record)}\n`),
    close: async () => {
      await writer.flush();
      stream.end();
      await once(stream, "finish");
      renameSync(tmp, path);
    },
  };
}

/** Writes a JSON document (pretty, newline-terminated) through a temporary name and a rename. */
export function writeJsonFile(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
