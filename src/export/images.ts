/**
 * Where an exported record's image goes:
 * - copy (default): into `<out>/images/<sha256>.<ext>`, the record holding that path relative to `<out>` (the
 *   dataset folder, LLaMA-Factory's default media_dir), so the folder moves as one;
 * - link: the same place, as a hard link (a copy when the file system refuses one, e.g. across devices);
 * - absolute: left where it is, the record holding its absolute path;
 * - embed: its bytes go into the Parquet file (the `datasets` Image layout); JSON files hold the absolute path.
 * Each file is written once (named by its hash) through a temporary name and a rename.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { describeUnknownBytes, sniffImageFormat } from "../model/images/formats.js";
import type { SourceImage } from "./records.js";
import { InputError } from "../common/errors.js";
import { tempPath } from "../io/tidy.js";

export const IMAGE_MODES = ["copy", "link", "absolute", "embed"] as const;
export type ImageMode = (typeof IMAGE_MODES)[number];

/** The folder under the output where copied or linked images go. */
export const IMAGES_DIR = "images";

export interface PlacedImage {
  /** The path the JSON records hold: relative to the output folder (copy, link) or absolute. */
  ref: string;
  /** `<sha256>.<ext>`: the file name, and the `path` of an embedded image. */
  name: string;
  /** The file's bytes (embed only). */
  bytes?: Uint8Array;
}

/** An image that cannot be exported (missing, unreadable, not an image); the record is skipped. */
export class ExportImageError extends InputError {}

interface Identity {
  sha256: string;
  ext: string;
  /** Already in `<out>/images/` (copy, link), or seen to exist (absolute): nothing more to do. */
  done?: boolean;
}

/** Remembers the hash and format of the last images seen (pairs repeat an item's image), in bounded memory. */
class IdentityCache {
  private readonly map = new Map<string, Identity>();
  constructor(private readonly limit = 4096) {}
  get(key: string): Identity | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: Identity): void {
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
}

function extensionOf(head: Uint8Array, path: string): string {
  const format = sniffImageFormat(head);
  if (format === undefined) throw new ExportImageError(`not an image we know (${describeUnknownBytes(head)}): ${path}`);
  return format === "jpeg" ? "jpg" : format;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function ioMessage(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `no such file: ${path}`;
  if (code === "EACCES" || code === "EPERM") return `not readable: ${path}`;
  return `${(e as Error).message}`;
}

export class ImagePlacer {
  /** Images written to `<out>/images/` by this run. */
  written = 0;
  /** Links refused by the file system and copied instead. */
  linkFallbacks = 0;
  private readonly cache = new IdentityCache();
  private dirReady = false;

  constructor(
    readonly outDir: string,
    readonly mode: ImageMode,
  ) {}

  /**
   * Places the image from the run's own copy when the record names one that can be read, else from its original
   * path; an image readable at neither is an {@link ExportImageError} naming both.
   */
  async place(image: SourceImage): Promise<PlacedImage> {
    if (image.copy === undefined || image.copy === image.path) return this.placeFrom(image.path, image.sha256);
    try {
      return await this.placeFrom(image.copy, image.sha256);
    } catch (copyError) {
      if (!(copyError instanceof ExportImageError)) throw copyError;
      try {
        return await this.placeFrom(image.path, image.sha256);
      } catch (e) {
        if (!(e instanceof ExportImageError)) throw e;
        throw new ExportImageError(`${copyError.message}; the original: ${e.message}`);
      }
    }
  }

  private async placeFrom(path: string, sha256: string): Promise<PlacedImage> {
    let bytes: Buffer | undefined;
    let identity = this.cache.get(path);
    if (identity?.done) return this.placed(path, identity);
    try {
      if (this.mode === "embed") {
        bytes = await readFile(path);
        identity ??= { sha256: sha256 || createHash("sha256").update(bytes).digest("hex"), ext: extensionOf(bytes.subarray(0, 64), path) };
      } else if (identity === undefined) {
        const info = await stat(path);
        if (!info.isFile()) throw new ExportImageError(`not a file: ${path}`);
        identity = { sha256: sha256 || (await sha256OfFile(path)), ext: extensionOf(await readHead(path), path) };
      }
    } catch (e) {
      if (e instanceof ExportImageError) throw e;
      throw new ExportImageError(ioMessage(e, path));
    }
    this.cache.set(path, identity);
    if (this.mode === "copy" || this.mode === "link") await this.put(path, join(this.outDir, IMAGES_DIR, `${identity.sha256}.${identity.ext}`));
    if (this.mode !== "embed") identity.done = true;
    return this.placed(path, identity, bytes);
  }

  private placed(path: string, identity: Identity, bytes?: Uint8Array): PlacedImage {
    const name = `${identity.sha256}.${identity.ext}`;
    if (this.mode === "embed") return { ref: path, name, bytes };
    if (this.mode === "absolute") return { ref: path, name };
    return { ref: `${IMAGES_DIR}/${name}`, name };
  }

  /** Copies or links `source` to `target` unless a file of that name (and so that content) is already there. */
  private async put(source: string, target: string): Promise<void> {
    try {
      await stat(target);
      return;
    } catch {
      // not there yet
    }
    if (!this.dirReady) {
      await mkdir(join(this.outDir, IMAGES_DIR), { recursive: true });
      this.dirReady = true;
    }
    // Unique: two records of one image may be placed at once (dpo); the second rename just replaces the first.
    const tmp = tempPath(target, true);
    try {
      if (this.mode === "link") {
        try {
          await link(source, tmp);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") throw e;
          this.linkFallbacks++;
          await copyFile(source, tmp);
        }
      } else {
        await copyFile(source, tmp);
      }
      await rename(tmp, target);
      // When the target is already a hard link to the same file (a record of the same image placed meanwhile, linked
      // from the same source), rename() does nothing and leaves the temporary name behind.
      await unlink(tmp).catch(() => undefined);
      this.written++;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw new ExportImageError(ioMessage(e, source));
    }
  }
}
