/**
 * Small JPEG thumbnails as data URLs, so a report carries its images inline without carrying the images. At most
 * `limit` distinct images get one (the first asked for); an image that cannot be read or decoded, a URL (a report
 * never goes to the network) or one past the limit simply has none, and the page shows a placeholder. Plain
 * libjpeg, not mozjpeg: its trellis search cost 40 % more CPU per thumbnail to save about 1 KB (some 30 %) of one.
 */
import { stat } from "node:fs/promises";
import sharp from "sharp";
import { loadImageBytes, type ImageSource } from "../model/images.js";

export interface ThumbnailOptions {
  /** Distinct images at most (default 1000). */
  limit?: number;
  /** Longest side in pixels (default 160). */
  size?: number;
  /** Images decoded at once (default 4). */
  concurrency?: number;
}

export interface ThumbnailResult {
  /** key → `data:image/jpeg;base64,...` */
  urls: Map<string, string>;
  /** Keys whose image could not be read or decoded, with why. */
  failed: Map<string, string>;
  /** Distinct keys left without a thumbnail because of the limit. */
  overLimit: number;
}

const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/**
 * What libvips decodes: a regular file's path when within the limit (libvips reads it on its own thread, so a run's
 * hundreds of images never pass through JavaScript memory), else the bytes, read with the model layer's checks and
 * messages (a missing or empty file, a pipe, one over the limit, base64).
 */
async function thumbnailInput(source: Exclude<ImageSource, { url: string }>): Promise<string | Buffer> {
  if ("path" in source) {
    const info = await stat(source.path).catch(() => undefined);
    if (info?.isFile() && info.size > 0 && info.size <= MAX_SOURCE_BYTES) return source.path;
  }
  return loadImageBytes(source, { maxBytes: MAX_SOURCE_BYTES });
}

/** One thumbnail: the image fitted inside size×size, EXIF orientation applied, alpha flattened on white. */
export async function thumbnail(source: ImageSource, size = 160): Promise<string> {
  if ("url" in source) throw new Error("remote image: not fetched for a report");
  const jpeg = await sharp(await thumbnailInput(source), { failOn: "none", animated: false })
    .rotate()
    .resize({ width: size, height: size, fit: "inside", withoutEnlargement: true })
    .flatten({ background: "#ffffff" })
    .jpeg({ quality: 70 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString("base64")}`;
}

/** Thumbnails for many images, keyed by the caller (a sha256, a path): each distinct key is decoded once. */
export async function makeThumbnails(requests: Iterable<{ key: string; source: ImageSource }>, options: ThumbnailOptions = {}): Promise<ThumbnailResult> {
  const limit = options.limit ?? 1000;
  const wanted = new Map<string, ImageSource>();
  const skipped = new Set<string>();
  for (const r of requests) {
    if (wanted.has(r.key)) continue;
    if (wanted.size >= limit) skipped.add(r.key);
    else wanted.set(r.key, r.source);
  }
  const urls = new Map<string, string>();
  const failed = new Map<string, string>();
  const queue = [...wanted];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, source] = next;
      try {
        urls.set(key, await thumbnail(source, options.size));
      } catch (e) {
        failed.set(key, e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  // In request order, not finishing order: the same run gives the same report, byte for byte.
  const inOrder = <V>(m: Map<string, V>) => new Map([...wanted.keys()].filter((k) => m.has(k)).map((k) => [k, m.get(k)!]));
  return { urls: inOrder(urls), failed: inOrder(failed), overLimit: skipped.size };
}
