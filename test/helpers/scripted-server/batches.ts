// The Files and Batches endpoints of the scripted server: upload (multipart, purpose "batch"), file content, batch
// create / retrieve / cancel / list. A batch moves one step per retrieve: validating → in_progress → completed
// (or cancelling → cancelled); on completion every input line is answered by the same queue and script as an
// online request, so a batch and an online call of the same request get the same reply.
import type { IncomingMessage, ServerResponse } from "node:http";
import { buildCompletion, defaultErrorBody, echoScript, errorBody, normalizeReply } from "./replies.js";
import type { RecordedRequest, ScriptedReply } from "./types.js";

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  text: string;
}

export interface StoredBatch {
  id: string;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  status: "validating" | "in_progress" | "finalizing" | "completed" | "failed" | "expired" | "cancelling" | "cancelled";
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  metadata: Record<string, string> | null;
  request_counts: { total: number; completed: number; failed: number };
  errors: { object: "list"; data: Array<{ code: string; message: string; line: number | null }> } | null;
}

export interface BatchApiHooks {
  /** The next one-shot queued reply, if any (shared with online requests). */
  takeQueued(): ScriptedReply | undefined;
  /** The current script, called with a pseudo request for each batch line. */
  script(req: RecordedRequest): Promise<ScriptedReply>;
  /** Retrieves a batch needs before it completes (default 2: validating → in_progress → completed). */
  stepsToComplete: number;
}

const now = () => Math.floor(Date.now() / 1000);

export class BatchApi {
  readonly files = new Map<string, StoredFile>();
  readonly batches = new Map<string, StoredBatch>();
  /** Every batch line answered, as the script saw it. */
  readonly lines: RecordedRequest[] = [];
  private readonly steps = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly hooks: BatchApiHooks) {}

  handles(path: string): boolean {
    return path === "/v1/files" || path.startsWith("/v1/files/") || path === "/v1/batches" || path.startsWith("/v1/batches/");
  }

  /** Answers one Files/Batches request: status and JSON (or text for file content). */
  async handle(method: string, path: string, req: IncomingMessage, raw: Buffer): Promise<{ status: number; text: string; contentType?: string }> {
    const json = (status: number, value: unknown) => ({ status, text: JSON.stringify(value) });
    const notFound = (what: string) => json(404, errorBody(`No such ${what}`, "invalid_request_error", null));
    const parts = path.split("/").filter(Boolean); // ["v1", "files" | "batches", id?, action?]
    if (parts[1] === "files") {
      if (method === "POST" && parts.length === 2) return this.upload(req, raw).then((f) => json(200, fileObject(f)));
      const file = this.files.get(parts[2] ?? "");
      if (!file) return notFound("file");
      if (method === "GET" && parts[3] === "content") return { status: 200, text: file.text, contentType: "application/octet-stream" };
      if (method === "GET" && parts.length === 3) return json(200, fileObject(file));
      return notFound("route");
    }
    if (method === "POST" && parts.length === 2) {
      const body = JSON.parse(raw.toString("utf8") || "{}") as { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: Record<string, string> };
      const input = this.files.get(body.input_file_id ?? "");
      if (!input) return json(400, errorBody(`input_file_id ${body.input_file_id} not found`, "invalid_request_error"));
      if (body.endpoint !== "/v1/chat/completions") return json(400, errorBody(`unsupported endpoint ${body.endpoint}`, "invalid_request_error"));
      const total = input.text.split("\n").filter((l) => l.trim() !== "").length;
      const batch: StoredBatch = {
        id: `batch_scripted_${this.nextId++}`,
        input_file_id: input.id,
        endpoint: body.endpoint,
        completion_window: body.completion_window ?? "24h",
        status: "validating",
        output_file_id: null,
        error_file_id: null,
        created_at: now(),
        metadata: body.metadata ?? null,
        request_counts: { total, completed: 0, failed: 0 },
        errors: null,
      };
      this.batches.set(batch.id, batch);
      this.steps.set(batch.id, 0);
      return json(200, batchObject(batch));
    }
    if (method === "GET" && parts.length === 2) return json(200, { object: "list", data: [...this.batches.values()].map(batchObject), has_more: false });
    const batch = this.batches.get(parts[2] ?? "");
    if (!batch) return notFound("batch");
    if (method === "POST" && parts[3] === "cancel") {
      if (batch.status === "validating" || batch.status === "in_progress") batch.status = "cancelling";
      return json(200, batchObject(batch));
    }
    if (method === "GET" && parts.length === 3) {
      await this.advance(batch);
      return json(200, batchObject(batch));
    }
    return notFound("route");
  }

  private async upload(req: IncomingMessage, raw: Buffer): Promise<StoredFile> {
    const form = await new Request("http://scripted/upload", { method: "POST", headers: { "content-type": String(req.headers["content-type"]) }, body: raw }).formData();
    const file = form.get("file") as File | null;
    const stored: StoredFile = { id: `file-scripted-${this.nextId++}`, filename: file?.name ?? "upload.jsonl", purpose: String(form.get("purpose") ?? ""), text: file ? await file.text() : "" };
    this.files.set(stored.id, stored);
    return stored;
  }

  private store(filename: string, lines: string[]): string | null {
    if (lines.length === 0) return null;
    const f: StoredFile = { id: `file-scripted-${this.nextId++}`, filename, purpose: "batch_output", text: lines.join("\n") + "\n" };
    this.files.set(f.id, f);
    return f.id;
  }

  private async advance(batch: StoredBatch): Promise<void> {
    if (batch.status === "cancelling") {
      batch.status = "cancelled";
      return;
    }
    if (batch.status !== "validating" && batch.status !== "in_progress") return;
    const step = (this.steps.get(batch.id) ?? 0) + 1;
    this.steps.set(batch.id, step);
    if (step < this.hooks.stepsToComplete) {
      batch.status = "in_progress";
      return;
    }
    const out: string[] = [];
    const errors: string[] = [];
    const input = this.files.get(batch.input_file_id)!;
    for (const text of input.text.split("\n")) {
      if (text.trim() === "") continue;
      const line = JSON.parse(text) as { custom_id: string; body: Record<string, unknown> };
      const bodyText = JSON.stringify(line.body);
      const record: RecordedRequest = {
        index: this.lines.length,
        method: "POST",
        path: "/v1/chat/completions",
        headers: {},
        body: line.body,
        bodyBytes: Buffer.byteLength(bodyText),
        model: typeof line.body["model"] === "string" ? line.body["model"] : undefined,
        receivedAt: performance.now(),
      };
      this.lines.push(record);
      let reply: ScriptedReply;
      try {
        reply = this.hooks.takeQueued() ?? (await this.hooks.script(record));
      } catch (e) {
        reply = { status: 500, body: errorBody(`scripted server: the script threw: ${(e as Error).message}`, "server_error") };
      }
      const requestId = `req_batch_${record.index}`;
      const id = `batch_req_${record.index}`;
      if (reply.fault) {
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code: "server_error", message: `scripted fault: ${reply.fault}` } }));
      } else if ((reply.status ?? 200) >= 400) {
        const status = reply.status!;
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: status, request_id: requestId, body: reply.body ?? defaultErrorBody(status) }, error: null }));
      } else {
        const content = reply.content !== undefined ? reply.content : (normalizeReply(await echoScript(record)).content ?? null);
        const body = reply.body ?? buildCompletion(record, reply, content);
        out.push(JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: 200, request_id: requestId, body }, error: null }));
      }
    }
    batch.request_counts = { total: out.length + errors.length, completed: out.length, failed: errors.length };
    batch.output_file_id = this.store(`${batch.id}_output.jsonl`, out);
    batch.error_file_id = this.store(`${batch.id}_error.jsonl`, errors);
    batch.status = "completed";
  }
}

function fileObject(f: StoredFile) {
  return { id: f.id, object: "file", bytes: Buffer.byteLength(f.text), created_at: now(), filename: f.filename, purpose: f.purpose, status: "processed" };
}

function batchObject(b: StoredBatch) {
  return { object: "batch", ...b, in_progress_at: null, expires_at: b.created_at + 86_400, completed_at: b.status === "completed" ? now() : null };
}
