/**
 * Canonical requests as the call ledger stores them. Every call of a stage repeats the same prompt text around a
 * little of its own (a task, an answer, an image hash), so a request is deflated against a dictionary: the first
 * request of its model and stage the ledger saw, kept once in `request_dicts`. That stores a ~1.5 KB request in
 * ~300 bytes. A dictionary's id is a prefix of its sha256, not a row counter, so rows copied between ledgers
 * (merging shards) keep pointing at the right dictionary once `request_dicts` is copied along (INSERT OR IGNORE).
 */
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type Database from "better-sqlite3";

/** A request deflated (raw deflate) against the dictionary `dict` of `request_dicts`. */
export interface PackedRequest {
  z: Buffer;
  dict: number;
}

export const REQUEST_DICTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS request_dicts (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  stage TEXT NOT NULL,
  dict BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS request_dicts_stage ON request_dicts(model, stage);
`;

/** 52 bits of the dictionary's sha256: a safe integer, so SQLite and JavaScript agree on it. */
function dictId(dict: Buffer): number {
  return parseInt(createHash("sha256").update(dict).digest("hex").slice(0, 13), 16);
}

export class RequestPacker {
  /** A stage's dictionary; `committed` once it was seen in the file outside a transaction (a rollback can no
   * longer take it away). Until then every pack checks the row is there and writes it again if it is not. */
  private readonly byStage = new Map<string, { id: number; dict: Buffer; committed: boolean }>();
  private readonly byId = new Map<number, Buffer>();
  private readonly findStmt: Database.Statement<[string, string], { id: number; dict: Buffer }>;
  private readonly getStmt: Database.Statement<[number], { dict: Buffer }>;
  private readonly existsStmt: Database.Statement<[number], { id: number }>;
  private readonly insertStmt: Database.Statement<[number, string, string, Buffer]>;

  constructor(private readonly db: Database.Database) {
    db.exec(REQUEST_DICTS_SCHEMA);
    this.findStmt = db.prepare("SELECT id, dict FROM request_dicts WHERE model = ? AND stage = ? ORDER BY rowid LIMIT 1");
    this.getStmt = db.prepare("SELECT dict FROM request_dicts WHERE id = ?");
    this.existsStmt = db.prepare("SELECT id FROM request_dicts WHERE id = ?");
    this.insertStmt = db.prepare("INSERT OR IGNORE INTO request_dicts (id, model, stage, dict) VALUES (?, ?, ?, ?)");
  }

  /** Deflates `request`; the first request of a model and stage becomes that stage's dictionary. */
  pack(model: string, stage: string, request: string): PackedRequest {
    const stageKey = `${model}\0${stage}`;
    let entry = this.byStage.get(stageKey);
    if (!entry) {
      const found = this.findStmt.get(model, stage);
      const dict = found?.dict ?? Buffer.from(request, "utf8");
      entry = { id: found?.id ?? dictId(dict), dict, committed: false };
      this.byStage.set(stageKey, entry);
      this.byId.set(entry.id, entry.dict);
    }
    if (!entry.committed) {
      // The row may have been written (or read) in a transaction that was rolled back since.
      if (this.existsStmt.get(entry.id) === undefined) this.insertStmt.run(entry.id, model, stage, entry.dict);
      else if (!this.db.inTransaction) entry.committed = true;
    }
    return { z: deflateRawSync(request, { dictionary: entry.dict }), dict: entry.id };
  }

  /** After a commit: dictionaries now in the file are there for good (spares the check in {@link pack}). */
  settle(): void {
    if (this.db.inTransaction) return;
    for (const entry of this.byStage.values()) if (!entry.committed && this.existsStmt.get(entry.id) !== undefined) entry.committed = true;
  }

  /** The request text back; throws when its dictionary is missing (a row copied without `request_dicts`). */
  unpack(packed: PackedRequest): string {
    let dict = this.byId.get(packed.dict);
    if (!dict) {
      dict = this.getStmt.get(packed.dict)?.dict;
      if (!dict) throw new Error(`ledger: request dictionary ${packed.dict} is missing from request_dicts; copy that table along with the calls`);
      this.byId.set(packed.dict, dict);
    }
    return inflateRawSync(packed.z, { dictionary: dict }).toString("utf8");
  }
}
