// Downloads a file into a temporary sibling, hashing it on the way, and renames it into place only when it is
// complete and its md5 is the expected one: an interrupted or wrong download never looks like a good file.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { rootCause } from "../../common/errors.js";

export interface DownloadProgress {
  received: number;
  /** From Content-Length, when the server sends it. */
  total: number | undefined;
}

export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(
    message: string,
    /** True when the file was fetched but is not the expected one (as opposed to: it could not be fetched). */
    readonly refused = false,
  ) {
    super(message);
  }
}

export async function downloadVerified(url: string, dest: string, md5: string, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  let response: Response;
  try {
    response = await fetch(url, { redirect: "follow" });
  } catch (e) {
    throw new DownloadError(`cannot download ${url}: ${rootCause(e)}`);
  }
  if (!response.ok || response.body === null) throw new DownloadError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get("content-length"));
  const progress: DownloadProgress = { received: 0, total: Number.isFinite(length) && length > 0 ? length : undefined };
  const hash = createHash("md5");
  const part = `${dest}.${process.pid}.part`;
  try {
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    body.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      progress.received += chunk.length;
      onProgress?.(progress);
    });
    await pipeline(body, createWriteStream(part));
  } catch (e) {
    await rm(part, { force: true });
    throw new DownloadError(`download of ${url} broke off after ${progress.received} bytes: ${rootCause(e)}`);
  }
  const got = hash.digest("hex");
  if (got !== md5) {
    await rm(part, { force: true });
    throw new DownloadError(`the file downloaded from ${url} has md5 ${got}, not the expected ${md5}: refused (a damaged or altered copy)`, true);
  }
  await rename(part, dest);
}
