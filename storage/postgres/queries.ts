// The PostgreSQL catalog's SQL (for one schema) and the mapping of its rows to catalog types. Reads
// are single statements: the files of a snapshot come aggregated as a JSON array of [key, rows,
// bytes] in row order, so one statement sees one consistent version. Write statements chain their
// inserts and updates in one statement with data-modifying CTEs: one round trip per commit.
// int8 columns arrive as strings (node-postgres keeps them exact); they hold counts well below 2^53.

import type { ColumnSchema } from '../../src/format/schema.js';
import type { DataFile, Operation, TableVersion, VersionInfo } from '../types.js';

export interface SnapshotRow {
  table_id: string;
  name: string;
  created_at: Date;
  version: number;
  operation: Operation;
  rows_added: string;
  row_count: string;
  bytes: string;
  columns: ColumnSchema[];
  committed_at: Date;
  files: Array<[string, number, number]>;
}
export interface HistoryRow {
  version: number;
  operation: Operation;
  rows_added: string;
  row_count: string;
  committed_at: Date;
}
/** The table as a writer finds it under its lock; table columns are null when the table is absent. */
export interface StateRow {
  now: Date;
  table_id: string | null;
  current_version: number | null;
  columns: ColumnSchema[] | null;
  row_count: string | null;
  next_ordinal: number | null;
  key_owner: string | null;
  id_owner: string | null;
}

/** SQL of every statement, for one schema (already quoted). */
export function catalogStatements(s: string) {
  const filesOf = (versionExpr: string) => `(
      SELECT COALESCE(json_agg(json_build_array(f.key, f.rows, f.bytes) ORDER BY f.ordinal), '[]'::json)
      FROM ${s}.files f
      WHERE f.table_id = t.table_id AND f.added_version <= ${versionExpr}
        AND (f.removed_version IS NULL OR f.removed_version > ${versionExpr})) AS files`;
  const snapshotColumns = `t.table_id, t.name, t.created_at, v.version, v.operation, v.rows_added, v.row_count,
      v.bytes, v.columns, v.committed_at`;
  return {
    snapshot: `
      SELECT ${snapshotColumns}, ${filesOf('v.version')}
      FROM ${s}.tables t
      JOIN ${s}.versions v ON v.table_id = t.table_id AND v.version = COALESCE($2::integer, t.current_version)
      WHERE t.name = $1`,
    // $1 name, $2 the stamp the caller holds (or null): the table's stamp, plus its current version
    // only when the stamp differs. The stamp (table id, version, xmin of the table's row) changes with
    // every commit (each rewrites the row) and with drop and re-create (a new row).
    current: `
      SELECT t.table_id || ':' || t.current_version || ':' || t.xmin::text AS stamp, c.*
      FROM ${s}.tables t
      LEFT JOIN LATERAL (
        SELECT ${snapshotColumns}, ${filesOf('v.version')}
        FROM ${s}.versions v
        WHERE v.table_id = t.table_id AND v.version = t.current_version
          AND (t.table_id || ':' || t.current_version || ':' || t.xmin::text) IS DISTINCT FROM $2::text
        -- OFFSET 0 keeps the subquery whole: pulled up, its stamp test became a join filter applied
        -- after the files were aggregated (EXPLAIN ANALYZE), which is the work an unchanged stamp saves.
        OFFSET 0
      ) c ON true
      WHERE t.name = $1`,
    list: `
      SELECT ${snapshotColumns}, (
        SELECT COALESCE(json_agg(json_build_array(f.key, f.rows, f.bytes) ORDER BY f.ordinal), '[]'::json)
        FROM ${s}.files f WHERE f.table_id = t.table_id AND f.removed_version IS NULL) AS files
      FROM ${s}.tables t
      JOIN ${s}.versions v ON v.table_id = t.table_id AND v.version = t.current_version
      ORDER BY t.name`,
    history: `
      SELECT v.version, v.operation, v.rows_added, v.row_count, v.committed_at
      FROM ${s}.tables t JOIN ${s}.versions v ON v.table_id = t.table_id
      WHERE t.name = $1 ORDER BY v.version`,
    keys: `SELECT key FROM ${s}.files`,
    keyVersion: `SELECT t.name, f.added_version FROM ${s}.files f JOIN ${s}.tables t ON t.table_id = f.table_id WHERE f.key = $1`,
    // Read under the writer's lock. clock_timestamp(), not now(): now() is when the transaction began,
    // possibly before an earlier writer committed, which would make committed_at run backwards.
    state: `
      SELECT date_trunc('milliseconds', clock_timestamp()) AS now,
        t.table_id, t.current_version, v.columns, v.row_count,
        (SELECT COALESCE(MAX(o.ordinal), 0) + 1 FROM ${s}.files o WHERE o.table_id = t.table_id) AS next_ordinal,
        (SELECT kt.name FROM ${s}.files k JOIN ${s}.tables kt ON kt.table_id = k.table_id WHERE k.key = $2) AS key_owner,
        (SELECT it.name FROM ${s}.tables it WHERE it.table_id = $3) AS id_owner
      FROM (SELECT 1) AS one
      LEFT JOIN ${s}.tables t ON t.name = $1
      LEFT JOIN ${s}.versions v ON v.table_id = t.table_id AND v.version = t.current_version`,
    // $1 id, $2 name, $3 now, $4 rows, $5 bytes, $6 columns, $7 key
    create: `
      WITH t AS (
        INSERT INTO ${s}.tables (table_id, name, created_at, current_version) VALUES ($1, $2, $3::timestamptz, 1)
      ), v AS (
        INSERT INTO ${s}.versions (table_id, version, operation, rows_added, row_count, bytes, columns, committed_at)
        VALUES ($1, 1, 'create', $4::bigint, $4::bigint, $5::bigint, $6::json, $3::timestamptz)
      )
      INSERT INTO ${s}.files (table_id, ordinal, key, rows, bytes, added_version) VALUES ($1, 1, $7, $4::bigint, $5::bigint, 1)`,
    // $1 id, $2 version, $3 rows, $4 bytes, $5 now, $6 ordinal, $7 key; columns carried over from the previous version
    append: `
      WITH v AS (
        INSERT INTO ${s}.versions (table_id, version, operation, rows_added, row_count, bytes, columns, committed_at)
        SELECT table_id, $2::integer, 'append', $3::bigint, row_count + $3::bigint, bytes + $4::bigint, columns, $5::timestamptz
        FROM ${s}.versions WHERE table_id = $1 AND version = $2::integer - 1
      ), f AS (
        INSERT INTO ${s}.files (table_id, ordinal, key, rows, bytes, added_version) VALUES ($1, $6::integer, $7, $3::bigint, $4::bigint, $2::integer)
      )
      UPDATE ${s}.tables SET current_version = $2::integer WHERE table_id = $1`,
    // $1 id, $2 version, $3 rows, $4 bytes, $5 now, $6 columns, $7 ordinal, $8 key. The retiring UPDATE
    // does not see the file inserted beside it (one snapshot per statement), so the new file stays live.
    replace: `
      WITH r AS (
        UPDATE ${s}.files SET removed_version = $2::integer WHERE table_id = $1 AND removed_version IS NULL
      ), v AS (
        INSERT INTO ${s}.versions (table_id, version, operation, rows_added, row_count, bytes, columns, committed_at)
        VALUES ($1, $2::integer, 'replace', $3::bigint, $3::bigint, $4::bigint, $6::json, $5::timestamptz)
      ), f AS (
        INSERT INTO ${s}.files (table_id, ordinal, key, rows, bytes, added_version) VALUES ($1, $7::integer, $8, $3::bigint, $4::bigint, $2::integer)
      )
      UPDATE ${s}.tables SET current_version = $2::integer WHERE table_id = $1`,
    // $1 id, $2 version, $3 bytes, $4 now, $5 ordinal, $6 key, $7 rows: the same rows and columns in one
    // new file; like replace, the retiring UPDATE does not see the file inserted beside it.
    compact: `
      WITH r AS (
        UPDATE ${s}.files SET removed_version = $2::integer WHERE table_id = $1 AND removed_version IS NULL
      ), v AS (
        INSERT INTO ${s}.versions (table_id, version, operation, rows_added, row_count, bytes, columns, committed_at)
        SELECT table_id, $2::integer, 'compact', 0, row_count, $3::bigint, columns, $4::timestamptz
        FROM ${s}.versions WHERE table_id = $1 AND version = $2::integer - 1
      ), f AS (
        INSERT INTO ${s}.files (table_id, ordinal, key, rows, bytes, added_version) VALUES ($1, $5::integer, $6, $7::bigint, $3::bigint, $2::integer)
      )
      UPDATE ${s}.tables SET current_version = $2::integer WHERE table_id = $1`,
    tableForExpire: `SELECT table_id, current_version FROM ${s}.tables WHERE name = $1`,
    // $1 id, $2 oldest retained version: files retired at or before it belong to forgotten versions only.
    expireFiles: `
      DELETE FROM ${s}.files WHERE table_id = $1 AND removed_version IS NOT NULL AND removed_version <= $2::integer
      RETURNING key, rows, bytes`,
    expireVersions: `DELETE FROM ${s}.versions WHERE table_id = $1 AND version < $2::integer`,
    drop: `DELETE FROM ${s}.tables WHERE name = $1`,
    // Pending files (storage/types.ts registerPending … markForDeletion); times from the server's clock.
    // $1 key, $2 owner, $3 lease ms: refused (no row) when the key is known already.
    pendingRegister: `
      INSERT INTO ${s}.pending_files (key, owner, registered_at, expires_at)
      SELECT $1, $2, clock_timestamp(), clock_timestamp() + $3::bigint * interval '1 millisecond'
      WHERE NOT EXISTS (SELECT 1 FROM ${s}.files WHERE key = $1)
      ON CONFLICT (key) DO NOTHING RETURNING key`,
    pendingRenew: `UPDATE ${s}.pending_files SET expires_at = clock_timestamp() + $2::bigint * interval '1 millisecond' WHERE key = $1 AND doomed_at IS NULL`,
    pendingRelease: `DELETE FROM ${s}.pending_files WHERE key = $1 AND doomed_at IS NULL`,
    // In a commit, under the writer locks: consumes the registration, says whether the key is doomed
    // (the DELETE touches only live rows, so the SELECT beside it reads the same tombstone either way).
    pendingConsume: `
      WITH gone AS (DELETE FROM ${s}.pending_files WHERE key = $1 AND doomed_at IS NULL)
      SELECT EXISTS (SELECT 1 FROM ${s}.pending_files WHERE key = $1 AND doomed_at IS NOT NULL) AS doomed`,
    // $1 ttl ms: tombstones and lapsed registrations older than it.
    pendingForget: `
      DELETE FROM ${s}.pending_files
      WHERE (doomed_at IS NOT NULL AND doomed_at < clock_timestamp() - $1::bigint * interval '1 millisecond')
         OR (doomed_at IS NULL AND expires_at < clock_timestamp() - $1::bigint * interval '1 millisecond')`,
    pendingOwners: `SELECT DISTINCT owner FROM ${s}.pending_files WHERE key = ANY($1::text[]) AND doomed_at IS NULL`,
    // $1 distinct keys, $2 owners known dead: dooms those no file row holds and no live registration protects.
    pendingMark: `
      INSERT INTO ${s}.pending_files AS p (key, owner, registered_at, expires_at, doomed_at)
      SELECT c.key, 'vacuum', clock_timestamp(), clock_timestamp(), clock_timestamp()
      FROM unnest($1::text[]) AS c(key)
      WHERE NOT EXISTS (SELECT 1 FROM ${s}.files f WHERE f.key = c.key)
        AND NOT EXISTS (SELECT 1 FROM ${s}.pending_files q WHERE q.key = c.key AND q.doomed_at IS NULL AND q.expires_at > clock_timestamp() AND q.owner <> ALL($2::text[]))
      ON CONFLICT (key) DO UPDATE SET doomed_at = COALESCE(p.doomed_at, EXCLUDED.doomed_at)
      RETURNING key`,
  };
}

export function toTableVersion(r: SnapshotRow): TableVersion {
  return {
    table: r.name,
    tableId: r.table_id,
    version: r.version,
    operation: r.operation,
    rowsAdded: Number(r.rows_added),
    rowCount: Number(r.row_count),
    bytes: Number(r.bytes),
    columns: r.columns,
    files: r.files.map(([key, rows, bytes]): DataFile => ({ key, rows, bytes })),
    createdAt: r.created_at.toISOString(),
    committedAt: r.committed_at.toISOString(),
  };
}

export function toVersionInfo(r: HistoryRow): VersionInfo {
  return {
    version: r.version,
    operation: r.operation,
    rowsAdded: Number(r.rows_added),
    rowCount: Number(r.row_count),
    committedAt: r.committed_at.toISOString(),
  };
}
