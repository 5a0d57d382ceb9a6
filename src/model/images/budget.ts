// A bound on the image bytes a process prepares and sends at once. Each call in flight with a 1 MB image holds
// several copies of it (the file's bytes, base64, the JSON body, the socket's buffer); 64 such calls at once took
// a full-size `mmif eval` past 1 GB. Calls wait here, first come first served, until their images fit.
import { stat } from "node:fs/promises";
import { ByteBudget } from "./byte-budget.js";
import { knownFileSize } from "./hash.js";
import type { ImageSource } from "./types.js";

export { ByteBudget };

/** Source bytes of images in flight per process: about 4× this in memory while requests are built and sent. */
export const IMAGE_BYTES_IN_FLIGHT = 16 * 1024 * 1024;
/** What a URL is counted as before it is downloaded (its size is unknown until then). */
const URL_ESTIMATE = 1024 * 1024;

/** The one budget of this process, shared by every client. */
export const imageBudget = new ByteBudget(IMAGE_BYTES_IN_FLIGHT);

/** Bytes a source will occupy before preparation (a file's size; 0 for a source that cannot be read: it fails later). */
export async function sourceBytes(source: ImageSource): Promise<number> {
  if ("path" in source) return knownFileSize(source.path) ?? (await stat(source.path).catch(() => undefined))?.size ?? 0;
  if ("url" in source) return URL_ESTIMATE;
  if ("bytes" in source) return source.bytes.byteLength;
  return Math.floor((source.base64.length * 3) / 4);
}
