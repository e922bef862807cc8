// The SQLite catalog: the shared contract on a real file in a temp dir, plus what only SQLite has —
// the file's pragmas and migrations, SQLITE_BUSY as CatalogBusy, and appends from two processes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteCatalog } from '../../storage/sqlite/catalog.js';
import { CatalogBusy, CatalogUnavailable } from '../../storage/errors.js';
import { newId } from '../../storage/keys.js';
import { MIGRATIONS } from '../../storage/sqlite/migrations.js';
import { catalogContract } from './catalog-contract.js';

catalogContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-catalog-'));
  return {
    open: async () => new SqliteCatalog(join(dir, 'catalog.sqlite')),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-catalog-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const COLUMNS = [{ name: 'x', type: 'int32' as const, nullable: true }];

describe('SqliteCatalog', () => {
  it('opens the file in WAL mode and records its migrations once', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      const a = new SqliteCatalog(path);
      const b = new SqliteCatalog(path);
      await a.close();
      await b.close();
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        const rows = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
        assert.deepEqual(
          rows,
          MIGRATIONS.map((_, i) => i + 1),
        );
      } finally {
        raw.close();
      }
    });
  });

  it('upgrades a catalog made by migration 1 alone: its history is kept and compaction works', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      const raw = new Database(path);
      raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      raw.exec(MIGRATIONS[0]!);
      raw.prepare('INSERT INTO schema_migrations VALUES (1, ?)').run('earlier');
      const id = newId();
      raw.prepare('INSERT INTO tables VALUES (?, ?, ?, 2)').run(id, 'old', '2024-01-01T00:00:00.000Z');
      const ins = raw.prepare('INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      ins.run(id, 1, 'create', 2, 2, 50, JSON.stringify(COLUMNS), '2024-01-01T00:00:00.000Z');
      ins.run(id, 2, 'append', 3, 5, 90, JSON.stringify(COLUMNS), '2024-01-02T00:00:00.000Z');
      raw.prepare('INSERT INTO files VALUES (?, 1, ?, 2, 50, 1, NULL)').run(id, `${id}/${newId()}.ncf`);
      raw.prepare('INSERT INTO files VALUES (?, 2, ?, 3, 40, 2, NULL)').run(id, `${id}/${newId()}.ncf`);
      raw.close();
      const c = new SqliteCatalog(path);
      try {
        assert.deepEqual(
          (await c.versions('old'))!.map((v) => [v.version, v.operation, v.rowCount]),
          [
            [1, 'create', 2],
            [2, 'append', 5],
          ],
        );
        const v3 = await c.commit({
          table: 'old',
          operation: 'compact',
          columns: COLUMNS,
          file: { key: `${id}/${newId()}.ncf`, rows: 5, bytes: 70 },
          expectVersion: 2,
        });
        assert.equal(v3.operation, 'compact');
        assert.equal(v3.files.length, 1);
        assert.equal((await c.getTable('old', 2))!.files.length, 2);
      } finally {
        await c.close();
      }
    });
  });

  it('refuses a file migrated by a newer build', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      await new SqliteCatalog(path).close();
      const raw = new Database(path);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(MIGRATIONS.length + 1, 'later');
      raw.close();
      assert.throws(() => new SqliteCatalog(path), new RegExp(`migration ${MIGRATIONS.length + 1}, this build knows ${MIGRATIONS.length}`));
    });
  });

  it('a full database (SQLITE_FULL) is CatalogUnavailable (503), the commit "not applied", and nothing half-committed', async () => {
    await withDir(async (dir) => {
      const catalog = new SqliteCatalog(join(dir, 'catalog.sqlite'));
      try {
        // max_page_count caps the file on this connection: SQLite then fails as on a full disk.
        const db = (catalog as unknown as { db: Database.Database }).db;
        const tableId = catalog.newTableId();
        let last = await catalog.commit({
          table: 't',
          operation: 'create',
          columns: COLUMNS,
          file: { key: `${tableId}/${newId()}.ncf`, rows: 1, bytes: 1 },
          tableId,
        });
        db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
        let failure: unknown;
        for (let i = 0; i < 10_000 && failure === undefined; i++) {
          try {
            last = await catalog.commit({
              table: 't',
              operation: 'append',
              columns: COLUMNS,
              file: { key: `${tableId}/${newId()}.ncf`, rows: 1, bytes: 1 },
            });
          } catch (e) {
            failure = e;
          }
        }
        assert.ok(failure instanceof CatalogUnavailable, `expected CatalogUnavailable, got ${String(failure)}`);
        assert.equal(failure.httpStatus, 503);
        assert.equal(failure.details.reason, 'SQLITE_FULL');
        assert.equal(failure.commitOutcome, 'not applied');
        assert.deepEqual(await catalog.getTable('t'), last);
      } finally {
        await catalog.close();
      }
    });
  });

  it('a lock held past busyTimeoutMs is CatalogBusy (503); the commit succeeds once it is released', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      const catalog = new SqliteCatalog(path, { busyTimeoutMs: 50 });
      const other = new Database(path);
      try {
        const id = newId();
        other.exec('BEGIN IMMEDIATE');
        const started = Date.now();
        await assert.rejects(
          catalog.commit({ table: 't', operation: 'create', columns: COLUMNS, file: { key: `${id}/${newId()}.ncf`, rows: 1, bytes: 1 } }),
          (e: unknown) => {
            assert.ok(e instanceof CatalogBusy, String(e));
            assert.equal(e.httpStatus, 503);
            assert.match(e.message, /busy.*50 ms/);
            return true;
          },
        );
        assert.ok(Date.now() - started >= 40, 'waited for the lock');
        // Reads are not blocked by a writer under WAL.
        assert.equal(await catalog.getTable('t'), null);
        other.exec('ROLLBACK');
        const v = await catalog.commit({
          table: 't',
          operation: 'create',
          columns: COLUMNS,
          file: { key: `${id}/${newId()}.ncf`, rows: 1, bytes: 1 },
        });
        assert.equal(v.version, 1);
      } finally {
        other.close();
        await catalog.close();
      }
    });
  });

  it('calls after close fail with a clear error', async () => {
    await withDir(async (dir) => {
      const catalog = new SqliteCatalog(join(dir, 'c.sqlite'));
      await catalog.close();
      await catalog.close();
      await assert.rejects(catalog.getTable('t'), /closed/);
      await assert.rejects(catalog.ping(), /closed/);
    });
  });

  it('two processes appending at once give gap-free versions and exact row counts', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      const catalog = new SqliteCatalog(path);
      try {
        const tableId = catalog.newTableId();
        await catalog.commit({
          table: 't',
          operation: 'create',
          columns: COLUMNS,
          file: { key: `${tableId}/${newId()}.ncf`, rows: 0, bytes: 0 },
          tableId,
        });
        const perProcess = 60;
        const worker = fileURLToPath(new URL('./fixtures/sqlite-append-worker.ts', import.meta.url));
        const start = (rowsBase: number) => {
          const child = spawn(process.execPath, ['--import', 'tsx', worker, path, 't', String(perProcess), String(rowsBase)], {
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          let onReady: () => void;
          const ready = new Promise<void>((r) => {
            onReady = r;
          });
          child.stdout.on('data', (d) => {
            out += d;
            if (out.startsWith('ready\n')) onReady();
          });
          child.stderr.on('data', (d) => {
            err += d;
          });
          const done = new Promise<string>((resolve, reject) =>
            child.on('exit', (code) =>
              code === 0 ? resolve(out.slice('ready\n'.length)) : reject(new Error(`worker exited ${code}: ${err}`)),
            ),
          );
          return { child, ready, done };
        };
        const workers = [start(1), start(1000)];
        await Promise.race([Promise.all(workers.map((w) => w.ready)), Promise.all(workers.map((w) => w.done))]);
        for (const w of workers) w.child.stdin.write('go\n');
        const outputs = await Promise.all(workers.map((w) => w.done));
        // Each process reports the versions it got; together they are 2..121 with no repeats.
        const got = outputs.flatMap((o) => o.trim().split(/\s+/).map(Number)).sort((a, b) => a - b);
        assert.deepEqual(
          got,
          Array.from({ length: 2 * perProcess }, (_, i) => i + 2),
        );
        const head = (await catalog.getTable('t'))!;
        assert.equal(head.version, 2 * perProcess + 1);
        // One process adds rows 1.., the other 1000..
        let expectedRows = 0;
        for (let i = 0; i < perProcess; i++) expectedRows += 1 + i + 1000 + i;
        assert.equal(head.rowCount, expectedRows);
        assert.equal(head.files.length, 2 * perProcess + 1);
        const history = (await catalog.versions('t'))!;
        assert.deepEqual(
          history.map((v) => v.version),
          Array.from({ length: 2 * perProcess + 1 }, (_, i) => i + 1),
        );
        for (let i = 1; i < history.length; i++) assert.equal(history[i]!.rowCount, history[i - 1]!.rowCount + history[i]!.rowsAdded);
      } finally {
        await catalog.close();
      }
    });
  });
});

describe('SqliteCatalog idempotency keys', () => {
  it('keys older than the TTL are honoured until the next keyed commit on their table collects them; drop removes them', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'catalog.sqlite');
      const c = new SqliteCatalog(path, { idempotencyTtlMs: 200 });
      try {
        const id = newId();
        const keyed = (operation: 'create' | 'append', key: string) =>
          c.commit({
            table: 't',
            operation,
            columns: COLUMNS,
            file: { key: `${id}/${newId()}.ncf`, rows: 1, bytes: 10 },
            tableId: id,
            idempotency: { key, fingerprint: 'f' },
          });
        await keyed('create', 'old');
        await new Promise((r) => setTimeout(r, 400));
        assert.equal((await c.idempotencyRecord('t', 'old'))?.version, 1);
        await keyed('append', 'new');
        assert.equal(await c.idempotencyRecord('t', 'old'), null);
        assert.equal((await c.idempotencyRecord('t', 'new'))?.version, 2);
        await c.drop('t');
      } finally {
        await c.close();
      }
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.prepare('SELECT count(*) FROM idempotency_keys').pluck().get(), 0);
      } finally {
        raw.close();
      }
    });
  });
});
