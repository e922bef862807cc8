// Compaction and vacuum through the HTTP routes (Fastify inject), on both storage setups: the
// embedded one (local folder + SQLite) and the scaled-out one (object storage via the s3rver
// emulator + a real PostgreSQL cluster). Expectations come from the test's own bookkeeping: the rows
// it uploaded, and the file keys the catalog listed for every version before vacuum ran.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createContext, type ServiceContext } from '../../src/context.js';
import { newFileKey, newId } from '../../storage/keys.js';
import { openStorage, type Storage } from '../../storage/open.js';
import { CatalogUnavailable } from '../../storage/errors.js';
import type { Catalog } from '../../storage/types.js';
import { startPgServer, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

let pg: Promise<PgTestServer> | undefined;
let s3: Promise<S3TestServer> | undefined;
after(async () => {
  if (pg) await (await pg.catch(() => null))?.stop();
  if (s3) await (await s3.catch(() => null))?.close();
});

interface Setup {
  name: string;
  open(dir: string): Promise<Storage>;
}

const SETUPS: Setup[] = [
  { name: 'local folder + SQLite', open: (dir) => openStorage({ dataDir: dir }) },
  {
    name: 'object storage (s3rver) + PostgreSQL',
    async open(dir) {
      pg ??= startPgServer();
      s3 ??= startS3Server();
      const [p, s] = await Promise.all([pg, s3]);
      const db = await p.createDatabase();
      return openStorage({
        dataDir: dir,
        catalog: { kind: 'postgres', url: db.url },
        blobs: {
          kind: 's3',
          location: {
            bucket: s.bucket,
            prefix: `${newId()}/`,
            region: s.region,
            endpoint: s.endpoint,
            forcePathStyle: true,
            credentials: s.credentials,
          },
        },
      });
    },
  },
];

/** The real catalog with some methods replaced. */
function catalogWith(catalog: Catalog, overrides: Partial<Catalog>): Catalog {
  return new Proxy(catalog, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<PropertyKey, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

interface Harness {
  app: FastifyInstance;
  storage: Storage;
  /** Another app on the same storage with other settings. */
  withApp(env: Record<string, string>, overrides?: Partial<Catalog>): Promise<FastifyInstance>;
}

async function withHarness(setup: Setup, fn: (h: Harness) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-maint-'));
  const storage = await setup.open(dir);
  const apps: FastifyInstance[] = [];
  const withApp = async (env: Record<string, string>, overrides: Partial<Catalog> = {}) => {
    const ctx: ServiceContext = createContext(loadConfig({ NCF_DATA_DIR: dir, NCF_MAX_RESPONSE_ROWS: '1000000', ...env }), {
      catalog: catalogWith(storage.catalog, overrides),
      blobs: storage.blobs,
    });
    const a = await buildApp(ctx, { logger: false });
    await a.ready();
    apps.push(a);
    return a;
  };
  try {
    const app = await withApp({ NCF_RETAIN_VERSIONS: '2', NCF_ORPHAN_GRACE: '1h' });
    await fn({ app, storage, withApp });
  } finally {
    for (const a of apps) await a.close();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows `from`..`to-1` as CSV: an id, a label (every 7th null) and a float. */
function csv(from: number, to: number, header = true): string {
  const lines = header ? ['id,label,score'] : [];
  for (let i = from; i < to; i++) lines.push(`${i},${i % 7 === 0 ? '' : `row ${i}`},${(i * 1.25).toFixed(2)}`);
  return `${lines.join('\n')}\n`;
}

async function upload(app: FastifyInstance, method: 'POST' | 'PUT', url: string, body: string): Promise<void> {
  const r = await app.inject({ method, url: `${url}?format=csv`, headers: { 'content-type': 'text/csv' }, payload: body });
  assert.ok(r.statusCode === 200 || r.statusCode === 201, `${method} ${url}: ${r.statusCode} ${r.body}`);
}

/** Every row of the table (or of a version) in stored order, as NDJSON text. */
async function readAll(app: FastifyInstance, name: string, version?: number): Promise<string> {
  const r = await app.inject({
    method: 'GET',
    url: `/v1/tables/${name}/rows${version === undefined ? '' : `?version=${version}`}`,
    headers: { accept: 'application/x-ndjson' },
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.body;
}

async function blobKeys(storage: Storage): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const b of storage.blobs.list()) keys.add(b.key);
  return keys;
}

/** A table of `appends` + 1 small files: ids 0 .. 10 * (appends + 1) - 1 in order. */
async function smallFiles(app: FastifyInstance, name: string, appends: number): Promise<void> {
  await upload(app, 'POST', `/v1/tables/${name}`, csv(0, 10));
  for (let i = 1; i <= appends; i++) await upload(app, 'POST', `/v1/tables/${name}/rows`, csv(i * 10, i * 10 + 10));
}

for (const setup of SETUPS) {
  describe(`compact and vacuum: ${setup.name}`, () => {
    it('compaction of many small appends keeps every row in order, in one file and fewer row groups', async () => {
      await withHarness(setup, async ({ app, storage }) => {
        await smallFiles(app, 't', 30);
        const before = await readAll(app, 't');
        const ids = before
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: number }).id);
        assert.deepEqual(
          ids,
          Array.from({ length: 310 }, (_, i) => i),
        );
        assert.equal((await storage.catalog.getTable('t'))!.files.length, 31);

        const r = await app.inject({ method: 'POST', url: '/v1/tables/t/compact' });
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json() as Record<string, unknown>;
        assert.equal(r.headers['ncf-table-version'], '32');
        assert.deepEqual(body, {
          table: 't',
          compacted: true,
          previousVersion: 31,
          version: 32,
          rows: 310,
          filesBefore: 31,
          filesAfter: 1,
          bytesBefore: body.bytesBefore,
          bytesAfter: body.bytesAfter,
          rowGroupsBefore: 31,
          rowGroupsAfter: 1,
        });
        assert.ok((body.bytesAfter as number) < (body.bytesBefore as number), `${body.bytesAfter} < ${body.bytesBefore}`);
        const v = (await storage.catalog.getTable('t'))!;
        assert.equal(v.operation, 'compact');
        assert.equal(v.files.length, 1);
        assert.equal(await readAll(app, 't'), before);
        // The previous version is still readable as it was.
        assert.equal(await readAll(app, 't', 31), before);
        // A second compaction has nothing to merge.
        const again = await app.inject({ method: 'POST', url: '/v1/tables/t/compact' });
        assert.equal(again.statusCode, 200);
        assert.equal((again.json() as { compacted: boolean }).compacted, false);
        assert.equal((await storage.catalog.getTable('t'))!.version, 32);
        // Appends continue after the compacted file.
        await upload(app, 'POST', '/v1/tables/t/rows', csv(310, 320));
        const grown = await readAll(app, 't');
        assert.ok(grown.startsWith(before));
        assert.deepEqual(
          grown
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { id: number }).id),
          Array.from({ length: 320 }, (_, i) => i),
        );
        assert.equal((await app.inject({ method: 'POST', url: '/v1/tables/missing/compact' })).statusCode, 404);
      });
    });

    it('a compaction racing an append loses with 409, keeps the append, and leaves no file behind', async () => {
      await withHarness(setup, async ({ app, storage, withApp }) => {
        await smallFiles(app, 'r', 3);
        const real = storage.catalog;
        let raced = false;
        const racing = await withApp(
          {},
          {
            commit: async (req) => {
              if (req.operation === 'compact' && !raced) {
                raced = true;
                // Another replica's append lands between the compaction's read and its commit.
                await upload(app, 'POST', '/v1/tables/r/rows', csv(1000, 1005));
              }
              return real.commit(req);
            },
          },
        );
        const keysBefore = await blobKeys(storage);
        const r = await racing.inject({ method: 'POST', url: '/v1/tables/r/compact' });
        assert.equal(r.statusCode, 409, r.body);
        const head = (await real.getTable('r'))!;
        assert.equal(head.version, 5);
        assert.equal(head.operation, 'append');
        assert.equal(head.rowCount, 45);
        const rows = (await readAll(app, 'r'))
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: number }).id);
        assert.deepEqual(rows, [...Array.from({ length: 40 }, (_, i) => i), 1000, 1001, 1002, 1003, 1004]);
        // The store holds exactly the earlier files plus the append's: the compacted file was deleted.
        const keysAfter = await blobKeys(storage);
        assert.deepEqual(keysAfter, new Set([...keysBefore, head.files.at(-1)!.key]));
      });
    });

    it('vacuum expires old versions and removes exactly the unreferenced files; orphans wait out the grace period', async () => {
      await withHarness(setup, async ({ app, storage, withApp }) => {
        await smallFiles(app, 'v', 8); // versions 1..9
        assert.equal((await app.inject({ method: 'POST', url: '/v1/tables/v/compact' })).statusCode, 200); // 10
        await upload(app, 'POST', '/v1/tables/v/rows', csv(90, 95)); // 11
        await upload(app, 'PUT', '/v1/tables/other', csv(0, 3)); // another table: untouched
        const t = (await storage.catalog.getTable('v'))!;
        const byVersion = new Map<number, string[]>();
        for (let n = 1; n <= 11; n++)
          byVersion.set(
            n,
            (await storage.catalog.getTable('v', n))!.files.map((f) => f.key),
          );
        const retained = new Set([...byVersion.get(10)!, ...byVersion.get(11)!]);
        const unreferenced = new Set([...byVersion.values()].flat().filter((k) => !retained.has(k)));
        assert.equal(unreferenced.size, 9);
        // An orphan: a finished file no commit references (a crashed upload).
        const orphan = newFileKey(t.tableId);
        const sink = await storage.blobs.createSink(orphan);
        await sink.write(new Uint8Array([1, 2, 3]));
        await sink.finish();
        const otherKeys = (await storage.catalog.getTable('other'))!.files.map((f) => f.key);
        const current = await readAll(app, 'v');
        const sizes = new Map<string, number>();
        for await (const b of storage.blobs.list()) sizes.set(b.key, b.size);

        // Reads running beside vacuum see the current version whole.
        const reads = Array.from({ length: 6 }, () => readAll(app, 'v'));
        const r = await app.inject({ method: 'POST', url: '/v1/tables/v/vacuum' });
        for (const text of await Promise.all(reads)) assert.equal(text, current);
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json() as Record<string, number>;
        assert.deepEqual(body, {
          table: 'v',
          version: 11,
          oldestVersion: 10,
          expiredVersions: 9,
          filesBefore: 9 + 2 + 1,
          filesAfter: 3,
          expiredFilesRemoved: 9,
          orphansRemoved: 0,
          orphansKept: 1,
          strayFilesRemoved: 0,
          strayFilesKept: 0,
          bytesRemoved: [...unreferenced].reduce((n, k) => n + sizes.get(k)!, 0),
        });
        assert.deepEqual(await blobKeys(storage), new Set([...retained, orphan, ...otherKeys]));
        assert.equal(await readAll(app, 'v'), current);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/tables/v/rows?version=9' })).statusCode, 404);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/tables/v?version=1' })).statusCode, 404);
        assert.equal((await app.inject({ method: 'GET', url: '/v1/tables/v/rows?version=10' })).statusCode, 200);
        const history = (await app.inject({ method: 'GET', url: '/v1/tables/v/versions' })).json() as { versions: { version: number }[] };
        assert.deepEqual(
          history.versions.map((x) => x.version),
          [10, 11],
        );

        // With no grace period, the orphan goes too; a rerun then finds nothing.
        await new Promise((res) => setTimeout(res, 20));
        const eager = await withApp({ NCF_RETAIN_VERSIONS: '2', NCF_ORPHAN_GRACE: '0s' });
        const r2 = (await eager.inject({ method: 'POST', url: '/v1/tables/v/vacuum' })).json() as Record<string, number>;
        assert.equal(r2.orphansRemoved, 1);
        assert.equal(r2.bytesRemoved, 3);
        assert.equal(r2.expiredVersions, 0);
        assert.deepEqual(await blobKeys(storage), new Set([...retained, ...otherKeys]));
        const r3 = (await eager.inject({ method: 'POST', url: '/v1/tables/v/vacuum' })).json() as Record<string, number>;
        assert.equal(r3.filesBefore, r3.filesAfter);
        assert.equal((await app.inject({ method: 'POST', url: '/v1/tables/missing/vacuum' })).statusCode, 404);
      });
    });

    it('vacuum collects the files of a first upload that never committed once they are older than the grace period', async () => {
      await withHarness(setup, async ({ app, storage, withApp }) => {
        await smallFiles(app, 'keep', 1);
        const before = await blobKeys(storage);
        // A first upload whose commit outcome is unknown keeps its file; the catalog has no row for it.
        const failing = await withApp(
          {},
          {
            commit: async () => {
              throw new CatalogUnavailable('commit', 'ECONNRESET', { commitOutcome: 'unknown' });
            },
          },
        );
        const r = await failing.inject({
          method: 'POST',
          url: '/v1/tables/never?format=csv',
          headers: { 'content-type': 'text/csv' },
          payload: csv(0, 50),
        });
        assert.equal(r.statusCode, 503, r.body);
        assert.equal(await storage.catalog.getTable('never'), null);
        const stray = [...(await blobKeys(storage))].filter((k) => !before.has(k));
        assert.equal(stray.length, 1);
        let size = 0;
        for await (const b of storage.blobs.list()) if (b.key === stray[0]) size = b.size;
        assert.ok(size > 0);
        // Within the grace period (a first upload may still be committing) the file stays.
        const kept = (await app.inject({ method: 'POST', url: '/v1/tables/keep/vacuum' })).json() as Record<string, number>;
        assert.equal(kept.strayFilesKept, 1);
        assert.equal(kept.strayFilesRemoved, 0);
        assert.deepEqual(await blobKeys(storage), new Set([...before, ...stray]));
        // Past it, vacuum of any table removes it; the table vacuumed and others are untouched.
        await new Promise((res) => setTimeout(res, 20));
        const eager = await withApp({ NCF_ORPHAN_GRACE: '0s' });
        const done = (await eager.inject({ method: 'POST', url: '/v1/tables/keep/vacuum' })).json() as Record<string, number>;
        assert.deepEqual([done.strayFilesRemoved, done.strayFilesKept, done.orphansRemoved, done.bytesRemoved], [1, 0, 0, size]);
        assert.deepEqual(await blobKeys(storage), before);
        assert.equal((await readAll(app, 'keep')).trim().split('\n').length, 20);
        // The same name can be created afterwards.
        await upload(app, 'POST', '/v1/tables/never', csv(0, 5));
        assert.equal((await readAll(app, 'never')).trim().split('\n').length, 5);
      });
    });

    it('a stray whose table commits while vacuum lists the store is kept', async () => {
      await withHarness(setup, async ({ app, storage, withApp }) => {
        await smallFiles(app, 'a', 0);
        await upload(app, 'POST', '/v1/tables/late', csv(0, 30));
        const lateKeys = (await storage.catalog.getTable('late'))!.files.map((f) => f.key);
        const before = await blobKeys(storage);
        await new Promise((res) => setTimeout(res, 20));
        // Vacuum's reads of the catalog miss 'late' (its commit had not landed yet); the catalog's marking,
        // ordered with commits, sees it and keeps its files.
        let calls = 0;
        const racing = await withApp(
          { NCF_ORPHAN_GRACE: '0s' },
          {
            listTables: async () => {
              const all = await storage.catalog.listTables();
              return calls++ === 0 ? all.filter((t) => t.table !== 'late') : all;
            },
            referencedKeys: async () => {
              const keys = await storage.catalog.referencedKeys();
              for (const k of lateKeys) keys.delete(k);
              return keys;
            },
          },
        );
        const v = (await racing.inject({ method: 'POST', url: '/v1/tables/a/vacuum' })).json() as Record<string, number>;
        assert.ok(calls >= 1);
        assert.deepEqual([v.strayFilesRemoved, v.strayFilesKept], [0, lateKeys.length]);
        assert.deepEqual(await blobKeys(storage), before);
        assert.equal((await readAll(app, 'late')).trim().split('\n').length, 30);
      });
    });

    it('reads running during compaction and vacuum return identical results', async () => {
      await withHarness(setup, async ({ app }) => {
        await smallFiles(app, 'c', 12);
        const before = await readAll(app, 'c');
        const during = Array.from({ length: 8 }, () => readAll(app, 'c'));
        const compact = app.inject({ method: 'POST', url: '/v1/tables/c/compact' });
        const more = Array.from({ length: 8 }, () => readAll(app, 'c'));
        assert.equal((await compact).statusCode, 200);
        const vacuum = app.inject({ method: 'POST', url: '/v1/tables/c/vacuum' });
        const last = Array.from({ length: 8 }, () => readAll(app, 'c'));
        assert.equal((await vacuum).statusCode, 200);
        for (const text of await Promise.all([...during, ...more, ...last])) assert.equal(text, before);
        assert.equal(await readAll(app, 'c'), before);
      });
    });
  });
}

describe('commits of unknown outcome', () => {
  it('an upload whose commit outcome is unknown answers 503 with Retry-After and keeps its file for vacuum; "not applied" deletes it', async () => {
    await withHarness(SETUPS[0]!, async ({ app, storage, withApp }) => {
      await smallFiles(app, 'u', 0);
      const before = await blobKeys(storage);
      for (const outcome of ['unknown', 'not applied'] as const) {
        const failing = await withApp(
          {},
          {
            commit: async () => {
              throw new CatalogUnavailable('commit', 'ECONNRESET', { commitOutcome: outcome });
            },
          },
        );
        const r = await failing.inject({
          method: 'POST',
          url: '/v1/tables/u/rows?format=csv',
          headers: { 'content-type': 'text/csv' },
          payload: csv(10, 20),
        });
        assert.equal(r.statusCode, 503, r.body);
        assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After: ${String(r.headers['retry-after'])}`);
      }
      const after = await blobKeys(storage);
      const kept = [...after].filter((k) => !before.has(k));
      // Only the 'unknown' one stayed: a version might reference it.
      assert.equal(kept.length, 1);
      assert.equal((await storage.catalog.getTable('u'))!.version, 1);
      await new Promise((res) => setTimeout(res, 20));
      const eager = await withApp({ NCF_ORPHAN_GRACE: '0s' });
      const v = (await eager.inject({ method: 'POST', url: '/v1/tables/u/vacuum' })).json() as Record<string, number>;
      assert.equal(v.orphansRemoved, 1);
      assert.deepEqual(await blobKeys(storage), before);
    });
  });
});

describe('compact and vacuum need an admin key', () => {
  it('a write key gets 403, an admin key 200', async () => {
    await withHarness(SETUPS[0]!, async ({ app, withApp }) => {
      await smallFiles(app, 'k', 1);
      const keyed = await withApp({ NCF_API_KEYS: 'wkey:write,akey:admin' });
      for (const op of ['compact', 'vacuum']) {
        const w = await keyed.inject({ method: 'POST', url: `/v1/tables/k/${op}`, headers: { authorization: 'Bearer wkey' } });
        assert.equal(w.statusCode, 403, `${op}: ${w.body}`);
        const a = await keyed.inject({ method: 'POST', url: `/v1/tables/k/${op}`, headers: { authorization: 'Bearer akey' } });
        assert.equal(a.statusCode, 200, `${op}: ${a.body}`);
      }
    });
  });
});
