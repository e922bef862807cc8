// openStorage: the folder layout of a data dir, and the two stores used together the way the
// service will — a real NCF file written through a blob sink, committed, and read back by version.

import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { NCFReader, NCFWriter } from '../../src/index.js';
import { newFileKey, parseKey } from '../../storage/keys.js';
import { openStorage } from '../../storage/open.js';
import type { Storage } from '../../storage/open.js';
import type { TableVersion } from '../../storage/types.js';
import { withTempDir } from '../helpers.js';

/** Writes one NCF file of `ids` to a new key of `tableId`; returns what a commit needs. */
async function writeFile(s: Storage, tableId: string, ids: number[]) {
  const key = newFileKey(tableId);
  const writer = await NCFWriter.open(await s.blobs.createSink(key), {
    schema: [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'label', type: 'string', nullable: true },
    ],
  });
  await writer.write({ id: Int32Array.from(ids), label: ids.map((i) => (i % 3 === 0 ? null : `row ${i}`)) });
  const summary = await writer.close();
  return { columns: writer.schema!, file: { key, rows: summary.rows, bytes: summary.bytes } };
}

/** Reads every file of a version in order; returns the ids and labels. */
async function readVersion(s: Storage, v: TableVersion): Promise<{ ids: number[]; labels: Array<string | null> }> {
  const ids: number[] = [];
  const labels: Array<string | null> = [];
  for (const f of v.files) {
    const source = await s.blobs.openSource(f.key);
    try {
      assert.equal(source.size, f.bytes);
      const reader = await NCFReader.open(source);
      assert.equal(reader.rowCount, f.rows);
      await reader.validateChecksum();
      const table = await reader.read();
      ids.push(...Array.from(table.getChild('id')!.toArray() as Int32Array));
      labels.push(...(table.getChild('label')!.toArray() as Array<string | null>));
    } finally {
      await source.close?.();
    }
  }
  return { ids, labels };
}

describe('openStorage', () => {
  it('creates catalog.sqlite (WAL) and files/ in the data dir, creating missing parents', async () => {
    await withTempDir(async (dir) => {
      const dataDir = join(dir, 'a', 'b');
      const s = await openStorage({ dataDir });
      await s.catalog.ping();
      await s.blobs.ping();
      await s.close();
      assert.ok((await stat(join(dataDir, 'files'))).isDirectory());
      assert.ok((await stat(join(dataDir, 'catalog.sqlite'))).isFile());
      const raw = new Database(join(dataDir, 'catalog.sqlite'), { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      raw.close();
      // Opening again is fine.
      await (await openStorage({ dataDir })).close();
    });
  });

  it('a real NCF file written through a blob sink reads back through openSource, per version', async () => {
    await withTempDir(async (dir) => {
      const s = await openStorage({ dataDir: dir });
      try {
        const name = '../../Évènements / 2024';
        const tableId = s.catalog.newTableId();
        const first = Array.from({ length: 1000 }, (_, i) => i);
        const second = Array.from({ length: 500 }, (_, i) => 5000 + i);
        const w1 = await writeFile(s, tableId, first);
        const v1 = await s.catalog.commit({ table: name, operation: 'create', tableId, ...w1 });
        const w2 = await writeFile(s, tableId, second);
        const v2 = await s.catalog.commit({ table: name, operation: 'append', tableId, ...w2 });
        assert.equal(v2.rowCount, 1500);
        assert.equal(v2.bytes, w1.file.bytes + w2.file.bytes);

        const label = (i: number) => (i % 3 === 0 ? null : `row ${i}`);
        const read2 = await readVersion(s, (await s.catalog.getTable(name))!);
        assert.deepEqual(read2.ids, [...first, ...second]);
        assert.deepEqual(read2.labels, [...first, ...second].map(label));
        const read1 = await readVersion(s, (await s.catalog.getTable(name, 1))!);
        assert.deepEqual(read1.ids, first);
        assert.deepEqual(
          v1.files.map((f) => f.key),
          [w1.file.key],
        );

        // Only internal ids reach the disk: the user's name appears in no path.
        const tableDirs = await readdir(join(dir, 'files'));
        assert.deepEqual(tableDirs, [tableId]);
        assert.deepEqual(
          (await readdir(join(dir, 'files', tableId))).sort(),
          [w1.file.key, w2.file.key].map((k) => `${parseKey(k).fileId}.ncf`).sort(),
        );
        assert.deepEqual(await s.catalog.referencedKeys(), new Set([w1.file.key, w2.file.key]));
      } finally {
        await s.close();
      }
    });
  });

  it('a writer that fails leaves no file behind', async () => {
    await withTempDir(async (dir) => {
      const s = await openStorage({ dataDir: dir });
      try {
        const key = newFileKey(s.catalog.newTableId());
        const writer = await NCFWriter.open(await s.blobs.createSink(key), { schema: [{ name: 'id', type: 'int32', nullable: false }] });
        await writer.write({ id: Int32Array.from([1, 2, 3]) });
        await writer.abort();
        const listed = [];
        for await (const e of s.blobs.list()) listed.push(e);
        assert.deepEqual(listed, []);
        await assert.rejects(readdir(join(dir, 'files', parseKey(key).tableId)), { code: 'ENOENT' });
      } finally {
        await s.close();
      }
    });
  });
});
