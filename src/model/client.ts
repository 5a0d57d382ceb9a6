/**
 * The model client: every stage's way to call a model. A call is looked up in the ledger first (a recorded
 * success is returned without network), joined if an identical call is already in flight, and otherwise sent
 * through the endpoint's scheduler with the official OpenAI SDK (its own retries off: the scheduler owns them).
 */
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { canonicalRequest, requestKey, stableStringify } from "./canonical.js";
import { readAnswer, type Answer } from "./answer.js";
import type { BatchCaller } from "./batch/queue.js";
import { AttemptDeadlineError, classifyError } from "./classify.js";
import { costOf, type Endpoint } from "./endpoint.js";
import type { Ledger } from "./ledger.js";
import { bodyStream, requestChunks, toWireDraft, toWireMessages, withImageBudget } from "./messages.js";
import type { ModelEvents } from "./progress.js";
import { ModelCallError } from "./errors.js";
import { CallFailedError, Scheduler, SchedulerStoppedError, type RetryDecision } from "./scheduler.js";
import type { CallContext, ChatRequest, ChatResult, ContentPart } from "./types.js";

export { CallPendingError, ModelCallError, type ModelCallFailure } from "./errors.js";

/** Told the fate of every call a client sends (the model session: fail fast, and the run's status). */
export interface CallObserver {
  attemptFailed(client: ModelClient, decision: RetryDecision): void;
  /** A call answered by the server (not from the ledger). */
  answered(client: ModelClient): void;
  /** A call that got no answer after its retries (not one refused because the run is stopping). */
  unanswered(client: ModelClient, error: ModelCallError): void;
}

export interface ModelClientOptions {
  ledger: Ledger;
  /** What this client is for, as messages name it: "model under test", "judge", "task writer"... */
  role?: string;
  observer?: CallObserver;
  events?: ModelEvents;
  /** Share one scheduler between clients of the same server; by default each client has its own. */
  scheduler?: Scheduler;
  /**
   * Where a call the ledger lacks goes instead of the network, and the caller gets a CallPendingError ("no answer
   * yet"): batch mode's queue (`--batch`: submitted at the end of the pass), or a dry run's replay (never sent).
   */
  batch?: CallDeferrer;
  /** For tests and proxies: a fetch implementation for the SDK. */
  fetch?: typeof fetch;
}

/** Takes a call the ledger lacks instead of the network, and throws CallPendingError (or ModelCallError). */
export interface CallDeferrer {
  defer(caller: BatchCaller, key: string, canonicalJson: string, request: ChatRequest, context: CallContext): Promise<never>;
}

/** Rough prompt size for the tokens-per-minute budget: about four characters a token, images a flat 1,000. */
function estimateTokens(request: ChatRequest, maxTokens: number | undefined): number {
  let chars = 0;
  let images = 0;
  for (const m of request.messages) {
    if (typeof m.content === "string") chars += m.content.length;
    else for (const p of m.content) p.type === "text" ? (chars += p.text.length) : images++;
  }
  return Math.ceil(chars / 4) + images * 1000 + (maxTokens ?? 1000);
}

export class ModelClient {
  readonly scheduler: Scheduler;
  private readonly sdk: OpenAI;
  private readonly inFlight = new Map<string, Promise<ChatResult>>();

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: ModelClientOptions,
  ) {
    this.scheduler =
      options.scheduler ??
      new Scheduler({
        concurrency: endpoint.concurrency,
        maxAttempts: endpoint.maxAttempts,
        baseDelayMs: endpoint.baseDelayMs,
        maxDelayMs: endpoint.maxDelayMs,
        requestsPerMinute: endpoint.requestsPerMinute,
        tokensPerMinute: endpoint.tokensPerMinute,
      });
    this.sdk = new OpenAI({
      apiKey: endpoint.apiKey,
      baseURL: endpoint.baseURL,
      maxRetries: 0,
      timeout: endpoint.timeoutMs,
      logLevel: "off",
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  get model(): string {
    return this.endpoint.model;
  }

  get role(): string {
    return this.options.role ?? "model";
  }

  /** `request` with the endpoint's image limits on every image part that has none of its own. */
  withImageLimits(request: ChatRequest): ChatRequest {
    const { maxSide, maxPixels } = this.endpoint.images;
    if (maxSide === undefined && maxPixels === undefined) return request;
    const limited = (p: ContentPart): ContentPart =>
      p.type !== "image" || p.maxSide !== undefined || p.maxPixels !== undefined
        ? p
        : { ...p, ...(maxSide !== undefined ? { maxSide } : {}), ...(maxPixels !== undefined ? { maxPixels } : {}) };
    return { ...request, messages: request.messages.map((m) => (typeof m.content === "string" ? m : { ...m, content: m.content.map(limited) })) };
  }

  /** Answers `request`, from the ledger when it was answered before. Throws {@link ModelCallError}. */
  async chat(asked: ChatRequest, context: CallContext): Promise<ChatResult> {
    // The limits become part of the request, so its ledger key, its wire body and a batch line all carry them.
    const request = this.withImageLimits(asked);
    const canonical = await canonicalRequest(this.endpoint.model, this.endpoint.params, request);
    const key = requestKey(canonical);
    const recorded = this.options.ledger.getSuccess(key);
    if (recorded) {
      this.options.events?.emit({ type: "enter", stage: context.stage, model: this.model });
      this.options.events?.emit({ type: "call", stage: context.stage, model: this.model, outcome: "cached", usage: recorded.usage, cost: 0, attempts: 0 });
      return {
        content: recorded.content ?? "",
        finishReason: recorded.finishReason,
        usage: recorded.usage,
        cached: true,
        attempts: recorded.attempts,
        latencyMs: recorded.latencyMs,
        key,
      };
    }
    if (this.options.batch) return this.options.batch.defer(this, key, stableStringify(canonical), request, context);
    // Two tasks asking the same thing at once share one call.
    let pending = this.inFlight.get(key);
    if (!pending) {
      this.options.events?.emit({ type: "enter", stage: context.stage, model: this.model });
      pending = this.send(request, context, key, stableStringify(canonical)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Refuses new calls; calls in flight finish or time out and are recorded. */
  stop(): void {
    this.scheduler.stop();
  }

  /** The request exactly as it goes on the wire, online or as the body of a batch line. */
  async wireBody(request: ChatRequest): Promise<ChatCompletionCreateParamsNonStreaming> {
    return this.bodyWith(await toWireMessages(this.withImageLimits(request).messages), request);
  }

  private bodyWith(messages: ChatCompletionMessageParam[], request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.endpoint.model,
      messages,
      ...this.endpoint.params,
      ...request.params,
      ...(request.responseFormat ? { response_format: request.responseFormat } : {}),
      stream: false,
    };
  }

  private async send(request: ChatRequest, context: CallContext, key: string, canonicalJson: string): Promise<ChatResult> {
    const { ledger, events } = this.options;
    const params = { ...this.endpoint.params, ...request.params };
    const started = performance.now();
    let attemptStarted = started;
    let latencyMs = 0;
    try {
      const { value, attempts } = await this.scheduler.run<Answer>(
        async () =>
          withImageBudget(request.messages, async () => {
            attemptStarted = performance.now();
            // Images are prepared here (or taken from the images' cache), per attempt. The body is the request's
            // JSON with each image's data URL as a chunk of its own, shared by every call sending that image: not
            // copied, not scanned by JSON.stringify (~9 ms per 1.4 MB URL). As a stream of chunks, fetch does not
            // copy it either (a byte body it copies twice); the length header keeps it a plain, not chunked, request.
            const draft = await toWireDraft(this.withImageLimits(request).messages);
            const body = this.bodyWith(draft.messages, request);
            const chunks = requestChunks(body, draft);
            const deadline = AbortSignal.timeout(this.endpoint.timeoutMs);
            try {
              const completion = await this.sdk.chat.completions.create(body, {
                signal: deadline,
                body: bodyStream(chunks),
                headers: { "content-type": "application/json", "content-length": String(chunks.reduce((n, c) => n + c.length, 0)) },
              });
              return readAnswer(completion);
            } catch (error) {
              // Nobody else aborts an attempt, so an abort here is the deadline (before or during the body).
              if (deadline.aborted) throw new AttemptDeadlineError(`no complete reply within ${this.endpoint.timeoutMs} ms`);
              throw error;
            }
          }),
        {
          classify: classifyError,
          estimatedTokens: estimateTokens(request, params.max_tokens),
          actualTokens: (a) => a.usage.promptTokens + a.usage.completionTokens,
          onAttemptError: (attempt, decision) => {
            this.options.observer?.attemptFailed(this, decision);
            ledger.recordAttemptError({ key, attempt, kind: decision.kind, status: decision.status ?? null, message: decision.message });
            events?.emit({ type: "retry", stage: context.stage, model: this.model, attempt, kind: decision.kind, willRetry: decision.retry });
          },
          // Recorded before the call's slot is freed (see RunOptions.settle).
          settle: (answer, attempts) => {
            latencyMs = performance.now() - attemptStarted;
            return ledger.commitSuccess({ key, model: this.model, stage: context.stage, request: canonicalJson, ...answer, latencyMs, attempts });
          },
        },
      );
      this.options.observer?.answered(this);
      const cost = costOf(this.endpoint.price, value.usage.promptTokens, value.usage.completionTokens);
      events?.emit({ type: "call", stage: context.stage, model: this.model, outcome: "sent", usage: value.usage, cost, attempts });
      return { ...value, cached: false, attempts, latencyMs, key };
    } catch (error) {
      const failure = this.toCallError(error, context, key);
      // A call stopped before it was sent is not a failure of the call: nothing is recorded, a rerun sends it.
      if (!(error instanceof SchedulerStoppedError)) {
        ledger.recordFailure({ key, model: this.model, stage: context.stage, request: canonicalJson, error: failure.message, attempts: failure.attempts });
        this.options.observer?.unanswered(this, failure);
      }
      events?.emit({ type: "call", stage: context.stage, model: this.model, outcome: "failed", usage: { promptTokens: 0, completionTokens: 0 }, cost: 0, attempts: failure.attempts, error: failure.message });
      throw failure;
    }
  }

  private toCallError(error: unknown, context: CallContext, key: string): ModelCallError {
    const call = { model: this.model, stage: context.stage, key };
    if (error instanceof CallFailedError) {
      const d = error.decision;
      return new ModelCallError(`${this.model}: ${error.message}`, { ...call, kind: d.kind, attempts: error.attempts, status: d.status });
    }
    if (error instanceof SchedulerStoppedError) return new ModelCallError(`${this.model}: ${error.message}`, { ...call, kind: "stopped", attempts: 0 });
    const message = error instanceof Error ? error.message : String(error);
    return new ModelCallError(`${this.model}: ${message}`, { ...call, kind: "internal", attempts: 0 });
  }
}
