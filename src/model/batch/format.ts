/**
 * The OpenAI batch file format, shared by the Batches API and offline engines such as vLLM's run_batch: an input
 * line per request ({custom_id, method, url, body}) and an output line per answer ({custom_id, response: {status_code,
 * body}, error}). custom_id is the call's ledger key, so an answer lands under the key the online path would use.
 */
import { appendFileSync, writeFileSync } from "node:fs";

export const BATCH_URL = "/v1/chat/completions";
/** The Batches API's limits per input file. */
export const MAX_REQUESTS_PER_FILE = 50_000;
export const MAX_BYTES_PER_FILE = 200 * 1024 * 1024;

export function inputLine(key: string, body: unknown): string {
  return `${JSON.stringify({ custom_id: key, method: "POST", url: BATCH_URL, body })}\n`;
}

/** One line of an output or error file, read into what the ledger needs. */
export type OutputLine =
  | { key: string; ok: true; completion: unknown }
  | { key: string; ok: false; status: number | null; message: string };

/** Reads one output/error line; returns a string saying what is wrong with a line that is not one. */
export function parseOutputLine(text: string): OutputLine | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const o = v as { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null; error?: { code?: unknown; message?: unknown } | string | null };
  if (typeof o !== "object" || o === null || typeof o.custom_id !== "string") return "no custom_id";
  const key = o.custom_id;
  const status = typeof o.response?.status_code === "number" ? o.response.status_code : null;
  if (o.response && status !== null && status < 400 && o.response.body !== undefined) return { key, ok: true, completion: o.response.body };
  if (o.error && typeof o.error === "object") {
    return { key, ok: false, status, message: `${String(o.error.code ?? "error")}: ${String(o.error.message ?? "no message")}` };
  }
  // vLLM's run_batch writes a request it could not run as status 400 with the reason as a plain string.
  if (typeof o.error === "string" && o.error !== "") return { key, ok: false, status, message: o.error };
  const body = o.response?.body as { error?: { message?: unknown } } | undefined;
  if (status !== null) return { key, ok: false, status, message: typeof body?.error?.message === "string" ? body.error.message : `status ${status}` };
  return "neither a response nor an error";
}

export interface BatchFile {
  path: string;
  requests: number;
  bytes: number;
}

/** Writes lines into files that respect the API's limits (`<prefix>-1.jsonl`, `-2`, ...), on disk as they come. */
export class FileSplitter {
  private readonly parts: BatchFile[] = [];

  constructor(
    private readonly pathFor: (part: number) => string,
    private readonly maxRequests = MAX_REQUESTS_PER_FILE,
    private readonly maxBytes = MAX_BYTES_PER_FILE,
  ) {}

  /** Adds a line; returns the number (from 1) of the file it went into. */
  add(line: string): number {
    const size = Buffer.byteLength(line);
    let current = this.parts[this.parts.length - 1];
    if (!current || current.requests >= this.maxRequests || current.bytes + size > this.maxBytes) {
      current = { path: this.pathFor(this.parts.length + 1), requests: 0, bytes: 0 };
      writeFileSync(current.path, "");
      this.parts.push(current);
    }
    appendFileSync(current.path, line);
    current.requests++;
    current.bytes += size;
    return this.parts.length;
  }

  files(): BatchFile[] {
    return [...this.parts];
  }
}
