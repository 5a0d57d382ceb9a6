/**
 * The scheduler: the only place in the project that waits or retries. One per endpoint. It caps concurrency
 * (halving it on a 429 and growing it back one step per window of successes), honours Retry-After by pausing
 * the endpoint, backs off exponentially with jitter on transient faults, bounds attempts, and applies optional
 * requests-per-minute and tokens-per-minute budgets. stop() refuses new work and lets in-flight calls finish.
 */
import { TokenBucket } from "./token-bucket.js";
import { WorkError } from "../common/errors.js";

/** How the caller judges a failed attempt. */
export interface RetryDecision {
  retry: boolean;
  /** Short class of fault: "rate-limit", "server", "timeout", "connection", "bad-response", "client", ... */
  kind: string;
  status?: number;
  /** Server-requested wait (Retry-After), in ms. */
  retryAfterMs?: number;
  message: string;
  /**
   * Set when the fault usually means the endpoint is configured wrongly (nothing listens there, unknown host,
   * TLS mismatch, key refused, unknown model): what to tell the user. The client stops the run on it when the
   * endpoint has not answered yet.
   */
  setup?: string;
}

export interface SchedulerOptions {
  /** Most calls in flight at once. */
  concurrency: number;
  /** Total attempts per call, first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  random?: () => number;
}

export interface RunOptions<T> {
  classify: (error: unknown) => RetryDecision;
  /** Tokens the call is expected to use, for the tokens-per-minute budget. */
  estimatedTokens?: number;
  /** Tokens it did use, to correct the budget afterwards. */
  actualTokens?: (value: T) => number;
  onAttemptError?: (attempt: number, decision: RetryDecision, error: unknown) => void;
  /**
   * Runs after a successful attempt while the call still holds its slot (not retried when it throws; the error
   * is the call's). The client records the answer here, so calls answered but not yet on disk never outnumber
   * the concurrency: a killed process loses at most that many answers.
   */
  settle?: (value: T, attempts: number) => Promise<void>;
}

/** A call that will not be retried: a permanent error, or attempts exhausted. */
export class CallFailedError extends WorkError {
  readonly decision: RetryDecision;
  readonly attempts: number;

  constructor(failure: { decision: RetryDecision; attempts: number; cause: unknown }) {
    const { decision, attempts } = failure;
    super(`${decision.message} (${decision.kind}${decision.status ? ` ${decision.status}` : ""}, ${attempts} attempt${attempts === 1 ? "" : "s"})`, { cause: failure.cause });
    this.decision = decision;
    this.attempts = attempts;
  }
}

/** A call not started (or not retried) because the scheduler is stopping. */
export class SchedulerStoppedError extends WorkError {
  constructor() {
    super("not sent: stopping (interrupted); rerun the same command to resume");
  }
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Scheduler {
  private readonly maxConcurrency: number;
  private limit: number;
  private inFlight = 0;
  private successesSinceChange = 0;
  private pausedUntil = 0;
  private lastDecrease = 0;
  private stopping = false;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly rpm: TokenBucket | undefined;
  private readonly tpm: TokenBucket | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private peak = 0;

  constructor(options: SchedulerOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${options.concurrency}`);
    this.maxConcurrency = Math.floor(options.concurrency);
    this.limit = this.maxConcurrency;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.rpm = options.requestsPerMinute ? new TokenBucket(options.requestsPerMinute) : undefined;
    this.tpm = options.tokensPerMinute ? new TokenBucket(options.tokensPerMinute) : undefined;
  }

  /** Current state, for progress displays and tests. */
  get stats(): { limit: number; inFlight: number; queued: number; peakInFlight: number; pausedForMs: number } {
    return {
      limit: this.limit,
      inFlight: this.inFlight,
      queued: this.queue.length,
      peakInFlight: this.peak,
      pausedForMs: Math.max(0, this.pausedUntil - Date.now()),
    };
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Runs `attempt` until it succeeds, fails permanently, or runs out of attempts. */
  async run<T>(attempt: (n: number) => Promise<T>, options: RunOptions<T>): Promise<{ value: T; attempts: number }> {
    const tokens = options.estimatedTokens ?? 0;
    for (let n = 1; ; n++) {
      await this.acquire(tokens, n > 1);
      let value: T;
      try {
        value = await attempt(n);
      } catch (error) {
        // Judged before the slot is released, so a fault that stops the run (onAttemptError) stops it before
        // a queued call can take the slot.
        let decision: RetryDecision;
        try {
          decision = options.classify(error);
          options.onAttemptError?.(n, decision, error);
        } finally {
          this.release();
        }
        if (decision.kind === "rate-limit") this.onRateLimited(decision.retryAfterMs);
        if (!decision.retry || n >= this.maxAttempts) throw new CallFailedError({ decision, attempts: n, cause: error });
        await sleep(this.delay(n, decision));
        if (this.stopping) throw new SchedulerStoppedError();
        continue;
      }
      try {
        await options.settle?.(value, n);
      } finally {
        this.release();
      }
      this.onSuccess();
      if (this.tpm && options.actualTokens) this.tpm.refund(tokens - options.actualTokens(value));
      return { value, attempts: n };
    }
  }

  /** Stops taking work: queued calls are refused, in-flight calls finish (or time out) normally. */
  stop(): void {
    this.stopping = true;
    for (const w of this.queue.splice(0)) w.reject(new SchedulerStoppedError());
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private acquire(tokens: number, retry: boolean): Promise<void> {
    if (this.stopping) return Promise.reject(new SchedulerStoppedError());
    return new Promise((resolve, reject) => {
      const waiter = { tokens, resolve, reject };
      // A retry goes first: it has already waited its backoff, and finishing started work keeps memory flat.
      if (retry) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  private release(): void {
    this.inFlight--;
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.limit && !this.stopping) {
      const now = Date.now();
      const head = this.queue[0]!;
      const wait = Math.max(this.pausedUntil - now, this.rpm?.waitFor(1, now) ?? 0, this.tpm?.waitFor(head.tokens, now) ?? 0);
      if (wait > 0) {
        this.wakeIn(wait);
        return;
      }
      this.queue.shift();
      this.rpm?.take(1, now);
      this.tpm?.take(head.tokens, now);
      this.inFlight++;
      if (this.inFlight > this.peak) this.peak = this.inFlight;
      head.resolve();
    }
  }

  private wakeIn(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.ceil(ms));
  }

  private onSuccess(): void {
    if (this.limit >= this.maxConcurrency) return;
    // Additive increase: one more slot after a full window of successes at the current limit.
    if (++this.successesSinceChange >= this.limit) {
      this.limit++;
      this.successesSinceChange = 0;
      this.pump();
    }
  }

  private onRateLimited(retryAfterMs: number | undefined): void {
    const now = Date.now();
    const pause = retryAfterMs ?? this.baseDelayMs;
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
    // Many calls in flight hit the same limit at once: halve once per episode, not once per 429.
    if (now - this.lastDecrease >= Math.max(pause, 1000)) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.successesSinceChange = 0;
      this.lastDecrease = now;
    }
  }

  /** The wait before attempt `n + 1`: the server's Retry-After, else exponential backoff with jitter. */
  private delay(n: number, decision: RetryDecision): number {
    if (decision.retryAfterMs !== undefined) return decision.retryAfterMs;
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1));
    return cap / 2 + this.random() * (cap / 2);
  }
}
