// Opens the storage pair the configuration names. Embedded (the default), under one data directory:
//   <dataDir>/catalog.sqlite        the catalog (plus its -wal and -shm files)
//   <dataDir>/files/<tableId>/<fileId>.ncf   the table files
// Scaled out: the PostgreSQL catalog at `catalogUrl` and/or the object store at `objectStorage`
// (s3://bucket/prefix): every replica opens the same pair and holds no state of its own. Either half
// may be swapped alone (e.g. PostgreSQL with local files on a shared volume).
// User table names never appear in paths or keys; only internal ids do.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalBlobStore } from './blob-local.js';
import { S3BlobStore } from './blob-s3.js';
import { openPostgresCatalog } from './catalog-postgres.js';
import { SqliteCatalog } from './catalog-sqlite.js';
import type { S3Location } from './s3-url.js';
import type { BlobStore, Catalog } from './types.js';

export interface StorageConfig {
  dataDir: string;
  /** See SqliteCatalogOptions.busyTimeoutMs (default 5000). */
  busyTimeoutMs?: number;
  /** postgres:// or postgresql:// URL of the shared catalog; absent or null: SQLite under dataDir. */
  catalogUrl?: string | null;
  /** Object storage for table files; absent or null: a folder under dataDir. */
  objectStorage?: S3Location | null;
}

export interface Storage {
  catalog: Catalog;
  blobs: BlobStore;
  /** Closes both. */
  close(): Promise<void>;
}

export const CATALOG_FILE = 'catalog.sqlite';
export const FILES_DIR = 'files';

export async function openStorage(config: StorageConfig): Promise<Storage> {
  const dataDir = resolve(config.dataDir);
  let blobs: BlobStore;
  if (config.objectStorage) {
    blobs = new S3BlobStore(config.objectStorage);
  } else {
    const filesDir = join(dataDir, FILES_DIR);
    await mkdir(filesDir, { recursive: true });
    blobs = new LocalBlobStore(filesDir);
  }
  let catalog: Catalog;
  try {
    if (config.catalogUrl) {
      catalog = await openPostgresCatalog(config.catalogUrl, config.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: config.busyTimeoutMs });
    } else {
      await mkdir(dataDir, { recursive: true });
      catalog = new SqliteCatalog(join(dataDir, CATALOG_FILE), { busyTimeoutMs: config.busyTimeoutMs });
    }
  } catch (e) {
    await blobs.close().catch(() => {});
    throw e;
  }
  return {
    catalog,
    blobs,
    async close() {
      await Promise.allSettled([catalog.close(), blobs.close()]);
    },
  };
}
