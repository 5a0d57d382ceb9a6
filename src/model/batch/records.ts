/**
 * The batch record: which calls went out in which batch, kept in the call ledger's SQLite file (two tables of its
 * own, next to `calls`), so a rerun knows what is still waiting, what came back and what to poll.
 */
import type Database from "better-sqlite3";
import type { Ledger, StoredRequest } from "../ledger.js";

export type BatchMode = "openai" | "file";

export interface BatchRow {
  id: string;
  mode: BatchMode;
  /** The endpoint it was sent to (openai mode) and the name of the variable holding its key (never the key). */
  base_url: string | null;
  api_key_env: string | null;
  wave: number;
  /** The uploaded file's id (openai) or the written file's path (file). */
  input_file: string;
  requests: number;
  bytes: number;
  /** Share of the online price this batch is billed at (`--batch-discount`). */
  discount: number;
  /** The provider's status (validating, in_progress, completed, failed, expired, cancelled...), "submitting"
   * between the upload and the batch's creation (id: `submitting:<file id>`), "written" for a file batch, and
   * "imported" once its results are in the ledger. */
  status: string;
  output_file: string | null;
  error_file: string | null;
  answered: number;
  failed: number;
  created_at: string;
  updated_at: string;
}

export interface BatchCall {
  key: string;
  batch_id: string;
  model: string;
  stage: string;
  /** The canonical request, recorded in `calls` when the answer is imported (and then dropped here). */
  request: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  base_url TEXT,
  api_key_env TEXT,
  wave INTEGER NOT NULL,
  input_file TEXT NOT NULL,
  requests INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  discount REAL NOT NULL,
  status TEXT NOT NULL,
  output_file TEXT,
  error_file TEXT,
  answered INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS batch_calls (
  key TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  model TEXT NOT NULL,
  stage TEXT NOT NULL,
  request TEXT NOT NULL,
  -- NULL while waiting; ok, failed, or missing (the batch ended without a line for it)
  outcome TEXT,
  PRIMARY KEY (key, batch_id)
);
CREATE INDEX IF NOT EXISTS batch_calls_waiting ON batch_calls(batch_id) WHERE outcome IS NULL;
`;

/**
 * Columns added after the first batch_calls: the request columns of ledger format 2 (see ledger.ts); `line_sha`,
 * the first 16 bytes of the sha256 of the output line that gave the outcome (so importing a file again changes
 * nothing); `error`, this line's own error (the call's row in `calls` only keeps its latest).
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const columns = new Set((db.prepare("PRAGMA table_info(batch_calls)").all() as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has("request_z")) db.exec("ALTER TABLE batch_calls ADD COLUMN request_z BLOB; ALTER TABLE batch_calls ADD COLUMN request_dict INTEGER;");
    if (!columns.has("line_sha")) db.exec("ALTER TABLE batch_calls ADD COLUMN line_sha BLOB; ALTER TABLE batch_calls ADD COLUMN error TEXT;");
    db.exec("CREATE INDEX IF NOT EXISTS batch_calls_line ON batch_calls(line_sha) WHERE line_sha IS NOT NULL");
  }).immediate();
}

const CALL_COLUMNS = "key, batch_id, model, stage, request, request_z, request_dict";

/** Batches that can still change: not yet imported (a provider batch is marked ended only after its import). */
const OPEN = "status NOT IN ('imported', 'completed', 'failed', 'expired', 'cancelled')";

export interface BatchUsage {
  model: string;
  stage: string;
  discount: number;
  promptTokens: number;
  completionTokens: number;
}

export class BatchRecords {
  private readonly db: Database.Database;

  constructor(readonly ledger: Ledger) {
    this.db = ledger.database;
    this.db.exec(SCHEMA);
    migrate(this.db);
  }

  private toCall(row: BatchCall & StoredRequest): BatchCall {
    return { key: row.key, batch_id: row.batch_id, model: row.model, stage: row.stage, request: this.ledger.unpackRequest(row) };
  }

  /** Records a submitted batch and the calls in it, in one transaction. */
  addBatch(batch: Omit<BatchRow, "answered" | "failed" | "created_at" | "updated_at" | "output_file" | "error_file">, calls: readonly Omit<BatchCall, "batch_id">[]): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO batches (id, mode, base_url, api_key_env, wave, input_file, requests, bytes, discount, status)
           VALUES (@id, @mode, @base_url, @api_key_env, @wave, @input_file, @requests, @bytes, @discount, @status)`,
        )
        .run(batch);
      const insert = this.db.prepare(`INSERT OR REPLACE INTO batch_calls (${CALL_COLUMNS}, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`);
      for (const c of calls) {
        const stored = this.ledger.packRequest(c);
        insert.run(c.key, batch.id, c.model, c.stage, stored.request, stored.request_z, stored.request_dict);
      }
    })();
  }

  /** Copies the batches and batch calls of the ledger attached as `alias` (Ledger.importFrom), keeping rows already here. */
  importFrom(alias: string): void {
    const columns = (table: string) => (this.db.prepare(`PRAGMA ${alias}.table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    const batchColumns = columns("batches").join(", ");
    if (batchColumns) this.db.exec(`INSERT OR IGNORE INTO batches (${batchColumns}) SELECT ${batchColumns} FROM ${alias}.batches`);
    const callColumns = columns("batch_calls").join(", ");
    if (callColumns) this.db.exec(`INSERT OR IGNORE INTO batch_calls (${callColumns}) SELECT ${callColumns} FROM ${alias}.batch_calls`);
  }

  batch(id: string): BatchRow | undefined {
    return this.db.prepare("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined;
  }

  /** Gives a batch recorded under a provisional id its provider's id and status (its calls move with it). */
  rename(id: string, to: string, status: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE batches SET id = ?, status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(to, status, id);
      this.db.prepare("UPDATE batch_calls SET batch_id = ? WHERE batch_id = ?").run(to, id);
    })();
  }

  batches(): BatchRow[] {
    return this.db.prepare("SELECT * FROM batches ORDER BY wave, created_at, id").all() as BatchRow[];
  }

  openBatches(mode?: BatchMode): BatchRow[] {
    return (mode ? this.db.prepare(`SELECT * FROM batches WHERE ${OPEN} AND mode = ? ORDER BY wave, id`).all(mode) : this.db.prepare(`SELECT * FROM batches WHERE ${OPEN} ORDER BY wave, id`).all()) as BatchRow[];
  }

  nextWave(): number {
    return ((this.db.prepare("SELECT MAX(wave) AS w FROM batches").get() as { w: number | null }).w ?? 0) + 1;
  }

  setStatus(id: string, status: string, files: { output_file?: string | null; error_file?: string | null } = {}): void {
    this.db
      .prepare(
        `UPDATE batches SET status = @status, output_file = COALESCE(@output_file, output_file), error_file = COALESCE(@error_file, error_file),
           answered = (SELECT COUNT(*) FROM batch_calls WHERE batch_id = @id AND outcome = 'ok'),
           failed = (SELECT COUNT(*) FROM batch_calls WHERE batch_id = @id AND outcome IN ('failed', 'missing')),
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id`,
      )
      .run({ id, status, output_file: files.output_file ?? null, error_file: files.error_file ?? null });
  }

  /** Keys sent in a batch whose answer has not come back yet. */
  waitingKeys(): Set<string> {
    const rows = this.db.prepare(`SELECT key FROM batch_calls WHERE outcome IS NULL AND batch_id IN (SELECT id FROM batches WHERE ${OPEN})`).all() as Array<{ key: string }>;
    return new Set(rows.map((r) => r.key));
  }

  /** The waiting call with this key (in any open batch), to import its answer. */
  waitingCall(key: string): BatchCall | undefined {
    const row = this.db.prepare(`SELECT ${CALL_COLUMNS} FROM batch_calls WHERE key = ? AND outcome IS NULL ORDER BY rowid DESC LIMIT 1`).get(key) as (BatchCall & StoredRequest) | undefined;
    return row && this.toCall(row);
  }

  // Once a call has an outcome its request is in `calls` (answer or failure), so the copy here is dropped.
  setOutcome(key: string, batchId: string, outcome: "ok" | "failed", line: { sha: Buffer; error: string | null }): void {
    this.db
      .prepare("UPDATE batch_calls SET outcome = ?, line_sha = ?, error = ?, request = '', request_z = NULL, request_dict = NULL WHERE key = ? AND batch_id = ?")
      .run(outcome, line.sha, line.error, key, batchId);
  }

  /** Calls of a batch still without an answer: when the batch has ended, they will get none. */
  markMissing(batchId: string, error: string): number {
    return this.db
      .prepare("UPDATE batch_calls SET outcome = 'missing', error = ?, request = '', request_z = NULL, request_dict = NULL WHERE batch_id = ? AND outcome IS NULL")
      .run(error, batchId).changes;
  }

  /** Whether an output line with this sha (see setOutcome) was imported before. */
  lineImported(sha: Buffer): boolean {
    return this.db.prepare("SELECT 1 FROM batch_calls WHERE line_sha = ? LIMIT 1").get(sha) !== undefined;
  }

  /** Whether this run ever sent the call `key` in a batch (a custom_id it does not know is another run's). */
  sent(key: string): boolean {
    return this.db.prepare("SELECT 1 FROM batch_calls WHERE key = ? LIMIT 1").get(key) !== undefined;
  }

  waitingCallsIn(batchId: string): BatchCall[] {
    return (this.db.prepare(`SELECT ${CALL_COLUMNS} FROM batch_calls WHERE batch_id = ? AND outcome IS NULL`).all(batchId) as Array<BatchCall & StoredRequest>).map((r) => this.toCall(r));
  }

  /** How many batch rounds failed this call (failed lines and batches that ended without it). */
  failures(key: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM batch_calls WHERE key = ? AND outcome IN ('failed', 'missing')").get(key) as { n: number }).n;
  }

  /** Calls still waiting in one batch. */
  waitingIn(batchId: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM batch_calls WHERE batch_id = ? AND outcome IS NULL").get(batchId) as { n: number }).n;
  }

  /** Tokens answered per batch, for `mmif batch status`. */
  tokensByBatch(): Map<string, { promptTokens: number; completionTokens: number; model: string }> {
    const rows = this.db
      .prepare(
        `SELECT bc.batch_id AS id, MAX(c.model) AS model, SUM(c.prompt_tokens) AS promptTokens, SUM(c.completion_tokens) AS completionTokens
         FROM batch_calls bc JOIN calls c ON c.key = bc.key AND c.status = 'ok' WHERE bc.outcome = 'ok' GROUP BY bc.batch_id`,
      )
      .all() as Array<{ id: string; model: string; promptTokens: number; completionTokens: number }>;
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * Failed batch lines, newest first: the call, its batch, that line's error (a row from before the `error` column:
   * the call's latest error) and whether a later wave answered the call.
   */
  failedCalls(limit: number): Array<{ key: string; batch_id: string; stage: string; model: string; error: string | null; answered_later: boolean }> {
    const rows = this.db
      .prepare(
        `SELECT bc.key, bc.batch_id, bc.stage, bc.model, COALESCE(bc.error, c.error) AS error, COALESCE(c.status = 'ok', 0) AS answered_later
         FROM batch_calls bc LEFT JOIN calls c ON c.key = bc.key
         WHERE bc.outcome IN ('failed', 'missing') ORDER BY bc.rowid DESC LIMIT ?`,
      )
      .all(limit) as Array<{ key: string; batch_id: string; stage: string; model: string; error: string | null; answered_later: number }>;
    return rows.map((r) => ({ ...r, answered_later: r.answered_later === 1 }));
  }

  /** Tokens of the successful calls answered by a batch, per model, stage and discount: paid at the batch price. */
  batchUsage(): BatchUsage[] {
    return this.db
      .prepare(
        `SELECT c.model, c.stage, b.discount, SUM(c.prompt_tokens) AS promptTokens, SUM(c.completion_tokens) AS completionTokens
         FROM calls c JOIN batch_calls bc ON bc.key = c.key AND bc.outcome = 'ok' JOIN batches b ON b.id = bc.batch_id
         WHERE c.status = 'ok' GROUP BY c.model, c.stage, b.discount`,
      )
      .all() as BatchUsage[];
  }
}
