// What every route handler gets: configuration, storage, and the process's metrics. Built once in
// app.ts and passed to each route plugin.

import type { BlobStore, Catalog } from '../storage/types.js';
import type { Config } from './config.js';
import type { Metrics } from './http/metrics.js';

export interface ServiceContext {
  config: Config;
  catalog: Catalog;
  blobs: BlobStore;
  metrics: Metrics;
}
