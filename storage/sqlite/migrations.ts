// The SQLite catalog's schema, as numbered migrations applied in order on open. A migration is never
// edited once released: changes are new entries. The applied ones are recorded in schema_migrations.
//
// Files are stored once per table with the range of versions that hold them (added_version ..
// removed_version - 1), instead of once per version: an append adds one row, not a copy of the whole
// file list, and the snapshot of version v is `added_version <= v AND (removed_version IS NULL OR
// removed_version > v)`, ordered by ordinal (row order).

import type { Database } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: tables, their versions, the files of each version
  `
  CREATE TABLE tables (
    table_id        TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    current_version INTEGER NOT NULL CHECK (current_version >= 1)
  ) WITHOUT ROWID;

  CREATE TABLE versions (
    table_id     TEXT NOT NULL REFERENCES tables (table_id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    operation    TEXT NOT NULL CHECK (operation IN ('create', 'append', 'replace')),
    rows_added   INTEGER NOT NULL CHECK (rows_added >= 0),
    row_count    INTEGER NOT NULL CHECK (row_count >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    columns_json TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    PRIMARY KEY (table_id, version)
  ) WITHOUT ROWID;

  CREATE TABLE files (
    table_id        TEXT NOT NULL REFERENCES tables (table_id),
    ordinal         INTEGER NOT NULL,
    key             TEXT NOT NULL UNIQUE,
    rows            INTEGER NOT NULL CHECK (rows >= 0),
    bytes           INTEGER NOT NULL CHECK (bytes >= 0),
    added_version   INTEGER NOT NULL,
    removed_version INTEGER CHECK (removed_version IS NULL OR removed_version > added_version),
    PRIMARY KEY (table_id, ordinal)
  ) WITHOUT ROWID;

  CREATE INDEX files_live ON files (table_id, removed_version);
  `,
  // 2: the compact operation (same rows, fewer files). SQLite cannot alter a CHECK constraint, so the
  // versions table is rebuilt (nothing references it).
  `
  CREATE TABLE versions_v2 (
    table_id     TEXT NOT NULL REFERENCES tables (table_id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    operation    TEXT NOT NULL CHECK (operation IN ('create', 'append', 'replace', 'compact')),
    rows_added   INTEGER NOT NULL CHECK (rows_added >= 0),
    row_count    INTEGER NOT NULL CHECK (row_count >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    columns_json TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    PRIMARY KEY (table_id, version)
  ) WITHOUT ROWID;
  INSERT INTO versions_v2 SELECT table_id, version, operation, rows_added, row_count, bytes, columns_json, committed_at FROM versions;
  DROP TABLE versions;
  ALTER TABLE versions_v2 RENAME TO versions;
  `,
  // 3: Idempotency-Key of each keyed write, recorded with the version it made (storage/idempotency.ts)
  `
  CREATE TABLE idempotency_keys (
    table_id    TEXT NOT NULL,
    key         TEXT NOT NULL,
    operation   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    version     INTEGER NOT NULL,
    rows_added  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (table_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_keys_age ON idempotency_keys (table_id, created_at);
  `,
  // 4: pending files — a writer's registration of the file it is about to write (doomed_at NULL,
  // live until expires_at), or vacuum's tombstone of a key whose file it deletes (doomed_at set).
  // Times are ms since the epoch. See storage/types.ts Catalog.registerPending / markForDeletion.
  `
  CREATE TABLE pending_files (
    key           TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    doomed_at     INTEGER
  ) WITHOUT ROWID;
  `,
];

/** Applies the migrations this database lacks, each in its own write transaction; two processes
 *  opening a new file at once serialise on the write lock and the second finds nothing to do. */
export function migrate(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const applied = db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  const record = db.prepare<[number, string], unknown>('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  const known = MIGRATIONS.length;
  const current = applied.get()!.v ?? 0;
  if (current > known) {
    throw new Error(`catalog schema is at migration ${current}, this build knows ${known}: upgrade the service before opening it`);
  }
  for (let n = current + 1; n <= known; n++) {
    db.transaction(() => {
      // Re-read under the write lock: another process may have applied it since.
      if ((applied.get()!.v ?? 0) >= n) return;
      db.exec(MIGRATIONS[n - 1]!);
      record.run(n, new Date().toISOString());
    }).immediate();
  }
}
