// The in-memory snapshot of current versions (storage/snapshot.ts) on both catalogs: repeated reads
// are served from it, and a write through another connection, process or replica is seen by the
// very next getTable. Each case compares with what the writing catalog itself returned.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/format/schema.js';
import { newId } from '../../storage/keys.js';
import { openPostgresCatalog } from '../../storage/postgres/catalog.js';
import { openSqliteCatalog } from '../../storage/sqlite/catalog.js';
import type { TableSnapshots } from '../../storage/snapshot.js';
import type { Catalog, DataFile, TableVersion } from '../../storage/types.js';
import { type PgTestServer, startPgServer } from '../support/pg-cluster.js';

const COLUMNS: ColumnSchema[] = [{ name: 'x', type: 'int32', nullable: false }];

function file(tableId: string, rows: number): DataFile {
  return { key: `${tableId}/${newId()}.ncf`, rows, bytes: rows * 10 + 100 };
}

type Snapshotted = Catalog & { snapshots: Pick<TableSnapshots<unknown>, 'hits' | 'misses'> };

/** What a reader must see: the version the writer's commit returned. */
function sameVersion(seen: TableVersion | null, written: TableVersion): void {
  assert.ok(seen !== null, `table ${written.table} not found`);
  assert.equal(seen.tableId, written.tableId);
  assert.equal(seen.version, written.version);
  assert.equal(seen.rowCount, written.rowCount);
  assert.deepEqual(
    seen.files.map((f) => f.key),
    written.files.map((f) => f.key),
  );
}

async function create(c: Catalog, table: string, rows = 3): Promise<TableVersion> {
  const tableId = c.newTableId();
  return c.commit({ table, operation: 'create', columns: COLUMNS, file: file(tableId, rows), tableId });
}

/** The same cases on any pair of catalogs sharing one store: `reader` caches, `writer` is elsewhere. */
function invalidationSuite(open: () => Promise<{ reader: Snapshotted; writer: Catalog; close(): Promise<void> }>): void {
  it('serves a repeated read from the snapshot, frozen', async () => {
    const { reader, close } = await open();
    try {
      const v1 = await create(reader, 'rep');
      const first = await reader.getTable('rep');
      sameVersion(first, v1);
      const hits = reader.snapshots.hits;
      const second = await reader.getTable('rep');
      assert.equal(second, first, 'the same object: no new read');
      assert.equal(reader.snapshots.hits, hits + 1);
      assert.throws(() => {
        (second!.files as DataFile[]).push(file(v1.tableId, 1));
      }, TypeError);
      assert.throws(() => {
        (second as { version: number }).version = 99;
      }, TypeError);
    } finally {
      await close();
    }
  });

  it("sees another writer's append, replace, drop and re-create on the next read", async () => {
    const { reader, writer, close } = await open();
    try {
      const v1 = await create(writer, 'moving');
      sameVersion(await reader.getTable('moving'), v1);
      sameVersion(await reader.getTable('moving'), v1);
      const v2 = await writer.commit({ table: 'moving', operation: 'append', columns: COLUMNS, file: file(v1.tableId, 4) });
      sameVersion(await reader.getTable('moving'), v2);
      const v3 = await writer.commit({ table: 'moving', operation: 'replace', columns: COLUMNS, file: file(v1.tableId, 2) });
      sameVersion(await reader.getTable('moving'), v3);
      assert.equal(await writer.drop('moving'), true);
      assert.equal(await reader.getTable('moving'), null);
      const again = await create(writer, 'moving', 7);
      assert.notEqual(again.tableId, v1.tableId);
      sameVersion(await reader.getTable('moving'), again);
      // Time travel is not served from the snapshot of the current version.
      assert.equal(await reader.getTable('moving', 2), null);
    } finally {
      await close();
    }
  });

  it('sees its own writes, and a table created after it was looked up and missing', async () => {
    const { reader, writer, close } = await open();
    try {
      assert.equal(await reader.getTable('late'), null);
      assert.equal(await reader.getTable('late'), null);
      const v1 = await create(writer, 'late');
      sameVersion(await reader.getTable('late'), v1);
      const v2 = await reader.commit({ table: 'late', operation: 'append', columns: COLUMNS, file: file(v1.tableId, 1) });
      sameVersion(await reader.getTable('late'), v2);
      sameVersion(await writer.getTable('late'), v2);
    } finally {
      await close();
    }
  });
}

describe('SQLite catalog snapshot (PRAGMA data_version)', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const openPair = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ncf-snap-'));
    dirs.push(dir);
    const path = join(dir, 'catalog.sqlite');
    const reader = openSqliteCatalog(path);
    const writer = openSqliteCatalog(path);
    return { reader, writer, path, close: async () => void (await Promise.all([reader.close(), writer.close()])) };
  };
  invalidationSuite(openPair);

  it('sees a commit made by another process', async () => {
    const { reader, path, close } = await openPair();
    try {
      const v1 = await create(reader, 'xproc');
      sameVersion(await reader.getTable('xproc'), v1);
      const script = `
        import { openSqliteCatalog } from ${JSON.stringify(new URL('../../storage/sqlite/catalog.ts', import.meta.url).href)};
        const c = openSqliteCatalog(${JSON.stringify(path)});
        const v = await c.commit({ table: 'xproc', operation: 'append', columns: ${JSON.stringify(COLUMNS)},
          file: { key: ${JSON.stringify(`${v1.tableId}/`)} + 'other-process.ncf', rows: 5, bytes: 150 } });
        console.log(JSON.stringify(v));
        await c.close();`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const written = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as TableVersion;
      assert.equal(written.version, 2);
      sameVersion(await reader.getTable('xproc'), written);
    } finally {
      await close();
    }
  });
});

describe('PostgreSQL catalog snapshot (stamp of the table row, two replicas)', () => {
  let serverPromise: Promise<PgTestServer> | undefined;
  after(async () => {
    if (serverPromise) await (await serverPromise.catch(() => null))?.stop();
  });
  invalidationSuite(async () => {
    serverPromise ??= startPgServer();
    const db = await (await serverPromise).createDatabase();
    const reader = await openPostgresCatalog(db.url);
    const writer = await openPostgresCatalog(db.url);
    return {
      reader,
      writer,
      close: async () => {
        await Promise.all([reader.close(), writer.close()]);
        await db.drop();
      },
    };
  });
});
