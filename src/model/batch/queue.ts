/**
 * Batch inference through the ledger. In batch mode a call the ledger lacks is not sent: its wire body becomes a
 * line of a batch input file (custom_id = the ledger key) and the caller hears "no answer yet". At the end of a
 * pass the lines are submitted (OpenAI Files + Batches API, through the SDK) or written for an offline engine
 * (vLLM's run_batch); the next pass first collects finished batches into the ledger, where the calls are then
 * ordinary recorded answers. Failed lines are recorded and resubmitted in the next wave, up to the endpoint's
 * attempt limit; a permanent error (a 4xx other than 408/409/429) ends the call as it would online.
 */
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { readLines } from "../../io/lines.js";
import OpenAI, { APIError, toFile } from "openai";
import { readAnswer, type Answer } from "../answer.js";
import { classifyError } from "../classify.js";
import type { Endpoint } from "../endpoint.js";
import { CallPendingError, ModelCallError } from "../errors.js";
import type { Ledger } from "../ledger.js";
import type { CallContext, ChatRequest } from "../types.js";
import { BATCH_URL, FileSplitter, inputLine, parseOutputLine, type BatchFile } from "./format.js";
import { BatchRecords, type BatchCall, type BatchMode, type BatchRow } from "./records.js";

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
  /** Lines for calls of this run that are not waiting (answered by another line or an earlier import). */
  unknown: number;
  /** Lines skipped because the same line was imported before (the same file imported twice) or repeats in the text. */
  repeated: number;
  /** Lines whose custom_id is no call this run ever sent in a batch: another run's output. Not imported. */
  foreign: Array<{ line: number; customId: string }>;
  /** Lines that are not batch output lines, with their line number. */
  bad: Array<{ line: number; error: string }>;
}

interface Group {
  endpoint: Endpoint;
  splitter: FileSplitter;
  calls: Array<{ key: string; model: string; stage: string; request: string; part: number }>;
}

/** The id a batch is recorded under between its upload and its creation: this prefix and the uploaded file's id. */
const SUBMITTING = "submitting:";

/** Provider states after which a batch changes no more. */
const ENDED = new Set(["completed", "failed", "expired", "cancelled"]);

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}

/** Lines recorded per transaction while importing (bounds the answers held before they are written). */
const IMPORT_CHUNK = 500;

type ImportedLine =
  | { call: BatchCall; sha: Buffer; answer: Answer }
  | { call: BatchCall; sha: Buffer; failure: { status: number | null; message: string; kind: string } };

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
    let body: unknown;
    try {
      body = await caller.wireBody(request);
    } catch (e) {
      // Not in the wave after all (an image that hashes but cannot be prepared): the call fails, it is not pending.
      this.deferred.delete(key);
      throw e;
    }
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

  /**
   * Sends (openai) or writes (file) this pass's deferred calls, one batch per file; records them in the ledger.
   * openai: the uploaded file is recorded (status `submitting`, its calls waiting) before the batch is created, so
   * a process killed, or a reply lost, between the creation and its record is found again by the next pass
   * ({@link adoptSubmitting}) instead of being sent and paid for a second time.
   */
  async submit(): Promise<SubmitReport> {
    const report: SubmitReport = { calls: 0, batches: 0, files: [] };
    for (const group of this.groups.values()) {
      const files = group.splitter.files();
      for (const [i, file] of files.entries()) {
        const calls = group.calls.filter((c) => c.part === i + 1);
        const openai = this.options.mode === "openai";
        const inputFile = openai ? await this.upload(group.endpoint, file) : file.path;
        const id = openai ? `${SUBMITTING}${inputFile}` : `file:${relative(this.options.dir, file.path)}`;
        this.records.addBatch(
          {
            id,
            mode: this.options.mode,
            base_url: openai ? group.endpoint.baseURL : null,
            api_key_env: openai ? group.endpoint.apiKeyEnv : null,
            wave: this.wave,
            input_file: inputFile,
            requests: file.requests,
            bytes: file.bytes,
            discount: this.options.discount,
            status: openai ? "submitting" : "written",
          },
          calls,
        );
        if (openai) {
          await this.create(this.records.batch(id)!);
          // The uploaded copy is the provider's now.
          rmSync(file.path, { force: true });
        } else {
          // A file batch is the user's to run.
          report.files.push(file.path);
        }
        report.batches++;
        report.calls += calls.length;
      }
    }
    this.groups = new Map();
    return report;
  }

  private async upload(endpoint: Endpoint, file: BatchFile): Promise<string> {
    const sdk = this.sdkFor(endpoint.baseURL, endpoint.apiKeyEnv);
    return (await sdk.files.create({ file: await toFile(createReadStream(file.path), basename(file.path)), purpose: "batch" })).id;
  }

  /** Creates the batch of an uploaded file recorded as `submitting`, and records its id (returned). */
  private async create(b: BatchRow): Promise<string> {
    const sdk = this.sdkFor(b.base_url!, b.api_key_env!);
    const batch = await sdk.batches.create({ input_file_id: b.input_file, endpoint: BATCH_URL, completion_window: "24h", metadata: { created_by: "mmif", wave: String(b.wave) } });
    this.records.rename(b.id, batch.id, batch.status);
    return batch.id;
  }

  /**
   * A batch recorded as `submitting` (its creation was not recorded: the process died, or the reply was lost): the
   * provider's batch of that input file if it exists (its list, newest first, back to a day before the record),
   * else it is created now.
   */
  private async adoptSubmitting(b: BatchRow): Promise<string> {
    const sdk = this.sdkFor(b.base_url!, b.api_key_env!);
    const since = Date.parse(b.created_at) / 1000 - 86_400;
    for await (const batch of sdk.batches.list({ limit: 100 })) {
      if (batch.input_file_id === b.input_file) {
        this.records.rename(b.id, batch.id, batch.status);
        return batch.id;
      }
      if (batch.created_at < since) break;
    }
    return this.create(b);
  }

  /** Polls every open OpenAI batch; imports the output and error files of those that ended. */
  async collect(): Promise<ImportReport> {
    const report = emptyReport();
    for (const open of this.records.openBatches("openai")) {
      const b = open.status === "submitting" ? { ...open, id: await this.adoptSubmitting(open) } : open;
      const sdk = this.sdkFor(b.base_url!, b.api_key_env!);
      const batch = await sdk.batches.retrieve(b.id);
      if (!ENDED.has(batch.status)) {
        this.records.setStatus(b.id, batch.status);
        continue;
      }
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        // Streamed: an output file of 50,000 answers can pass the largest string V8 can hold.
        const body = (await sdk.files.content(fileId)).body;
        if (body) merge(report, await this.importLines(readLines(Readable.fromWeb(body as WebReadableStream))));
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
    this.ledger.database.transaction(() => {
      for (const c of missing) this.recordLineFailure(c, { status: null, message, kind: "batch" });
      this.records.markMissing(batchId, message);
    })();
    return missing.length;
  }

  /**
   * Reads batch output (or error) lines into the ledger: an answer is recorded as the call's success, exactly as
   * an online answer would be; a failed line as a failure with its error. The lines are streamed and recorded a few
   * hundred at a time (one transaction each), so an output file of any size is never held whole; a process killed
   * meanwhile leaves whole chunks imported, and importing the file again finishes the job: a line imported before
   * (the same bytes: a file imported twice) changes nothing, so an old failed line never fails the call's
   * resubmission in a later wave. Used by `mmif batch import` too.
   */
  async importLines(lines: AsyncIterable<{ line: number; text: string }> | Iterable<{ line: number; text: string }>): Promise<ImportReport> {
    const report = emptyReport();
    const taken = new Set<string>();
    const seen = new Set<string>();
    let results: ImportedLine[] = [];
    for await (const { line: number, text } of lines) {
      const trimmed = text.trim();
      if (trimmed === "") continue;
      const sha = createHash("sha256").update(trimmed).digest().subarray(0, 16);
      if (seen.has(sha.toString("hex")) || this.records.lineImported(sha)) {
        report.repeated++;
        continue;
      }
      seen.add(sha.toString("hex"));
      const line = parseOutputLine(trimmed);
      if (typeof line === "string") {
        report.bad.push({ line: number, error: line });
        continue;
      }
      const call = taken.has(line.key) ? undefined : this.records.waitingCall(line.key);
      if (!call) {
        if (this.records.sent(line.key)) report.unknown++;
        else report.foreign.push({ line: number, customId: line.key });
        continue;
      }
      taken.add(line.key);
      if (line.ok) {
        try {
          results.push({ call, sha, answer: readAnswer(line.completion) });
          report.answered++;
        } catch (e) {
          results.push({ call, sha, failure: { status: null, message: (e as Error).message, kind: "bad-response" } });
          report.failed++;
        }
      } else {
        const decision = line.status === null ? { kind: "batch" } : classifyError(APIError.generate(line.status, { error: { message: line.message } }, line.message, new Headers()));
        results.push({ call, sha, failure: { status: line.status, message: line.message, kind: decision.kind } });
        report.failed++;
      }
      if (results.length >= IMPORT_CHUNK) {
        this.recordImported(results);
        results = [];
      }
    }
    this.recordImported(results);
    // A file batch is done once every call in it has come back.
    for (const b of this.records.openBatches("file")) {
      if (this.records.waitingIn(b.id) === 0) this.records.setStatus(b.id, "imported");
      else this.records.setStatus(b.id, b.status);
    }
    return report;
  }

  /** {@link importLines} of a text held whole (a test's few lines). */
  importText(text: string): Promise<ImportReport> {
    return this.importLines(text.split("\n").map((t, i) => ({ line: i + 1, text: t })));
  }

  private recordImported(results: readonly ImportedLine[]): void {
    this.ledger.database.transaction(() => {
      for (const r of results) {
        const { call, sha } = r;
        if ("answer" in r) {
          this.ledger.recordSuccess({ key: call.key, model: call.model, stage: call.stage, request: call.request, ...r.answer, latencyMs: 0, attempts: 1 });
          this.records.setOutcome(call.key, call.batch_id, "ok", { sha, error: null });
        } else {
          this.recordLineFailure(call, r.failure);
          this.records.setOutcome(call.key, call.batch_id, "failed", { sha, error: r.failure.message });
        }
      }
    })();
  }

  private recordLineFailure(call: BatchCall, f: { status: number | null; message: string; kind: string }): void {
    this.ledger.recordFailure({ key: call.key, model: call.model, stage: call.stage, request: call.request, error: f.message, attempts: 1 });
    this.ledger.recordAttemptError({ key: call.key, attempt: 1, kind: f.kind, status: f.status, message: f.message });
  }

  /** Cancels every open OpenAI batch (what came back before the cancel is still imported by the next pass). */
  async cancel(): Promise<string[]> {
    const cancelled: string[] = [];
    for (const b of this.records.openBatches("openai")) {
      const id = b.status === "submitting" ? await this.adoptSubmitting(b) : b.id;
      await this.sdkFor(b.base_url!, b.api_key_env!).batches.cancel(id);
      cancelled.push(id);
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
  return { answered: 0, failed: 0, unknown: 0, repeated: 0, foreign: [], bad: [] };
}

function merge(into: ImportReport, more: ImportReport): void {
  into.answered += more.answered;
  into.failed += more.failed;
  into.unknown += more.unknown;
  into.repeated += more.repeated;
  into.foreign.push(...more.foreign);
  into.bad.push(...more.bad);
}
