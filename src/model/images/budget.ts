// A bound on the image bytes a process reads and prepares at once. A call that brings in a new 1 MB image holds
// the file's bytes, its base64 and its data URL while it prepares it; 64 such calls at once took a full-size
// `mmif eval` past 1 GB. Calls wait here, first come first served, until their images fit. An image already kept
// prepared (part.ts) is shared by every call sending it and is not counted (messages.ts): memory then stays
// within this budget's few copies, the kept data URLs (64 MiB), and the URLs of calls in flight.
import { stat } from "node:fs/promises";
import { ByteBudget } from "./byte-budget.js";
import { knownFileSize } from "./hash.js";
import type { ImageSource } from "./types.js";

export { ByteBudget };

/** Source bytes of new images being read and prepared at once per process. */
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
