// Streaming http(s) downloads with a deadline and a size cap, so a slow or huge URL fails fast and clearly
// instead of hanging a run or filling memory.
import { ImageError, formatBytes } from "./errors.js";
import { rootCause } from "../../common/errors.js";

export interface DownloadLimits {
  timeoutMs: number;
  maxBytes: number;
}

/** A URL for messages: credentials removed, so they never reach logs. */
export function urlLabel(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return "";
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
}

function failure(label: string, err: unknown, limits: DownloadLimits): ImageError {
  if (err instanceof ImageError) return err;
  if (isTimeout(err)) {
    return new ImageError(label, `download did not finish within ${limits.timeoutMs / 1000} s; raise timeoutMs or save the image to a file`, { cause: err });
  }
  return new ImageError(label, `download failed: ${rootCause(err)}`, { cause: err });
}

function tooLarge(label: string, what: string, limits: DownloadLimits): ImageError {
  return new ImageError(label, `${what} the ${formatBytes(limits.maxBytes)} limit (maxBytes); raise maxBytes or shrink the image`);
}

/**
 * Fetches `url` and hands each body chunk to `sink` as it arrives; returns the total byte count.
 * Nothing is buffered here: the caller decides whether to keep the chunks (loading) or not (hashing).
 */
export async function streamUrl(url: string, limits: DownloadLimits, sink: (chunk: Uint8Array) => void): Promise<number> {
  const label = urlLabel(url);
  if (!/^https?:$/.test(safeProtocol(url))) throw new ImageError(label, "not an http(s) URL");
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const res = await fetch(url, { signal, redirect: "follow" });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ImageError(label, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(label, `the response is ${formatBytes(declared)}, over`, limits);
    }
    if (!res.body) return 0;
    const reader = res.body.getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return total;
      total += value.byteLength;
      // Checked per chunk, since Content-Length can be absent or wrong.
      if (total > limits.maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(label, `the response is larger than`, limits);
      }
      sink(value);
    }
  } catch (err) {
    throw failure(label, err, limits);
  }
}
