/**
 * The model side of one run: the clients of every role, built from their endpoint configs, sharing the run's
 * ledger and event bus. It watches their calls so that
 *  - a configuration fault (connection refused, unknown host, TLS mismatch, 401/403, 404) on an endpoint that
 *    has not answered yet stops the whole run at once, with one message naming the role, base URL, model and
 *    key variable, instead of six retries per item;
 *  - the run knows how many calls got no answer after their retries, for its status (src/run/status.ts);
 *  - Ctrl-C or SIGTERM stops every client (and whatever else the run registered) in one call.
 */
import type { BatchQueue } from "./batch/queue.js";
import { ModelClient, type CallDeferrer, type CallObserver, type ModelCallError } from "./client.js";
import { EndpointConfigError, resolveEndpoint, type EndpointConfig } from "./endpoint.js";
import type { Ledger } from "./ledger.js";
import type { ModelEvents } from "./progress.js";
import type { RetryDecision } from "./scheduler.js";
import { pricesByModel, pricesDiffer, type Price } from "./accounting.js";

/** The run was stopped because an endpoint is configured wrongly. */
export class EndpointFaultError extends Error {
  override name = "EndpointFaultError";
  constructor(
    readonly role: string,
    readonly model: string,
    readonly baseURL: string,
    readonly keyVariable: string,
    keySet: boolean,
    readonly problem: string,
  ) {
    super(`the ${role} (model "${model}" at ${baseURL}, API key from $${keyVariable}${keySet ? "" : ", which is not set"}): ${problem}`);
  }
}

export class ModelSession implements CallObserver {
  readonly clients: ModelClient[] = [];
  /** The configuration fault that stopped the run, if one did. */
  fault: EndpointFaultError | undefined;
  /** Calls of this run that got no answer after their retries. */
  unansweredCalls = 0;
  /** --batch: where clients made from now on put the calls the ledger lacks (see batch/queue.ts). */
  batch: BatchQueue | undefined;
  /** --dry-run: clients made from now on answer from the ledger only and hand every other call here (replay.ts). */
  replay: CallDeferrer | undefined;
  private readonly answeredOnce = new WeakSet<ModelClient>();
  private readonly others: Array<{ stop(): void }> = [];
  private interruptedBySignal = false;
  private halted = false;

  constructor(
    readonly ledger: Ledger,
    readonly events?: ModelEvents,
  ) {}

  /** A client for `role` (throws EndpointConfigError for a bad config or an unset key variable the endpoint needs). */
  client(config: EndpointConfig, role: string): ModelClient {
    let endpoint;
    try {
      endpoint = resolveEndpoint(config);
    } catch (e) {
      throw e instanceof EndpointConfigError ? new EndpointConfigError(`${role}: ${e.message}`) : e;
    }
    const other = this.clients.find((c) => c.model === endpoint.model && pricesDiffer(c.endpoint.price, endpoint.price));
    if (other) {
      // Costs are counted per model name (the ledger's), so two prices for one name would price one role's calls at the other's.
      const fmt = (p: Price) => `${p.input},${p.output}`;
      throw new EndpointConfigError(
        `${role}: the model ${endpoint.model} is also the ${other.role}'s model, at another price (${fmt(endpoint.price!)} vs ${fmt(other.endpoint.price!)}); ` +
          "costs are counted per model name, so give it one price (leave the second price flag out, or give both the same)",
      );
    }
    const client = new ModelClient(endpoint, { ledger: this.ledger, events: this.events, role, observer: this, ...(this.batch ? { batch: this.batch } : this.replay ? { batch: this.replay } : {}) });
    this.clients.push(client);
    return client;
  }

  /** Something else to stop with the clients (the image filter of a generate run). */
  alsoStop(target: { stop(): void }): void {
    this.others.push(target);
  }

  /** Ctrl-C / SIGTERM: refuse new calls; calls in flight finish and are recorded. */
  stop(): void {
    this.interruptedBySignal = true;
    this.halt();
  }

  /** Stopped by a signal (not by a configuration fault). */
  get interrupted(): boolean {
    return this.interruptedBySignal;
  }

  /** Prices per model, for the usage and cost report. */
  prices(): Record<string, Price | undefined> {
    return pricesByModel(this.clients.map((c) => c.endpoint));
  }

  attemptFailed(client: ModelClient, decision: RetryDecision): void {
    if (decision.setup === undefined || this.answeredOnce.has(client) || this.fault !== undefined) return;
    const e = client.endpoint;
    this.fault = new EndpointFaultError(client.role, e.model, e.baseURL, e.apiKeyEnv, e.hasKey, decision.setup);
    this.halt();
  }

  answered(client: ModelClient): void {
    this.answeredOnce.add(client);
  }

  unanswered(_client: ModelClient, _error: ModelCallError): void {
    this.unansweredCalls++;
  }

  private halt(): void {
    if (this.halted) return;
    this.halted = true;
    for (const c of this.clients) c.stop();
    for (const o of this.others) o.stop();
  }
}
