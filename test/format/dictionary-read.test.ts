// Dictionary-native reads: string/binary chunks stored as `dict` come back, with
// ReadOptions.dictionaries, as Arrow Dictionary<Int32, Utf8|Binary> vectors (codes + each row group's
// dictionary, folded into one per scan) holding exactly the rows a plain read returns — with nulls, filters, projection,
// offset/limit, the worker pool and the chunk cache — and an IPC stream of them reads back the same.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { BufferSink, NCFReader, NCFWriter, type ColumnSchema } from '../../src/index.js';
import { takeRows } from '../../src/format/take.js';
import { ChunkCache } from '../../src/format/chunk-cache.js';
import { decodeChunk } from '../../src/format/chunk.js';

async function write(columns: ColumnSchema[], data: Record<string, unknown[]>, rowGroupRows: number): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: columns, rowGroupRows });
  await w.write(data);
  await w.close();
  return sink.result!;
}

function rows(t: arrow.Table, name: string): unknown[] {
  const v = t.getChild(name)!;
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) out.push(v.get(i));
  return out;
}

const CITIES = ['Zürich', 'Bern', '', 'Genève', 'Lugano', 'Chur', 'a'.repeat(40)];
const COLS: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'city', type: 'string', nullable: true },
];

function sample(n: number, seed: number): Record<string, unknown[]> {
  const id: number[] = [];
  const city: (string | null)[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    id.push(i);
    // Each row group sees a different subset, so the dictionaries differ between row groups.
    city.push(x % 11 === 0 ? null : CITIES[(x >>> 8) % (2 + (Math.floor(i / 500) % 5))]!);
  }
  return { id, city };
}

test('a dict string column reads as Dictionary<Int32, Utf8> with the plain read rows, one scan dictionary growing by row group', async () => {
  const data = sample(3000, 7);
  const file = await write(COLS, data, 500);
  const reader = await NCFReader.open(file);
  assert.ok(
    reader.meta.rowGroups.every((rg) => rg.chunks[1]!.encoding === 'dict'),
    'the writer chose dict for every chunk',
  );
  const plain = await reader.read();
  const dict = await reader.read({ dictionaries: true });
  assert.ok(arrow.DataType.isUtf8(plain.schema.fields[1]!.type));
  const t = dict.schema.fields[1]!.type;
  assert.ok(arrow.DataType.isDictionary(t) && arrow.DataType.isUtf8(t.dictionary) && t.indices.bitWidth === 32);
  assert.ok(arrow.DataType.isInt(dict.schema.fields[0]!.type), 'non-string columns keep their type');
  assert.deepEqual(rows(dict, 'city'), data.city);
  assert.deepEqual(rows(plain, 'city'), data.city);
  const sizes = dict.getChild('city')!.data.map((d) => d.dictionary!.length);
  assert.equal(sizes.length, 6);
  // The scan's dictionary only grows (delta batches in IPC): each batch's holds the previous one's.
  assert.ok(sizes.every((s, k) => k === 0 || s >= sizes[k - 1]!) && sizes[5]! > sizes[0]!, `dictionary sizes ${sizes}`);
  const first = dict.getChild('city')!.data[0]!.dictionary!;
  const last = dict.getChild('city')!.data[5]!.dictionary!;
  for (let k = 0; k < first.length; k++) assert.equal(last.get(k), first.get(k));
  assert.deepEqual(reader.projectedSchema(undefined, true), dict.schema);
});

test('dictionary reads agree with plain reads under filters, projection, offset, limit, the worker pool and the cache', async () => {
  const data = sample(40_000, 3); // chunks of 20k rows run on the worker pool
  const file = await write(COLS, data, 20_000);
  const cache = new ChunkCache(64 << 20);
  const reader = await NCFReader.open(file, { chunkCache: cache });
  const cases = [
    {},
    { where: 'id=lt.25000', offset: 3, limit: 30_000 },
    { where: 'city=eq.Bern' },
    { where: 'city=in.(Chur,Lugano)', columns: ['city'] },
    { where: 'city=is.null' },
    { offset: 19_990, limit: 20 },
  ];
  for (const opts of cases) {
    for (let round = 0; round < 2; round++) {
      const plain = await reader.read(opts);
      const dict = await reader.read({ ...opts, dictionaries: true });
      assert.deepEqual(rows(dict, 'city'), rows(plain, 'city'), JSON.stringify(opts));
      assert.ok(arrow.DataType.isDictionary(dict.schema.fields.find((f) => f.name === 'city')!.type));
    }
  }
});

test('an IPC stream of dictionary batches (delta dictionaries) reads back the same rows', async () => {
  const data = sample(3000, 11);
  const reader = await NCFReader.open(await write(COLS, data, 700));
  const table = await reader.read({ dictionaries: true });
  const back = arrow.tableFromIPC(arrow.tableToIPC(table, 'stream'));
  assert.deepEqual(rows(back, 'city'), data.city);
});

test('a column with some non-dict chunks stays plain Utf8 even with dictionaries', async () => {
  const n = 2000;
  const city = Array.from({ length: n }, (_, i) => (i < 1000 ? CITIES[i % 3]! : `unique-${i}-${'x'.repeat(i % 17)}`));
  const reader = await NCFReader.open(await write(COLS, { id: city.map((_, i) => i), city }, 1000));
  const encodings = reader.meta.rowGroups.map((rg) => rg.chunks[1]!.encoding);
  assert.ok(encodings.includes('dict') && encodings.some((e) => e !== 'dict'), `mixed encodings: ${encodings}`);
  const t = await reader.read({ dictionaries: true });
  assert.ok(arrow.DataType.isUtf8(t.schema.fields[1]!.type));
  assert.deepEqual(rows(t, 'city'), city);
});

test('binary dict columns read as Dictionary<Int32, Binary>', async () => {
  const vals = Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? null : new Uint8Array([i % 3, 255, i % 5])));
  const reader = await NCFReader.open(await write([{ name: 'b', type: 'binary', nullable: true }], { b: vals }, 200));
  const t = await reader.read({ dictionaries: true });
  const type = t.schema.fields[0]!.type;
  assert.ok(arrow.DataType.isDictionary(type) && arrow.DataType.isBinary(type.dictionary));
  assert.deepEqual(rows(t, 'b'), vals);
});

test('property: a dict chunk decoded as codes equals the plain decode, also after takeRows', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.option(fc.constantFrom('', 'a', 'bb', 'ünï', 'x'.repeat(20), '日本'), { nil: null }), { minLength: 100, maxLength: 300 }),
      fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }),
      async (vals, pick) => {
        if (vals.every((v) => v === null)) return;
        {
          const file = await write([{ name: 's', type: 'string', nullable: true }], { s: vals }, 1000);
          const reader = await NCFReader.open(file);
          const meta = reader.meta.rowGroups[0]!.chunks[0]!;
          if (meta.encoding !== 'dict') return;
          checked++;
          const stored = file.subarray(meta.offset, meta.offset + meta.length);
          const col = reader.columns[0]!;
          const plain = decodeChunk(col, meta, stored, vals.length, 't');
          const codes = decodeChunk(col, meta, stored, vals.length, 't', true);
          assert.ok(codes.dictionary !== undefined && plain.dictionary === undefined);
          assert.deepEqual(codes.values, plain.values);
          const sel = Uint32Array.from(vals.map((_, i) => i).filter((i) => pick[i]));
          const a = takeRows(plain, sel);
          const b = takeRows(decodeChunk(col, meta, stored, vals.length, 't', true), sel);
          assert.ok(b.dictionary !== undefined);
          assert.deepEqual([b.values, b.validity, b.nullCount], [a.values, a.validity, a.nullCount]);
        }
      },
    ),
    { numRuns: 60 },
  );
  assert.ok(checked > 10, `only ${checked} of the generated chunks were dict-encoded`);
});
