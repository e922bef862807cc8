// The behaviour every Catalog implementation must have (SQLite now, PostgreSQL later). An
// implementation's test file calls catalogContract(name, makeCatalog) with a factory for a fresh,
// empty store. Expectations come from the test's own bookkeeping (and, in the property, from an
// in-memory model), never from the catalog under test.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ColumnSchema } from '../../src/format/schema.js';
import { CatalogConflict, FileCollected, StorageError, TableExists, TableNotFound } from '../../storage/errors.js';
import { isId, newId } from '../../storage/keys.js';
import type { ColumnDifference } from '../../storage/schema-diff.js';
import type { Catalog, CommitRequest, DataFile, Operation, TableVersion } from '../../storage/types.js';
import type { CatalogFixture } from './catalog-fixture.js';
import { idempotencyContract } from './idempotency-contract.js';

export type { CatalogFixture } from './catalog-fixture.js';

const S_A: ColumnSchema[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'name', type: 'string', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true, unit: 'ms', timezone: 'UTC' },
];
const S_B: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'score', type: 'float64', nullable: true },
];
const S_C: ColumnSchema[] = [...S_A, { name: 'extra', type: 'bool', nullable: true }];
const SCHEMAS = [S_A, S_B, S_C];

function file(tableId: string, rows: number, bytes = rows * 10 + 100): DataFile {
  return { key: `${tableId}/${newId()}.ncf`, rows, bytes };
}

function isStorageError(cls: abstract new (...a: never[]) => StorageError, status: number, check?: (e: never) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as StorageError).httpStatus, status);
    assert.ok((e as StorageError).message.length > 0);
    check?.(e as never);
    return true;
  };
}

const sum = (files: DataFile[], f: 'rows' | 'bytes') => files.reduce((s, x) => s + x[f], 0);

export function catalogContract(name: string, makeCatalog: () => Promise<CatalogFixture>): void {
  /** A fresh store and one open catalog for one test; everything is closed and removed after. */
  async function withCatalog(fn: (c: Catalog, fx: CatalogFixture, opened: Catalog[]) => Promise<void>): Promise<void> {
    const fx = await makeCatalog();
    const opened: Catalog[] = [];
    const track: CatalogFixture = {
      open: async () => {
        const c = await fx.open();
        opened.push(c);
        return c;
      },
      destroy: fx.destroy,
    };
    try {
      await fn(await track.open(), track, opened);
    } finally {
      for (const c of opened) await c.close();
      await fx.destroy();
    }
  }

  async function create(c: Catalog, table: string, columns = S_A, rows = 10): Promise<TableVersion> {
    const tableId = c.newTableId();
    return c.commit({ table, operation: 'create', columns, file: file(tableId, rows), tableId });
  }

  describe(`Catalog contract: ${name}`, () => {
    it('create makes version 1 holding the one file, under the given table id', async () => {
      await withCatalog(async (c) => {
        const tableId = c.newTableId();
        assert.ok(isId(tableId));
        const f = file(tableId, 42, 4200);
        const before = Date.now();
        const v = await c.commit({ table: 'events', operation: 'create', columns: S_A, file: f, tableId });
        assert.equal(v.table, 'events');
        assert.equal(v.tableId, tableId);
        assert.equal(v.version, 1);
        assert.equal(v.operation, 'create');
        assert.equal(v.rowsAdded, 42);
        assert.equal(v.rowCount, 42);
        assert.equal(v.bytes, 4200);
        assert.deepEqual(v.columns, S_A);
        assert.deepEqual(v.files, [f]);
        for (const t of [v.createdAt, v.committedAt]) {
          const ms = Date.parse(t);
          assert.ok(ms >= before - 1000 && ms <= Date.now() + 1000, `timestamp ${t} is not now`);
        }
        assert.deepEqual(await c.getTable('events'), v);
        assert.deepEqual(await c.getTable('events', 1), v);
      });
    });

    it('create without tableId takes the id from the file key', async () => {
      await withCatalog(async (c) => {
        const tableId = c.newTableId();
        const v = await c.commit({ table: 't', operation: 'create', columns: S_B, file: file(tableId, 1) });
        assert.equal(v.tableId, tableId);
      });
    });

    it('create of an existing table is TableExists (409) and changes nothing', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't');
        await assert.rejects(
          create(c, 't', S_B),
          isStorageError(TableExists, 409, (e: TableExists) => {
            assert.equal(e.table, 't');
            assert.match(e.message, /"t"/);
          }),
        );
        assert.deepEqual(await c.getTable('t'), v1);
        assert.deepEqual(
          (await c.versions('t'))!.map((x) => x.version),
          [1],
        );
      });
    });

    it('append to a missing table is TableNotFound (404)', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        await assert.rejects(
          c.commit({ table: 'nope', operation: 'append', columns: S_A, file: file(id, 3) }),
          isStorageError(TableNotFound, 404, (e: TableNotFound) => assert.equal(e.table, 'nope')),
        );
        assert.equal(await c.getTable('nope'), null);
        assert.equal(await c.versions('nope'), null);
      });
    });

    it('append adds one file: the new version lists the old files then the new one, with summed counts', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't', S_A, 7);
        const files = [...v1.files];
        for (let i = 0; i < 5; i++) {
          const f = file(v1.tableId, i * 3, 1000 + i);
          files.push(f);
          const v = await c.commit({ table: 't', operation: 'append', columns: S_A, file: f, tableId: v1.tableId });
          assert.equal(v.version, i + 2);
          assert.equal(v.operation, 'append');
          assert.equal(v.tableId, v1.tableId);
          assert.equal(v.rowsAdded, i * 3);
          assert.deepEqual(v.files, files);
          assert.equal(v.rowCount, sum(files, 'rows'));
          assert.equal(v.bytes, sum(files, 'bytes'));
          assert.equal(v.createdAt, v1.createdAt);
          assert.deepEqual(v.columns, S_A);
        }
      });
    });

    it("append keeps the table's column labels; descriptions and semantic types do not conflict", async () => {
      await withCatalog(async (c) => {
        const labelled = S_B.map((col) => ({ ...col, description: `the ${col.name}` }));
        const v1 = await create(c, 't', labelled);
        const v2 = await c.commit({ table: 't', operation: 'append', columns: S_B, file: file(v1.tableId, 1) });
        assert.deepEqual(v2.columns, labelled);
      });
    });

    it('append with different columns is CatalogConflict (409) listing each difference', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't', S_A);
        const columns: ColumnSchema[] = [
          { name: 'id', type: 'string', nullable: false }, // type differs
          { name: 'at', type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' }, // unit differs
          { name: 'name', type: 'string', nullable: false }, // nullability differs
          { name: 'other', type: 'int8', nullable: true }, // not in the table
        ];
        const expected: ColumnDifference[] = [
          { column: 'id', issue: 'type', expected: 'int64', actual: 'string' },
          { column: 'name', issue: 'nullable', expected: true, actual: false },
          { column: 'name', issue: 'position', expected: 1, actual: 2 },
          { column: 'at', issue: 'type', expected: 'timestamp(ms, UTC)', actual: 'timestamp(us, UTC)' },
          { column: 'at', issue: 'position', expected: 2, actual: 1 },
          { column: 'other', issue: 'extra', actual: 'int8' },
        ];
        await assert.rejects(
          c.commit({ table: 't', operation: 'append', columns, file: file(v1.tableId, 5) }),
          isStorageError(CatalogConflict, 409, (e: CatalogConflict) => {
            assert.equal(e.table, 't');
            assert.deepEqual(sortDiffs(e.differences), sortDiffs(expected));
            assert.deepEqual(e.details.differences, e.differences);
            for (const col of ['"id"', '"name"', '"at"', '"other"'])
              assert.ok(e.message.includes(col), `message names ${col}: ${e.message}`);
          }),
        );
        await assert.rejects(
          c.commit({ table: 't', operation: 'append', columns: S_A.slice(0, 2), file: file(v1.tableId, 5) }),
          isStorageError(CatalogConflict, 409, (e: CatalogConflict) => {
            assert.deepEqual(e.differences, [{ column: 'at', issue: 'missing', expected: 'timestamp(ms, UTC)' }]);
          }),
        );
        assert.deepEqual(await c.getTable('t'), v1);
      });
    });

    it('replace makes a version holding only the new file, with the new columns; old versions stay readable', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't', S_A, 10);
        const v2 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 5) });
        const f = file(v1.tableId, 99, 12345);
        const v3 = await c.commit({ table: 't', operation: 'replace', columns: S_B, file: f, tableId: v1.tableId });
        assert.equal(v3.version, 3);
        assert.equal(v3.operation, 'replace');
        assert.equal(v3.tableId, v1.tableId);
        assert.deepEqual(v3.files, [f]);
        assert.equal(v3.rowCount, 99);
        assert.equal(v3.rowsAdded, 99);
        assert.equal(v3.bytes, 12345);
        assert.deepEqual(v3.columns, S_B);
        assert.deepEqual(await c.getTable('t', 2), v2);
        assert.deepEqual(await c.getTable('t', 1), v1);
        // Appends now follow the new columns.
        const v4 = await c.commit({ table: 't', operation: 'append', columns: S_B, file: file(v1.tableId, 1) });
        assert.deepEqual(v4.files, [f, v4.files[1]]);
        assert.equal(v4.rowCount, 100);
      });
    });

    it('replace of a missing table creates it (recorded as create)', async () => {
      await withCatalog(async (c) => {
        const tableId = c.newTableId();
        const f = file(tableId, 8);
        const v = await c.commit({ table: 'fresh', operation: 'replace', columns: S_B, file: f, tableId, expectVersion: null });
        assert.equal(v.version, 1);
        assert.equal(v.operation, 'create');
        assert.equal(v.tableId, tableId);
        assert.deepEqual(v.files, [f]);
      });
    });

    it('expectVersion other than the current version is CatalogConflict; a matching one commits', async () => {
      await withCatalog(async (c) => {
        const conflict = (expectedVersion: number | null, currentVersion: number | null) =>
          isStorageError(CatalogConflict, 409, (e: CatalogConflict) => {
            assert.equal(e.details.expectedVersion, expectedVersion);
            assert.equal(e.details.currentVersion, currentVersion);
            assert.deepEqual(e.differences, []);
          });
        const id = c.newTableId();
        const replace = (expectVersion: number | null) =>
          c.commit({ table: 't', operation: 'replace', columns: S_B, file: file(id, 1), tableId: id, expectVersion });
        await assert.rejects(replace(1), conflict(1, null));
        assert.equal(await c.getTable('t'), null);
        assert.equal((await replace(null)).version, 1);
        await assert.rejects(replace(null), conflict(null, 1));
        assert.equal((await replace(1)).version, 2);
        await assert.rejects(replace(1), conflict(1, 2));
        await assert.rejects(replace(3), conflict(3, 2));
        await assert.rejects(
          c.commit({ table: 't', operation: 'append', columns: S_B, file: file(id, 1), expectVersion: 1 }),
          conflict(1, 2),
        );
        assert.equal((await c.commit({ table: 't', operation: 'append', columns: S_B, file: file(id, 1), expectVersion: 2 })).version, 3);
        assert.deepEqual(
          (await c.versions('t'))!.map((v) => v.version),
          [1, 2, 3],
        );
      });
    });

    it('a write begun before a drop and re-create conflicts with the new table (tableId differs)', async () => {
      await withCatalog(async (c) => {
        const old = await create(c, 't', S_A);
        assert.equal(await c.drop('t'), true);
        const now = await create(c, 't', S_A);
        assert.notEqual(now.tableId, old.tableId);
        for (const operation of ['append', 'replace'] as Operation[]) {
          await assert.rejects(
            c.commit({ table: 't', operation, columns: S_A, file: file(old.tableId, 1), tableId: old.tableId }),
            isStorageError(CatalogConflict, 409),
          );
        }
        assert.deepEqual(await c.getTable('t'), now);
      });
    });

    it('a file key can be committed only once', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't');
        const again = { ...v1.files[0]! };
        await assert.rejects(
          c.commit({ table: 't', operation: 'append', columns: S_A, file: again }),
          isStorageError(CatalogConflict, 409),
        );
        await assert.rejects(
          c.commit({ table: 'u', operation: 'create', columns: S_A, file: again, tableId: c.newTableId() }),
          isStorageError(CatalogConflict, 409),
        );
        assert.equal(await c.getTable('u'), null);
      });
    });

    it('malformed requests are refused before touching the catalog', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        const good: CommitRequest = { table: 't', operation: 'create', columns: S_A, file: file(id, 1) };
        const bad: CommitRequest[] = [
          { ...good, table: '' },
          { ...good, columns: [] },
          { ...good, file: { key: '', rows: 1, bytes: 1 } },
          { ...good, file: { ...good.file, rows: -1 } },
          { ...good, file: { ...good.file, bytes: 1.5 } },
          { ...good, expectVersion: 0 },
          { ...good, operation: 'upsert' as Operation },
        ];
        for (const req of bad) await assert.rejects(c.commit(req), (e: unknown) => e instanceof StorageError, JSON.stringify(req));
        assert.deepEqual(await c.listTables(), []);
      });
    });

    it('drop removes the table and its history; a new table of that name starts again at version 1', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't');
        await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 2) });
        const other = await create(c, 'other');
        assert.equal(await c.drop('t'), true);
        assert.equal(await c.drop('t'), false);
        assert.equal(await c.drop('never'), false);
        assert.equal(await c.getTable('t'), null);
        assert.equal(await c.getTable('t', 1), null);
        assert.equal(await c.versions('t'), null);
        assert.deepEqual(await c.referencedKeys(), new Set(other.files.map((f) => f.key)));
        const again = await create(c, 't', S_B);
        assert.equal(again.version, 1);
        assert.notEqual(again.tableId, v1.tableId);
        assert.deepEqual(
          (await c.versions('t'))!.map((v) => v.version),
          [1],
        );
        assert.deepEqual(await c.getTable('other'), other);
      });
    });

    it('time travel returns each version exactly as committed; versions() lists the history', async () => {
      await withCatalog(async (c) => {
        const committed: TableVersion[] = [await create(c, 't', S_A, 3)];
        const id = committed[0]!.tableId;
        const steps: Array<[Operation, ColumnSchema[], number]> = [
          ['append', S_A, 4],
          ['append', S_A, 0],
          ['replace', S_C, 9],
          ['append', S_C, 2],
          ['replace', S_A, 1],
          ['append', S_A, 6],
        ];
        for (const [operation, columns, rows] of steps) {
          committed.push(await c.commit({ table: 't', operation, columns, file: file(id, rows) }));
        }
        for (const v of committed) assert.deepEqual(await c.getTable('t', v.version), v);
        assert.deepEqual(await c.getTable('t'), committed.at(-1));
        assert.equal(await c.getTable('t', committed.length + 1), null);
        assert.equal(await c.getTable('t', 0), null);
        assert.equal(await c.getTable('t', -1), null);
        assert.equal(await c.getTable('t', 1.5), null);
        assert.deepEqual(
          await c.versions('t'),
          committed.map((v) => ({
            version: v.version,
            operation: v.operation,
            rowsAdded: v.rowsAdded,
            rowCount: v.rowCount,
            committedAt: v.committedAt,
          })),
        );
        // Row counts recomputed independently from the steps.
        let rows = 3;
        steps.forEach(([op, , n], i) => {
          rows = op === 'append' ? rows + n : n;
          assert.equal(committed[i + 1]!.rowCount, rows);
        });
      });
    });

    it('listTables returns the current version of every table, by name', async () => {
      await withCatalog(async (c) => {
        assert.deepEqual(await c.listTables(), []);
        const b = await create(c, 'b', S_B);
        const a1 = await create(c, 'a', S_A);
        const a2 = await c.commit({ table: 'a', operation: 'append', columns: S_A, file: file(a1.tableId, 5) });
        const z = await create(c, 'z', S_C);
        await create(c, 'gone');
        await c.drop('gone');
        const cr = await c.commit({ table: 'c', operation: 'replace', columns: S_B, file: file(c.newTableId(), 5) });
        const c2 = await c.commit({ table: 'c', operation: 'replace', columns: S_A, file: file(cr.tableId, 6) });
        assert.deepEqual(await c.listTables(), [a2, b, c2, z]);
      });
    });

    it('referencedKeys holds the files of every retained version, including replaced ones', async () => {
      await withCatalog(async (c) => {
        assert.deepEqual(await c.referencedKeys(), new Set());
        const expected = new Set<string>();
        const t = await create(c, 't');
        t.files.forEach((f) => expected.add(f.key));
        for (const op of ['append', 'replace', 'append'] as Operation[]) {
          const f = file(t.tableId, 1);
          expected.add(f.key);
          await c.commit({ table: 't', operation: op, columns: S_A, file: f });
        }
        const u = await create(c, 'u');
        expected.add(u.files[0]!.key);
        const failed = file(t.tableId, 1);
        await assert.rejects(c.commit({ table: 't', operation: 'append', columns: S_B, file: failed }));
        assert.deepEqual(await c.referencedKeys(), expected);
      });
    });

    it("compact makes a version holding only the new file, with the same rows and the table's columns", async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't', S_A, 3);
        const v2 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 4) });
        const v3 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 5) });
        // Labels of the file's columns do not matter: the table keeps its own.
        const labelled = S_A.map((col) => ({ ...col, description: 'other' }));
        const f = file(v1.tableId, 12, 300);
        const v4 = await c.commit({ table: 't', operation: 'compact', columns: labelled, file: f, expectVersion: 3, tableId: v1.tableId });
        assert.equal(v4.version, 4);
        assert.equal(v4.operation, 'compact');
        assert.equal(v4.rowsAdded, 0);
        assert.equal(v4.rowCount, 12);
        assert.equal(v4.bytes, 300);
        assert.deepEqual(v4.files, [f]);
        assert.deepEqual(v4.columns, v3.columns);
        assert.deepEqual(await c.getTable('t'), v4);
        assert.deepEqual(await c.getTable('t', 2), v2);
        assert.deepEqual(
          (await c.versions('t'))!.map((v) => v.operation),
          ['create', 'append', 'append', 'compact'],
        );
        // Appends after a compaction add to the compacted file.
        const g = file(v1.tableId, 1);
        const v5 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: g });
        assert.deepEqual(v5.files, [f, g]);
        assert.equal(v5.rowCount, 13);
      });
    });

    it('compact refuses a missing table, a moved table, other columns and a different row count', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        await assert.rejects(
          c.commit({ table: 'nope', operation: 'compact', columns: S_A, file: file(id, 1) }),
          isStorageError(TableNotFound, 404),
        );
        const v1 = await create(c, 't', S_A, 3);
        await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 4) });
        await assert.rejects(
          c.commit({ table: 't', operation: 'compact', columns: S_A, file: file(v1.tableId, 7), expectVersion: 1 }),
          isStorageError(CatalogConflict, 409),
        );
        await assert.rejects(
          c.commit({ table: 't', operation: 'compact', columns: S_B, file: file(v1.tableId, 7) }),
          isStorageError(CatalogConflict, 409),
        );
        await assert.rejects(
          c.commit({ table: 't', operation: 'compact', columns: S_A, file: file(v1.tableId, 6), expectVersion: 2 }),
          isStorageError(CatalogConflict, 409),
        );
        assert.equal((await c.getTable('t'))!.version, 2);
      });
    });

    it('expire keeps the newest versions, forgets older ones and returns exactly the files only they held', async () => {
      await withCatalog(async (c) => {
        assert.equal(await c.expire('nope', 3), null);
        const v1 = await create(c, 't', S_A, 2);
        const committed: TableVersion[] = [v1];
        const ops: Operation[] = ['append', 'append', 'compact', 'append', 'replace', 'append', 'append'];
        for (const op of ops) {
          const head = committed.at(-1)!;
          const f = file(v1.tableId, op === 'compact' ? head.rowCount : 2);
          committed.push(await c.commit({ table: 't', operation: op, columns: S_A, file: f }));
        }
        const other = await create(c, 'u', S_B, 1);
        const head = committed.length; // 8
        const keep = 3;
        const retained = committed.slice(head - keep);
        const retainedKeys = new Set(retained.flatMap((v) => v.files.map((f) => f.key)));
        const allKeys = new Set(committed.flatMap((v) => v.files.map((f) => f.key)));
        const expectRemoved = [...allKeys].filter((k) => !retainedKeys.has(k)).sort();
        const r = await c.expire('t', keep);
        assert.ok(r !== null);
        assert.equal(r.oldestVersion, head - keep + 1);
        assert.equal(r.expiredVersions, head - keep);
        assert.deepEqual(r.removedFiles.map((f) => f.key).sort(), expectRemoved);
        for (const v of committed) assert.deepEqual(await c.getTable('t', v.version), v.version > head - keep ? v : null);
        assert.deepEqual(
          (await c.versions('t'))!.map((v) => v.version),
          retained.map((v) => v.version),
        );
        assert.deepEqual(await c.referencedKeys(), new Set([...retainedKeys, other.files[0]!.key]));
        // Again: nothing left to forget; the other table was untouched.
        assert.deepEqual(await c.expire('t', keep), { oldestVersion: head - keep + 1, expiredVersions: 0, removedFiles: [] });
        assert.deepEqual(await c.getTable('u', 1), other);
        // Commits go on from the head; keep larger than the history forgets nothing.
        const next = await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 1) });
        assert.equal(next.version, head + 1);
        assert.equal((await c.expire('t', 100))!.expiredVersions, 0);
        await assert.rejects(c.expire('t', 0), (e: unknown) => e instanceof StorageError);
      });
    });

    it('table names are exact: case and spaces matter', async () => {
      await withCatalog(async (c) => {
        await create(c, 'Sales');
        assert.equal(await c.getTable('sales'), null);
        assert.equal(await c.getTable('Sales '), null);
        const s2 = await create(c, 'sales');
        assert.deepEqual(
          (await c.listTables()).map((t) => t.table),
          ['Sales', 'sales'],
        );
        assert.deepEqual(await c.getTable('sales'), s2);
      });
    });

    it('50 interleaved appends from two instances give gap-free versions and exact row counts', async () => {
      await withCatalog(async (c1, fx) => {
        const c2 = await fx.open();
        const v1 = await create(c1, 't', S_A, 1);
        const files: DataFile[] = Array.from({ length: 50 }, (_, i) => file(v1.tableId, i + 1));
        const results = await Promise.all(
          files.map((f, i) => (i % 2 === 0 ? c1 : c2).commit({ table: 't', operation: 'append', columns: S_A, file: f })),
        );
        assert.deepEqual(
          results.map((r) => r.version).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 2),
        );
        const expectedRows = 1 + (50 * 51) / 2;
        for (const c of [c1, c2]) {
          const head = (await c.getTable('t'))!;
          assert.equal(head.version, 51);
          assert.equal(head.rowCount, expectedRows);
          assert.equal(head.files.length, 51);
          assert.deepEqual(new Set(head.files.map((f) => f.key)), new Set([v1.files[0]!.key, ...files.map((f) => f.key)]));
          assert.deepEqual(
            (await c.versions('t'))!.map((v) => v.version),
            Array.from({ length: 51 }, (_, i) => i + 1),
          );
        }
        // Each version's row count is the previous one's plus what its append added.
        const history = (await c2.versions('t'))!;
        for (let i = 1; i < history.length; i++) assert.equal(history[i]!.rowCount, history[i - 1]!.rowCount + history[i]!.rowsAdded);
      });
    });

    it('racing creates and replaces with expectVersion: exactly one wins each round', async () => {
      await withCatalog(async (c1, fx) => {
        const c2 = await fx.open();
        // Each writer read the table (or its absence) first, as the service does, then races.
        const attempt = (c: Catalog, seen: TableVersion | null) => {
          const id = seen?.tableId ?? c.newTableId();
          return c.commit({
            table: 'race',
            operation: 'replace',
            columns: S_B,
            file: file(id, 1),
            tableId: id,
            expectVersion: seen?.version ?? null,
          });
        };
        for (let round = 0; round < 5; round++) {
          const seen = await c1.getTable('race');
          const outcomes = await Promise.allSettled([attempt(c1, seen), attempt(c2, seen)]);
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          assert.equal(won.length, 1);
          assert.ok(lost[0]!.reason instanceof CatalogConflict);
          assert.equal((await c2.getTable('race'))!.version, round + 1);
        }
      });
    });

    // Pending files: the rule that no commit references a file vacuum deleted. Vacuum deletes only
    // what markForDeletion returned; each interleaving of commit and mark must leave the key either
    // committed (never returned) or returned (never committed), whichever ran first.
    const LEASE = 60_000;
    const collected = (table: string) =>
      isStorageError(FileCollected, 503, (e: FileCollected) => {
        assert.equal(e.code, 'FILE_COLLECTED');
        assert.match(e.message, new RegExp(`"${table}"`));
      });

    it('a registered pending file is never marked for deletion; its commit consumes the registration', async () => {
      await withCatalog(async (c, fx) => {
        const other = await fx.open();
        const v1 = await create(c, 't');
        const f = file(v1.tableId, 3);
        await c.registerPending(f.key, LEASE, 'writer-a');
        // Mark first (another instance: another replica's vacuum): kept, as often as asked.
        assert.deepEqual(await other.markForDeletion([f.key]), []);
        assert.deepEqual(await c.markForDeletion([f.key]), []);
        const v2 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: f });
        assert.equal(v2.version, 2);
        // Committed: referenced, never marked, and no registration is left to renew.
        assert.deepEqual(await other.markForDeletion([f.key]), []);
        assert.equal(await c.renewPending(f.key, LEASE), false);
        assert.deepEqual(
          (await c.getTable('t'))!.files.map((x) => x.key),
          [v1.files[0]!.key, f.key],
        );
      });
    });

    it('commit after mark: a doomed key fails with FileCollected (503) and nothing is committed', async () => {
      await withCatalog(async (c, fx) => {
        const other = await fx.open();
        const v1 = await create(c, 't');
        // Unregistered (a writer of an older build, a file older than the grace period).
        const unregistered = file(v1.tableId, 4);
        assert.deepEqual(await other.markForDeletion([unregistered.key]), [unregistered.key]);
        await assert.rejects(c.commit({ table: 't', operation: 'append', columns: S_A, file: unregistered }), collected('t'));
        // A registration that lapsed (leaseMs 0: its writer stopped renewing) is doomed too.
        const lapsed = file(v1.tableId, 5);
        await c.registerPending(lapsed.key, 0, 'writer-b');
        await new Promise((r) => setTimeout(r, 5));
        assert.deepEqual(await other.markForDeletion([lapsed.key, lapsed.key]), [lapsed.key]);
        assert.equal(await c.renewPending(lapsed.key, LEASE), false, 'a doomed registration cannot be renewed');
        await assert.rejects(c.commit({ table: 't', operation: 'append', columns: S_A, file: lapsed }), collected('t'));
        // Every operation, a new table included: refused the same way, nothing lands.
        const newId1 = c.newTableId();
        const fresh = file(newId1, 2);
        assert.deepEqual(await c.markForDeletion([fresh.key]), [fresh.key]);
        await assert.rejects(c.commit({ table: 'n', operation: 'create', columns: S_A, file: fresh, tableId: newId1 }), collected('n'));
        assert.equal(await c.getTable('n'), null);
        const replaced = file(v1.tableId, 9);
        assert.deepEqual(await c.markForDeletion([replaced.key]), [replaced.key]);
        await assert.rejects(c.commit({ table: 't', operation: 'replace', columns: S_A, file: replaced }), collected('t'));
        assert.deepEqual(await c.getTable('t'), v1);
        assert.deepEqual(
          (await c.versions('t'))!.map((x) => x.version),
          [1],
        );
        // Marking is idempotent: a doomed key stays doomed (vacuum re-run after a crash deletes it).
        assert.deepEqual(new Set(await c.markForDeletion([unregistered.key, lapsed.key])), new Set([unregistered.key, lapsed.key]));
      });
    });

    it('mark never dooms a referenced key, of any retained version or table', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't');
        const v2 = await c.commit({ table: 't', operation: 'replace', columns: S_A, file: file(v1.tableId, 2) });
        const u = await create(c, 'u', S_B);
        const keys = [v1.files[0]!.key, v2.files[0]!.key, u.files[0]!.key];
        assert.deepEqual(await c.markForDeletion(keys), []);
        // Forgotten by retention: now unreferenced, so doomed.
        const expired = await c.expire('t', 1);
        assert.deepEqual(
          expired!.removedFiles.map((f) => f.key),
          [v1.files[0]!.key],
        );
        assert.deepEqual(await c.markForDeletion(keys), [v1.files[0]!.key]);
        assert.deepEqual(await c.getTable('t'), v2);
      });
    });

    it('a released registration no longer protects its key; register refuses a known key', async () => {
      await withCatalog(async (c) => {
        const v1 = await create(c, 't');
        const f = file(v1.tableId, 1);
        await c.registerPending(f.key, LEASE, 'w');
        assert.equal(await c.renewPending(f.key, LEASE), true);
        await assert.rejects(c.registerPending(f.key, LEASE, 'w2'), (e: unknown) => e instanceof StorageError);
        await assert.rejects(c.registerPending(v1.files[0]!.key, LEASE, 'w3'), (e: unknown) => e instanceof StorageError);
        await c.releasePending(f.key);
        assert.equal(await c.renewPending(f.key, LEASE), false);
        assert.deepEqual(await c.markForDeletion([f.key]), [f.key]);
        assert.deepEqual(await c.markForDeletion([]), []);
        // A live registration whose owner is known to have died counts as lapsed; others stay.
        const dead = file(v1.tableId, 1);
        const alive = file(v1.tableId, 1);
        await c.registerPending(dead.key, LEASE, 'host:dead');
        await c.registerPending(alive.key, LEASE, 'host:alive');
        assert.deepEqual(await c.markForDeletion([dead.key, alive.key], (owner) => owner === 'host:dead'), [dead.key]);
        await assert.rejects(c.commit({ table: 't', operation: 'append', columns: S_A, file: dead }), collected('t'));
        assert.equal((await c.commit({ table: 't', operation: 'append', columns: S_A, file: alive })).version, 2);
      });
    });

    it('commits racing marks from another instance: no key is both committed and marked', async () => {
      await withCatalog(async (c1, fx) => {
        const c2 = await fx.open();
        const v1 = await create(c1, 't', S_A, 1);
        let committed = 0;
        let refused = 0;
        for (let round = 0; round < 20; round++) {
          // Half the writers registered (the service's way), half did not (only the tombstone
          // protects them); the mark runs at once from the other instance.
          const files = Array.from({ length: 4 }, () => file(v1.tableId, 1 + round));
          await Promise.all(files.map((f, i) => (i % 2 === 0 ? c1.registerPending(f.key, LEASE, 'w') : Promise.resolve())));
          const [commits, marked] = await Promise.all([
            Promise.allSettled(files.map((f) => c1.commit({ table: 't', operation: 'append', columns: S_A, file: f }))),
            c2.markForDeletion(files.map((f) => f.key)),
          ]);
          const head = (await c2.getTable('t'))!;
          const live = new Set(head.files.map((f) => f.key));
          files.forEach((f, i) => {
            const o = commits[i]!;
            if (o.status === 'fulfilled') {
              committed++;
              assert.ok(live.has(f.key));
              assert.ok(!marked.includes(f.key), `round ${round}: ${f.key} was committed and marked for deletion`);
            } else {
              refused++;
              assert.ok(o.reason instanceof FileCollected, `round ${round}: ${String(o.reason)}`);
              assert.ok(!live.has(f.key));
              assert.ok(marked.includes(f.key), `round ${round}: a commit failed though ${f.key} was not marked`);
              assert.ok(i % 2 === 1, 'a live registration was doomed');
            }
          });
        }
        assert.equal(committed + refused, 80);
        assert.ok(committed >= 40, 'every registered file must commit');
        const history = (await c1.versions('t'))!;
        assert.deepEqual(
          history.map((v) => v.version),
          Array.from({ length: history.length }, (_, i) => i + 1),
        );
        assert.equal(history.length, 1 + committed);
      });
    });

    it('a returned commit survives closing and reopening', async () => {
      await withCatalog(async (c, fx) => {
        const v1 = await create(c, 't', S_A, 5);
        const v2 = await c.commit({ table: 't', operation: 'append', columns: S_A, file: file(v1.tableId, 6) });
        const u = await create(c, 'u', S_B);
        await c.drop('u');
        await c.close();
        const again = await fx.open();
        await again.ping();
        assert.deepEqual(await again.getTable('t'), v2);
        assert.deepEqual(await again.getTable('t', 1), v1);
        assert.equal(await again.getTable('u'), null);
        assert.deepEqual(await again.referencedKeys(), new Set(v2.files.map((f) => f.key)));
        assert.ok(!(await again.referencedKeys()).has(u.files[0]!.key));
      });
    });

    it('newTableId returns distinct ids', async () => {
      await withCatalog(async (c) => {
        const ids = new Set(Array.from({ length: 1000 }, () => c.newTableId()));
        assert.equal(ids.size, 1000);
        for (const id of ids) assert.ok(isId(id), id);
      });
    });

    it('matches an in-memory model over random operation sequences', async () => {
      await withCatalog(async (c) => {
        let run = 0;
        const op = fc.record({
          kind: fc.constantFrom('create', 'append', 'replace', 'drop'),
          table: fc.nat({ max: 2 }),
          schema: fc.nat({ max: 2 }),
          rows: fc.nat({ max: 1000 }),
          expect: fc.constantFrom('omit', 'current', 'wrong'),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
            run++;
            const model = new Map<string, { tableId: string; schema: number; versions: TableVersion[] }>();
            for (const o of ops) {
              const name = `r${run}_t${o.table}`;
              const m = model.get(name);
              if (o.kind === 'drop') {
                assert.equal(await c.drop(name), m !== undefined);
                model.delete(name);
                continue;
              }
              const current = m ? m.versions.length : null;
              const expectVersion = o.expect === 'omit' ? undefined : o.expect === 'current' ? current : (current ?? 0) + 1;
              const tableId = m?.tableId ?? c.newTableId();
              const f = file(tableId, o.rows);
              const columns = SCHEMAS[o.schema]!;
              const req: CommitRequest = { table: name, operation: o.kind as Operation, columns, file: f };
              if (expectVersion !== undefined) req.expectVersion = expectVersion;
              const outcome = await c.commit(req).then(
                (v) => v,
                (e: unknown) => e,
              );
              const head = m?.versions.at(-1);
              let expected: string;
              if (o.kind === 'create' && m) expected = 'TableExists';
              else if (o.kind === 'append' && !m) expected = 'TableNotFound';
              else if (expectVersion !== undefined && expectVersion !== current) expected = 'CatalogConflict';
              else if (o.kind === 'append' && m!.schema !== o.schema) expected = 'CatalogConflict';
              else expected = 'ok';
              if (expected !== 'ok') {
                assert.ok(
                  outcome instanceof StorageError && outcome.constructor.name === expected,
                  `expected ${expected}, got ${String(outcome)}`,
                );
                continue;
              }
              assert.ok(!(outcome instanceof Error), String(outcome));
              const v = outcome as TableVersion;
              const files = o.kind === 'append' ? [...head!.files, f] : [f];
              const model1: TableVersion = {
                table: name,
                tableId,
                version: (current ?? 0) + 1,
                operation: m ? (o.kind as Operation) : 'create',
                rowsAdded: o.rows,
                rowCount: sum(files, 'rows'),
                bytes: sum(files, 'bytes'),
                columns: o.kind === 'append' ? head!.columns : columns,
                files,
                createdAt: m ? head!.createdAt : v.createdAt,
                committedAt: v.committedAt,
              };
              assert.deepEqual(v, model1);
              if (!m) model.set(name, { tableId, schema: o.schema, versions: [v] });
              else {
                m.versions.push(v);
                m.schema = o.schema;
              }
            }
            for (let t = 0; t <= 2; t++) {
              const name = `r${run}_t${t}`;
              const m = model.get(name);
              assert.deepEqual(await c.getTable(name), m?.versions.at(-1) ?? null);
              for (const v of m?.versions ?? []) assert.deepEqual(await c.getTable(name, v.version), v);
            }
          }),
          { numRuns: 40 },
        );
      });
    });
    idempotencyContract(withCatalog);
  });
}

function sortDiffs(d: ColumnDifference[]): ColumnDifference[] {
  const key = (x: ColumnDifference) => `${x.column}|${x.issue}`;
  return [...d].sort((a, b) => key(a).localeCompare(key(b)));
}
