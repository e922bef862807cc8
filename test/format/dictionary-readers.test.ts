// Dictionary reads across row groups, written as an IPC stream by the service's Arrow writer
// (src/query/output/arrow.ts: a delta dictionary batch before each record batch that brings new
// entries, arrow-dictionary.ts), are read to the same rows by apache-arrow 14, 17 and 21 and by flechette.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow21 from 'apache-arrow';
import * as arrow17 from 'apache-arrow-17';
import * as arrow14 from 'apache-arrow-14';
import { tableFromIPC as flechetteFromIPC } from '@uwdata/flechette';
import { BufferSink, NCFReader, NCFWriter } from '../../src/index.js';
import { arrowChunks } from '../../src/query/output/arrow.js';

test('an IPC stream of dictionary batches whose row groups have different dictionaries reads the same in apache-arrow 14, 17, 21 and flechette', async () => {
  const n = 5000;
  const city: (string | null)[] = [];
  const id: number[] = [];
  for (let i = 0; i < n; i++) {
    id.push(i);
    // Row group g (1000 rows) sees its own subset of values, so every batch carries a different dictionary.
    const g = Math.floor(i / 1000);
    city.push(i % 17 === 0 ? null : `c${g}-${(i * 7) % (3 + g)}${i % 5 === 0 ? 'é' : ''}`);
  }
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, {
    schema: [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'city', type: 'string', nullable: true },
    ],
    rowGroupRows: 1000,
  });
  await w.write({ id, city });
  await w.close();
  const reader = await NCFReader.open(sink.result!);
  const parts: Buffer[] = [];
  for await (const p of arrowChunks(reader.projectedSchema(undefined, true), reader.scan({ dictionaries: true }))) parts.push(p);
  const ipc = new Uint8Array(Buffer.concat(parts));

  const readers: [string, (b: Uint8Array) => { type: string; rows: unknown[] }][] = [
    ['apache-arrow 21', (b) => cells(arrow21.tableFromIPC(b))],
    ['apache-arrow 17', (b) => cells(arrow17.tableFromIPC(b) as never)],
    ['apache-arrow 14', (b) => cells(arrow14.tableFromIPC(b) as never)],
    [
      'flechette',
      (b) => {
        const t = flechetteFromIPC(b);
        const col = t.getChild('city')!;
        return { type: `dictionary:${col.type.typeId}`, rows: col.toArray() as unknown[] };
      },
    ],
  ];
  for (const [name, read] of readers) {
    const got = read(ipc);
    assert.deepEqual([...got.rows], city, name);
    assert.match(got.type, /dictionary|Dictionary|-1/i, `${name} sees a dictionary column (${got.type})`);
  }
});

function cells(t: arrow21.Table): { type: string; rows: unknown[] } {
  const v = t.getChild('city')!;
  const rows: unknown[] = [];
  for (let i = 0; i < v.length; i++) rows.push(v.get(i));
  return { type: String(v.type), rows };
}
