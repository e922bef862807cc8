// Typed storage errors. Each carries the HTTP status it maps to, so the service's error handler
// (src/http/errors.ts) renders them without knowing which catalog or blob store raised them, and a stable
// `code` plus machine-readable `details` for problem+json bodies.

import type { ColumnDifference } from './schema-diff.js';

export type StorageErrorCode =
  | 'TABLE_NOT_FOUND'
  | 'TABLE_EXISTS'
  | 'CATALOG_CONFLICT'
  | 'CATALOG_BUSY'
  | 'CATALOG_UNAVAILABLE'
  | 'FILE_COLLECTED'
  | 'BLOB_NOT_FOUND'
  | 'BLOB_EXISTS'
  | 'INVALID_KEY'
  | 'INVALID_REQUEST'
  | 'STORAGE_STATE'
  | 'STORAGE_UNAVAILABLE'
  | 'STORAGE_FAILURE'
  | 'IDEMPOTENCY_KEY_USED';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly httpStatus: number;
  readonly details: Record<string, unknown>;

  constructor(code: StorageErrorCode, httpStatus: number, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = details;
  }
}

export class TableNotFound extends StorageError {
  readonly table: string;
  constructor(table: string, version?: number) {
    const what = version === undefined ? `table "${table}"` : `version ${version} of table "${table}"`;
    super('TABLE_NOT_FOUND', 404, `${what} does not exist`, version === undefined ? { table } : { table, version });
    this.name = 'TableNotFound';
    this.table = table;
  }
}

export class TableExists extends StorageError {
  readonly table: string;
  constructor(table: string, currentVersion: number) {
    super('TABLE_EXISTS', 409, `table "${table}" already exists (version ${currentVersion}); use replace or append`, {
      table,
      currentVersion,
    });
    this.name = 'TableExists';
    this.table = table;
  }
}

/** A commit that lost a race (expectVersion, table re-created) or whose columns do not fit the table. */
export class CatalogConflict extends StorageError {
  readonly table: string;
  /** Empty unless the conflict is about columns. */
  readonly differences: ColumnDifference[];

  constructor(table: string, message: string, details: { differences?: ColumnDifference[]; [k: string]: unknown } = {}) {
    const differences = details.differences ?? [];
    super('CATALOG_CONFLICT', 409, message, { table, ...details, differences });
    this.name = 'CatalogConflict';
    this.table = table;
    this.differences = differences;
  }
}

/** The catalog stayed locked by another writer for longer than its busy timeout: retry later. */
export class CatalogBusy extends StorageError {
  constructor(operation: string, timeoutMs: number) {
    super('CATALOG_BUSY', 503, `catalog is busy: ${operation} waited ${timeoutMs} ms for another writer's lock; retry`, {
      operation,
      timeoutMs,
    });
    this.name = 'CatalogBusy';
  }
}

/** The catalog's database cannot be reached (connection refused, reset or timed out; server shutting
 *  down): retry later. `reason` is a short code such as ECONNREFUSED or a SQLSTATE, never the URL.
 *  A commit whose connection broke while committing may have been applied anyway: `commitOutcome`
 *  'unknown' says so (its file must then be kept: a version may reference it); 'not applied' says the
 *  catalog checked and it was not. */
export class CatalogUnavailable extends StorageError {
  readonly commitOutcome: 'unknown' | 'not applied' | undefined;

  constructor(operation: string, reason: string, options: { cause?: unknown; commitOutcome?: 'unknown' | 'not applied' } = {}) {
    const outcome =
      options.commitOutcome === 'unknown' ? ', and whether the commit was applied is unknown: read the table before retrying' : '';
    super(
      'CATALOG_UNAVAILABLE',
      503,
      `catalog is unavailable: ${operation} could not use the catalog database (${reason})${outcome}; retry`,
      options.commitOutcome === undefined ? { operation, reason } : { operation, reason, commitOutcome: options.commitOutcome },
    );
    this.name = 'CatalogUnavailable';
    this.commitOutcome = options.commitOutcome;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** A commit whose file vacuum doomed (its writer's registration expired, or it never registered and
 *  the file was older than the grace period): nothing was committed; upload again. */
export class FileCollected extends StorageError {
  constructor(table: string, key: string) {
    super(
      'FILE_COLLECTED',
      503,
      `the file written for this commit to table "${table}" was collected by vacuum before the commit (its writer took longer than its registration lasts); nothing was committed; retry the upload`,
      { table, key },
    );
    this.name = 'FileCollected';
  }
}

/** A key the catalog references but the store does not hold: our data is damaged, never the client's fault. */
export class BlobNotFound extends StorageError {
  constructor(key: string) {
    super('BLOB_NOT_FOUND', 500, `blob "${key}" does not exist in the store`, { key });
    this.name = 'BlobNotFound';
  }
}

export function blobExists(key: string): StorageError {
  return new StorageError('BLOB_EXISTS', 500, `blob "${key}" already exists; blobs are immutable and keys are never reused`, { key });
}

/** Keys are built from internal ids, so a bad one is a bug in the caller, not a client error. */
export function invalidKey(key: string, why: string): StorageError {
  return new StorageError('INVALID_KEY', 500, `invalid blob key ${JSON.stringify(key)}: ${why}; expected "<tableId>/<fileId>.ncf"`, {
    key,
  });
}

export function invalidRequest(message: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('INVALID_REQUEST', 500, message, details);
}

export function closed(what: string): StorageError {
  return new StorageError('STORAGE_STATE', 503, `${what} is closed`);
}

/** Object storage could not be reached, or kept answering with a transient failure (503 SlowDown,
 *  500, a timeout, a reset connection) through the client's retries: the service answers 503 with
 *  Retry-After, and the request can simply be repeated. */
export class StorageUnavailable extends StorageError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('STORAGE_UNAVAILABLE', 503, message, details);
    this.name = 'StorageUnavailable';
  }
}

/** Object storage refused a request for a reason retrying will not fix (no such bucket, access
 *  denied, an answer that breaks the protocol): a configuration or server problem, never the client's. */
export function storageFailure(message: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('STORAGE_FAILURE', 500, message, details);
}
