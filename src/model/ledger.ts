/**
 * The call ledger: one SQLite file (WAL) recording every model call by its request key. It is the only cache and
 * the resume record: a successful call is never sent again, and a process killed with SIGKILL loses at most the
 * calls that were in flight (each success is committed the moment it arrives).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { RequestPacker } from "./ledger-requests.js";
import type { TokenUsage } from "./types.js";

export interface LedgerEntry {
  key: string;
  model: string;
  stage: string;
  status: "ok" | "failed";
  content: string | null;
  finishReason: string | null;
  usage: TokenUsage;
  latencyMs: number;
  attempts: number;
  error: string | null;
}

export interface SuccessRecord {
  key: string;
  model: string;
  stage: string;
  request: string;
  content: string;
  finishReason: string | null;
  usage: TokenUsage;
  latencyMs: number;
  attempts: number;
}

export interface FailureRecord {
  key: string;
  model: string;
  stage: string;
  request: string;
  error: string;
  attempts: number;
}

/** The request columns of a row (of `calls` or `batch_calls`). */
export interface StoredRequest {
  request: string;
  request_z: Buffer | null;
  request_dict: number | null;
}

export interface AttemptErrorRecord {
  key: string;
  attempt: number;
  kind: string;
  status: number | null;
  message: string;
}

export interface UsageTotal {
  model: string;
  stage: string;
  calls: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  request TEXT NOT NULL,
  content TEXT,
  finish_reason TEXT,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS attempt_errors (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  kind TEXT NOT NULL,
  status INTEGER,
  message TEXT NOT NULL,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS attempt_errors_key ON attempt_errors(key);
`;

/**
 * Format 2 (PRAGMA user_version): a request is stored deflated in `request_z` against the dictionary
 * `request_dict` (ledger-requests.ts), with `request` left empty. Rows of a format-1 ledger keep their request
 * JSON in `request` and stay readable; the columns are added when such a ledger is opened.
 */
export const LEDGER_FORMAT = 2;

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const columns = new Set((db.prepare("PRAGMA table_info(calls)").all() as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has("request_z")) db.exec("ALTER TABLE calls ADD COLUMN request_z BLOB; ALTER TABLE calls ADD COLUMN request_dict INTEGER;");
    if ((db.pragma("user_version", { simple: true }) as number) < LEDGER_FORMAT) db.pragma(`user_version = ${LEDGER_FORMAT}`);
  }).immediate();
}

/**
 * The bytes of the database at `path` with everything committed, read without writing beside it: a read-only
 * connection to a WAL database makes its -wal and -shm files when they are missing and cannot remove them, so
 * that is done only when they exist (a run is working, or was killed); otherwise the file alone holds every
 * commit. The copy is marked as a rollback-journal database (header bytes 18–19), as an in-memory one must be.
 */
function snapshotBytes(path: string): Buffer | undefined {
  if (!existsSync(path)) return undefined;
  let bytes: Buffer;
  if (existsSync(`${path}-wal`)) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      bytes = db.serialize();
    } finally {
      db.close();
    }
  } else bytes = readFileSync(path);
  if (bytes.length >= 20) bytes[18] = bytes[19] = 1;
  return bytes;
}

interface Row {
  key: string;
  model: string;
  stage: string;
  status: "ok" | "failed";
  content: string | null;
  finish_reason: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms: number;
  attempts: number;
  error: string | null;
}

function toEntry(r: Row): LedgerEntry {
  return {
    key: r.key,
    model: r.model,
    stage: r.stage,
    status: r.status,
    content: r.content,
    finishReason: r.finish_reason,
    usage: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens },
    latencyMs: r.latency_ms,
    attempts: r.attempts,
    error: r.error,
  };
}

export class Ledger {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly successStmt: Database.Statement;
  private readonly failureStmt: Database.Statement;
  private readonly attemptStmt: Database.Statement;
  private readonly requestStmt: Database.Statement<[string], StoredRequest>;
  private readonly commitBatch: (records: readonly SuccessRecord[]) => void;
  private readonly packer: RequestPacker;
  private pending: Array<{ record: SuccessRecord; resolve: () => void; reject: (e: unknown) => void }> = [];

  /**
   * Opens (creating if needed) the ledger at `path`; ":memory:" gives a throwaway one. `snapshot`: a copy in memory
   * of what the file holds (empty when there is none), for a dry run, which must leave the file as it is.
   */
  constructor(
    readonly path: string,
    options: { snapshot?: boolean } = {},
  ) {
    if (options.snapshot) this.db = new Database(snapshotBytes(path) ?? ":memory:");
    else {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
    }
    // NORMAL in WAL mode: a committed call survives the process being killed (not a power cut), at far less cost.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    migrate(this.db);
    this.packer = new RequestPacker(this.db);
    this.requestStmt = this.db.prepare("SELECT request, request_z, request_dict FROM calls WHERE key = ?");
    this.getStmt = this.db.prepare("SELECT * FROM calls WHERE key = ?");
    // A success replaces an earlier failure of the same request; a failure never overwrites a success.
    this.successStmt = this.db.prepare(`
      INSERT INTO calls (key, model, stage, status, request, request_z, request_dict, content, finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, error)
      VALUES (@key, @model, @stage, 'ok', '', @requestZ, @requestDict, @content, @finishReason, @promptTokens, @completionTokens, @latencyMs, @attempts, NULL)
      ON CONFLICT(key) DO UPDATE SET status = 'ok', stage = excluded.stage, content = excluded.content,
        finish_reason = excluded.finish_reason, prompt_tokens = excluded.prompt_tokens,
        completion_tokens = excluded.completion_tokens, latency_ms = excluded.latency_ms,
        attempts = calls.attempts + excluded.attempts, error = NULL,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      WHERE calls.status <> 'ok'`);
    this.failureStmt = this.db.prepare(`
      INSERT INTO calls (key, model, stage, status, request, request_z, request_dict, attempts, error)
      VALUES (@key, @model, @stage, 'failed', '', @requestZ, @requestDict, @attempts, @error)
      ON CONFLICT(key) DO UPDATE SET attempts = calls.attempts + excluded.attempts, error = excluded.error,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      WHERE calls.status <> 'ok'`);
    this.attemptStmt = this.db.prepare(
      "INSERT INTO attempt_errors (key, attempt, kind, status, message) VALUES (@key, @attempt, @kind, @status, @message)",
    );
    this.commitBatch = this.db.transaction((records: readonly SuccessRecord[]) => {
      for (const r of records) this.recordSuccess(r);
    });
  }

  /**
   * The SQLite handle, for the batch record (batch/records.ts), which keeps its own tables in the same file.
   * @internal left out of the published types, which then need no @types/better-sqlite3 (a dev dependency)
   */
  get database(): Database.Database {
    return this.db;
  }

  get(key: string): LedgerEntry | undefined {
    const row = this.getStmt.get(key);
    return row === undefined ? undefined : toEntry(row);
  }

  /** The recorded successful answer for `key`, if any. */
  getSuccess(key: string): LedgerEntry | undefined {
    const entry = this.get(key);
    return entry?.status === "ok" ? entry : undefined;
  }

  /** The canonical request JSON recorded for `key` (either format), for diagnostics. */
  request(key: string): string | undefined {
    const row = this.requestStmt.get(key);
    return row && this.unpackRequest(row);
  }

  /** A request as stored (format 2: deflated; format 1: `request` itself) → its JSON. Used by batch/records.ts too. */
  unpackRequest(row: StoredRequest): string {
    return row.request_z === null || row.request_dict === null ? row.request : this.packer.unpack({ z: row.request_z, dict: row.request_dict });
  }

  /** A request's JSON → how it is stored: `request` empty, the JSON deflated against its stage's dictionary. */
  packRequest(r: { model: string; stage: string; request: string }): StoredRequest {
    const p = this.packer.pack(r.model, r.stage, r.request);
    return { request: "", request_z: p.z, request_dict: p.dict };
  }

  private packed(r: { model: string; stage: string; request: string }): { requestZ: Buffer; requestDict: number } {
    const p = this.packRequest(r);
    return { requestZ: p.request_z!, requestDict: p.request_dict! };
  }

  recordSuccess(r: SuccessRecord): void {
    this.successStmt.run({
      key: r.key,
      model: r.model,
      stage: r.stage,
      ...this.packed(r),
      content: r.content,
      finishReason: r.finishReason,
      promptTokens: r.usage.promptTokens,
      completionTokens: r.usage.completionTokens,
      latencyMs: r.latencyMs,
      attempts: r.attempts,
    });
  }

  /**
   * Records a success together with every other success that arrives in the same turn of the event loop, in one
   * transaction (group commit: one commit per burst instead of one per call). Resolves once it is committed, so
   * a caller never acts on an answer the ledger could still lose.
   */
  commitSuccess(record: SuccessRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ record, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      this.commitBatch(batch.map((p) => p.record));
      this.packer.settle();
      for (const p of batch) p.resolve();
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }

  /** A call that ran out of attempts or hit a permanent error; a later run may still succeed and replace it. */
  recordFailure(r: FailureRecord): void {
    this.failureStmt.run({ key: r.key, model: r.model, stage: r.stage, attempts: r.attempts, error: r.error, ...this.packed(r) });
  }

  recordAttemptError(r: AttemptErrorRecord): void {
    this.attemptStmt.run(r);
  }

  attemptErrors(key: string): AttemptErrorRecord[] {
    return this.db.prepare("SELECT key, attempt, kind, status, message FROM attempt_errors WHERE key = ? ORDER BY id").all(key) as AttemptErrorRecord[];
  }

  /** Calls, failures and tokens per model and stage (tokens of successful calls only: those were paid for). */
  usageTotals(): UsageTotal[] {
    return this.db
      .prepare(
        `SELECT model, stage, SUM(status = 'ok') AS calls, SUM(status = 'failed') AS failed,
           SUM(CASE WHEN status = 'ok' THEN prompt_tokens ELSE 0 END) AS promptTokens,
           SUM(CASE WHEN status = 'ok' THEN completion_tokens ELSE 0 END) AS completionTokens
         FROM calls GROUP BY model, stage ORDER BY model, stage`,
      )
      .all() as UsageTotal[];
  }

  /**
   * Adds the calls of another ledger file (a shard's, for `mmif merge`): a call this ledger lacks is copied, a
   * success replaces a failure, a success already here stays; attempt errors are copied once. Safe to repeat.
   * Tables of the batch record are copied by BatchRecords.importFrom while the file is attached as `alias`.
   */
  importFrom(path: string, alsoAttached: (alias: string) => void = () => {}): void {
    const alias = "merged_from";
    this.db.prepare(`ATTACH DATABASE ? AS ${alias}`).run(path);
    try {
      const has = (table: string) => this.db.prepare(`SELECT 1 FROM ${alias}.sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
      const columns = new Set((this.db.prepare(`PRAGMA ${alias}.table_info(calls)`).all() as Array<{ name: string }>).map((c) => c.name));
      // A format-1 file keeps its requests in `request`; a format-2 one deflated against request_dicts, whose ids
      // are content hashes (ledger-requests.ts), so copied rows point at the same dictionary here.
      const packed = columns.has("request_z") ? "request_z, request_dict" : "NULL, NULL";
      this.db.transaction(() => {
        if (has("request_dicts")) this.db.exec(`INSERT OR IGNORE INTO request_dicts (id, model, stage, dict) SELECT id, model, stage, dict FROM ${alias}.request_dicts`);
        this.db.exec(`
          INSERT INTO calls (key, model, stage, status, request, request_z, request_dict, content, finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, error, created_at, updated_at)
            SELECT key, model, stage, status, request, ${packed}, content, finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, error, created_at, updated_at
            FROM ${alias}.calls WHERE true
          ON CONFLICT(key) DO UPDATE SET status = excluded.status, stage = excluded.stage, request = excluded.request, request_z = excluded.request_z,
            request_dict = excluded.request_dict, content = excluded.content, finish_reason = excluded.finish_reason,
            prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, latency_ms = excluded.latency_ms,
            attempts = excluded.attempts, error = NULL, updated_at = excluded.updated_at
          WHERE calls.status <> 'ok' AND excluded.status = 'ok';
          INSERT INTO attempt_errors (key, attempt, kind, status, message, at)
            SELECT s.key, s.attempt, s.kind, s.status, s.message, s.at FROM ${alias}.attempt_errors s
            WHERE NOT EXISTS (SELECT 1 FROM attempt_errors a WHERE a.key = s.key AND a.attempt = s.attempt AND a.at = s.at AND a.message = s.message);`);
        alsoAttached(alias);
      })();
    } finally {
      this.db.exec(`DETACH DATABASE ${alias}`);
    }
  }

  count(status?: "ok" | "failed"): number {
    const row = (status === undefined
      ? this.db.prepare("SELECT COUNT(*) AS n FROM calls").get()
      : this.db.prepare("SELECT COUNT(*) AS n FROM calls WHERE status = ?").get(status)) as { n: number };
    return row.n;
  }

  close(): void {
    if (this.pending.length > 0) this.flush();
    if (this.db.open) this.db.close();
  }
}
