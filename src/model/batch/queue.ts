/**
 * Batch inference through the ledger. In batch mode a call the ledger lacks is not sent: its wire body becomes a
 * line of a batch input file (custom_id = the ledger key) and the caller hears "no answer yet". At the end of a
 * pass the lines are submitted (OpenAI Files + Batches API, through the SDK) or written for an offline engine
 * (vLLM's run_batch); the next pass first collects finished batches into the ledger, where the calls are then
 * ordinary recorded answers. Failed lines are recorded and resubmitted in the next wave, up to the endpoint's
 * attempt limit; a permanent error (a 4xx other than 408/409/429) ends the call as it would online.
 */
import { createReadStream, mkdirSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import OpenAI, { APIError, toFile } from "openai";
import { readAnswer } from "../answer.js";
import { classifyError } from "../classify.js";
import type { Endpoint } from "../endpoint.js";
import { CallPendingError, ModelCallError } from "../errors.js";
import type { Ledger } from "../ledger.js";
import type { CallContext, ChatRequest } from "../types.js";
import { BATCH_URL, FileSplitter, inputLine, parseOutputLine, type BatchFile } from "./format.js";
import { BatchRecords, type BatchMode } from "./records.js";

/** What the queue needs of a client: where it sends and how its requests look on the wire. */
export interface BatchCaller {
  readonly endpoint: Endpoint;
  wireBody(request: ChatRequest): Promise<unknown>;
}

export interface BatchQueueOptions {
  mode: BatchMode;
  /** The run folder: batch files go to `<dir>/batch/`. */
  dir: string;
  /** Where API keys are read from, by the variable name each batch recorded. */
  env?: NodeJS.ProcessEnv;
  /** For tests and proxies: a fetch implementation for the SDK. */
  fetch?: typeof fetch;
  /** Share of the online price batches are billed at (0.5: OpenAI's half price). */
  discount: number;
  /** Limits per file (the API's by default; smaller in tests). */
  maxRequestsPerFile?: number;
  maxBytesPerFile?: number;
}

export interface SubmitReport {
  calls: number;
  batches: number;
  /** file mode: the files written, for the user to run. */
  files: string[];
}

export interface ImportReport {
  answered: number;
  failed: number;
  /** Lines whose custom_id is no call this run is waiting for (already answered, or from another run). */
  unknown: number;
  /** Lines that are not batch output lines, with their line number. */
  bad: Array<{ line: number; error: string }>;
}

interface Group {
  endpoint: Endpoint;
  splitter: FileSplitter;
  calls: Array<{ key: string; model: string; stage: string; request: string; part: number }>;
}

/** Provider states after which a batch changes no more. */
const ENDED = new Set(["completed", "failed", "expired", "cancelled"]);

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}

export class BatchQueue {
  readonly records: BatchRecords;
  private waiting = new Set<string>();
  private readonly deferred = new Set<string>();
  private groups = new Map<string, Group>();
  private readonly sdks = new Map<string, OpenAI>();
  private wave = 0;

  constructor(
    readonly ledger: Ledger,
    readonly options: BatchQueueOptions,
  ) {
    this.records = new BatchRecords(ledger);
  }

  get mode(): BatchMode {
    return this.options.mode;
  }

  /** Calls sent in earlier waves whose answers have not come back. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Calls deferred in this pass (submitted by {@link submit}). */
  get deferredCount(): number {
    return this.deferred.size;
  }

  /** Starts a pass: imports what finished batches returned, then notes which calls are still out. */
  async begin(): Promise<ImportReport> {
    const report = this.options.mode === "openai" ? await this.collect() : emptyReport();
    this.waiting = this.records.waitingKeys();
    this.deferred.clear();
    this.groups = new Map();
    return report;
  }

  /**
   * The batch-mode answer to a call the ledger lacks: put it in this wave (or note that it is already out) and
   * throw CallPendingError; or throw ModelCallError when earlier batches failed it for good.
   */
  async defer(caller: BatchCaller, key: string, canonicalJson: string, request: ChatRequest, context: CallContext): Promise<never> {
    const model = caller.endpoint.model;
    if (this.waiting.has(key) || this.deferred.has(key)) throw new CallPendingError(model, context.stage, key);
    this.failIfSpent(caller.endpoint, key, context.stage);
    this.deferred.add(key);
    const endpoint = caller.endpoint;
    const groupKey = `${endpoint.baseURL}\n${endpoint.apiKeyEnv}\n${model}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      if (this.wave === 0) this.wave = this.records.nextWave();
      const dir = join(this.options.dir, "batch");
      mkdirSync(dir, { recursive: true });
      const prefix = `wave-${String(this.wave).padStart(3, "0")}-${slug(model)}${this.groups.size > 0 ? `-${this.groups.size + 1}` : ""}`;
      group = {
        endpoint,
        splitter: new FileSplitter((part) => join(dir, `${prefix}-${part}.jsonl`), this.options.maxRequestsPerFile, this.options.maxBytesPerFile),
        calls: [],
      };
      this.groups.set(groupKey, group);
    }
    const body = await caller.wireBody(request);
    const part = group.splitter.add(inputLine(key, body));
    group.calls.push({ key, model, stage: context.stage, request: canonicalJson, part });
    throw new CallPendingError(model, context.stage, key);
  }

  /** A call earlier batches failed permanently, or as often as the endpoint allows attempts, fails now. */
  private failIfSpent(endpoint: Endpoint, key: string, stage: string): void {
    const entry = this.ledger.get(key);
    if (entry?.status !== "failed") return;
    const tries = this.records.failures(key);
    if (tries === 0) return;
    const last = this.ledger.attemptErrors(key).at(-1);
    const permanent = last !== undefined && last.kind === "client";
    if (permanent || tries >= endpoint.maxAttempts) {
      const message = `${endpoint.model}: ${entry.error ?? "failed in batch"} (${tries} batch attempt${tries === 1 ? "" : "s"})`;
      throw new ModelCallError(message, { model: endpoint.model, stage, key, kind: last?.kind ?? "batch", attempts: tries, ...(last?.status != null ? { status: last.status } : {}) });
    }
  }

  /** Sends (openai) or writes (file) this pass's deferred calls, one batch per file; records them in the ledger. */
  async submit(): Promise<SubmitReport> {
    const report: SubmitReport = { calls: 0, batches: 0, files: [] };
    for (const group of this.groups.values()) {
      const files = group.splitter.files();
      for (const [i, file] of files.entries()) {
        const calls = group.calls.filter((c) => c.part === i + 1);
        const sent = this.options.mode === "openai" ? await this.upload(group.endpoint, file) : { id: `file:${relative(this.options.dir, file.path)}`, inputFile: file.path, status: "written" };
        this.records.addBatch(
          {
            id: sent.id,
            mode: this.options.mode,
            base_url: this.options.mode === "openai" ? group.endpoint.baseURL : null,
            api_key_env: this.options.mode === "openai" ? group.endpoint.apiKeyEnv : null,
            wave: this.wave,
            input_file: sent.inputFile,
            requests: file.requests,
            bytes: file.bytes,
            discount: this.options.discount,
            status: sent.status,
          },
          calls,
        );
        // The uploaded copy is the provider's now; a file batch is the user's to run.
        if (this.options.mode === "openai") rmSync(file.path, { force: true });
        else report.files.push(file.path);
        report.batches++;
        report.calls += calls.length;
      }
    }
    this.groups = new Map();
    return report;
  }

  private async upload(endpoint: Endpoint, file: BatchFile): Promise<{ id: string; inputFile: string; status: string }> {
    const sdk = this.sdkFor(endpoint.baseURL, endpoint.apiKeyEnv);
    const uploaded = await sdk.files.create({ file: await toFile(createReadStream(file.path), basename(file.path)), purpose: "batch" });
    const batch = await sdk.batches.create({ input_file_id: uploaded.id, endpoint: BATCH_URL, completion_window: "24h", metadata: { created_by: "mmif", wave: String(this.wave) } });
    return { id: batch.id, inputFile: uploaded.id, status: batch.status };
  }

  /** Polls every open OpenAI batch; imports the output and error files of those that ended. */
  async collect(): Promise<ImportReport> {
    const report = emptyReport();
    for (const b of this.records.openBatches("openai")) {
      const sdk = this.sdkFor(b.base_url!, b.api_key_env!);
      const batch = await sdk.batches.retrieve(b.id);
      if (!ENDED.has(batch.status)) {
        this.records.setStatus(b.id, batch.status);
        continue;
      }
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const text = await (await sdk.files.content(fileId)).text();
        merge(report, this.importText(text));
      }
      const why = batch.errors?.data?.map((e) => e.message).join("; ");
      report.failed += this.endBatch(b.id, `batch ${b.id} ended ${batch.status} without an answer for this call${why ? `: ${why}` : ""}`);
      this.records.setStatus(b.id, batch.status, { output_file: batch.output_file_id ?? null, error_file: batch.error_file_id ?? null });
    }
    return report;
  }

  /** Calls of an ended batch that got no line are failures of this round; the next wave sends them again. */
  private endBatch(batchId: string, message: string): number {
    const missing = this.records.waitingCallsIn(batchId);
    for (const c of missing) {
      this.ledger.recordFailure({ key: c.key, model: c.model, stage: c.stage, request: c.request, error: message, attempts: 1 });
      this.ledger.recordAttemptError({ key: c.key, attempt: 1, kind: "batch", status: null, message });
    }
    this.records.markMissing(batchId);
    return missing.length;
  }

  /**
   * Reads batch output (or error) lines into the ledger: an answer is recorded as the call's success, exactly as
   * an online answer would be; a failed line as a failure with its error. Used by `mmif batch import` too.
   */
  importText(text: string): ImportReport {
    const report = emptyReport();
    const lines = text.split("\n");
    const successes: Parameters<Ledger["recordSuccess"]>[0][] = [];
    const outcomes: Array<[string, string, "ok" | "failed"]> = [];
    for (const [i, raw] of lines.entries()) {
      if (raw.trim() === "") continue;
      const line = parseOutputLine(raw);
      if (typeof line === "string") {
        report.bad.push({ line: i + 1, error: line });
        continue;
      }
      const call = this.records.waitingCall(line.key);
      if (!call) {
        report.unknown++;
        continue;
      }
      if (line.ok) {
        let answer;
        try {
          answer = readAnswer(line.completion);
        } catch (e) {
          this.failLine(call, { status: null, message: (e as Error).message, kind: "bad-response" });
          outcomes.push([call.key, call.batch_id, "failed"]);
          report.failed++;
          continue;
        }
        successes.push({ key: call.key, model: call.model, stage: call.stage, request: call.request, ...answer, latencyMs: 0, attempts: 1 });
        outcomes.push([call.key, call.batch_id, "ok"]);
        report.answered++;
      } else {
        const decision = line.status === null ? { kind: "batch" } : classifyError(APIError.generate(line.status, { error: { message: line.message } }, line.message, new Headers()));
        this.failLine(call, { status: line.status, message: line.message, kind: decision.kind });
        outcomes.push([call.key, call.batch_id, "failed"]);
        report.failed++;
      }
    }
    this.ledger.database.transaction(() => {
      for (const s of successes) this.ledger.recordSuccess(s);
      for (const [key, batchId, outcome] of outcomes) this.records.setOutcome(key, batchId, outcome);
    })();
    // A file batch is done once every call in it has come back.
    for (const b of this.records.openBatches("file")) {
      if (this.records.waitingIn(b.id) === 0) this.records.setStatus(b.id, "imported");
      else this.records.setStatus(b.id, b.status);
    }
    return report;
  }

  private failLine(call: { key: string; model: string; stage: string; request: string }, f: { status: number | null; message: string; kind: string }): void {
    this.ledger.recordFailure({ key: call.key, model: call.model, stage: call.stage, request: call.request, error: f.message, attempts: 1 });
    this.ledger.recordAttemptError({ key: call.key, attempt: 1, kind: f.kind, status: f.status, message: f.message });
  }

  /** Cancels every open OpenAI batch (what came back before the cancel is still imported by the next pass). */
  async cancel(): Promise<string[]> {
    const cancelled: string[] = [];
    for (const b of this.records.openBatches("openai")) {
      await this.sdkFor(b.base_url!, b.api_key_env!).batches.cancel(b.id);
      cancelled.push(b.id);
    }
    return cancelled;
  }

  private sdkFor(baseURL: string, apiKeyEnv: string): OpenAI {
    const id = `${baseURL}\n${apiKeyEnv}`;
    let sdk = this.sdks.get(id);
    if (!sdk) {
      const env = this.options.env ?? {};
      sdk = new OpenAI({ baseURL, apiKey: env[apiKeyEnv] || "not-needed", logLevel: "off",
        // No SDK retries: creating a batch twice would pay twice; a failed poll or upload is redone by the rerun.
        maxRetries: 0, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
      this.sdks.set(id, sdk);
    }
    return sdk;
  }
}

function emptyReport(): ImportReport {
  return { answered: 0, failed: 0, unknown: 0, bad: [] };
}

function merge(into: ImportReport, more: ImportReport): void {
  into.answered += more.answered;
  into.failed += more.failed;
  into.unknown += more.unknown;
  into.bad.push(...more.bad);
}
