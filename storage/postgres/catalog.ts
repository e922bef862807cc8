// Catalog on PostgreSQL (pg Pool), for several stateless replicas sharing one database
// (NCF_CATALOG_URL=postgres://…). Same semantics as storage/sqlite/catalog.ts, same contract suite.
//
// Commits: each is one READ COMMITTED transaction that first takes a transaction-scoped advisory lock
// keyed by (schema, table name), then reads the table's state, then writes. Writers of one table thus
// run one at a time across every replica, and since each statement after the lock takes a fresh
// snapshot, a writer always sees the commit that released the lock before it: versions stay gap-free,
// two appends both land (in some order), and a replace or create whose expectVersion no longer holds,
// or a write whose table was dropped and re-created meanwhile, gets CatalogConflict. The lock and the
// reads must be separate statements: a statement's snapshot is taken when it starts, before it waits.
// Writes that race outside that lock (the same file key or table id under two names) surface as unique
// violations; those, deadlocks and serialization failures re-run the transaction a bounded number of
// times, and the re-run reports the conflict properly.
//
// Pending files (storage/types.ts registerPending … markForDeletion): a commit also takes, first, a
// shared advisory "collect" lock for the schema and, under it, refuses a key vacuum doomed and
// consumes its registration; vacuum dooms keys under the same lock taken exclusively, so it waits for
// the commits in flight and its statements see every one of them: no key is both committed and doomed.
//
// Compaction commits like a replace that keeps the table's columns and row count; expire (retention)
// runs under the same writer lock, deleting old versions and the files only they held.
//
// Reads are single statements (one snapshot each, files aggregated as JSON), so a read never mixes two
// versions and needs no transaction. A table's current version is kept in process (storage/snapshot.ts)
// under a stamp of its row that every commit, drop and re-create changes; each getTable still reads
// that stamp (one statement, which returns the version only when the stamp moved), so a commit through
// one replica is visible to every other on its next call.
//
// Failures to reach the database become CatalogUnavailable (503); waiting too long for another
// writer's lock or for a free pooled connection becomes CatalogBusy (503). A connection lost while
// COMMIT was in flight leaves the outcome open: the catalog then waits for the table's writer lock (the
// interrupted transaction has ended by then) and looks the file up, so the caller learns whether a
// version holds the file before it deletes it. SQL lives in postgres/queries.ts, error reading in postgres/errors.ts.

import pg from 'pg';
import type { ColumnSchema } from '../../src/format/schema.js';
import { checkCommit, checkCommitRequest, checkKeep } from '../commit-checks.js';
import { CatalogBusy, CatalogConflict, CatalogUnavailable, FileCollected, StorageError, closed, invalidRequest } from '../errors.js';
import { newId, tableIdOfKey } from '../keys.js';
import { RETRYABLE, sqlState, unreachable } from './errors.js';
import { checkSchemaName, lockHash, migratePg } from './migrations.js';
import { type HistoryRow, type SnapshotRow, type StateRow, catalogStatements, toTableVersion, toVersionInfo } from './queries.js';
import {
  TOMBSTONE_TTL_MS,
  type Catalog,
  type CommitRequest,
  type ExpireResult,
  type IdempotencyRecord,
  type TableVersion,
  type VersionInfo,
} from '../types.js';
import { IDEMPOTENCY_TTL_MS, type IdempotencyOptions } from '../idempotency.js';
import { TableSnapshots } from '../snapshot.js';
import { findKey, idempotencyStatements, recordKey, refuseUsedKey } from './idempotency.js';

export interface PostgresCatalogOptions extends IdempotencyOptions {
  /** PostgreSQL schema holding the catalog's tables (default "ncf"); created on open when missing. */
  schema?: string;
  /** Pooled connections per catalog instance (default 10). */
  maxConnections?: number;
  /** How long a call waits to connect or for a free pooled connection before a 503 (default 5000 ms). */
  connectTimeoutMs?: number;
  /** How long a commit waits for another writer's lock on the same table before CatalogBusy (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Upper bound on any one statement (default 30000 ms). */
  statementTimeoutMs?: number;
  /** Runs of a commit that hit a deadlock, serialization failure or racing insert (default 5). */
  maxAttempts?: number;
}

/** First key of the two-int advisory lock a writer takes per table; the second hashes schema and name. */
export const TABLE_LOCK_CLASS = 0x4e434602; // "NCF" 02
/** First key of the advisory lock that orders commits (shared) against vacuum's dooming of keys
 *  (exclusive); the second hashes the schema. */
export const COLLECT_LOCK_CLASS = 0x4e434603; // "NCF" 03

export class PostgresCatalog implements Catalog {
  private readonly sql: ReturnType<typeof catalogStatements>;
  private readonly keySql: ReturnType<typeof idempotencyStatements>;
  private ended = false;
  /** Current versions by table name, under the stamp of the table's row they were read with. */
  readonly snapshots = new TableSnapshots<string>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    /** The URL without its password, for messages. */
    readonly location: string,
    private readonly opts: Required<PostgresCatalogOptions>,
  ) {
    this.sql = catalogStatements(checkSchemaName(schema));
    this.keySql = idempotencyStatements(checkSchemaName(schema));
  }

  /** Connects, applies pending migrations (see postgres/migrations.ts) and returns the open catalog. */
  static async open(url: string, options: PostgresCatalogOptions = {}): Promise<PostgresCatalog> {
    const opts: Required<PostgresCatalogOptions> = {
      schema: options.schema ?? 'ncf',
      maxConnections: options.maxConnections ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      idempotencyTtlMs: options.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS,
    };
    checkSchemaName(opts.schema);
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.maxConnections,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      statement_timeout: opts.statementTimeoutMs,
      lock_timeout: opts.busyTimeoutMs,
      // A client that stalls mid-commit must not hold a table's lock for long.
      idle_in_transaction_session_timeout: Math.max(opts.statementTimeoutMs, 10_000),
      application_name: 'ncf-catalog',
      keepAlive: true,
    });
    // An idle pooled connection that breaks (server restart, network) is dropped by the pool; without
    // a listener the 'error' event would crash the process. The next call connects afresh.
    pool.on('error', () => {});
    const catalog = new PostgresCatalog(pool, opts.schema, redactUrl(url), opts);
    try {
      await catalog.withClient('open', (client) => migratePg(client, opts.schema));
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    return catalog;
  }

  async listTables(): Promise<TableVersion[]> {
    const { rows } = await this.query<SnapshotRow>('listTables', this.sql.list, []);
    return rows.map(toTableVersion);
  }

  async getTable(name: string, version?: number): Promise<TableVersion | null> {
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1 && version <= 0x7fffffff)) return null;
    if (version === undefined) return this.currentTable(name);
    const { rows } = await this.query<SnapshotRow>('getTable', this.sql.snapshot, [name, version ?? null]);
    return rows.length === 0 ? null : toTableVersion(rows[0]!);
  }

  /** The current version: from the snapshot when the table's stamp has not moved, else read (in the
   *  same statement) and kept. */
  private async currentTable(name: string): Promise<TableVersion | null> {
    const held = this.snapshots.stamp(name);
    const { rows } = await this.query<{ stamp: string } & SnapshotRow>('getTable', this.sql.current, [name, held]);
    if (rows.length === 0) {
      this.snapshots.delete(name);
      return null;
    }
    let row = rows[0]!;
    if (row.table_id === null) {
      // Unchanged since `held`, unless a concurrent call replaced the entry meanwhile: then read it whole.
      const cached = this.snapshots.get(name, row.stamp);
      if (cached !== undefined) return cached;
      const again = await this.query<{ stamp: string } & SnapshotRow>('getTable', this.sql.current, [name, null]);
      if (again.rows.length === 0) return null;
      row = again.rows[0]!;
    }
    return this.snapshots.set(name, row.stamp, toTableVersion(row));
  }

  async versions(name: string): Promise<VersionInfo[] | null> {
    const { rows } = await this.query<HistoryRow>('versions', this.sql.history, [name]);
    // A table always has version 1, so no rows means no table.
    if (rows.length === 0) return null;
    return rows.map(toVersionInfo);
  }

  async commit(req: CommitRequest): Promise<TableVersion> {
    const columns = checkCommitRequest(req);
    try {
      return await this.writeLocked(
        'commit',
        req.table,
        async (client) => {
          // The key is checked and recorded in the commit's own transaction (storage/idempotency.ts).
          await refuseUsedKey(client, this.keySql, req);
          const v = await this.commitLocked(client, req, columns);
          await recordKey(client, this.keySql, req, v, this.opts.idempotencyTtlMs);
          return v;
        },
        { collect: 'shared' },
      );
    } catch (e) {
      if (!(e instanceof CatalogUnavailable && e.commitOutcome === 'unknown')) throw e;
      // The caller deletes the file of a failed commit: it must learn whether a version holds it.
      const landed = await this.resolveCommit(req).catch(() => undefined);
      if (landed === undefined) throw e;
      if (landed !== null) return landed;
      throw new CatalogUnavailable('commit', String(e.details.reason), { cause: e.cause, commitOutcome: 'not applied' });
    }
  }

  private async commitLocked(client: pg.PoolClient, req: CommitRequest, columns: ColumnSchema[]): Promise<TableVersion> {
    const { table, file } = req;
    const candidateId = req.tableId ?? tableIdOfKey(file.key) ?? newId();
    const {
      rows: [state],
    } = await client.query<StateRow>({ name: 'ncf_commit_state', text: this.sql.state, values: [table, file.key, candidateId] });
    const current =
      state!.table_id === null
        ? null
        : { tableId: state!.table_id, version: state!.current_version!, columns: state!.columns!, rowCount: Number(state!.row_count) };
    checkCommit(req, columns, current, {
      keyOwner: state!.key_owner === null ? null : `table "${state!.key_owner}"`,
      idOwner: state!.id_owner === null ? null : `table "${state!.id_owner}"`,
      newTableId: candidateId,
    });
    // Under the shared collect lock: a vacuum dooming keys runs wholly before or after this commit.
    const {
      rows: [pending],
    } = await client.query<{ doomed: boolean }>({ name: 'ncf_commit_pending', text: this.sql.pendingConsume, values: [file.key] });
    if (pending!.doomed) throw new FileCollected(table, file.key);
    const now = state!.now;
    let version: number;
    if (current === null) {
      // A replace that finds no table records what it did: it created one.
      version = 1;
      await client.query({
        name: 'ncf_commit_create',
        text: this.sql.create,
        values: [candidateId, table, now, file.rows, file.bytes, JSON.stringify(columns), file.key],
      });
    } else if (req.operation === 'append') {
      // The table keeps its own column labels (descriptions, semantic types), not the file's.
      version = current.version + 1;
      await client.query({
        name: 'ncf_commit_append',
        text: this.sql.append,
        values: [current.tableId, version, file.rows, file.bytes, now, state!.next_ordinal, file.key],
      });
    } else if (req.operation === 'compact') {
      // The table keeps its columns and rows; only its files change.
      version = current.version + 1;
      await client.query({
        name: 'ncf_commit_compact',
        text: this.sql.compact,
        values: [current.tableId, version, file.bytes, now, state!.next_ordinal, file.key, file.rows],
      });
    } else {
      version = current.version + 1;
      await client.query({
        name: 'ncf_commit_replace',
        text: this.sql.replace,
        values: [current.tableId, version, file.rows, file.bytes, now, JSON.stringify(columns), state!.next_ordinal, file.key],
      });
    }
    const { rows } = await client.query<SnapshotRow>({ name: 'ncf_snapshot', text: this.sql.snapshot, values: [table, version] });
    return toTableVersion(rows[0]!);
  }

  async drop(name: string): Promise<boolean> {
    return this.writeLocked('drop', name, async (client) => {
      // Versions and files go with the table (ON DELETE CASCADE).
      const r = await client.query({ name: 'ncf_drop', text: this.sql.drop, values: [name] });
      return r.rowCount === 1;
    });
  }

  async expire(name: string, keep: number): Promise<ExpireResult | null> {
    checkKeep(keep);
    return this.writeLocked('expire', name, async (client) => {
      const { rows } = await client.query<{ table_id: string; current_version: number }>({
        name: 'ncf_expire_table',
        text: this.sql.tableForExpire,
        values: [name],
      });
      if (rows.length === 0) return null;
      const { table_id: tableId, current_version: current } = rows[0]!;
      const oldestVersion = Math.max(1, current - keep + 1);
      const files = await client.query<{ key: string; rows: string; bytes: string }>({
        name: 'ncf_expire_files',
        text: this.sql.expireFiles,
        values: [tableId, oldestVersion],
      });
      const versions = await client.query({ name: 'ncf_expire_versions', text: this.sql.expireVersions, values: [tableId, oldestVersion] });
      return {
        oldestVersion,
        expiredVersions: versions.rowCount ?? 0,
        removedFiles: files.rows.map((f) => ({ key: f.key, rows: Number(f.rows), bytes: Number(f.bytes) })),
      };
    });
  }

  async idempotencyRecord(name: string, key: string): Promise<IdempotencyRecord | null> {
    if (this.ended) throw closed(`catalog ${this.location}`);
    try {
      return await findKey(this.pool, this.keySql, name, key);
    } catch (e) {
      throw this.translate('idempotencyRecord', e);
    }
  }

  newTableId(): string {
    return newId();
  }

  async registerPending(key: string, leaseMs: number, owner: string): Promise<void> {
    const { rowCount } = await this.query('registerPending', this.sql.pendingRegister, [key, owner, Math.round(leaseMs)]);
    if (rowCount !== 1)
      throw invalidRequest(`registerPending: key ${JSON.stringify(key)} is already known to the catalog; every write needs a new key`, {
        key,
      });
  }

  async renewPending(key: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.query('renewPending', this.sql.pendingRenew, [key, Math.round(leaseMs)]);
    return rowCount === 1;
  }

  async releasePending(key: string): Promise<void> {
    await this.query('releasePending', this.sql.pendingRelease, [key]);
  }

  async markForDeletion(keys: string[], isGone: (owner: string) => boolean = () => false): Promise<string[]> {
    // The exclusive collect lock waits for every commit in flight and holds new ones back, so the
    // statements after it see every committed file and no commit slips between check and doom.
    const begin = `BEGIN; SELECT pg_advisory_xact_lock(${COLLECT_LOCK_CLASS}, ${lockHash(this.schema)})`;
    return this.withClient(
      'markForDeletion',
      async (client) => {
        await client.query({ name: 'ncf_pending_forget', text: this.sql.pendingForget, values: [TOMBSTONE_TTL_MS] });
        if (keys.length === 0) return [];
        const distinct = [...new Set(keys)];
        const owners = await client.query<{ owner: string }>({
          name: 'ncf_pending_owners',
          text: this.sql.pendingOwners,
          values: [distinct],
        });
        const gone = owners.rows.map((r) => r.owner).filter((o) => isGone(o));
        const { rows } = await client.query<{ key: string }>({
          name: 'ncf_pending_mark',
          text: this.sql.pendingMark,
          values: [distinct, gone],
        });
        return rows.map((r) => r.key);
      },
      { begin, committing: false },
    );
  }

  async referencedKeys(): Promise<Set<string>> {
    const { rows } = await this.query<{ key: string }>('referencedKeys', this.sql.keys, []);
    return new Set(rows.map((r) => r.key));
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  /** One statement on any pooled connection. */
  private async query<R extends pg.QueryResultRow>(op: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.ended) throw closed(`catalog ${this.location}`);
    try {
      return await this.pool.query<R>(text, values);
    } catch (e) {
      throw this.translate(op, e);
    }
  }

  /** Runs `fn` in a transaction holding table `name`'s writer lock; re-runs it on transient failures.
   *  A connection lost while COMMIT was under way is CatalogUnavailable with commitOutcome 'unknown'. */
  private async writeLocked<T>(
    op: string,
    name: string,
    fn: (client: pg.PoolClient) => Promise<T>,
    opts: { collect?: 'shared' } = {},
  ): Promise<T> {
    // Integers only, so the locks can ride in the same round trip as BEGIN without parameters. The
    // collect lock first, always: vacuum takes only that one, so no two transactions wait in a cycle.
    const collect =
      opts.collect === 'shared' ? `; SELECT pg_advisory_xact_lock_shared(${COLLECT_LOCK_CLASS}, ${lockHash(this.schema)})` : '';
    const begin = `BEGIN${collect}; SELECT pg_advisory_xact_lock(${TABLE_LOCK_CLASS}, ${lockHash(`${this.schema}/${name}`)})`;
    for (let attempt = 1; ; attempt++) {
      const tx = { begin, committing: false };
      try {
        return await this.withClient(op, fn, tx);
      } catch (e) {
        const code = sqlState(e);
        if (code !== undefined && RETRYABLE.has(code)) {
          if (attempt < this.opts.maxAttempts) {
            // Jittered backoff so racing writers do not collide again in lockstep.
            await sleep(Math.random() * 2 ** attempt * 2);
            continue;
          }
          if (code === '23505') {
            throw new CatalogConflict(
              name,
              `${op} on table "${name}" kept colliding with concurrent commits (${attempt} attempts); retry`,
              { attempts: attempt },
            );
          }
          throw new CatalogBusy(
            `${op} (${attempt} attempts, ${code === '40P01' ? 'deadlocks' : 'serialization failures'})`,
            this.opts.busyTimeoutMs,
          );
        }
        if (tx.committing && e instanceof CatalogUnavailable) {
          throw new CatalogUnavailable(op, String(e.details.reason), { cause: e.cause, commitOutcome: 'unknown' });
        }
        throw e;
      }
    }
  }

  /** After a commit lost its connection during COMMIT: waits for the writer lock (so the interrupted
   *  transaction has ended, one way or the other), then looks for the file. Returns the version it
   *  made, or null when the commit was not applied. */
  private async resolveCommit(req: CommitRequest): Promise<TableVersion | null> {
    return this.writeLocked('commit (checking an interrupted commit)', req.table, async (client) => {
      const { rows } = await client.query<{ name: string; added_version: number }>(this.sql.keyVersion, [req.file.key]);
      if (rows.length === 0 || rows[0]!.name !== req.table) return null;
      const snap = await client.query<SnapshotRow>(this.sql.snapshot, [req.table, rows[0]!.added_version]);
      return snap.rows.length === 0 ? null : toTableVersion(snap.rows[0]!);
    });
  }

  /** A pooled connection for `fn`, inside a transaction when `tx` is given; a connection that failed
   *  is destroyed rather than reused. Errors come out translated, except retryable SQLSTATEs inside a
   *  transaction (the caller re-runs it). */
  private async withClient<T>(
    op: string,
    fn: (client: pg.PoolClient) => Promise<T>,
    tx?: { begin: string; committing: boolean },
  ): Promise<T> {
    if (this.ended) throw closed(`catalog ${this.location}`);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.translate(op, e);
    }
    let broken: Error | undefined;
    // The pool listens for errors only on idle connections; one lost while checked out would
    // otherwise be an unhandled 'error' event (the pending query rejects on its own).
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      if (tx === undefined) return await fn(client);
      await client.query(tx.begin);
      let out: T;
      try {
        out = await fn(client);
      } catch (e) {
        // A connection that cannot even roll back is in an unknown state: never reuse it.
        await client.query('ROLLBACK').catch((re: unknown) => {
          broken = re instanceof Error ? re : new Error(String(re));
        });
        throw e;
      }
      tx.committing = true;
      await client.query('COMMIT');
      return out;
    } catch (e) {
      if (unreachable(e) !== null) broken ??= e as Error;
      const code = sqlState(e);
      if (tx !== undefined && code !== undefined && RETRYABLE.has(code)) throw e;
      throw this.translate(op, e);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /** Maps driver and server errors to the storage errors the service renders. */
  private translate(op: string, e: unknown): unknown {
    if (e instanceof StorageError) return e;
    if (e instanceof Error && e.message === 'timeout exceeded when trying to connect') {
      // Every pooled connection stayed busy for connectTimeoutMs.
      return new CatalogBusy(`${op} (waiting for a free connection)`, this.opts.connectTimeoutMs);
    }
    const code = sqlState(e);
    if (code === '55P03') return new CatalogBusy(op, this.opts.busyTimeoutMs);
    if (code === '57014') return new CatalogBusy(`${op} (statement timeout)`, this.opts.statementTimeoutMs);
    const reason = unreachable(e);
    if (reason !== null) return new CatalogUnavailable(op, reason, { cause: e });
    return e;
  }
}

/** Opens the catalog at a postgres:// URL; see PostgresCatalog.open. */
export function openPostgresCatalog(url: string, options: PostgresCatalogOptions = {}): Promise<PostgresCatalog> {
  return PostgresCatalog.open(url, options);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
