// PostgreSQL as a catalog backend, named by NCF_CATALOG_URL=postgres://user:password@host:port/database.
// Opening connects and migrates; pg is loaded only when this backend is opened.

import type { Backend } from '../backend.js';
import { messageOf, StorageOpenError, withoutPassword } from '../open-errors.js';
import type { Catalog } from '../types.js';
import { postgresUnavailable } from './errors.js';

export interface PostgresCatalogSpec {
  kind: 'postgres';
  /** postgres:// or postgresql:// URL; it may carry a password, so it is never echoed as is. */
  url: string;
}

function isPostgresUrl(url: string): boolean {
  try {
    const u = new URL(url);
    // A socket directory may come as ?host=/path instead of a host name.
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host'));
  } catch {
    return false;
  }
}

export const postgresBackend: Backend<PostgresCatalogSpec, Catalog> = {
  kind: 'postgres',
  url: {
    form: 'postgres://user:password@host:port/database (or postgresql://)',
    matches: (url) => /^postgres(ql)?:/i.test(url),
    parse: (url) => (isPostgresUrl(url) ? { kind: 'postgres', url } : null),
  },
  async open(spec, ctx) {
    try {
      const { openPostgresCatalog } = await import('./catalog.js');
      return await openPostgresCatalog(spec.url, ctx.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: ctx.busyTimeoutMs });
    } catch (e) {
      throw new StorageOpenError(
        'PostgreSQL catalog',
        `${withoutPassword(spec.url)} (NCF_CATALOG_URL)`,
        messageOf(e),
        'Check that PostgreSQL is running and reachable at that host and port, that the database exists and that the user and ' +
          'password in NCF_CATALOG_URL are right; or unset NCF_CATALOG_URL to use the SQLite catalog under NCF_DATA_DIR.',
        { cause: e },
      );
    }
  },
  unavailable: postgresUnavailable,
};
