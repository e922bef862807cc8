// Idempotency keys on the SQLite catalog (table idempotency_keys, migration 3): statements and the two
// steps a keyed commit adds inside its BEGIN IMMEDIATE transaction — refuse a key the table already
// holds (before any other check, so a retry of a create that landed is not "table exists"), and record
// the key with the version made, collecting the table's expired keys on the way. See idempotency.ts.

import type Database from 'better-sqlite3';
import { IdempotencyKeyUsed } from '../idempotency.js';
import type { CommitRequest, IdempotencyRecord, Operation, TableVersion } from '../types.js';

interface KeyRow {
  key: string;
  table_id: string;
  operation: Operation;
  fingerprint: string;
  version: number;
  rows_added: number;
  created_at: string;
}

function prepare(db: Database.Database) {
  return {
    find: db.prepare<[string, string], KeyRow>(
      `SELECT k.key, k.table_id, k.operation, k.fingerprint, k.version, k.rows_added, k.created_at
       FROM tables t JOIN idempotency_keys k ON k.table_id = t.table_id WHERE t.name = ? AND k.key = ?`,
    ),
    insert: db.prepare<[string, string, Operation, string, number, number, string], unknown>(
      `INSERT INTO idempotency_keys (table_id, key, operation, fingerprint, version, rows_added, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    collect: db.prepare<[string, string], unknown>('DELETE FROM idempotency_keys WHERE table_id = ? AND created_at < ?'),
    forget: db.prepare<[string], unknown>('DELETE FROM idempotency_keys WHERE table_id = ?'),
  };
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function stmts(db: Database.Database): ReturnType<typeof prepare> {
  let s = statements.get(db);
  if (s === undefined) statements.set(db, (s = prepare(db)));
  return s;
}

function toRecord(r: KeyRow): IdempotencyRecord {
  return {
    key: r.key,
    tableId: r.table_id,
    operation: r.operation,
    fingerprint: r.fingerprint,
    version: r.version,
    rowsAdded: r.rows_added,
    createdAt: r.created_at,
  };
}

/** The key's record on the current table called `name`, or null. */
export function findKey(db: Database.Database, name: string, key: string): IdempotencyRecord | null {
  const r = stmts(db).find.get(name, key);
  return r === undefined ? null : toRecord(r);
}

/** Inside the commit's transaction, before its checks: throws when the table already holds the key. */
export function refuseUsedKey(db: Database.Database, req: CommitRequest): void {
  if (req.idempotency === undefined) return;
  const earlier = findKey(db, req.table, req.idempotency.key);
  if (earlier !== null) throw new IdempotencyKeyUsed(req.table, earlier);
}

/** Inside the commit's transaction, after it: records the key with the version made. */
export function recordKey(db: Database.Database, req: CommitRequest, v: TableVersion, ttlMs: number): void {
  if (req.idempotency === undefined) return;
  const s = stmts(db);
  s.collect.run(v.tableId, new Date(Date.parse(v.committedAt) - ttlMs).toISOString());
  s.insert.run(v.tableId, req.idempotency.key, req.operation, req.idempotency.fingerprint, v.version, v.rowsAdded, v.committedAt);
}

/** With a dropped table: its keys go too. */
export function forgetKeys(db: Database.Database, tableId: string): void {
  stmts(db).forget.run(tableId);
}
