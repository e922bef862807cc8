// Opens the local storage of one data directory:
//   <dataDir>/catalog.sqlite        the catalog (plus its -wal and -shm files)
//   <dataDir>/files/<tableId>/<fileId>.ncf   the table files
// User table names never appear in paths; only internal ids do.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalBlobStore } from './blob-local.js';
import { SqliteCatalog } from './catalog-sqlite.js';
import type { BlobStore, Catalog } from './types.js';

export interface StorageConfig {
  dataDir: string;
  /** See SqliteCatalogOptions.busyTimeoutMs (default 5000). */
  busyTimeoutMs?: number;
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
  const filesDir = join(dataDir, FILES_DIR);
  await mkdir(filesDir, { recursive: true });
  const catalog = new SqliteCatalog(join(dataDir, CATALOG_FILE), { busyTimeoutMs: config.busyTimeoutMs });
  const blobs = new LocalBlobStore(filesDir);
  return {
    catalog,
    blobs,
    async close() {
      await Promise.allSettled([catalog.close(), blobs.close()]);
    },
  };
}
