// Writer → reader round trips: every type, nulls vs empty strings, extremes, NaN and ±0, several row
// groups, projection, filters, offset/limit; random schemas and data with fast-check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { BufferSink, NCFError, NCFReader, NCFWriter, type ColumnSchema, type DataType } from '../../src/index.js';
import { sameValue } from '../helpers.js';

async function writeToBuffer(columns: ColumnSchema[], data: Record<string, unknown[]>, rowGroupRows = 3): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: columns, rowGroupRows, tableName: 't' });
  await w.write(data);
  await w.close();
  return sink.result!;
}

/** Reads every value back as plain JS (bytes for binary). */
function columnValues(table: arrow.Table, name: string): unknown[] {
  const v = table.getChild(name)!;
  const out: unknown[] = [];
  const raw = arrow.DataType.isDate(v.type) || arrow.DataType.isTimestamp(v.type);
  for (const data of v.data) {
    for (let i = 0; i < data.length; i++) {
      // Dates and timestamps come back as their stored numbers (days, unit ticks), not JS Dates.
      if (raw) out.push(data.getValid(i) ? data.values[data.offset + i] : null);
      else out.push(v.get(out.length));
    }
  }
  return out;
}

const EXTREMES: Record<string, unknown[]> = {
  int8: [-128, 127, 0, null, -1],
  int16: [-32768, 32767, 0, null, 7],
  int32: [-2147483648, 2147483647, 0, null, 42],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, 0n, null, 9007199254740993n],
  uint8: [0, 255, null, 1, 128],
  uint16: [0, 65535, null, 1, 300],
  uint32: [0, 4294967295, null, 1, 2147483648],
  uint64: [0n, 2n ** 64n - 1n, null, 1n, 2n ** 63n],
  float32: [NaN, -0, 0, Infinity, null, -Infinity, 1.5, Math.fround(1e-40)],
  float64: [NaN, -0, 0, Infinity, null, -Infinity, 5e-324, 1.7976931348623157e308, 12.34],
  bool: [true, false, null, true, true],
  string: ['', null, 'héllo wörld', '日本語', '', 'a'.repeat(100), '🙂'],
  binary: [new Uint8Array([0, 255]), null, new Uint8Array(0), new Uint8Array([1, 2, 3])],
};

for (const [type, values] of Object.entries(EXTREMES)) {
  test(`round trip of ${type} extremes, nulls and empties across row groups`, async () => {
    const cols: ColumnSchema[] = [{ name: 'v', type: type as DataType, nullable: true }];
    const file = await writeToBuffer(cols, { v: values });
    const reader = await NCFReader.open(file);
    assert.equal(reader.rowCount, values.length);
    const got = columnValues(await reader.read(), 'v');
    assert.equal(got.length, values.length);
    for (let i = 0; i < values.length; i++) {
      const want = values[i];
      const have = got[i];
      if (type === 'float32' && typeof want === 'number') assert.ok(Object.is(have, Math.fround(want)), `row ${i}: ${have} vs ${want}`);
      else assert.ok(sameValue(have, want), `row ${i}: got ${String(have)}, want ${String(want)}`);
    }
    await reader.validateChecksum();
  });
}

test('date and timestamp columns keep their values, unit and zone', async () => {
  const cols: ColumnSchema[] = [
    { name: 'd', type: 'date', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: true, unit: 'ms', timezone: 'UTC' },
  ];
  const file = await writeToBuffer(cols, { d: [0, -1, 19000, null], ts: [0n, 1700000000123n, null, -5n] });
  const reader = await NCFReader.open(file);
  const table = await reader.read();
  const ts = table.schema.fields[1]!.type as arrow.Timestamp;
  assert.equal(ts.unit, arrow.TimeUnit.MILLISECOND);
  assert.equal(ts.timezone, 'UTC');
  const d = table.getChild('d')!.data[0]!.values as Int32Array;
  assert.deepEqual([...d.subarray(0, 3)], [0, -1, 19000]);
  assert.equal(table.getChild('d')!.get(3), null);
  assert.equal(table.getChild('ts')!.data[0]!.values[1], 1700000000123n);
});

test('projection reads only the chunks of the requested columns', async () => {
  const n = 20000;
  const data: Record<string, unknown[]> = {};
  const cols: ColumnSchema[] = [];
  for (let c = 0; c < 10; c++) {
    cols.push({ name: `c${c}`, type: 'float64', nullable: false });
    data[`c${c}`] = Array.from({ length: n }, (_, i) => Math.sin(i * (c + 1)) * 1000);
  }
  const file = await writeToBuffer(cols, data, 5000);
  let bytesRead = 0;
  const reader = await NCFReader.open({
    size: file.length,
    read: async (o, l) => {
      bytesRead += l;
      return file.subarray(o, o + l);
    },
  });
  const footerBytes = bytesRead;
  const t = await reader.read({ columns: ['c3'] });
  assert.equal(t.numCols, 1);
  assert.equal(t.numRows, n);
  assert.ok(sameValue(t.getChild('c3')!.get(123), data.c3![123]));
  const chunkBytes = reader.meta.rowGroups.reduce((s, rg) => s + rg.chunks[3]!.length, 0);
  assert.equal(bytesRead - footerBytes, chunkBytes, 'bytes read after the footer = the c3 chunks exactly');
  assert.ok(chunkBytes / file.length <= 0.15, `read ${chunkBytes} of ${file.length} bytes`);
});

test('a range filter on a sorted column prunes row groups and returns exactly the matching rows', async () => {
  const n = 10000;
  const ids = Array.from({ length: n }, (_, i) => i);
  const names = ids.map((i) => (i % 7 === 0 ? null : `n${i % 13}`));
  const cols: ColumnSchema[] = [
    { name: 'id', type: 'int32', nullable: false },
    { name: 'name', type: 'string', nullable: true },
  ];
  const file = await writeToBuffer(cols, { id: ids, name: names }, 1000);
  const reader = await NCFReader.open(file);
  const t = await reader.read({ where: ['id=gte.2500', 'id=lt.2600'] });
  assert.deepEqual(reader.lastScan.rowGroupsScanned, 1);
  assert.equal(reader.lastScan.rowGroupsTotal, 10);
  assert.deepEqual(columnValues(t, 'id'), ids.slice(2500, 2600));
  const t2 = await reader.read({
    where: {
      or: [
        { column: 'name', op: 'is', value: null },
        { column: 'id', op: 'lt', value: 3 },
      ],
    },
    limit: 5,
    offset: 2,
  });
  const expected = ids.filter((i) => names[i] === null || i < 3).slice(2, 7);
  assert.deepEqual(columnValues(t2, 'id'), expected);
});

test('offset and limit without a filter skip whole row groups without reading them', async () => {
  const n = 5000;
  const ids = Array.from({ length: n }, (_, i) => i);
  const file = await writeToBuffer([{ name: 'id', type: 'int32', nullable: false }], { id: ids }, 1000);
  const reader = await NCFReader.open(file);
  const t = await reader.read({ offset: 3500, limit: 700 });
  assert.deepEqual(columnValues(t, 'id'), ids.slice(3500, 4200));
  assert.equal(reader.lastScan.rowGroupsScanned, 2);
});

test('unknown columns in a projection or filter are typed errors naming the column', async () => {
  const file = await writeToBuffer([{ name: 'a', type: 'int32', nullable: true }], { a: [1, 2] });
  const reader = await NCFReader.open(file);
  await assert.rejects(reader.read({ columns: ['nope'] }), (e: any) => e.code === 'UNKNOWN_COLUMN' && /nope/.test(e.message));
  await assert.rejects(reader.read({ where: 'nope=eq.1' }), (e: any) => e.code === 'UNKNOWN_COLUMN' && /nope/.test(e.message));
  await assert.rejects(reader.read({ where: 'a=eq.abc' }), (e: any) => e.code === 'FILTER');
});

test('a writer refuses rows that do not fit the schema and stays usable', async () => {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: [{ name: 'a', type: 'uint8', nullable: false }] });
  await assert.rejects(w.write({ a: [1, 300] }), (e: any) => e.code === 'SCHEMA');
  await assert.rejects(w.write({ a: [1, null] }), (e: any) => e.code === 'SCHEMA');
  await w.write({ a: [1, 2] });
  await w.close();
  const r = await NCFReader.open(sink.result!);
  assert.deepEqual(columnValues(await r.read(), 'a'), [1, 2]);
});

test('Arrow tables in, Arrow tables out: an apache-arrow Table round-trips', async () => {
  const input = arrow.tableFromArrays({
    id: Int32Array.from({ length: 1000 }, (_, i) => i),
    x: Float64Array.from({ length: 1000 }, (_, i) => i / 3),
    s: Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? null : `s${i}`)),
  });
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { rowGroupRows: 256 });
  await w.write(input);
  await w.close();
  const out = await (await NCFReader.open(sink.result!)).read();
  assert.equal(out.numRows, 1000);
  for (const name of ['id', 'x', 's']) assert.deepEqual(columnValues(out, name), columnValues(input, name));
});

// Random schemas and data round-trip exactly.
const TYPES: DataType[] = [
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'bool',
  'string',
  'binary',
  'date',
  'timestamp',
];
function arbValue(type: DataType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'int32':
    case 'date':
      return fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 }));
    case 'uint8':
      return fc.integer({ min: 0, max: 255 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'int64':
    case 'timestamp':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -5n, max: 5n }));
    case 'uint64':
      return fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 9n }));
    case 'float32':
      return fc.float().map((f) => Math.fround(f));
    case 'float64':
      return fc.oneof(
        fc.double(),
        fc.integer({ min: -1000, max: 1000 }).map((i) => i / 100),
      );
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', 'a', 'b'));
    case 'binary':
      return fc.uint8Array({ maxLength: 8 });
  }
}

test('property: random schemas and data round-trip exactly', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 17 }),
      fc.gen(),
      async (types, n, rowGroupRows, g) => {
        const cols: ColumnSchema[] = types.map((type, i) => ({ name: `col ${i}`, type, nullable: true }));
        const data: Record<string, unknown[]> = {};
        for (const c of cols) data[c.name] = Array.from({ length: n }, () => g(fc.option, arbValue(c.type), { freq: 4 }));
        const file = await writeToBuffer(cols, data, rowGroupRows);
        const reader = await NCFReader.open(file);
        const t = await reader.read();
        assert.equal(t.numRows, n);
        for (const c of cols) {
          const got = columnValues(t, c.name);
          data[c.name]!.forEach((want, i) => {
            assert.ok(sameValue(got[i], want), `${c.type} row ${i}: got ${String(got[i])}, want ${String(want)}`);
          });
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('large row groups go through the worker pool: same data, and errors keep their type across threads', async () => {
  const n = 120_000;
  const ids = Array.from({ length: n }, (_, i) => i * 3);
  const names = ids.map((i) => (i % 11 === 0 ? null : `name-${i % 1000}`));
  const xs = ids.map((i) => (i % 7) / 8);
  const cols: ColumnSchema[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'name', type: 'string', nullable: true },
    { name: 'x', type: 'float64', nullable: false },
  ];
  const file = await writeToBuffer(cols, { id: ids.map(BigInt), name: names, x: xs }, 40_000);
  const reader = await NCFReader.open(file);
  const t = await reader.read();
  assert.equal(t.numRows, n);
  assert.deepEqual(columnValues(t, 'name'), names);
  assert.deepEqual(columnValues(t, 'x'), xs);
  assert.equal(t.getChild('id')!.get(n - 1), BigInt(ids[n - 1]!));
  const filtered = await reader.read({ where: 'name=eq.name-3', columns: ['id'] });
  assert.deepEqual(columnValues(filtered, 'id'), ids.filter((_, i) => names[i] === 'name-3').map(BigInt));
  // Corrupt one byte inside the second row group's name chunk: the worker's CRC check must fail as an NCFError.
  const chunk = reader.meta.rowGroups[1]!.chunks[1]!;
  const bad = file.slice();
  bad[chunk.offset + 10]! ^= 0xff;
  const badReader = await NCFReader.open(bad);
  await assert.rejects(
    badReader.read(),
    (e: any) => e instanceof NCFError && e.code === 'CHECKSUM_MISMATCH' && /row group 1, column "name"/.test(e.message),
  );
});

test('a chunk cache serves repeated scans without reading or decoding again', async () => {
  const { ChunkCache } = await import('../../src/format/chunk-cache.js');
  const n = 4000;
  const file = await writeToBuffer(
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ],
    { id: Array.from({ length: n }, (_, i) => i), s: Array.from({ length: n }, (_, i) => `v${i % 10}`) },
    1000,
  );
  let reads = 0;
  const cache = new ChunkCache(1 << 20);
  const reader = await NCFReader.open(
    {
      size: file.length,
      read: async (o, l) => {
        reads++;
        return file.subarray(o, o + l);
      },
    },
    { chunkCache: cache },
  );
  const first = await reader.read({ where: 'id=eq.2500' });
  const readsAfterFirst = reads;
  assert.ok(reader.lastScan.bytesRead > 0);
  const second = await reader.read({ where: 'id=eq.2500' });
  assert.equal(reads, readsAfterFirst, 'second scan read nothing');
  assert.equal(reader.lastScan.bytesRead, 0);
  assert.deepEqual(columnValues(second, 's'), columnValues(first, 's'));
  assert.deepEqual(columnValues(second, 's'), ['v0']);
  assert.ok(cache.bytes > 0 && cache.bytes <= 1 << 20);
});
