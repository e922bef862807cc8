// Opens the storage pair the configuration names. Embedded (the default), under one data directory:
//   <dataDir>/catalog.sqlite        the catalog (plus its -wal and -shm files)
//   <dataDir>/files/<tableId>/<fileId>.ncf   the table files
// Scaled out: the PostgreSQL catalog at `catalogUrl` and/or the object store at `objectStorage`
// (s3://bucket/prefix): every replica opens the same pair and holds no state of its own. Either half
// may be swapped alone (e.g. PostgreSQL with local files on a shared volume).
// User table names never appear in paths or keys; only internal ids do.
// Opening checks every dependency (the PostgreSQL catalog connects and migrates; the object store
// answers a HeadBucket), and a failure is a StorageOpenError naming the dependency, where it is (URL
// without its password) and what to check, so the server can say so and exit at start-up.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalBlobStore } from './local/blob-store.js';
import { SqliteCatalog } from './sqlite/catalog.js';
import { guardBlobStore, guardCatalog } from './guard.js';
import { describeS3Location, type S3Location } from './s3/url.js';
import type { BlobStore, Catalog } from './types.js';

export interface StorageConfig {
  dataDir: string;
  /** See SqliteCatalogOptions.busyTimeoutMs (default 5000). */
  busyTimeoutMs?: number;
  /** postgres:// or postgresql:// URL of the shared catalog; absent or null: SQLite under dataDir. */
  catalogUrl?: string | null;
  /** Object storage for table files; absent or null: a folder under dataDir. */
  objectStorage?: S3Location | null;
  /** Deadline of each storage and catalog call (guard.ts; default 60 s). */
  callTimeoutMs?: number;
}

export interface Storage {
  catalog: Catalog;
  blobs: BlobStore;
  /** Closes both. */
  close(): Promise<void>;
}

export const CATALOG_FILE = 'catalog.sqlite';
export const FILES_DIR = 'files';

/** Which dependency could not be opened, where it is (no secrets) and what to check. */
export class StorageOpenError extends Error {
  constructor(
    readonly dependency: 'object storage' | 'PostgreSQL catalog' | 'data directory' | 'SQLite catalog',
    readonly where: string,
    readonly reason: string,
    readonly hint: string,
    options: { cause?: unknown } = {},
  ) {
    super(`the ${dependency} at ${where} cannot be opened: ${reason}. ${hint}`, options);
    this.name = 'StorageOpenError';
  }
}

/** The data directory (table files, the SQLite catalog, upload spools: needed in every setup) is unusable. */
export function dataDirError(dataDir: string, e: unknown): StorageOpenError {
  return new StorageOpenError(
    'data directory',
    `${resolve(dataDir)} (NCF_DATA_DIR)`,
    messageOf(e),
    'Point NCF_DATA_DIR at a folder this process may create and write (its parents must be folders).',
    { cause: e },
  );
}

export async function openStorage(config: StorageConfig): Promise<Storage> {
  const dataDir = resolve(config.dataDir);
  let blobs: BlobStore;
  if (config.objectStorage) {
    // Loaded only when configured: the AWS SDK and pg add ~0.2 s to every embedded start-up.
    const { S3BlobStore } = await import('./s3/blob-store.js');
    const store = new S3BlobStore(config.objectStorage);
    try {
      await store.ping();
    } catch (e) {
      await store.close();
      throw new StorageOpenError(
        'object storage',
        `${describeS3Location(config.objectStorage)} (NCF_STORAGE_URL)`,
        messageOf(e),
        'Check that the endpoint is reachable (AWS_ENDPOINT_URL, or AWS for none), that the bucket exists, and that the credentials ' +
          '(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) may read and write it; or unset NCF_STORAGE_URL to keep files under NCF_DATA_DIR.',
        { cause: e },
      );
    }
    blobs = store;
  } else {
    const filesDir = join(dataDir, FILES_DIR);
    try {
      await mkdir(filesDir, { recursive: true });
    } catch (e) {
      throw dataDirError(dataDir, e);
    }
    blobs = new LocalBlobStore(filesDir);
  }
  let catalog: Catalog;
  try {
    if (config.catalogUrl) {
      try {
        const { openPostgresCatalog } = await import('./postgres/catalog.js');
        catalog = await openPostgresCatalog(
          config.catalogUrl,
          config.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: config.busyTimeoutMs },
        );
      } catch (e) {
        throw new StorageOpenError(
          'PostgreSQL catalog',
          `${withoutPassword(config.catalogUrl)} (NCF_CATALOG_URL)`,
          messageOf(e),
          'Check that PostgreSQL is running and reachable at that host and port, that the database exists and that the user and ' +
            'password in NCF_CATALOG_URL are right; or unset NCF_CATALOG_URL to use the SQLite catalog under NCF_DATA_DIR.',
          { cause: e },
        );
      }
    } else {
      const file = join(dataDir, CATALOG_FILE);
      try {
        await mkdir(dataDir, { recursive: true });
        catalog = new SqliteCatalog(file, { busyTimeoutMs: config.busyTimeoutMs });
      } catch (e) {
        throw new StorageOpenError(
          'SQLite catalog',
          `${file} (NCF_DATA_DIR)`,
          messageOf(e),
          'Point NCF_DATA_DIR at a writable folder whose catalog.sqlite (if any) was written by this or an older build.',
          { cause: e },
        );
      }
    }
  } catch (e) {
    await blobs.close().catch(() => {});
    throw e;
  }
  // Deadlines and 503s for failing dependencies (guard.ts).
  const guard = config.callTimeoutMs === undefined ? {} : { callTimeoutMs: config.callTimeoutMs };
  catalog = guardCatalog(catalog, guard);
  blobs = guardBlobStore(blobs, guard);
  return {
    catalog,
    blobs,
    async close() {
      await Promise.allSettled([catalog.close(), blobs.close()]);
    },
  };
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.\s*$/, '');
}

/** The URL with its password (in the userinfo or a `password` parameter) replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '(an unparsable URL)';
  }
}
