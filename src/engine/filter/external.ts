/**
 * An optional external scorer: any HTTP service that rates an image, such as an IC9600 complexity model or a
 * RAM++ tagger behind a few lines of Flask or FastAPI.
 *
 * Protocol (one request per image, only for images that passed every local check and are not duplicates):
 *
 *     POST <url>
 *     Content-Type: application/json
 *     {"path": "<the image's path as recorded>", "image": "data:image/jpeg;base64,..."}
 *
 * `image` is the original file's bytes as a data URL, or, with `send: "path"`, the file's absolute path (for a
 * scorer on the same machine; saves the base64). The reply must be a 2xx JSON object with any of
 *
 *     {"score": 0.42, "tags": ["dog", "beach"]}
 *
 * other fields are ignored. An HTTP error, a timeout, a reply that is not such an object, or a reply without the
 * field a threshold needs is a scorer error for that image only: it never stops the run. No retries: a scorer is
 * a local service, and the note on the image says what happened (rerun to fill the gaps).
 *
 * This talks to `fetch` directly rather than through the model layer: a scorer is not an OpenAI-compatible model,
 * and its calls are cheap, so they have nothing to gain from the call ledger.
 */
import { z } from "zod";
import type { ExternalScorerOptions } from "./options.js";
import { rootCause, WorkError } from "../../common/errors.js";

export interface ExternalRequest {
  path: string;
  /** A data URL of the image, or its absolute path. */
  image: string;
}

export interface ExternalResult {
  score?: number;
  tags?: string[];
}

/** A failed scorer call; the message says what went wrong for this image. */
export class ExternalScorerError extends WorkError {}

const replySchema = z.looseObject({
  score: z.number().finite().optional(),
  tags: z.array(z.string()).optional(),
});

const BODY_EXCERPT = 200;

/** Sends one image to the scorer and returns its reply; throws ExternalScorerError on any failure. */
export async function callExternalScorer(request: ExternalRequest, options: ExternalScorerOptions): Promise<ExternalResult> {
  let text: string;
  try {
    const res = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await res.text();
    if (!res.ok) {
      const body = text.trim().slice(0, BODY_EXCERPT);
      throw new ExternalScorerError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${body ? `: ${body}` : ""}`);
    }
  } catch (err) {
    if (err instanceof ExternalScorerError) throw err;
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
      throw new ExternalScorerError(`no reply within ${options.timeoutMs / 1000} s`, { cause: err });
    }
    throw new ExternalScorerError(`request failed: ${rootCause(err)}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ExternalScorerError(`reply is not JSON: ${JSON.stringify(text.slice(0, BODY_EXCERPT))}`);
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ExternalScorerError(`bad reply: ${issue.path.join(".") || "(reply)"}: ${issue.message}; expected {"score"?: number, "tags"?: string[]}`);
  }
  const result: ExternalResult = {};
  if (parsed.data.score !== undefined) result.score = parsed.data.score;
  if (parsed.data.tags !== undefined) result.tags = parsed.data.tags;
  if (options.minScore !== undefined && result.score === undefined) throw new ExternalScorerError('reply has no "score", and a minimum score is set');
  if (options.minTags !== undefined && result.tags === undefined) throw new ExternalScorerError('reply has no "tags", and a minimum tag count is set');
  return result;
}

/** Why a scored image is dropped under the thresholds (none: it stays). */
export function externalReasons(result: ExternalResult, options: ExternalScorerOptions): string[] {
  const reasons: string[] = [];
  if (options.minScore !== undefined && result.score !== undefined && result.score < options.minScore) {
    reasons.push(`external score: ${result.score} < ${options.minScore}`);
  }
  if (options.minTags !== undefined && result.tags !== undefined && result.tags.length < options.minTags) {
    reasons.push(`external tags: ${result.tags.length} < ${options.minTags}`);
  }
  return reasons;
}
