// Opens the storage pair the configuration names. Embedded (the default), under one data directory:
//   <dataDir>/catalog.sqlite        the catalog (plus its -wal and -shm files)
//   <dataDir>/files/<tableId>/<fileId>.ncf   the table files
// Scaled out: a PostgreSQL catalog ({kind: 'postgres'}) and/or object storage ({kind: 's3'}): every
// replica opens the same pair and holds no state of its own. Either half may be swapped alone (e.g.
// PostgreSQL with local files on a shared volume). Each half opens through its backend's row
// (backends.ts), and the guard around it classifies failures with that row's classifier.
// User table names never appear in paths or keys; only internal ids do.
// Opening checks every dependency (the PostgreSQL catalog connects and migrates; the object store
// answers a HeadBucket), and a failure is a StorageOpenError naming the dependency, where it is (URL
// without its password) and what to check, so the server can say so and exit at start-up.

import { resolve } from 'node:path';
import { type BlobsSpec, blobBackend, type CatalogSpec, catalogBackend, embeddedBlobs, embeddedCatalog } from './backends.js';
import { guardBlobStore, guardCatalog } from './guard.js';
import type { BlobStore, Catalog } from './types.js';

export { FILES_DIR } from './local/backend.js';
export { dataDirError, StorageOpenError, withoutPassword } from './open-errors.js';
export { CATALOG_FILE } from './sqlite/backend.js';
export type { BlobsSpec, CatalogSpec };

export interface StorageConfig {
  /** The data directory: the embedded backends' home, named in their messages. */
  dataDir: string;
  /** Where the table files are; absent: a folder under dataDir. */
  blobs?: BlobsSpec;
  /** Where the catalog is; absent: SQLite under dataDir. */
  catalog?: CatalogSpec;
  /** See SqliteCatalogOptions.busyTimeoutMs (default 5000). */
  busyTimeoutMs?: number;
  /** Deadline of each storage and catalog call (guard.ts; default 60 s). */
  callTimeoutMs?: number;
}

export interface Storage {
  catalog: Catalog;
  blobs: BlobStore;
  /** Closes both. */
  close(): Promise<void>;
}

export async function openStorage(config: StorageConfig): Promise<Storage> {
  const dataDir = resolve(config.dataDir);
  const ctx = { dataDir, ...(config.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: config.busyTimeoutMs }) };
  const blobsSpec = config.blobs ?? embeddedBlobs(dataDir);
  const catalogSpec = config.catalog ?? embeddedCatalog(dataDir);
  const blobsRow = blobBackend(blobsSpec);
  const catalogRow = catalogBackend(catalogSpec);
  let blobs = await blobsRow.open(blobsSpec, ctx);
  let catalog: Catalog;
  try {
    catalog = await catalogRow.open(catalogSpec, ctx);
  } catch (e) {
    await blobs.close().catch(() => {});
    throw e;
  }
  // Deadlines and 503s for failing dependencies (guard.ts), with each backend's own classification.
  const timeout = config.callTimeoutMs === undefined ? {} : { callTimeoutMs: config.callTimeoutMs };
  catalog = guardCatalog(catalog, { ...timeout, unavailable: catalogRow.unavailable });
  blobs = guardBlobStore(blobs, { ...timeout, unavailable: blobsRow.unavailable });
  return {
    catalog,
    blobs,
    async close() {
      await Promise.allSettled([catalog.close(), blobs.close()]);
    },
  };
}
