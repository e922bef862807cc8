import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import { fileSource } from '../../src/ingest/index.js';
import { chunkedSource, read, rejectsWith, utf8 } from './util.js';

function sample(): arrow.Table {
  const n = 1000;
  const ids = Int32Array.from({ length: n }, (_, i) => i * 3 - 100);
  const big = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n);
  const score = Float64Array.from({ length: n }, (_, i) => i / 8);
  const name = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : `name ${i}`));
  const city = Array.from({ length: n }, (_, i) => ['Oslo', 'Lima', 'Pune'][i % 3]!);
  const ts = BigInt64Array.from({ length: n }, (_, i) => 1_600_000_000_000_000n + BigInt(i));
  return new arrow.Table({
    id: arrow.makeVector(ids),
    big: arrow.makeVector(big),
    score: arrow.makeVector(score),
    name: arrow.vectorFromArray(name, new arrow.Utf8()),
    city: arrow.vectorFromArray(city, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: n, data: ts })),
    ok: arrow.vectorFromArray(
      Array.from({ length: n }, (_, i) => i % 2 === 0),
      new arrow.Bool(),
    ),
  });
}

function expected(t: arrow.Table): Record<string, unknown[]> {
  const n = t.numRows;
  return {
    id: Array.from({ length: n }, (_, i) => i * 3 - 100),
    big: Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n),
    score: Array.from({ length: n }, (_, i) => i / 8),
    name: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : `name ${i}`)),
    city: Array.from({ length: n }, (_, i) => ['Oslo', 'Lima', 'Pune'][i % 3]),
    ts: Array.from({ length: n }, (_, i) => 1_600_000_000_000_000n + BigInt(i)),
    ok: Array.from({ length: n }, (_, i) => i % 2 === 0),
  };
}

test('Arrow IPC stream and file round trip, from a buffer, a file and a plain stream', async () => {
  const t = sample();
  const dir = await mkdtemp(join(tmpdir(), 'ncf-arrow-'));
  try {
    for (const kind of ['stream', 'file'] as const) {
      const bytes = arrow.tableToIPC(t, kind);
      await writeFile(join(dir, `x.${kind}`), bytes);
      for (const src of [bytes, fileSource(join(dir, `x.${kind}`)), chunkedSource(bytes, [100, 7])]) {
        const r = await read('arrow', src);
        assert.deepEqual(r.cols, expected(t), kind);
        // Types the writer accepts pass through unchanged (the dictionary included).
        assert.deepEqual(r.types, {
          id: 'Int32',
          big: 'Int64',
          score: 'Float64',
          name: 'Utf8',
          city: 'Dictionary<Int32, Utf8>',
          ts: 'Timestamp<MICROSECOND, UTC>',
          ok: 'Bool',
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Arrow: several record batches stay separate; an empty stream gives one empty batch', async () => {
  const a = arrow.tableFromArrays({ x: Int32Array.from([1, 2]) });
  const b = arrow.tableFromArrays({ x: Int32Array.from([3]) });
  const t = new arrow.Table([...a.batches, ...b.batches]);
  const r = await read('arrow', arrow.tableToIPC(t, 'stream'));
  assert.deepEqual(
    r.batches.map((x) => x.numRows),
    [2, 1],
  );
  assert.deepEqual(r.cols.x, [1, 2, 3]);
  const empty = new arrow.Table(new arrow.Schema([new arrow.Field('x', new arrow.Int32())]));
  const e = await read('arrow', arrow.tableToIPC(empty, 'stream'));
  assert.equal(e.batches.length, 1);
  assert.equal(e.batches[0]!.numRows, 0);
  assert.deepEqual(e.types, { x: 'Int32' });
});

test('Arrow: unsupported types name the column; garbage is an INPUT error', async () => {
  const list = arrow.vectorFromArray([[1, 2], [3]], new arrow.List(new arrow.Field('item', new arrow.Int32())));
  const t = new arrow.Table({ ok: arrow.makeVector(Int32Array.from([1, 2])), nested: list });
  await rejectsWith(read('arrow', arrow.tableToIPC(t, 'stream')), 'UNSUPPORTED', /column "nested" has Arrow type List/);
  const dec = new arrow.Table({
    amount: arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 10, 128), length: 1, data: new Uint32Array(4) })),
  });
  await rejectsWith(read('arrow', arrow.tableToIPC(dec, 'file')), 'UNSUPPORTED', /column "amount"/);
  await rejectsWith(read('arrow', utf8('definitely not arrow data, just text')), 'INPUT');
  await rejectsWith(read('arrow', new Uint8Array(0)), 'INPUT', /empty/);
});

test('Arrow: overrides add metadata and convert types value by value', async () => {
  const t = new arrow.Table({
    id: arrow.makeVector(BigInt64Array.from([1n, 20n])),
    code: arrow.vectorFromArray(['007', '42'], new arrow.Utf8()),
    empty: arrow.vectorFromArray([null, null], new arrow.Null()),
    ts: arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMillisecond(), length: 2, data: BigInt64Array.from([0n, 1000n]) })),
  });
  const r = await read('arrow', arrow.tableToIPC(t, 'stream'), {
    schema: { id: { type: 'string', semanticType: 'id_key', description: 'row id' }, code: 'int32', ts: { timezone: 'UTC' } },
  });
  assert.deepEqual(r.types, { id: 'Utf8', code: 'Int32', empty: 'Utf8', ts: 'Timestamp<MILLISECOND, UTC>' });
  assert.deepEqual(r.cols, { id: ['1', '20'], code: [7, 42], empty: [null, null], ts: [0n, 1000n] });
  assert.equal(r.schema.fields[0]!.metadata.get('ncf.semanticType'), 'id_key');
  assert.equal(r.schema.fields[0]!.metadata.get('ncf.description'), 'row id');
  const bad = new arrow.Table({ s: arrow.vectorFromArray(['1', 'x'], new arrow.Utf8()) });
  await rejectsWith(
    read('arrow', arrow.tableToIPC(bad, 'stream'), { schema: { s: 'int64' } }),
    'INPUT',
    /Arrow row 2, column "s": expected int64 \(from the schema override\) but found "x"/,
  );
  await rejectsWith(
    read('arrow', arrow.tableToIPC(t, 'stream'), { schema: { ts: 'date' } }),
    'SCHEMA',
    /column "ts".*cannot be converted to date/,
  );
  await rejectsWith(read('arrow', arrow.tableToIPC(t, 'stream'), { schema: { nope: 'date' } }), 'SCHEMA', /"nope"/);
});

test('Arrow: duplicate field names are made unique as for CSV', async () => {
  const schema = new arrow.Schema([
    new arrow.Field('a', new arrow.Int32()),
    new arrow.Field('a', new arrow.Int32()),
    new arrow.Field('a', new arrow.Int32()),
  ]);
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: 1,
    nullCount: 0,
    children: [0, 1, 2].map((v) => arrow.makeData({ type: new arrow.Int32(), length: 1, data: Int32Array.of(v) })),
  });
  const t = new arrow.Table([new arrow.RecordBatch(schema, data)]);
  const r = await read('arrow', arrow.tableToIPC(t, 'stream'));
  assert.deepEqual(
    r.schema.fields.map((f) => f.name),
    ['a', 'a_2', 'a_3'],
  );
  assert.deepEqual(r.cols, { a: [0], a_2: [1], a_3: [2] });
});
