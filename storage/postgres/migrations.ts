// The PostgreSQL catalog's schema, as numbered migrations applied in order when a catalog opens. A
// migration is never edited once released: changes are new entries. Applied ones are recorded in
// <schema>.schema_migrations.
//
// All pending migrations run in one transaction that first takes a transaction-scoped advisory lock
// for the schema, so replicas starting at once apply them exactly once: the others wait on the lock,
// then find nothing left to do. DDL is transactional in PostgreSQL, so a failed migration leaves no
// half-made schema behind.
//
// The layout mirrors storage/sqlite/migrations.ts: files are stored once per table with the range of
// versions holding them (added_version .. removed_version - 1), so an append adds one row and the
// snapshot of version v is `added_version <= v AND (removed_version IS NULL OR removed_version > v)`
// in ordinal order. Table names use the "C" collation: comparison and ORDER BY are bytewise, as in
// SQLite, whatever the database's locale.

import type pg from 'pg';

/** Each migration as SQL for a (quoted) schema name. */
export const PG_MIGRATIONS: ReadonlyArray<(s: string) => string> = [
  // 1: tables, their versions, the files of each version
  (s) => `
  CREATE TABLE ${s}.tables (
    table_id        text PRIMARY KEY,
    name            text COLLATE "C" NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    current_version integer NOT NULL CHECK (current_version >= 1)
  );

  CREATE TABLE ${s}.versions (
    table_id     text NOT NULL REFERENCES ${s}.tables (table_id) ON DELETE CASCADE,
    version      integer NOT NULL CHECK (version >= 1),
    operation    text NOT NULL CHECK (operation IN ('create', 'append', 'replace')),
    rows_added   bigint NOT NULL CHECK (rows_added >= 0),
    row_count    bigint NOT NULL CHECK (row_count >= 0),
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    columns      json NOT NULL,
    committed_at timestamptz NOT NULL,
    PRIMARY KEY (table_id, version)
  );

  CREATE TABLE ${s}.files (
    table_id        text NOT NULL REFERENCES ${s}.tables (table_id) ON DELETE CASCADE,
    ordinal         integer NOT NULL,
    key             text NOT NULL UNIQUE,
    rows            bigint NOT NULL CHECK (rows >= 0),
    bytes           bigint NOT NULL CHECK (bytes >= 0),
    added_version   integer NOT NULL,
    removed_version integer CHECK (removed_version IS NULL OR removed_version > added_version),
    PRIMARY KEY (table_id, ordinal)
  );

  CREATE INDEX files_live ON ${s}.files (table_id, ordinal) WHERE removed_version IS NULL;
  `,
  // 2: the compact operation (same rows, fewer files)
  (s) => `
  ALTER TABLE ${s}.versions DROP CONSTRAINT versions_operation_check;
  ALTER TABLE ${s}.versions ADD CONSTRAINT versions_operation_check
    CHECK (operation IN ('create', 'append', 'replace', 'compact'));
  `,
  // 3: Idempotency-Key of each keyed write, recorded with the version it made (storage/idempotency.ts)
  (s) => `
  CREATE TABLE ${s}.idempotency_keys (
    table_id    text NOT NULL REFERENCES ${s}.tables (table_id) ON DELETE CASCADE,
    key         text COLLATE "C" NOT NULL,
    operation   text NOT NULL,
    fingerprint text NOT NULL,
    version     integer NOT NULL,
    rows_added  bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (table_id, key)
  );
  CREATE INDEX idempotency_keys_age ON ${s}.idempotency_keys (table_id, created_at);
  `,
  // 4: pending files — a writer's registration of the file it is about to write (doomed_at NULL,
  // live until expires_at), or vacuum's tombstone of a key whose file it deletes (doomed_at set).
  (s) => `
  CREATE TABLE ${s}.pending_files (
    key           text COLLATE "C" PRIMARY KEY,
    owner         text NOT NULL,
    registered_at timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    doomed_at     timestamptz
  );
  `,
];

/** First key of the two-int advisory locks the migrations take; the second is hashed from the schema. */
export const MIGRATION_LOCK_CLASS = 0x4e434601; // "NCF" 01

/** A schema name we accept: a plain lower-case identifier, so quoting it never changes its meaning. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(
      `catalog schema ${JSON.stringify(schema)} is not a plain identifier: expected lower-case letters, digits and _, at most 63, not starting with a digit`,
    );
  }
  return `"${schema}"`;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as a signed int4 for pg_advisory_xact_lock. */
export function lockHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Applies the migrations `schema` lacks; returns the numbers applied now (empty when up to date).
 *  Throws when the database was migrated by a newer build. */
export async function migratePg(client: pg.ClientBase, schema: string): Promise<number[]> {
  const s = checkSchemaName(schema);
  const known = PG_MIGRATIONS.length;
  await client.query('BEGIN');
  try {
    // A large future migration may take long and may wait for another replica's: neither is a
    // request timeout. Both settings end with the transaction.
    await client.query(
      `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '120s'; SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_CLASS}, ${lockHash(schema)})`,
    );
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    // Skipping CREATE SCHEMA when it exists lets a role without CREATE on the database open it.
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version    integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ v: number }>(`SELECT COALESCE(MAX(version), 0) AS v FROM ${s}.schema_migrations`);
    const current = rows[0]!.v;
    if (current > known) {
      throw new Error(
        `catalog schema ${schema} is at migration ${current}, this build knows ${known}: upgrade the service before opening it`,
      );
    }
    const applied: number[] = [];
    for (let n = current + 1; n <= known; n++) {
      await client.query(PG_MIGRATIONS[n - 1]!(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [n]);
      applied.push(n);
    }
    await client.query('COMMIT');
    return applied;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
