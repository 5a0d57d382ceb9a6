// Decoded benchmark images on disk, content-addressed: `<dir>/<sha256 of the bytes>.<format>`. The same bytes
// are written once, whatever the number of rows using them, and a second load of the same file finds its
// images already there and writes nothing. Writes go to a temporary name first, so an interrupted load never
// leaves a truncated image under a final name.
import { tempPath } from "../../io/tidy.js";
import { createHash } from "node:crypto";
import { mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { rememberFileHash, type ImageFormat } from "../../model/images.js";

export class ImageStore {
  readonly dir: string;
  /** Files written by this store (not counting ones already on disk). */
  written = 0;
  private readonly known = new Map<string, string>();
  private ready: Promise<unknown> | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Stores `bytes` and returns the absolute path of its file. */
  async save(bytes: Uint8Array, format: ImageFormat): Promise<string> {
    const sha = createHash("sha256").update(bytes).digest("hex");
    const name = `${sha}.${format}`;
    const known = this.known.get(name);
    if (known) return known;
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const path = join(this.dir, name);
    const existing = await stat(path).catch(() => undefined);
    if (!existing?.isFile() || existing.size !== bytes.byteLength) {
      const tmp = tempPath(path, true);
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, path);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      this.written++;
    }
    this.known.set(name, path);
    await rememberFileHash(path, sha, { immutable: true }); // the model layer keys calls on this hash: no second read of the file, no stat per call
    return path;
  }
}
