// Idempotency keys in the catalog, for every Catalog implementation (run by catalogContract on SQLite
// and PostgreSQL): a key is recorded in the same transaction as the version its commit made, a second
// commit with the key commits nothing and reports the first, racing commits with one key make one
// version, keys belong to one incarnation of a table and survive a reopen. Expectations come from what
// the test committed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/format/schema.js';
import { IdempotencyKeyUsed } from '../../storage/idempotency.js';
import { newId } from '../../storage/keys.js';
import type { Catalog, CommitRequest, DataFile, IdempotencyRecord, Operation } from '../../storage/types.js';
import type { CatalogFixture } from './catalog-fixture.js';

const COLS: ColumnSchema[] = [{ name: 'id', type: 'int64', nullable: false }];
const OTHER: ColumnSchema[] = [{ name: 'other', type: 'string', nullable: true }];

function file(tableId: string, rows: number): DataFile {
  return { key: `${tableId}/${newId()}.ncf`, rows, bytes: rows * 8 + 64 };
}

/** A commit of `rows` rows under `key` (fingerprint `fp`). */
function keyed(
  table: string,
  operation: Operation,
  tableId: string,
  rows: number,
  key: string,
  fp = `fp-${key}`,
  columns = COLS,
): CommitRequest {
  return { table, operation, columns, file: file(tableId, rows), tableId, idempotency: { key, fingerprint: fp } };
}

function usedWith(record: Partial<IdempotencyRecord>) {
  return (e: unknown) => {
    assert.ok(e instanceof IdempotencyKeyUsed, `expected IdempotencyKeyUsed, got ${String(e)}`);
    assert.equal(e.httpStatus, 409);
    for (const [k, v] of Object.entries(record)) assert.equal((e.record as unknown as Record<string, unknown>)[k], v, `record.${k}`);
    return true;
  };
}

export function idempotencyContract(withCatalog: (fn: (c: Catalog, fx: CatalogFixture) => Promise<void>) => Promise<void>): void {
  describe('idempotency keys', () => {
    it('a keyed commit records its key with the version it made; an unkeyed one records none', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        const v1 = await c.commit(keyed('t', 'create', id, 5, 'k-create'));
        const v2 = await c.commit({ table: 't', operation: 'append', columns: COLS, file: file(id, 3) });
        const v3 = await c.commit(keyed('t', 'append', id, 4, 'k-append', 'fp-x'));
        assert.deepEqual(
          { ...(await c.idempotencyRecord('t', 'k-create'))!, createdAt: '' },
          {
            key: 'k-create',
            tableId: id,
            operation: 'create',
            fingerprint: 'fp-k-create',
            version: v1.version,
            rowsAdded: 5,
            createdAt: '',
          },
        );
        const r3 = (await c.idempotencyRecord('t', 'k-append'))!;
        assert.deepEqual([r3.operation, r3.version, r3.rowsAdded, r3.fingerprint], ['append', v3.version, 4, 'fp-x']);
        assert.ok(Math.abs(Date.parse(r3.createdAt) - Date.parse(v3.committedAt)) < 1000);
        assert.equal(v2.version, 2);
        assert.equal(await c.idempotencyRecord('t', 'k-other'), null);
        assert.equal(await c.idempotencyRecord('absent', 'k-create'), null);
      });
    });

    it('a second commit with the key commits nothing and reports the first, whatever the operation', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        await c.commit(keyed('t', 'create', id, 5, 'k1'));
        const v2 = await c.commit(keyed('t', 'append', id, 2, 'k2'));
        // Not TableExists, not a version conflict: the key is checked first.
        await assert.rejects(c.commit(keyed('t', 'create', c.newTableId(), 9, 'k1')), usedWith({ version: 1, operation: 'create' }));
        await assert.rejects(
          c.commit(keyed('t', 'append', id, 7, 'k2', 'another body')),
          usedWith({ version: 2, fingerprint: 'fp-k2', rowsAdded: 2 }),
        );
        await assert.rejects(
          c.commit({ ...keyed('t', 'replace', id, 1, 'k2'), expectVersion: 1 }),
          usedWith({ version: 2, operation: 'append' }),
        );
        const now = (await c.getTable('t'))!;
        assert.deepEqual([now.version, now.rowCount, now.files.length], [2, 7, 2]);
        assert.deepEqual(await c.getTable('t'), { ...v2, files: now.files });
        // Another table has its own keys.
        const other = await c.commit(keyed('u', 'create', c.newTableId(), 1, 'k1'));
        assert.equal(other.version, 1);
      });
    });

    it('the key and the version commit together: a commit that fails leaves no key, a key that cannot be recorded leaves no version', async () => {
      await withCatalog(async (c) => {
        const id = c.newTableId();
        await c.commit(keyed('t', 'create', id, 5, 'k0'));
        // Refused by the catalog (columns differ): no version, no key.
        await assert.rejects(c.commit(keyed('t', 'append', id, 2, 'k-bad', 'fp', OTHER)));
        assert.equal(await c.idempotencyRecord('t', 'k-bad'), null);
        // A key row the database refuses (NULL fingerprint) after the version was written: all of it goes.
        const broken = keyed('t', 'append', id, 3, 'k-null');
        (broken.idempotency as { fingerprint: unknown }).fingerprint = null;
        await assert.rejects(c.commit(broken));
        const t = (await c.getTable('t'))!;
        assert.deepEqual([t.version, t.rowCount, t.files.length], [1, 5, 1]);
        assert.equal(await c.idempotencyRecord('t', 'k-null'), null);
        // The same key then commits normally.
        const ok = await c.commit(keyed('t', 'append', id, 3, 'k-null'));
        assert.equal(ok.version, 2);
      });
    });

    it('racing commits with one key, through two catalog instances, make exactly one version', async () => {
      await withCatalog(async (c, fx) => {
        const c2 = await fx.open();
        // A new table: two creates with one key; the loser learns the winner's version, not "exists".
        const creates = await Promise.allSettled([c, c2].map((x) => x.commit(keyed('n', 'create', x.newTableId(), 4, 'kc'))));
        assert.equal(creates.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(creates.map((r) => r.status)));
        const lost = creates.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(usedWith({ version: 1, operation: 'create' })(lost.reason));
        // Appends: eight with one key, four from each instance; plus two unkeyed ones.
        const id = (await c.getTable('n'))!.tableId;
        const racers = [...Array(8).keys()].map((i) => (i % 2 ? c : c2).commit(keyed('n', 'append', id, 10, 'ka')));
        const plain = [c, c2].map((x) => x.commit({ table: 'n', operation: 'append', columns: COLS, file: file(id, 1) }));
        const results = await Promise.allSettled([...racers, ...plain]);
        const won = results.slice(0, 8).filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        const winner = (won[0] as PromiseFulfilledResult<{ version: number }>).value.version;
        for (const r of results.slice(0, 8)) if (r.status === 'rejected') assert.ok(usedWith({ version: winner })(r.reason));
        for (const r of results.slice(8)) assert.equal(r.status, 'fulfilled');
        const t = (await c2.getTable('n'))!;
        assert.deepEqual([t.version, t.rowCount, t.files.length], [4, 4 + 10 + 2, 4]);
      });
    });

    it('keys belong to one incarnation of a table, and survive a reopen', async () => {
      await withCatalog(async (c, fx) => {
        await c.commit(keyed('t', 'create', c.newTableId(), 5, 'k'));
        const again = await fx.open();
        assert.equal((await again.idempotencyRecord('t', 'k'))?.version, 1);
        assert.equal(await c.drop('t'), true);
        assert.equal(await c.idempotencyRecord('t', 'k'), null);
        const fresh = await c.commit(keyed('t', 'create', c.newTableId(), 2, 'k', 'fp-new'));
        assert.deepEqual([fresh.version, fresh.rowCount], [1, 2]);
        assert.equal((await again.idempotencyRecord('t', 'k'))?.fingerprint, 'fp-new');
      });
    });
  });
}
