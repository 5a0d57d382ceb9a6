/**
 * The project's own chat request shape. Stages describe what they want (text and image *sources*); the client
 * turns image sources into bytes only when a call is actually sent, so queued and cached calls hold no pixels.
 */
import type { ImageDetail, ImageSource } from "./images.js";

export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image"; source: ImageSource; detail?: ImageDetail; maxSide?: number; maxPixels?: number };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string | ContentPart[];
}

/** Sampling and length settings sent with the request (snake_case, as on the wire). */
export interface GenerationParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
}

export type ResponseFormat = { type: "json_object" } | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the endpoint's default params for this call. */
  params?: GenerationParams;
  responseFormat?: ResponseFormat;
  /**
   * Which sample this is when the same prompt is asked several times at temperature > 0; part of the cache key
   * so that sample 0 and sample 1 are different calls, while a rerun of sample 0 is answered from the ledger.
   */
  sampleIndex?: number;
  /**
   * Asking the same thing again on purpose (a benchmark's judge retry after an unparseable reply): rounds above
   * 0 are distinct calls even at temperature 0, while a rerun of the same round is answered from the ledger.
   */
  round?: number;
}

/** Who is calling: usage and cost are totalled per model and stage. */
export interface CallContext {
  stage: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  content: string;
  finishReason: string | null;
  usage: TokenUsage;
  /** True when the answer came from the ledger without a network call. */
  cached: boolean;
  attempts: number;
  latencyMs: number;
  /** The ledger key of the call. */
  key: string;
}
