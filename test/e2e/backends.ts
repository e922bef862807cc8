// Where an end-to-end suite's server keeps its tables: the embedded default (a local folder and the
// SQLite catalog under the server's data directory) or the scaled-out pair (object storage on the
// s3rver emulator in the test process + PostgreSQL in a temp cluster, as NCF_STORAGE_URL and
// NCF_CATALOG_URL). A suite written against Backend runs unchanged on either.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../../storage/keys.js';
import { CATALOG_FILE } from '../../storage/open.js';
import { startPgServer, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startServer, storedFiles, type Server } from '../support/server.js';

/** Where a suite's server keeps its tables. */
export interface Backend {
  /** Shown in the suite's name. */
  readonly name: string;
  /** Starts the built server on this backend, with these extra environment variables. */
  start(env?: Record<string, string>): Promise<Server>;
  /** Stops whatever start() needed besides the server (idempotent). */
  close(): Promise<void>;
  /** Asserts that `table` of `server` is stored where this backend stores tables, and nowhere else. */
  assertStoredHere(server: Server, table: string): Promise<void>;
}

/** The embedded default: a temp data directory with the local folder and the SQLite catalog. */
export const embedded: Backend = {
  name: 'local folder + SQLite',
  start: (env = {}) => startServer({ env }),
  close: async () => {},
  async assertStoredHere(server, table) {
    const files = await storedFiles(server.dataDir);
    assert.ok(
      files.some((f) => f.endsWith('.ncf')),
      `no table file under ${server.dataDir}/files`,
    );
    assert.ok(existsSync(join(server.dataDir, CATALOG_FILE)), 'the SQLite catalog is in the data directory');
    const db = new Database(join(server.dataDir, CATALOG_FILE), { readonly: true });
    try {
      assert.ok(db.prepare('SELECT 1 FROM tables WHERE name = ?').get(table) !== undefined, `the SQLite catalog has no table ${table}`);
    } finally {
      db.close();
    }
  },
};

export interface ScaledOutBackend extends Backend {
  /** The emulator and the database the last start() used (for checks that data went there). */
  s3(): S3TestServer;
  /** NCF_STORAGE_URL of the last start(). */
  storageUrl(): string;
  /** NCF_CATALOG_URL of the last start(). */
  catalogUrl(): string;
}

/** Object storage (s3rver, in this process) + PostgreSQL (a temp cluster, or NCF_TEST_PG_URL), as
 *  NCF_STORAGE_URL and NCF_CATALOG_URL. Each start() gets its own database and key prefix. When
 *  either cannot be started, start() throws and the suite fails: it never skips. */
export function scaledOut(): ScaledOutBackend {
  let pgServer: Promise<PgTestServer> | undefined;
  let s3Server: Promise<S3TestServer> | undefined;
  let s3Ready: S3TestServer | undefined;
  let storage = '';
  let catalog = '';
  return {
    name: 'object storage (s3rver) + PostgreSQL',
    async start(env = {}) {
      pgServer ??= startPgServer();
      s3Server ??= startS3Server();
      const [p, s] = await Promise.all([pgServer, s3Server]);
      s3Ready = s;
      catalog = (await p.createDatabase()).url;
      storage = `s3://${s.bucket}/${newId()}`;
      return startServer({
        env: {
          NCF_CATALOG_URL: catalog,
          NCF_STORAGE_URL: storage,
          AWS_ENDPOINT_URL: s.endpoint,
          AWS_REGION: s.region,
          AWS_ACCESS_KEY_ID: s.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s.credentials.secretAccessKey,
          ...env,
        },
      });
    },
    async close() {
      const [p, s] = [pgServer, s3Server];
      pgServer = s3Server = undefined;
      await (await s?.catch(() => null))?.close();
      await (await p?.catch(() => null))?.stop();
    },
    s3() {
      if (s3Ready === undefined) throw new Error('scaledOut().s3(): start() has not run');
      return s3Ready;
    },
    storageUrl: () => storage,
    catalogUrl: () => catalog,
    async assertStoredHere(server, table) {
      // Nothing of the table in the data directory: no catalog file, no table file.
      assert.deepEqual(await storedFiles(server.dataDir), [], 'table files were written to the data directory');
      assert.ok(!existsSync(join(server.dataDir, CATALOG_FILE)), 'a SQLite catalog was created in the data directory');
      // The emulator holds the table's objects under the prefix; PostgreSQL has the table.
      const s = this.s3();
      const prefix = storage.slice(`s3://${s.bucket}/`.length);
      const objects = await readdir(join(s.directory, s.bucket, prefix), { recursive: true }).catch(() => [] as string[]);
      assert.ok(
        objects.some((o) => o.endsWith('.ncf') || o.includes('.ncf')),
        `no .ncf object under s3://${s.bucket}/${prefix}/ (${objects.length} entries)`,
      );
      const client = new pg.Client({ connectionString: catalog });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM ncf.tables WHERE name = $1', [table]);
        assert.equal(rows[0]!.n, '1', `PostgreSQL has no table ${table}`);
      } finally {
        await client.end();
      }
    },
  };
}
