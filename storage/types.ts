// The two storage interfaces the service is written against: a blob store for immutable table files
// and a catalog that records which files make up each version of each table. Local folder + SQLite
// implement them now; object storage + PostgreSQL implement the same interfaces later.

import type { ByteSink, RandomAccessSource } from '../src/format/io.js';
import type { ColumnSchema } from '../src/format/schema.js';

/** Immutable files addressed by key. Keys are built from internal ids, never from user input. */
export interface BlobStore {
  /** A sink that makes the file visible under `key` only when finished (atomic). */
  createSink(key: string): Promise<ByteSink>;
  openSource(key: string): Promise<RandomAccessSource>;
  delete(key: string): Promise<void>;
  /** Every finished file whose key starts with `prefix` (default: all), with its size and
   *  last-modified time (for vacuum of orphans). `${tableId}/` lists one table's folder. */
  list(prefix?: string): AsyncIterable<{ key: string; size: number; modified: Date }>;
  /** Ids of the table folders the store holds (one request per 1000 on object storage), so vacuum
   *  can find folders of tables the catalog does not know without listing every file. */
  tableIds(): Promise<string[]>;
  /** Removes temp files (or multipart uploads) of writes begun before `olderThan` that never
   *  finished: leftovers of a process that died mid-write (vacuum). When `mayDelete` is given, a
   *  temp file of key K is removed only if `mayDelete(K)` resolves true, asked after the temp file
   *  was seen (vacuum asks the catalog: no live pending registration). Returns how many. */
  sweepTempFiles?(olderThan: Date, mayDelete?: (key: string) => Promise<boolean>): Promise<number>;
  /** Throws when the store is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** compact: the same rows and columns in fewer files (POST /v1/tables/{name}/compact). */
export type Operation = 'create' | 'append' | 'replace' | 'compact';

export interface DataFile {
  key: string;
  rows: number;
  bytes: number;
}

export interface TableVersion {
  table: string;
  /** Internal id of the table, stable across versions; used to build file keys. */
  tableId: string;
  version: number;
  operation: Operation;
  rowsAdded: number;
  rowCount: number;
  bytes: number;
  columns: ColumnSchema[];
  /** Files of this snapshot, in row order. */
  files: DataFile[];
  createdAt: string;
  /** When this version was committed. */
  committedAt: string;
}

export interface VersionInfo {
  version: number;
  operation: Operation;
  rowsAdded: number;
  rowCount: number;
  committedAt: string;
}

export interface CommitRequest {
  table: string;
  operation: Operation;
  /** create: the table must not exist. replace: creates or replaces. append: the table must exist
   *  and `columns` must equal its columns. compact: the table must exist, `columns` must equal its
   *  columns and `file.rows` its row count; the file replaces all of the table's files (the table
   *  keeps its column labels). */
  columns: ColumnSchema[];
  file: DataFile;
  /** For replace and compact: the version the caller saw (null: none), so a racing write makes one of them 409. Omit to replace whatever is current. */
  expectVersion?: number | null;
  /** The table id the file was written under (newTableId() for a new table, else the id read with
   *  getTable). A new table gets this id (default: the key's first segment, else a fresh one); an
   *  existing table with another id was dropped and re-created meanwhile, which is a conflict. */
  tableId?: string;
  /** The client's Idempotency-Key: recorded in the same transaction as the version this commit makes.
   *  When the table (this incarnation of it) already holds the key, nothing is committed and the
   *  commit throws IdempotencyKeyUsed carrying the earlier record (see storage/idempotency.ts). */
  idempotency?: IdempotencyClaim;
}

/** An Idempotency-Key and what the request that carries it was. */
export interface IdempotencyClaim {
  key: string;
  /** Opaque to the catalog: compared by the caller to tell a retry from another request. */
  fingerprint: string;
}

/** A key as recorded with the version its request committed. */
export interface IdempotencyRecord {
  key: string;
  tableId: string;
  /** The request's operation (create, replace or append). */
  operation: Operation;
  fingerprint: string;
  /** The version the request made. */
  version: number;
  rowsAdded: number;
  createdAt: string;
}

export interface Catalog {
  listTables(): Promise<TableVersion[]>;
  /** The current version, or the given one (time travel); null when the table (or version) does not exist. */
  getTable(name: string, version?: number): Promise<TableVersion | null>;
  versions(name: string): Promise<VersionInfo[] | null>;
  /** Commits atomically; throws CatalogConflict (→ 409) or TableNotFound (→ 404), FileCollected
   *  (→ 503) when vacuum doomed the file's key. Consumes the key's pending registration. */
  commit(req: CommitRequest): Promise<TableVersion>;
  /** Deletes the table and its history; returns false when it did not exist. */
  drop(name: string): Promise<boolean>;
  /** New internal id for a table about to be created. */
  newTableId(): string;
  /** Every file key referenced by any retained version (for vacuum). */
  referencedKeys(): Promise<Set<string>>;
  /** Retention: forgets every version of table `name` but the newest `keep` (>= 1), and the files
   *  only forgotten versions referenced (their keys are returned, for the caller to delete). Time
   *  travel to a forgotten version finds nothing. Null when the table does not exist. */
  expire(name: string, keep: number): Promise<ExpireResult | null>;
  /** The record of `key` on the current incarnation of table `name`, or null (no such table or key).
   *  Keys are kept at least IDEMPOTENCY_TTL_MS (storage/idempotency.ts) and go with their table. */
  idempotencyRecord(name: string, key: string): Promise<IdempotencyRecord | null>;
  /** Pending files (the rule that no commit references a deleted file; docs/ARCHITECTURE.md "Commit
   *  protocol"): a writer registers its file's key before writing its first byte. The registration
   *  is a lease of `leaseMs` (from the catalog's clock), renewed while the writer works; vacuum never
   *  deletes a file whose registration is live. `owner` names the writer (host:pid) for operators. */
  registerPending(key: string, leaseMs: number, owner: string): Promise<void>;
  /** Extends a live registration; false when it is gone or doomed (the writer's commit would fail). */
  renewPending(key: string, leaseMs: number): Promise<boolean>;
  /** The writer gave up and deleted its file: forgets its registration (a tombstone stays). */
  releasePending(key: string): Promise<void>;
  /** Vacuum, in one transaction serialised with every commit: of `keys` (files vacuum wants to
   *  delete), dooms those no version references and no live registration holds — an expired
   *  registration is doomed too — and returns them (already doomed ones included). Only returned
   *  keys may be deleted; a later commit of a doomed key fails with FileCollected (503, nothing
   *  committed). Tombstones older than TOMBSTONE_TTL_MS are forgotten. A live registration whose
   *  owner `isGone` says has died (a process of this host that no longer exists) counts as lapsed. */
  markForDeletion(keys: string[], isGone?: (owner: string) => boolean): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long a doomed key's tombstone is kept: far beyond any writer's life between writing its
 *  file and committing it (uploads are bounded by the request timeout, catalog calls by the guard). */
export const TOMBSTONE_TTL_MS = 7 * 24 * 3600_000;

export interface ExpireResult {
  /** The oldest version still retained. */
  oldestVersion: number;
  /** How many versions were forgotten now. */
  expiredVersions: number;
  /** Files no retained version references any more. */
  removedFiles: DataFile[];
}
