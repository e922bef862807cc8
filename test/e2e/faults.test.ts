// Fault injection against a real HTTP server (buildApp on 127.0.0.1, fetched over HTTP), in the two
// setups. Local folder + SQLite: the adapters are wrapped by storage/fault-injection.ts (ENOSPC, EIO,
// a reset connection, S3 503 SlowDown, a hang) under the service's guard (storage/guard.ts, with a
// short deadline). PostgreSQL + s3rver: real faults — s3rver answers 503 SlowDown, and
// pg_terminate_backend cuts the catalog's connection in the middle of a commit.
// Each fault must give the client 503 with Retry-After as problem+json (never a 500, never a hang),
// leave nothing half-committed (the previous version reads as before, no new version, no temp file,
// no unreferenced file except after a commit of unknown outcome, which vacuum removes), make /readyz
// name the failing dependency while it lasts, and the service must work again once it clears.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type ServiceContext } from '../../src/context.js';
import { toProblem } from '../../src/http/problem.js';
import { LocalBlobStore } from '../../storage/local/blob-store.js';
import { S3BlobStore } from '../../storage/s3/blob-store.js';
import { openPostgresCatalog, TABLE_LOCK_CLASS } from '../../storage/postgres/catalog.js';
import { SqliteCatalog } from '../../storage/sqlite/catalog.js';
import { faultError, withFaults, type FaultController, type FaultSpec } from '../../storage/fault-injection.js';
import { guardBlobStore, guardCatalog } from '../../storage/guard.js';
import { lockHash } from '../../storage/postgres/migrations.js';
import type { BlobStore, Catalog } from '../../storage/types.js';
import { startPgServer, type PgTestDatabase, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { assertDocumented, assertProblem } from '../support/server.js';

/** The guard's deadline in these tests: a hang must turn into a 503 about this fast (long enough
 *  that a real write on a loaded machine never reaches it). */
const TIMEOUT_MS = 2000;
const TABLE = 'faulty';

interface Harness {
  url: string;
  dataDir: string;
  /** The adapters without faults or guard (to look behind the service's back). */
  real: { blobs: BlobStore; catalog: Catalog };
  close(): Promise<void>;
}

async function serve(
  dataDir: string,
  blobs: BlobStore,
  catalog: Catalog,
  timeoutMs = TIMEOUT_MS,
): Promise<{ app: FastifyInstance; url: string }> {
  const ctx: ServiceContext = createContext(loadConfig({ NCF_DATA_DIR: dataDir, NCF_ORPHAN_GRACE: '0', NCF_API_KEYS: '', NCF_AUTH: '' }), {
    blobs: guardBlobStore(blobs, { callTimeoutMs: timeoutMs }),
    catalog: guardCatalog(catalog, { callTimeoutMs: timeoutMs }),
  });
  const app = await buildApp(ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

let nextId = 0;
/** A CSV body of `rows` rows with ids no other upload uses. */
function csv(rows: number): { body: string; ids: number[] } {
  const ids = Array.from({ length: rows }, () => ++nextId);
  return { body: `id,label\n${ids.map((i) => `${i},row ${i}`).join('\n')}\n`, ids };
}

async function call(
  h: Harness,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Headers; json: any; ms: number }> {
  const t0 = performance.now();
  const init: RequestInit = { method, signal: AbortSignal.timeout(15_000) };
  if (body !== undefined) init.headers = { 'content-type': 'text/csv' };
  if (body !== undefined) init.body = body;
  const res = await fetch(`${h.url}${path}`, init);
  const text = await res.text();
  const ms = performance.now() - t0;
  assertDocumented(method, path, res.status);
  return { status: res.status, headers: res.headers, json: text === '' ? null : JSON.parse(text), ms };
}

const upload = (h: Harness, method: 'POST' | 'PUT', rows: number, append = false) => {
  const { body, ids } = csv(rows);
  return call(h, method, `/v1/tables/${TABLE}${append ? '/rows' : ''}`, body).then((r) => ({ ...r, ids }));
};

/** 503, problem+json, Retry-After, and no stack or internals in the body. */
function assertUnavailable(r: { status: number; headers: Headers; json: any }, what: string): void {
  assert.equal(r.status, 503, `${what}: expected 503, got ${r.status}: ${JSON.stringify(r.json)}`);
  assertProblem(r, 503, r.json);
  const retry = r.headers.get('retry-after');
  assert.ok(retry !== null && /^\d+$/.test(retry), `${what}: Retry-After is ${retry}`);
}

/** The table's ids as the service serves them now. */
async function ids(h: Harness): Promise<number[]> {
  const res = await fetch(`${h.url}/v1/tables/${TABLE}/rows?format=ndjson&select=id`);
  assert.equal(res.status, 200);
  return (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Number(JSON.parse(l).id))
    .sort((a, b) => a - b);
}

async function version(h: Harness): Promise<number> {
  return (await h.real.catalog.getTable(TABLE))!.version;
}

/** Finished blobs no version references. */
async function unreferenced(h: Harness): Promise<string[]> {
  const referenced = await h.real.catalog.referencedKeys();
  const out: string[] = [];
  for await (const b of h.real.blobs.list()) if (!referenced.has(b.key)) out.push(b.key);
  return out;
}

/** Temp files of writes (local folder) and the upload spool. */
async function tempFiles(h: Harness): Promise<string[]> {
  const out: string[] = [];
  const files = join(h.dataDir, 'files');
  for (const d of await readdir(files).catch(() => [] as string[])) {
    for (const f of await readdir(join(files, d)).catch(() => [] as string[])) if (f.endsWith('.tmp')) out.push(`${d}/${f}`);
  }
  for (const f of await readdir(join(h.dataDir, 'tmp')).catch(() => [] as string[])) out.push(`tmp/${f}`);
  return out;
}

async function readyz(h: Harness): Promise<{ status: number; failing?: string[] }> {
  const r = await call(h, 'GET', '/readyz');
  if (r.status === 503) assertUnavailable(r, '/readyz');
  return { status: r.status, failing: r.json?.failing };
}

/** The table is exactly as before the fault: same version, same rows, nothing left over. */
async function assertIntact(h: Harness, before: { version: number; ids: number[] }, opts: { orphans?: number } = {}): Promise<void> {
  assert.equal(await version(h), before.version, 'no new version');
  assert.deepEqual(await ids(h), before.ids, 'the previous version reads as before');
  assert.deepEqual(await tempFiles(h), [], 'no temp file is left');
  assert.equal((await unreferenced(h)).length, opts.orphans ?? 0, 'unreferenced files');
}

async function snapshot(h: Harness): Promise<{ version: number; ids: number[] }> {
  return { version: await version(h), ids: await ids(h) };
}

describe('fault injection: local folder + SQLite (wrapped adapters)', () => {
  let h: Harness;
  let faults: FaultController;

  before(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ncf-faults-'));
    await mkdir(join(dataDir, 'files'));
    const real = {
      blobs: new LocalBlobStore(join(dataDir, 'files')),
      catalog: new SqliteCatalog(join(dataDir, 'catalog.sqlite')) as Catalog,
    };
    const wrapped = withFaults(real.blobs, real.catalog);
    faults = wrapped.faults;
    const { app, url } = await serve(dataDir, wrapped.blobs, wrapped.catalog);
    h = {
      url,
      dataDir,
      real,
      async close() {
        faults.clear();
        await app.close();
        await real.catalog.close();
        await real.blobs.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    const r = await upload(h, 'POST', 50);
    assert.equal(r.status, 201);
  });
  after(async () => {
    await h?.close();
  });

  /** Sets a fault, runs `fn`, clears it, and checks the service recovered: ready, and a write lands. */
  async function during(spec: FaultSpec, fn: () => Promise<void>, afterwards?: () => Promise<void>): Promise<void> {
    faults.add(spec);
    try {
      await fn();
    } finally {
      faults.clear();
    }
    await afterwards?.();
    assert.deepEqual(await readyz(h), { status: 200, failing: undefined }, 'ready once the fault cleared');
    const before = await snapshot(h);
    const r = await upload(h, 'POST', 3, true);
    assert.equal(r.status, 200, `a write after the fault cleared: ${JSON.stringify(r.json)}`);
    assert.equal(await version(h), before.version + 1);
    assert.deepEqual(
      await ids(h),
      [...before.ids, ...r.ids].sort((a, b) => a - b),
    );
  }

  it('a full disk (ENOSPC on every storage call): 503, nothing written, /readyz names storage', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'storage', kind: 'ENOSPC' }, async () => {
      assertUnavailable(await upload(h, 'POST', 20, true), 'append');
      assertUnavailable(await upload(h, 'PUT', 20), 'replace');
      await assertIntact(h, before);
      assert.deepEqual(await readyz(h), { status: 503, failing: ['storage'] });
    });
  });

  it('EIO while finishing the file of a replace: 503, the previous version intact, the next replace works', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'storage', kind: 'EIO', methods: ['finish'], count: 1 }, async () => {
      const r = await upload(h, 'PUT', 30);
      assertUnavailable(r, 'replace');
      assert.match(r.json.detail, /EIO/);
      await assertIntact(h, before);
      // A one-off error: the storage answers its probe, so the service stays ready.
      assert.equal((await readyz(h)).status, 200);
    });
    assert.equal(faults.stats.injected['storage.finish'], 1);
  });

  it('object storage throttling (503 SlowDown after the SDK retries) on createSink: 503', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'storage', kind: 'SlowDown', methods: ['createSink', 'ping'] }, async () => {
      const r = await upload(h, 'POST', 5, true);
      assertUnavailable(r, 'append');
      assert.match(r.json.detail, /SlowDown/);
      await assertIntact(h, before);
      assert.deepEqual(await readyz(h), { status: 503, failing: ['storage'] });
    });
  });

  it('a storage write that hangs: 503 after the deadline, not a hang; the temp file is removed', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'storage', kind: 'hang', methods: ['write'] }, async () => {
      const r = await upload(h, 'POST', 5, true);
      assertUnavailable(r, 'append');
      assert.ok(r.ms < TIMEOUT_MS + 3000, `answered after ${Math.round(r.ms)} ms`);
      assert.match(r.json.detail, /timeout/);
      assert.ok(faults.hanging >= 1, 'the write was still hanging when the client got its answer');
      await assertIntact(h, before);
    });
  });

  it('a reading storage failure (EIO on read) during a query: 503, never a 500', async () => {
    await during({ dependency: 'storage', kind: 'EIO', methods: ['read', 'openSource'] }, async () => {
      const r = await call(h, 'GET', `/v1/tables/${TABLE}/rows?format=json&order=id&limit=5`);
      assertUnavailable(r, 'query');
    });
  });

  it('the catalog connection reset on every call: reads and writes 503, /readyz names the catalog', async () => {
    const before = await snapshot(h);
    await during(
      { dependency: 'catalog', kind: 'ECONNRESET' },
      async () => {
        assertUnavailable(await call(h, 'GET', `/v1/tables/${TABLE}`), 'describe');
        assertUnavailable(await call(h, 'GET', '/v1/tables'), 'list');
        assertUnavailable(await upload(h, 'POST', 5, true), 'append');
        assert.deepEqual(await readyz(h), { status: 503, failing: ['catalog'] });
      },
      () => assertIntact(h, before),
    );
  });

  it('a reset during the commit: 503, no new version; the file of the unknown commit is kept, then vacuumed', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'catalog', kind: 'ECONNRESET', methods: ['commit'] }, async () => {
      const r = await upload(h, 'POST', 7, true);
      assertUnavailable(r, 'append');
      assert.equal(r.json.commitOutcome, 'unknown');
      await assertIntact(h, before, { orphans: 1 });
    });
    const v = await call(h, 'POST', `/v1/tables/${TABLE}/vacuum`);
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json.orphansRemoved, 1);
    assert.deepEqual(await unreferenced(h), []);
  });

  it('a commit that hangs: 503 after the deadline, no new version; vacuum removes its file', async () => {
    const before = await snapshot(h);
    await during({ dependency: 'catalog', kind: 'hang', methods: ['commit'] }, async () => {
      const r = await upload(h, 'PUT', 9);
      assertUnavailable(r, 'replace');
      assert.ok(r.ms < TIMEOUT_MS + 3000, `answered after ${Math.round(r.ms)} ms`);
      await assertIntact(h, before, { orphans: 1 });
    });
    const v = await call(h, 'POST', `/v1/tables/${TABLE}/vacuum`);
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.deepEqual(await unreferenced(h), []);
  });

  it('a catalog that hangs on every call: /readyz answers 503 naming it, within its probe timeout', async () => {
    await during({ dependency: 'catalog', kind: 'hang' }, async () => {
      const t0 = performance.now();
      assert.deepEqual(await readyz(h), { status: 503, failing: ['catalog'] });
      assert.ok(performance.now() - t0 < 3000);
      assertUnavailable(await call(h, 'GET', `/v1/tables/${TABLE}/versions`), 'versions');
    });
  });
});

describe('fault injection: PostgreSQL + object storage (real faults)', () => {
  let pgServer: PgTestServer;
  let db: PgTestDatabase;
  let s3: S3TestServer;
  let h: Harness;

  before(async () => {
    pgServer = await startPgServer();
    db = await pgServer.createDatabase();
    s3 = await startS3Server();
    const dataDir = await mkdtemp(join(tmpdir(), 'ncf-faults-pg-'));
    const blobs = new S3BlobStore(
      { bucket: s3.bucket, prefix: 'faults/', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials },
      { maxAttempts: 2 },
    );
    const catalog = await openPostgresCatalog(db.url, { busyTimeoutMs: 10_000 });
    // No hangs here, and real S3 calls on a loaded machine can take a while: the default-ish deadline.
    const { app, url } = await serve(dataDir, blobs, catalog, 30_000);
    h = {
      url,
      dataDir,
      real: { blobs, catalog },
      async close() {
        await app.close();
        await catalog.close();
        await blobs.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    const r = await upload(h, 'POST', 40);
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
  after(async () => {
    await h?.close();
    await s3?.close();
    await db?.drop();
    await pgServer?.stop();
  });

  it('S3 503 SlowDown on every attempt of the upload: 503, nothing written, then it works again', async () => {
    const before = await snapshot(h);
    // Two attempts (maxAttempts 2), both throttled.
    s3.injectFault({ method: 'PUT', kind: { status: 503, code: 'SlowDown' }, count: 2 });
    const r = await upload(h, 'POST', 10, true);
    assertUnavailable(r, 'append');
    assert.equal(await version(h), before.version);
    assert.deepEqual(await ids(h), before.ids);
    assert.deepEqual(await unreferenced(h), []);
    assert.deepEqual(await s3.pendingUploads(), []);
    const ok = await upload(h, 'POST', 10, true);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(await version(h), before.version + 1);
  });

  it('object storage throttling its probe: /readyz names storage, then recovers', async () => {
    s3.injectFault({ method: 'HEAD', kind: { status: 503, code: 'SlowDown' }, count: 2 });
    assert.deepEqual(await readyz(h), { status: 503, failing: ['storage'] });
    assert.equal((await readyz(h)).status, 200);
  });

  it('the catalog database refusing connections: reads and writes 503, /readyz names the catalog, then it recovers', async () => {
    const before = await snapshot(h);
    const admin = new pg.Client({ connectionString: pgServer.adminUrl });
    await admin.connect();
    const dbName = new URL(db.url).pathname.slice(1);
    try {
      await admin.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      assert.deepEqual(await readyz(h), { status: 503, failing: ['catalog'] });
      assertUnavailable(await call(h, 'GET', `/v1/tables/${TABLE}`), 'describe');
      assertUnavailable(await upload(h, 'POST', 5, true), 'append');
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    assert.equal((await readyz(h)).status, 200);
    assert.equal(await version(h), before.version);
    assert.deepEqual(await ids(h), before.ids);
    assert.deepEqual(await unreferenced(h), []);
  });

  it('the catalog connection terminated (pg_terminate_backend) mid-commit: 503, no new version, then it works again', async () => {
    const before = await snapshot(h);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      // Hold the table's writer lock, so the service's commit waits inside its transaction.
      await admin.query('BEGIN');
      await admin.query(`SELECT pg_advisory_xact_lock(${TABLE_LOCK_CLASS}, ${lockHash(`ncf/${TABLE}`)})`);
      const pending = upload(h, 'POST', 10, true);
      let terminated = 0;
      for (let i = 0; i < 200 && terminated === 0; i++) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE application_name = 'ncf-catalog' AND datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        terminated = rows[0]!.n;
        if (terminated === 0) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(terminated, 1, 'the commit never waited on the lock');
      await admin.query('ROLLBACK');
      const r = await pending;
      assertUnavailable(r, 'append');
      assert.match(r.json.detail, /catalog/);
    } finally {
      await admin.end();
    }
    assert.equal(await version(h), before.version);
    assert.deepEqual(await ids(h), before.ids);
    assert.deepEqual(await unreferenced(h), [], 'the failed commit (known not applied) removed its file');
    const ok = await upload(h, 'POST', 10, true);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(await version(h), before.version + 1);
    assert.equal((await readyz(h)).status, 200);
  });
});

describe('fault mapping outside the guard', () => {
  it('a raw disk or socket error (the upload spool filling the disk) is 503 with Retry-After, anything else stays 500', () => {
    for (const kind of ['ENOSPC', 'EIO', 'ECONNRESET'] as const) {
      const p = toProblem(faultError(kind, 'write'));
      assert.equal(p.status, 503, kind);
      assert.equal(p.headers['Retry-After'], '1');
      assert.match(p.message, new RegExp(kind));
    }
    assert.equal(toProblem(Object.assign(new Error('boom'), { code: 'EWHATEVER' })).status, 500);
    assert.equal(toProblem(new TypeError('a bug')).status, 500);
  });
});
