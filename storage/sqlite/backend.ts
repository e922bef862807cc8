// The SQLite file as a catalog backend: the embedded default, <dataDir>/catalog.sqlite (plus -wal, -shm).

import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend.js';
import { messageOf, StorageOpenError } from '../open-errors.js';
import type { Catalog } from '../types.js';
import { sqliteUnavailable } from './errors.js';

export const CATALOG_FILE = 'catalog.sqlite';

export interface SqliteCatalogSpec {
  kind: 'sqlite';
  /** Absolute path of the catalog file. */
  path: string;
}

export const sqliteBackend: Backend<SqliteCatalogSpec, Catalog> = {
  kind: 'sqlite',
  embedded: (dataDir) => ({ kind: 'sqlite', path: join(dataDir, CATALOG_FILE) }),
  async open(spec, ctx) {
    try {
      await mkdir(dirname(spec.path), { recursive: true });
      const { SqliteCatalog } = await import('./catalog.js');
      return new SqliteCatalog(spec.path, { busyTimeoutMs: ctx.busyTimeoutMs });
    } catch (e) {
      throw new StorageOpenError(
        'SQLite catalog',
        `${spec.path} (NCF_DATA_DIR)`,
        messageOf(e),
        'Point NCF_DATA_DIR at a writable folder whose catalog.sqlite (if any) was written by this or an older build.',
        { cause: e },
      );
    }
  },
  unavailable: sqliteUnavailable,
};
