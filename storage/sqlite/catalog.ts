// Catalog on an embedded SQLite file (better-sqlite3). WAL lets readers run beside the one writer;
// synchronous=FULL makes a returned commit survive power loss; busy_timeout lets several processes
// share the file. Every commit is one BEGIN IMMEDIATE transaction: it takes the write lock before
// reading the current version, so two racing commits serialise and versions stay gap-free.
// Vacuum's dooming of keys (markForDeletion) is a write transaction too, so it runs wholly before or
// after each commit; a full or failing disk (SQLITE_FULL, SQLITE_IOERR, ...) is CatalogUnavailable (503).
//
// better-sqlite3 is synchronous: a transaction runs to completion inside one call and never spans an
// await, so connections in the same process never wait on each other; a process waiting on another
// one's lock blocks its event loop for at most busyTimeoutMs (commits hold the lock for well under a
// millisecond).
//
// Current versions are kept in memory (storage/snapshot.ts): a query's getTable is one
// `PRAGMA data_version` (it moves when another connection or process commits) compared with the last
// one seen, plus a counter of this connection's own writes, instead of three SELECTs.

import Database from 'better-sqlite3';
import type { ColumnSchema } from '../../src/format/schema.js';
import { CatalogBusy, CatalogUnavailable, FileCollected, closed, invalidRequest } from '../errors.js';
import { newId, tableIdOfKey } from '../keys.js';
import { commitOutcome, isBusy, sqliteUnavailable } from './errors.js';
import { migrate } from './migrations.js';
import { TableSnapshots } from '../snapshot.js';
import {
  TOMBSTONE_TTL_MS,
  type Catalog,
  type CommitRequest,
  type DataFile,
  type ExpireResult,
  type Operation,
  type TableVersion,
  type VersionInfo,
} from '../types.js';
import { checkCommit, checkCommitRequest, checkKeep } from '../commit-checks.js';
import { IDEMPOTENCY_TTL_MS, type IdempotencyOptions } from '../idempotency.js';
import { findKey, forgetKeys, recordKey, refuseUsedKey } from './idempotency.js';
import type { IdempotencyRecord } from '../types.js';

export interface SqliteCatalogOptions extends IdempotencyOptions {
  /** How long a writer waits for another process's lock before CatalogBusy (default 5000 ms). */
  busyTimeoutMs?: number;
}

interface TableRow {
  table_id: string;
  name: string;
  created_at: string;
  current_version: number;
}
interface VersionRow {
  version: number;
  operation: Operation;
  rows_added: number;
  row_count: number;
  bytes: number;
  columns_json: string;
  committed_at: string;
}
type FileRow = DataFile;

export class SqliteCatalog implements Catalog {
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  private readonly idempotencyTtlMs: number;
  private readonly stmt: ReturnType<typeof prepare>;
  /** Current versions by table name, valid while changeToken() stays the same. */
  readonly snapshots = new TableSnapshots<number>();
  /** Moves on every change seen: another connection's (data_version) or one of ours (write()). */
  private epoch = 0;
  private dataVersion = -1;

  constructor(
    readonly path: string,
    opts: SqliteCatalogOptions = {},
  ) {
    this.busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
    this.idempotencyTtlMs = opts.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS;
    this.db = new Database(path, { timeout: this.busyTimeoutMs });
    try {
      this.guard('open', () => {
        const mode = this.db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new Error(`catalog ${path}: could not enable WAL (journal_mode is ${String(mode)})`);
        this.db.pragma('synchronous = FULL');
        migrate(this.db);
      });
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.stmt = prepare(this.db);
  }

  async listTables(): Promise<TableVersion[]> {
    return this.read('listTables', () => {
      const files = new Map<string, DataFile[]>();
      for (const f of this.stmt.liveFiles.all()) {
        let list = files.get(f.table_id);
        if (list === undefined) files.set(f.table_id, (list = []));
        list.push({ key: f.key, rows: f.rows, bytes: f.bytes });
      }
      return this.stmt.current.all().map((r) => toTableVersion(r, r, files.get(r.table_id) ?? []));
    });
  }

  async getTable(name: string, version?: number): Promise<TableVersion | null> {
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) return null;
    if (version === undefined) {
      // The token is read before the fill: a commit racing it makes the next call read again.
      const token = this.guard('getTable', () => this.changeToken());
      const cached = this.snapshots.get(name, token);
      if (cached !== undefined) return cached;
      return this.snapshots.set(name, token, this.readTable(name));
    }
    return this.readTable(name, version);
  }

  private readTable(name: string, version?: number): TableVersion | null {
    return this.read('getTable', () => {
      const t = this.stmt.table.get(name);
      return t === undefined ? null : this.snapshot(t, version ?? t.current_version);
    });
  }

  /** Changes whenever the catalog's content may have: a commit by another connection or process
   *  (PRAGMA data_version, which ignores this connection's own) or a write through this one. */
  private changeToken(): number {
    const dv = this.stmt.dataVersion.get()!;
    if (dv !== this.dataVersion) {
      this.dataVersion = dv;
      this.epoch++;
    }
    return this.epoch;
  }

  async versions(name: string): Promise<VersionInfo[] | null> {
    return this.read('versions', () => {
      const t = this.stmt.table.get(name);
      return t === undefined ? null : this.stmt.history.all(t.table_id);
    });
  }

  async commit(req: CommitRequest): Promise<TableVersion> {
    const columns = checkCommitRequest(req);
    return this.write('commit', () => {
      // The key is checked and recorded in the commit's own transaction (storage/idempotency.ts).
      refuseUsedKey(this.db, req);
      const v = this.commitLocked(req, columns);
      recordKey(this.db, req, v, this.idempotencyTtlMs);
      return v;
    });
  }

  async idempotencyRecord(name: string, key: string): Promise<IdempotencyRecord | null> {
    return this.read('idempotencyRecord', () => findKey(this.db, name, key));
  }

  private commitLocked(req: CommitRequest, columns: ColumnSchema[]): TableVersion {
    const { table, operation, file } = req;
    const t = this.stmt.table.get(table);
    const prev = t === undefined ? undefined : this.stmt.version.get(t.table_id, t.current_version)!;
    const candidateId = req.tableId ?? tableIdOfKey(file.key) ?? newId();
    const owner = this.stmt.keyOwner.get(file.key);
    // The same rules, in the same order, as every catalog (commit-checks.ts).
    checkCommit(
      req,
      columns,
      t === undefined
        ? null
        : {
            tableId: t.table_id,
            version: t.current_version,
            columns: JSON.parse(prev!.columns_json) as ColumnSchema[],
            rowCount: prev!.row_count,
          },
      {
        keyOwner: owner === undefined ? null : this.describeTableId(owner.table_id),
        idOwner: t !== undefined || this.stmt.tableById.get(candidateId) === undefined ? null : this.describeTableId(candidateId),
        newTableId: candidateId,
      },
    );
    const now = new Date().toISOString();

    if (t === undefined) {
      const tableId = candidateId;
      this.consumePending(table, file.key);
      this.stmt.insertTable.run(tableId, table, now);
      // A replace that finds no table records what it did: it created one.
      this.stmt.insertVersion.run(tableId, 1, 'create', file.rows, file.rows, file.bytes, JSON.stringify(columns), now);
      this.stmt.insertFile.run(tableId, 1, file.key, file.rows, file.bytes, 1);
      return this.snapshot({ table_id: tableId, name: table, created_at: now, current_version: 1 }, 1)!;
    }

    const next = t.current_version + 1;
    const ordinal = this.stmt.nextOrdinal.get(t.table_id)!.n;
    const prevRow = prev!;
    this.consumePending(table, file.key);
    if (operation === 'append') {
      // The table keeps its own column labels (descriptions, semantic types), not the file's.
      this.stmt.insertVersion.run(
        t.table_id,
        next,
        'append',
        file.rows,
        prevRow.row_count + file.rows,
        prevRow.bytes + file.bytes,
        prevRow.columns_json,
        now,
      );
    } else if (operation === 'compact') {
      // Same rows, same columns: only the files change.
      this.stmt.retireFiles.run(next, t.table_id);
      this.stmt.insertVersion.run(t.table_id, next, 'compact', 0, prevRow.row_count, file.bytes, prevRow.columns_json, now);
    } else {
      this.stmt.retireFiles.run(next, t.table_id);
      this.stmt.insertVersion.run(t.table_id, next, 'replace', file.rows, file.rows, file.bytes, JSON.stringify(columns), now);
    }
    this.stmt.insertFile.run(t.table_id, ordinal, file.key, file.rows, file.bytes, next);
    this.stmt.setCurrent.run(next, t.table_id);
    return this.snapshot({ ...t, current_version: next }, next)!;
  }

  /** Inside the commit's transaction: a doomed key (vacuum deleted or is deleting its file) fails
   *  the commit; a registration is consumed (the file is referenced from now on). */
  private consumePending(table: string, key: string): void {
    const p = this.stmt.pendingGet.get(key);
    if (p !== undefined && p.doomed_at !== null) throw new FileCollected(table, key);
    if (p !== undefined) this.stmt.pendingDelete.run(key);
  }

  async registerPending(key: string, leaseMs: number, owner: string): Promise<void> {
    return this.write('registerPending', () => {
      if (this.stmt.keyOwner.get(key) !== undefined || this.stmt.pendingGet.get(key) !== undefined) {
        throw invalidRequest(`registerPending: key ${JSON.stringify(key)} is already known to the catalog; every write needs a new key`, {
          key,
        });
      }
      const now = Date.now();
      this.stmt.pendingInsert.run(key, owner, now, now + leaseMs);
    });
  }

  async renewPending(key: string, leaseMs: number): Promise<boolean> {
    return this.write('renewPending', () => this.stmt.pendingRenew.run(Date.now() + leaseMs, key).changes === 1);
  }

  async releasePending(key: string): Promise<void> {
    this.write('releasePending', () => this.stmt.pendingDelete.run(key));
  }

  async markForDeletion(keys: string[], isGone: (owner: string) => boolean = () => false): Promise<string[]> {
    // One write transaction: commits (also write transactions) run wholly before or after it.
    return this.write('markForDeletion', () => {
      const now = Date.now();
      this.stmt.pendingForget.run(now - TOMBSTONE_TTL_MS, now - TOMBSTONE_TTL_MS);
      const out: string[] = [];
      for (const key of new Set(keys)) {
        if (this.stmt.keyOwner.get(key) !== undefined) continue;
        const p = this.stmt.pendingGet.get(key);
        if (p !== undefined && p.doomed_at === null && p.expires_at > now && !isGone(p.owner)) continue;
        this.stmt.pendingDoom.run(key, now, now, now, now);
        out.push(key);
      }
      return out;
    });
  }

  async drop(name: string): Promise<boolean> {
    return this.write('drop', () => {
      const t = this.stmt.table.get(name);
      if (t === undefined) return false;
      this.stmt.dropFiles.run(t.table_id);
      this.stmt.dropVersions.run(t.table_id);
      this.stmt.dropTable.run(t.table_id);
      forgetKeys(this.db, t.table_id);
      return true;
    });
  }

  async expire(name: string, keep: number): Promise<ExpireResult | null> {
    checkKeep(keep);
    return this.write('expire', () => {
      const t = this.stmt.table.get(name);
      if (t === undefined) return null;
      const oldestVersion = Math.max(1, t.current_version - keep + 1);
      // Files retired at or before the oldest kept version belong to forgotten versions only.
      const removedFiles = this.stmt.expiredFiles.all(t.table_id, oldestVersion);
      this.stmt.deleteExpiredFiles.run(t.table_id, oldestVersion);
      const expiredVersions = this.stmt.deleteExpiredVersions.run(t.table_id, oldestVersion).changes;
      return { oldestVersion, expiredVersions, removedFiles };
    });
  }

  newTableId(): string {
    return newId();
  }

  async referencedKeys(): Promise<Set<string>> {
    return this.read('referencedKeys', () => new Set(this.stmt.keys.all()));
  }

  async ping(): Promise<void> {
    this.read('ping', () => this.stmt.ping.get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private snapshot(t: TableRow, version: number): TableVersion | null {
    const v = this.stmt.version.get(t.table_id, version);
    if (v === undefined) return null;
    return toTableVersion(t, v, this.stmt.filesAt.all(t.table_id, version, version));
  }

  private describeTableId(tableId: string): string {
    const other = this.stmt.tableById.get(tableId);
    return other === undefined ? `table id ${tableId}` : `table "${other.name}"`;
  }

  /** Several SELECTs in one read transaction see one consistent snapshot (WAL). */
  private read<T>(op: string, fn: () => T): T {
    return this.guard(op, () => this.db.transaction(fn).deferred());
  }

  private write<T>(op: string, fn: () => T): T {
    try {
      return this.guard(op, () => this.db.transaction(fn).immediate());
    } finally {
      // data_version does not move for this connection's own commits.
      this.epoch++;
    }
  }

  private guard<T>(op: string, fn: () => T): T {
    if (!this.db.open) throw closed(`catalog ${this.path}`);
    try {
      return fn();
    } catch (e) {
      if (isBusy(e)) throw new CatalogBusy(op, this.busyTimeoutMs);
      const code = sqliteUnavailable(e);
      if (code?.startsWith('SQLITE_')) {
        const outcome = op === 'commit' ? commitOutcome(code) : undefined;
        throw new CatalogUnavailable(op, code, outcome === undefined ? { cause: e } : { cause: e, commitOutcome: outcome });
      }
      throw e;
    }
  }
}

/** Opens (creating when missing) the catalog file at `path` and applies pending migrations. */
export function openSqliteCatalog(path: string, opts: SqliteCatalogOptions = {}): SqliteCatalog {
  return new SqliteCatalog(path, opts);
}

function prepare(db: Database.Database) {
  return {
    table: db.prepare<[string], TableRow>('SELECT table_id, name, created_at, current_version FROM tables WHERE name = ?'),
    tableById: db.prepare<[string], { name: string }>('SELECT name FROM tables WHERE table_id = ?'),
    version: db.prepare<[string, number], VersionRow>(
      `SELECT version, operation, rows_added, row_count, bytes, columns_json, committed_at
       FROM versions WHERE table_id = ? AND version = ?`,
    ),
    filesAt: db.prepare<[string, number, number], FileRow>(
      `SELECT key, rows, bytes FROM files
       WHERE table_id = ? AND added_version <= ? AND (removed_version IS NULL OR removed_version > ?)
       ORDER BY ordinal`,
    ),
    history: db.prepare<[string], VersionInfo>(
      `SELECT version, operation, rows_added AS rowsAdded, row_count AS rowCount, committed_at AS committedAt
       FROM versions WHERE table_id = ? ORDER BY version`,
    ),
    current: db.prepare<[], TableRow & VersionRow>(
      `SELECT t.table_id, t.name, t.created_at, t.current_version, v.version, v.operation, v.rows_added,
              v.row_count, v.bytes, v.columns_json, v.committed_at
       FROM tables t JOIN versions v ON v.table_id = t.table_id AND v.version = t.current_version
       ORDER BY t.name`,
    ),
    liveFiles: db.prepare<[], FileRow & { table_id: string }>(
      'SELECT table_id, key, rows, bytes FROM files WHERE removed_version IS NULL ORDER BY table_id, ordinal',
    ),
    keyOwner: db.prepare<[string], { table_id: string }>('SELECT table_id FROM files WHERE key = ?'),
    nextOrdinal: db.prepare<[string], { n: number }>('SELECT COALESCE(MAX(ordinal), 0) + 1 AS n FROM files WHERE table_id = ?'),
    insertTable: db.prepare<[string, string, string], unknown>(
      'INSERT INTO tables (table_id, name, created_at, current_version) VALUES (?, ?, ?, 1)',
    ),
    setCurrent: db.prepare<[number, string], unknown>('UPDATE tables SET current_version = ? WHERE table_id = ?'),
    insertVersion: db.prepare<[string, number, Operation, number, number, number, string, string], unknown>(
      `INSERT INTO versions (table_id, version, operation, rows_added, row_count, bytes, columns_json, committed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFile: db.prepare<[string, number, string, number, number, number], unknown>(
      'INSERT INTO files (table_id, ordinal, key, rows, bytes, added_version) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    retireFiles: db.prepare<[number, string], unknown>(
      'UPDATE files SET removed_version = ? WHERE table_id = ? AND removed_version IS NULL',
    ),
    dropFiles: db.prepare<[string], unknown>('DELETE FROM files WHERE table_id = ?'),
    dropVersions: db.prepare<[string], unknown>('DELETE FROM versions WHERE table_id = ?'),
    dropTable: db.prepare<[string], unknown>('DELETE FROM tables WHERE table_id = ?'),
    keys: db.prepare<[], string>('SELECT key FROM files').pluck(),
    expiredFiles: db.prepare<[string, number], FileRow>(
      'SELECT key, rows, bytes FROM files WHERE table_id = ? AND removed_version IS NOT NULL AND removed_version <= ? ORDER BY ordinal',
    ),
    deleteExpiredFiles: db.prepare<[string, number], unknown>(
      'DELETE FROM files WHERE table_id = ? AND removed_version IS NOT NULL AND removed_version <= ?',
    ),
    deleteExpiredVersions: db.prepare<[string, number], unknown>('DELETE FROM versions WHERE table_id = ? AND version < ?'),
    ping: db.prepare<[], number>('SELECT 1').pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    pendingGet: db.prepare<[string], { owner: string; expires_at: number; doomed_at: number | null }>(
      'SELECT owner, expires_at, doomed_at FROM pending_files WHERE key = ?',
    ),
    pendingInsert: db.prepare<[string, string, number, number], unknown>(
      'INSERT INTO pending_files (key, owner, registered_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    pendingRenew: db.prepare<[number, string], unknown>('UPDATE pending_files SET expires_at = ? WHERE key = ? AND doomed_at IS NULL'),
    pendingDelete: db.prepare<[string], unknown>('DELETE FROM pending_files WHERE key = ? AND doomed_at IS NULL'),
    pendingDoom: db.prepare<[string, number, number, number, number], unknown>(
      `INSERT INTO pending_files (key, owner, registered_at, expires_at, doomed_at) VALUES (?, 'vacuum', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET doomed_at = COALESCE(doomed_at, ?)`,
    ),
    pendingForget: db.prepare<[number, number], unknown>(
      'DELETE FROM pending_files WHERE (doomed_at IS NOT NULL AND doomed_at < ?) OR (doomed_at IS NULL AND expires_at < ?)',
    ),
  };
}

function toTableVersion(t: TableRow, v: VersionRow, files: DataFile[]): TableVersion {
  return {
    table: t.name,
    tableId: t.table_id,
    version: v.version,
    operation: v.operation,
    rowsAdded: v.rows_added,
    rowCount: v.row_count,
    bytes: v.bytes,
    columns: JSON.parse(v.columns_json) as ColumnSchema[],
    files,
    createdAt: t.created_at,
    committedAt: v.committed_at,
  };
}
