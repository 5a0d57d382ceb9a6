/**
 * Canonical request identity: the call ledger keys every call by a hash of this, so the same request made
 * again (by a rerun, another stage, or a concurrent task) is recognised without sending it.
 */
import { createHash } from "node:crypto";
import { imageContentHash } from "./images.js";
import type { ChatRequest, GenerationParams } from "./types.js";

/** JSON with object keys sorted at every level, so equal values always serialise the same way. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The request as the ledger records it: images replaced by their content hashes, params merged and sorted. */
export interface CanonicalRequest {
  model: string;
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
  params: GenerationParams;
  response_format?: unknown;
  sample?: number;
  round?: number;
}

export async function canonicalRequest(model: string, defaults: GenerationParams, request: ChatRequest): Promise<CanonicalRequest> {
  const params = { ...defaults, ...request.params };
  const messages = await Promise.all(
    request.messages.map(async (m) => ({
      role: m.role,
      content:
        typeof m.content === "string"
          ? m.content
          : await Promise.all(
              m.content.map(async (p) =>
                p.type === "text"
                  ? { type: "text", text: p.text }
                  : {
                      type: "image",
                      sha256: await imageContentHash(p.source, { maxSide: p.maxSide, maxPixels: p.maxPixels }),
                      detail: p.detail,
                      max_side: p.maxSide,
                      max_pixels: p.maxPixels,
                    },
              ),
            ),
    })),
  );
  // Greedy decoding gives one answer per prompt, so the sample index only matters above temperature 0.
  const sampled = (params.temperature ?? 1) > 0;
  return {
    model,
    messages,
    params,
    response_format: request.responseFormat,
    sample: sampled ? (request.sampleIndex ?? 0) : undefined,
    round: request.round ? request.round : undefined,
  };
}

export function requestKey(canonical: CanonicalRequest): string {
  return sha256Hex(stableStringify(canonical));
}
