// The PostgreSQL catalog against a real server (test/support/pg-cluster.ts: a temp cluster, or
// NCF_TEST_PG_URL): the shared contract, then what only a networked, multi-replica catalog has —
// migrations racing on open, commits racing across two pools, lock and connection failures as typed
// 503s, and commit latency. When no server can be had every test here fails with the reason.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { ColumnSchema } from '../../src/format/schema.js';
import { type PostgresCatalog, openPostgresCatalog, type PostgresCatalogOptions } from '../../storage/postgres/catalog.js';
import { CatalogBusy, CatalogConflict, CatalogUnavailable, StorageError, TableNotFound } from '../../storage/errors.js';
import { newId } from '../../storage/keys.js';
import { PG_MIGRATIONS } from '../../storage/postgres/migrations.js';
import type { Catalog, DataFile, TableVersion } from '../../storage/types.js';
import { catalogContract } from './catalog-contract.js';
import { type PgTestDatabase, type PgTestServer, startPgServer } from '../support/pg-cluster.js';

let serverPromise: Promise<PgTestServer> | undefined;
/** The one server of this file, started on first use; a failure to start fails every test. */
function server(): Promise<PgTestServer> {
  serverPromise ??= startPgServer();
  return serverPromise;
}
after(async () => {
  if (serverPromise) await (await serverPromise.catch(() => null))?.stop();
});

it('a PostgreSQL server is available (temp cluster from initdb/pg_ctl, or NCF_TEST_PG_URL)', async (t) => {
  const s = await server();
  t.diagnostic(`PostgreSQL from ${s.source}, ready in ${s.startupMs.toFixed(0)} ms`);
  const c = new pg.Client(s.adminUrl);
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    t.diagnostic(`server_version ${rows[0]!.server_version}`);
  } finally {
    await c.end();
  }
});

/** One database shared by the tests that do not need their own; each of those gets its own schema
 *  (CREATE DATABASE copies a template and takes ~300 ms here, a schema is near free). */
let sharedDb: Promise<PgTestDatabase> | undefined;
function sharedDatabase(): Promise<PgTestDatabase> {
  sharedDb ??= server().then((s) => s.createDatabase());
  return sharedDb;
}
const freshSchema = () => `c_${newId().toLowerCase()}`;

catalogContract('PostgreSQL', async () => {
  const db = await sharedDatabase();
  const schema = freshSchema();
  return {
    open: () => openPostgresCatalog(db.url, { schema }),
    destroy: async () => {
      await sql(db.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
});

const COLUMNS: ColumnSchema[] = [{ name: 'x', type: 'int32', nullable: true }];
const OTHER: ColumnSchema[] = [{ name: 'y', type: 'string', nullable: false }];

const fileOf = (tableId: string, rows: number): DataFile => ({ key: `${tableId}/${newId()}.ncf`, rows, bytes: rows * 8 + 64 });

interface Store {
  url: string;
  /** The catalog's schema, for raw SQL in the test. */
  schema: string;
  open(o?: PostgresCatalogOptions): Promise<PostgresCatalog>;
}

/** A fresh store for one test: its own database when `fresh` (the default "ncf" schema), else a new
 *  schema in the shared database. Catalogs opened on it are closed after. */
async function withStore(fn: (store: Store) => Promise<void>, fresh = false): Promise<void> {
  const db = fresh ? await (await server()).createDatabase() : await sharedDatabase();
  const schema = fresh ? 'ncf' : freshSchema();
  const opened: PostgresCatalog[] = [];
  try {
    await fn({
      url: db.url,
      schema,
      open: async (o) => {
        const c = await openPostgresCatalog(db.url, { schema, ...o });
        opened.push(c);
        return c;
      },
    });
  } finally {
    for (const c of opened) await c.close();
    if (fresh) await db.drop();
    else await sql(db.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<R>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function createTable(c: Catalog, name: string, columns = COLUMNS, rows = 1): Promise<TableVersion> {
  const id = c.newTableId();
  return c.commit({ table: name, operation: 'create', columns, file: fileOf(id, rows), tableId: id });
}

function assertGapFree(history: { version: number; rowCount: number; rowsAdded: number }[], head: number): void {
  assert.deepEqual(
    history.map((v) => v.version),
    Array.from({ length: head }, (_, i) => i + 1),
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

describe('PostgresCatalog', () => {
  it('applies migrations once when several instances open a new database at once; reopening is a no-op', async () => {
    await withStore(async (db) => {
      const catalogs = await Promise.all(Array.from({ length: 4 }, () => db.open({ maxConnections: 2 })));
      const applied = await sql<{ version: number }>(db.url, 'SELECT version FROM ncf.schema_migrations ORDER BY version');
      assert.deepEqual(
        applied.map((r) => r.version),
        PG_MIGRATIONS.map((_, i) => i + 1),
      );
      const tables = await sql<{ table_name: string }>(
        db.url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ncf' ORDER BY table_name",
      );
      assert.deepEqual(
        tables.map((r) => r.table_name),
        ['files', 'idempotency_keys', 'pending_files', 'schema_migrations', 'tables', 'versions'],
      );
      // Each sees the others' commits at once: no per-instance caching.
      const v1 = await createTable(catalogs[0]!, 't');
      for (const c of catalogs) assert.deepEqual(await c.getTable('t'), v1);
      const again = await db.open();
      assert.deepEqual(await again.getTable('t'), v1);
      assert.equal((await sql(db.url, 'SELECT 1 FROM ncf.schema_migrations')).length, PG_MIGRATIONS.length);
    }, true);
  });

  it('keeps catalogs in separate schemas apart', async () => {
    await withStore(async (db) => {
      const a = await db.open();
      const b = await db.open({ schema: 'ncf_other' });
      await createTable(a, 't');
      assert.equal(await b.getTable('t'), null);
      await assert.rejects(openPostgresCatalog(db.url, { schema: 'Bad; DROP' }), /not a plain identifier/);
    }, true);
  });

  it('refuses a database migrated by a newer build', async () => {
    await withStore(async (db) => {
      await (await db.open()).close();
      await sql(db.url, 'INSERT INTO ncf.schema_migrations (version) VALUES ($1)', [PG_MIGRATIONS.length + 1]);
      await assert.rejects(
        openPostgresCatalog(db.url),
        new RegExp(`migration ${PG_MIGRATIONS.length + 1}, this build knows ${PG_MIGRATIONS.length}`),
      );
    }, true);
  });

  it('50 concurrent appends split across two instances with small pools: gap-free versions, exact rows; commit latency', async (t) => {
    await withStore(async (db) => {
      const c1 = await db.open({ maxConnections: 3 });
      const c2 = await db.open({ maxConnections: 3 });
      const v1 = await createTable(c1, 't', COLUMNS, 7);
      const files = Array.from({ length: 50 }, (_, i) => fileOf(v1.tableId, 100 + i));
      const started = performance.now();
      const results = await Promise.all(
        files.map((f, i) =>
          (i % 2 === 0 ? c1 : c2).commit({ table: 't', operation: 'append', columns: COLUMNS, file: f, tableId: v1.tableId }),
        ),
      );
      const concurrentMs = performance.now() - started;
      assert.deepEqual(
        results.map((r) => r.version).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 2),
      );
      // Each result lists exactly the files committed before it: the first file, then the appends in version order.
      const byVersion = [...results].sort((a, b) => a.version - b.version);
      byVersion.forEach((r, i) => {
        assert.deepEqual(
          r.files.slice(1),
          byVersion.slice(0, i + 1).map((x) => x.files.at(-1)),
        );
      });
      const expectedRows = 7 + files.reduce((s, f) => s + f.rows, 0);
      const expectedBytes = v1.bytes + files.reduce((s, f) => s + f.bytes, 0);
      for (const c of [c1, c2]) {
        const head = (await c.getTable('t'))!;
        assert.equal(head.version, 51);
        assert.equal(head.rowCount, expectedRows);
        assert.equal(head.bytes, expectedBytes);
        assert.deepEqual(new Set(head.files.map((f) => f.key)), new Set([v1.files[0]!.key, ...files.map((f) => f.key)]));
        const history = (await c.versions('t'))!;
        assertGapFree(history, 51);
        for (let i = 1; i < history.length; i++) assert.equal(history[i]!.rowCount, history[i - 1]!.rowCount + history[i]!.rowsAdded);
        // committed_at follows version order (taken under the writer's lock).
        for (let i = 1; i < history.length; i++) assert.ok(history[i]!.committedAt >= history[i - 1]!.committedAt);
      }
      // Latency of one commit at a time, alternating instances.
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        const s = performance.now();
        await (i % 2 === 0 ? c1 : c2).commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) });
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      t.diagnostic(`50 concurrent appends over 2 instances: ${concurrentMs.toFixed(0)} ms (${(concurrentMs / 50).toFixed(2)} ms/commit)`);
      t.diagnostic(
        `sequential append commit latency (table of 51..150 files): median ${percentile(times, 0.5).toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms`,
      );
      assert.equal((await c2.getTable('t'))!.version, 151);
    });
  });

  it('a replace with expectVersion racing appends: either it wins and every append conflicts, or it conflicts and every append lands', async (t) => {
    await withStore(async (db) => {
      const c1 = await db.open();
      const c2 = await db.open();
      const outcomesSeen = new Map<string, number>();
      for (let round = 0; round < 8; round++) {
        const name = `r${round}`;
        const v1 = await createTable(c1, name, COLUMNS, 5);
        const appends = Array.from({ length: 6 }, (_, i) => fileOf(v1.tableId, i + 1));
        const replaceFile = fileOf(v1.tableId, 1000);
        const starts: Array<() => Promise<TableVersion>> = appends.map(
          (f, i) => () =>
            (i % 2 === 0 ? c1 : c2).commit({ table: name, operation: 'append', columns: COLUMNS, file: f, tableId: v1.tableId }),
        );
        // The replace starts before, between or after the appends, varying with the round.
        const replaceAt = round % 7;
        starts.splice(replaceAt, 0, () =>
          c2.commit({ table: name, operation: 'replace', columns: OTHER, file: replaceFile, tableId: v1.tableId, expectVersion: 1 }),
        );
        const ops = starts.map((start) => start());
        const settled = await Promise.allSettled(ops);
        const replace = settled[replaceAt]!;
        const appendOutcomes = settled.filter((_, i) => i !== replaceAt);
        const head = (await c1.getTable(name))!;
        if (replace.status === 'fulfilled') {
          outcomesSeen.set('replace won', (outcomesSeen.get('replace won') ?? 0) + 1);
          assert.equal(replace.value.version, 2);
          for (const o of appendOutcomes) {
            assert.equal(o.status, 'rejected');
            assert.ok((o as PromiseRejectedResult).reason instanceof CatalogConflict, String((o as PromiseRejectedResult).reason));
          }
          assert.deepEqual(head, replace.value);
        } else {
          outcomesSeen.set('appends won', (outcomesSeen.get('appends won') ?? 0) + 1);
          assert.ok(replace.reason instanceof CatalogConflict, String(replace.reason));
          assert.equal(replace.reason.httpStatus, 409);
          for (const o of appendOutcomes) assert.equal(o.status, 'fulfilled', String((o as PromiseRejectedResult).reason));
          assert.equal(head.version, 7);
          assert.equal(head.rowCount, 5 + 21);
          assert.deepEqual(head.columns, COLUMNS);
        }
        assertGapFree((await c2.versions(name))!, head.version);
        // A loser's file is referenced by no version (vacuum may collect it).
        const keys = await c2.referencedKeys();
        assert.equal(keys.has(replaceFile.key), replace.status === 'fulfilled');
      }
      t.diagnostic(`outcomes over 8 rounds: ${[...outcomesSeen].map(([k, n]) => `${k} ${n}×`).join(', ')}`);
    });
  });

  it('a replace without expectVersion racing appends: all land, and the head is the replace plus the appends after it', async () => {
    await withStore(async (db) => {
      const c1 = await db.open();
      const c2 = await db.open();
      const v1 = await createTable(c1, 't', COLUMNS, 3);
      const replaceFile = fileOf(v1.tableId, 50);
      const appends = Array.from({ length: 10 }, (_, i) => fileOf(v1.tableId, i + 1));
      const results = await Promise.all([
        ...appends.slice(0, 5).map((f) => c1.commit({ table: 't', operation: 'append', columns: COLUMNS, file: f, tableId: v1.tableId })),
        c2.commit({ table: 't', operation: 'replace', columns: COLUMNS, file: replaceFile, tableId: v1.tableId }),
        ...appends.slice(5).map((f) => c2.commit({ table: 't', operation: 'append', columns: COLUMNS, file: f, tableId: v1.tableId })),
      ]);
      const replaced = results[5]!;
      const later = results.filter((r) => r.version > replaced.version).sort((a, b) => a.version - b.version);
      const head = (await c1.getTable('t'))!;
      assert.equal(head.version, 12);
      assert.deepEqual(head.files, [replaceFile, ...later.map((r) => r.files.at(-1)!)]);
      assert.equal(head.rowCount, 50 + later.reduce((s, r) => s + r.rowsAdded, 0));
      assertGapFree((await c2.versions('t'))!, 12);
    });
  });

  it('a drop racing appends: each append landed before the drop or fails with TableNotFound; nothing is left referenced', async () => {
    await withStore(async (db) => {
      const c1 = await db.open();
      const c2 = await db.open();
      const v1 = await createTable(c1, 't');
      const ops = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? c1 : c2).commit({
          table: 't',
          operation: 'append',
          columns: COLUMNS,
          file: fileOf(v1.tableId, 1),
          tableId: v1.tableId,
        }),
      );
      const dropped = c2.drop('t');
      const settled = await Promise.allSettled(ops);
      assert.equal(await dropped, true);
      for (const o of settled) {
        if (o.status === 'rejected') assert.ok(o.reason instanceof TableNotFound, String(o.reason));
      }
      assert.equal(await c1.getTable('t'), null);
      assert.deepEqual(await c1.referencedKeys(), new Set());
      // A writer that read the old table and commits after a re-create conflicts on the table id.
      const again = await createTable(c2, 't');
      await assert.rejects(
        c1.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1), tableId: v1.tableId }),
        (e: unknown) => e instanceof CatalogConflict && e.httpStatus === 409,
      );
      assert.deepEqual(await c1.getTable('t'), again);
    });
  });

  it('a writer lock held past busyTimeoutMs is CatalogBusy (503); reads are not blocked; the commit succeeds once released', async () => {
    await withStore(async (db) => {
      const catalog = await db.open({ busyTimeoutMs: 100 });
      const v1 = await createTable(catalog, 't');
      const holder = new pg.Client(db.url);
      await holder.connect();
      try {
        // Another session holding the table's row lock stands in for a stuck writer.
        await holder.query(`BEGIN; SELECT 1 FROM ${db.schema}.tables WHERE name = 't' FOR UPDATE`);
        const started = performance.now();
        await assert.rejects(
          catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) }),
          (e: unknown) => {
            assert.ok(e instanceof CatalogBusy, String(e));
            assert.equal(e.httpStatus, 503);
            assert.match(e.message, /busy.*100 ms/);
            return true;
          },
        );
        assert.ok(performance.now() - started >= 90, 'waited for the lock');
        assert.deepEqual(await catalog.getTable('t'), v1);
        await holder.query('ROLLBACK');
        assert.equal((await catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) })).version, 2);
      } finally {
        await holder.end();
      }
    });
  });

  it('an exhausted pool is CatalogBusy (503) after connectTimeoutMs', async () => {
    await withStore(async (db) => {
      const catalog = await db.open({ maxConnections: 1, connectTimeoutMs: 100, busyTimeoutMs: 2000 });
      const v1 = await createTable(catalog, 't');
      const holder = new pg.Client(db.url);
      await holder.connect();
      try {
        await holder.query(`BEGIN; SELECT 1 FROM ${db.schema}.tables WHERE name = 't' FOR UPDATE`);
        // The first commit takes the only connection and waits on the lock; the read waits for the connection.
        const blocked = catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) });
        await new Promise((r) => setTimeout(r, 30));
        await assert.rejects(
          catalog.getTable('t'),
          (e: unknown) => e instanceof CatalogBusy && e.httpStatus === 503 && /free connection/.test(e.message),
        );
        await holder.query('ROLLBACK');
        assert.equal((await blocked).version, 2);
      } finally {
        await holder.end();
      }
    });
  });

  it('connection refused on open is CatalogUnavailable (503), naming no password', async () => {
    const port = await closedPort();
    await assert.rejects(
      openPostgresCatalog(`postgres://ncf:secret@127.0.0.1:${port}/nothing`, { connectTimeoutMs: 2000 }),
      (e: unknown) => {
        assert.ok(e instanceof CatalogUnavailable, String(e));
        assert.equal(e.httpStatus, 503);
        assert.equal(e.code, 'CATALOG_UNAVAILABLE');
        assert.match(e.message, /ECONNREFUSED/);
        assert.ok(!e.message.includes('secret') && !JSON.stringify(e.details).includes('secret'));
        return true;
      },
    );
  });

  it('a server that goes away mid-life gives CatalogUnavailable (503) on every call, and the catalog recovers when it returns', async () => {
    await withStore(async (db) => {
      const target = new URL(db.url);
      const proxy = await startProxy(Number(target.port));
      const viaProxy = new URL(db.url);
      viaProxy.port = String(proxy.port);
      const catalog = await openPostgresCatalog(viaProxy.toString(), { schema: db.schema, connectTimeoutMs: 1000 });
      try {
        const v1 = await createTable(catalog, 't');
        await proxy.stop();
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['getTable', () => catalog.getTable('t')],
          ['commit', () => catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) })],
          ['ping', () => catalog.ping()],
          ['listTables', () => catalog.listTables()],
          ['drop', () => catalog.drop('t')],
        ];
        for (const [what, call] of calls) {
          await assert.rejects(call(), (e: unknown) => {
            assert.ok(e instanceof StorageError && e.httpStatus === 503, `${what}: ${String(e)}`);
            assert.ok(e instanceof CatalogUnavailable, `${what}: ${String(e)}`);
            return true;
          });
        }
        await proxy.start();
        await catalog.ping();
        assert.deepEqual(await catalog.getTable('t'), v1);
        assert.equal((await catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) })).version, 2);
      } finally {
        await catalog.close();
        await proxy.stop();
      }
    });
  });

  it('a connection lost during COMMIT: the commit is looked up, and reported as landed or as not applied', async () => {
    await withStore(async (db) => {
      const viaProxy = new URL(db.url);
      const proxy = await startProxy(Number(viaProxy.port));
      viaProxy.port = String(proxy.port);
      const catalog = await openPostgresCatalog(viaProxy.toString(), { schema: db.schema });
      try {
        const v1 = await createTable(catalog, 't');
        // The server receives COMMIT and commits; the client's connection breaks before the answer.
        proxy.cutNextCommit('deliver');
        const landed = fileOf(v1.tableId, 5);
        const v2 = await catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: landed });
        assert.equal(v2.version, 2);
        assert.deepEqual(v2.files, [...v1.files, landed]);
        assert.deepEqual(await catalog.getTable('t'), v2);
        // COMMIT never reaches the server: the transaction is rolled back, and the catalog says so.
        proxy.cutNextCommit('drop');
        const lost = fileOf(v1.tableId, 7);
        await assert.rejects(catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: lost }), (e: unknown) => {
          assert.ok(e instanceof CatalogUnavailable, String(e));
          assert.equal(e.httpStatus, 503);
          assert.equal(e.commitOutcome, 'not applied');
          assert.equal(e.details.commitOutcome, 'not applied');
          return true;
        });
        assert.deepEqual(await catalog.getTable('t'), v2);
        assert.ok(!(await catalog.referencedKeys()).has(lost.key));
      } finally {
        await catalog.close();
        await proxy.stop();
      }
    });
  });

  it('connections killed by the server are replaced: the next calls succeed', async () => {
    await withStore(async (db) => {
      const catalog = await db.open();
      const v1 = await createTable(catalog, 't');
      // Open several pooled connections, then have the server end them all.
      await Promise.all(Array.from({ length: 4 }, () => catalog.getTable('t')));
      await sql(
        db.url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ncf-catalog' AND datname = current_database()",
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await catalog.getTable('t'), v1);
      assert.equal((await catalog.commit({ table: 't', operation: 'append', columns: COLUMNS, file: fileOf(v1.tableId, 1) })).version, 2);
    });
  });

  it('calls after close fail with a clear error; close is idempotent', async () => {
    await withStore(async (db) => {
      const catalog = await db.open();
      await catalog.close();
      await catalog.close();
      await assert.rejects(catalog.getTable('t'), /closed/);
      await assert.rejects(catalog.ping(), /closed/);
      await assert.rejects(catalog.commit({ table: 't', operation: 'create', columns: COLUMNS, file: fileOf(newId(), 1) }), /closed/);
    });
  });
});

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

type Cut = 'deliver' | 'drop';

/** A TCP proxy to the test server that can be cut (listener closed, live sockets destroyed) and
 *  restored on the same port, or made to break the next connection that sends COMMIT: after passing
 *  it on ('deliver': the server commits, the client never hears) or instead of it ('drop'). */
async function startProxy(
  targetPort: number,
): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void>; cutNextCommit(how: Cut): void }> {
  let srv: Server | null = null;
  const sockets = new Set<Socket>();
  let port = 0;
  let cut: Cut | null = null;
  const start = async () => {
    srv = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {});
      }
      client.on('data', (chunk: Buffer) => {
        if (cut !== null && chunk.includes('COMMIT\0')) {
          const how = cut;
          cut = null;
          client.destroy();
          if (how === 'deliver') upstream.end(chunk);
          else upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => {
        if (!upstream.writableEnded) upstream.destroy();
      });
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => srv!.listen(port, '127.0.0.1', r));
    port = (srv.address() as { port: number }).port;
  };
  const stop = async () => {
    const s = srv;
    srv = null;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise((r) => s.close(r));
  };
  await start();
  return {
    get port() {
      return port;
    },
    stop,
    start,
    cutNextCommit: (how) => {
      cut = how;
    },
  };
}

describe('PostgresCatalog idempotency keys', () => {
  it('keys older than the TTL are honoured until the next keyed commit on their table collects them; drop removes them', async () => {
    await withStore(async (db) => {
      const c = await db.open({ idempotencyTtlMs: 200 });
      const id = c.newTableId();
      const keyed = (operation: 'create' | 'append', key: string) =>
        c.commit({ table: 't', operation, columns: COLUMNS, file: fileOf(id, 1), tableId: id, idempotency: { key, fingerprint: 'f' } });
      await keyed('create', 'old');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await c.idempotencyRecord('t', 'old'))?.version, 1);
      await keyed('append', 'new');
      assert.equal(await c.idempotencyRecord('t', 'old'), null);
      assert.equal((await c.idempotencyRecord('t', 'new'))?.version, 2);
      await c.drop('t');
      const left = await sql<{ n: string }>(db.url, `SELECT count(*) AS n FROM ${db.schema}.idempotency_keys`);
      assert.equal(left[0]!.n, '0');
    });
  });
});
