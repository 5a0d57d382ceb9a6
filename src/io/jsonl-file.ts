// Output files written under a temporary name and renamed into place once complete, so a crash never leaves a
// half-written file under the real name. JSON Lines are written with backpressure.
import { once } from "node:events";
import { createWriteStream, renameSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { tempPath } from "./tidy.js";
import { BufferedWriter } from "./writer.js";

/** A JSON Lines file, written with backpressure. */
export class JsonlSink {
  rows = 0;
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private readonly writer: BufferedWriter;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.tmp = tempPath(path);
    this.stream = createWriteStream(this.tmp);
    this.stream.on("error", (e) => (this.failure ??= e));
    this.writer = new BufferedWriter(this.stream);
  }

  async write(record: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    this.rows++;
    await this.writer.write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    await this.writer.flush();
    this.stream.end();
    if (!this.stream.writableFinished) await once(this.stream, "finish"); // once() rejects on "error"
    if (this.failure) throw this.failure;
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    // The file may still be opening: wait until the stream is closed, or the unlink would come first.
    if (!this.stream.closed) await new Promise<void>((done) => this.stream.destroy().once("close", () => done()));
    await unlink(this.tmp).catch(() => undefined);
  }
}

/**
 * Writes a whole small file (dataset_info.json, a recipe, report.html) through a temporary name. Synchronously:
 * an asynchronous write still under way on the thread pool when a second Ctrl-C exits could create the temporary
 * file after the exit handler had removed this process's leftovers (CI saw report.html.tmp-PID left behind).
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes a JSON document (pretty, newline-terminated) through a temporary name and a rename. */
export function writeJsonFile(path: string, value: unknown): void {
  const tmp = tempPath(path);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
