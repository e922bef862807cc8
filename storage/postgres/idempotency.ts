// Idempotency keys on the PostgreSQL catalog (<schema>.idempotency_keys, migration 3): statements and
// the two steps a keyed commit adds inside its transaction, after the table's writer lock (so two
// replicas committing the same key serialise there and the second finds the first's record). The
// table's rows go with it on drop (ON DELETE CASCADE). See idempotency.ts.

import type pg from 'pg';
import { IdempotencyKeyUsed } from '../idempotency.js';
import type { CommitRequest, IdempotencyRecord, Operation, TableVersion } from '../types.js';

interface KeyRow {
  key: string;
  table_id: string;
  operation: Operation;
  fingerprint: string;
  version: number;
  rows_added: string;
  created_at: Date;
}

/** SQL for one (quoted) schema. */
export function idempotencyStatements(s: string) {
  return {
    find: `
      SELECT k.key, k.table_id, k.operation, k.fingerprint, k.version, k.rows_added, k.created_at
      FROM ${s}.tables t JOIN ${s}.idempotency_keys k ON k.table_id = t.table_id WHERE t.name = $1 AND k.key = $2`,
    // $1 id, $2 key, $3 operation, $4 fingerprint, $5 version, $6 rows added, $7 committed at, $8 TTL in ms:
    // collects the table's expired keys in the same round trip.
    record: `
      WITH gone AS (
        DELETE FROM ${s}.idempotency_keys WHERE table_id = $1 AND created_at < $7::timestamptz - make_interval(secs => $8::double precision / 1000)
      )
      INSERT INTO ${s}.idempotency_keys (table_id, key, operation, fingerprint, version, rows_added, created_at)
      VALUES ($1, $2, $3, $4, $5::integer, $6::bigint, $7::timestamptz)`,
  };
}

type Statements = ReturnType<typeof idempotencyStatements>;

function toRecord(r: KeyRow): IdempotencyRecord {
  return {
    key: r.key,
    tableId: r.table_id,
    operation: r.operation,
    fingerprint: r.fingerprint,
    version: r.version,
    rowsAdded: Number(r.rows_added),
    createdAt: r.created_at.toISOString(),
  };
}

/** The key's record on the current table called `name`, or null. */
export async function findKey(q: pg.ClientBase | pg.Pool, sql: Statements, name: string, key: string): Promise<IdempotencyRecord | null> {
  const { rows } = await q.query<KeyRow>(sql.find, [name, key]);
  return rows.length === 0 ? null : toRecord(rows[0]!);
}

/** Inside the commit's transaction, under the writer lock, before its checks: throws when the table
 *  already holds the key. */
export async function refuseUsedKey(client: pg.ClientBase, sql: Statements, req: CommitRequest): Promise<void> {
  if (req.idempotency === undefined) return;
  const earlier = await findKey(client, sql, req.table, req.idempotency.key);
  if (earlier !== null) throw new IdempotencyKeyUsed(req.table, earlier);
}

/** Inside the commit's transaction, after it: records the key with the version made. */
export async function recordKey(client: pg.ClientBase, sql: Statements, req: CommitRequest, v: TableVersion, ttlMs: number): Promise<void> {
  if (req.idempotency === undefined) return;
  await client.query(sql.record, [
    v.tableId,
    req.idempotency.key,
    req.operation,
    req.idempotency.fingerprint,
    v.version,
    v.rowsAdded,
    v.committedAt,
    ttlMs,
  ]);
}
