/**
 * The model client: every stage's way to call a model. A call is looked up in the ledger first (a recorded
 * success is returned without network), joined if an identical call is already in flight, and otherwise sent
 * through the endpoint's scheduler with the official OpenAI SDK (its own retries off: the scheduler owns them).
 */
import OpenAI from "openai";
import { canonicalRequest, requestKey, stableStringify } from "./canonical.js";
import { AttemptDeadlineError, classifyError, ModelResponseError } from "./classify.js";
import { costOf, type Endpoint } from "./endpoint.js";
import type { Ledger } from "./ledger.js";
import { requestJson, toWireMessages, withImageBudget } from "./messages.js";
import type { ModelEvents } from "./progress.js";
import { CallFailedError, Scheduler, SchedulerStoppedError, type RetryDecision } from "./scheduler.js";
import { WorkError } from "../common/errors.js";
import type { CallContext, ChatRequest, ChatResult, TokenUsage } from "./types.js";

/** What a failed call was and why: the fields of a {@link ModelCallError}. */
export interface ModelCallFailure {
  model: string;
  stage: string;
  /** The call's ledger key. */
  key: string;
  /** The retry decision's kind ("client", "server", "network"…), or "stopped", "length", "internal". */
  kind: string;
  attempts: number;
  /** The HTTP status, when the server answered one. */
  status?: number;
}

/** A call that did not produce an answer; the reason is recorded in the ledger too. */
export class ModelCallError extends WorkError implements ModelCallFailure {
  readonly model: string;
  readonly stage: string;
  readonly key: string;
  readonly kind: string;
  readonly attempts: number;
  readonly status?: number;

  constructor(message: string, failure: ModelCallFailure) {
    super(message);
    this.model = failure.model;
    this.stage = failure.stage;
    this.key = failure.key;
    this.kind = failure.kind;
    this.attempts = failure.attempts;
    if (failure.status !== undefined) this.status = failure.status;
  }
}

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
  /** For tests and proxies: a fetch implementation for the SDK. */
  fetch?: typeof fetch;
}

interface Answer {
  content: string;
  finishReason: string | null;
  usage: TokenUsage;
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

  /** Answers `request`, from the ledger when it was answered before. Throws {@link ModelCallError}. */
  async chat(request: ChatRequest, context: CallContext): Promise<ChatResult> {
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

  private async send(request: ChatRequest, context: CallContext, key: string, canonicalJson: string): Promise<ChatResult> {
    const { ledger, events } = this.options;
    const params = { ...this.endpoint.params, ...request.params };
    const started = performance.now();
    let attemptStarted = started;
    try {
      const { value, attempts } = await this.scheduler.run<Answer>(
        async () =>
          withImageBudget(request.messages, async () => {
            attemptStarted = performance.now();
            // Images are read and encoded here, per attempt, and dropped with the request body afterwards.
            const messages = await toWireMessages(request.messages);
            const deadline = AbortSignal.timeout(this.endpoint.timeoutMs);
            try {
              const body = {
                model: this.endpoint.model,
                messages,
                ...params,
                ...(request.responseFormat ? { response_format: request.responseFormat } : {}),
                stream: false as const,
              };
              // The SDK sends a string body as it is; requestJson serialises large images without rescanning them.
              const completion = await this.sdk.chat.completions.create(body, {
                signal: deadline,
                body: requestJson(body),
                headers: { "content-type": "application/json" },
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
        },
      );
      const latencyMs = performance.now() - attemptStarted;
      await ledger.commitSuccess({ key, model: this.model, stage: context.stage, request: canonicalJson, ...value, latencyMs, attempts });
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

/** Checks the completion's shape; garbage from a misbehaving server is a retryable ModelResponseError. */
function readAnswer(completion: unknown): Answer {
  const c = completion as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  if (typeof c !== "object" || c === null || !Array.isArray(c.choices)) {
    throw new ModelResponseError(`the server's reply is not a chat completion: ${String(JSON.stringify(completion)).slice(0, 200)}`);
  }
  const choice = c.choices[0];
  if (!choice || typeof choice.message !== "object" || choice.message === null) throw new ModelResponseError("the server's reply has no choices[0].message");
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== "string") throw new ModelResponseError("choices[0].message.content is not a string");
  const finishReason = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    content: content ?? "",
    finishReason,
    usage: { promptTokens: num(c.usage?.prompt_tokens), completionTokens: num(c.usage?.completion_tokens) },
  };
}
