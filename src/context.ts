// What every route handler gets: configuration, storage, the process's metrics and the reader cache
// of stored files. Built once (createContext, from app.ts or a test) and passed to each route plugin.

import type { BlobStore, Catalog } from '../storage/types.js';
import type { Config } from './config.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { ReaderCache } from './tables/reader-cache.js';

export interface ServiceContext {
  config: Config;
  catalog: Catalog;
  blobs: BlobStore;
  metrics: Metrics;
  /** Open readers of stored table files, shared by this context's requests (src/tables/reader-cache.ts). */
  readers: ReaderCache;
}

/** A context over opened storage; its reader cache reports to its metrics. */
export function createContext(
  config: Config,
  storage: { catalog: Catalog; blobs: BlobStore },
  metrics: Metrics = createMetrics(),
): ServiceContext {
  return { config, catalog: storage.catalog, blobs: storage.blobs, metrics, readers: new ReaderCache(storage.blobs, metrics) };
}
