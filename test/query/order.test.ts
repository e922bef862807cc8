// ORDER BY against a straightforward JS sort as the oracle: random rows of every key type (nulls,
// NaN, ±0, ±Infinity, unicode strings, int64 beyond 2^53, uint64 above 2^63), random keys,
// directions, null placement, offsets and limits, with the top-K path forced to compact often.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { HttpProblem } from '../../src/http/errors.js';
import { BufferSink, NCFReader, NCFWriter, type ColumnSchema } from '../../src/index.js';
import { sortBatches, type SortLimits } from '../../src/query/order.js';
import type { OrderKey } from '../../src/query/params.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'i32', type: 'int32', nullable: true },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'i64', type: 'int64', nullable: true },
  { name: 'u64', type: 'uint64', nullable: true },
  { name: 'b', type: 'bool', nullable: true },
  { name: 'd', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', unit: 'us', nullable: true },
  { name: 'f32', type: 'float32', nullable: true },
];
const KEY_NAMES = COLUMNS.slice(1).map((c) => c.name);
const DAY = 86_400_000;

const arbs: Record<string, fc.Arbitrary<unknown>> = {
  i32: fc.option(fc.integer({ min: -3, max: 3 }), { freq: 4 }),
  f64: fc.option(fc.constantFrom(NaN, -Infinity, Infinity, -0, 0, 1.5, -2, 3, 1e300), { freq: 5 }),
  s: fc.option(fc.constantFrom('', 'a', 'b', 'B', 'ab', 'é', 'e', '日本', '🙂', 'z', '\u00ff', '\uffff'), { freq: 5 }),
  i64: fc.option(fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n, 1n, -1n, 4294967296n, -4294967296n), {
    freq: 5,
  }),
  u64: fc.option(fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 5n, 4294967295n, 4294967296n), { freq: 5 }),
  b: fc.option(fc.boolean(), { freq: 3 }),
  d: fc.option(
    fc.integer({ min: -3, max: 3 }).map((k) => new Date(k * 1000 * DAY)),
    { freq: 4 },
  ),
  ts: fc.option(fc.constantFrom(-1n, 0n, 1n, 1_700_000_000_000_000n, -62_135_596_800_000_000n), { freq: 4 }),
  f32: fc.option(fc.constantFrom(NaN, -Infinity, Infinity, -0, 0, 1.5, -2), { freq: 4 }),
};

type Row = Record<string, unknown>;

function compareValue(type: string, a: unknown, b: unknown): number {
  switch (type) {
    case 'string':
      return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
    case 'bool':
      return Number(a) - Number(b);
    case 'date':
      return (a as Date).getTime() - (b as Date).getTime();
    case 'float32':
    case 'float64': {
      const x = type === 'float32' ? Math.fround(a as number) : (a as number),
        y = type === 'float32' ? Math.fround(b as number) : (b as number);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return (a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0;
  }
}

/** The oracle: a stable JS sort of row objects with PostgreSQL's NULL placement. */
function oracle(rows: Row[], keys: OrderKey[]): number[] {
  const idx = rows.map((_, i) => i);
  const types = keys.map((k) => COLUMNS.find((c) => c.name === k.column)!.type);
  idx.sort((x, y) => {
    for (const [n, k] of keys.entries()) {
      const a = rows[x]![k.column],
        b = rows[y]![k.column];
      const an = a === null || a === undefined,
        bn = b === null || b === undefined;
      if (an && bn) continue;
      if (an) return k.nulls === 'first' ? -1 : 1;
      if (bn) return k.nulls === 'first' ? 1 : -1;
      const c = compareValue(types[n]!, a, b);
      if (c !== 0) return k.desc ? -c : c;
    }
    return x - y;
  });
  return idx;
}

async function batchesOf(rows: Row[], rowGroupRows: number): Promise<arrow.RecordBatch[]> {
  const data: Record<string, unknown[]> = {};
  for (const c of COLUMNS) data[c.name] = rows.map((r) => r[c.name] ?? null);
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: COLUMNS, rowGroupRows });
  if (rows.length > 0) await w.write(data);
  await w.close();
  const reader = await NCFReader.open(sink.result!);
  const out: arrow.RecordBatch[] = [];
  for await (const b of reader.scan()) out.push(b);
  return out;
}

async function* iterate(batches: arrow.RecordBatch[]): AsyncGenerator<arrow.RecordBatch> {
  yield* batches;
}

async function sortedIds(
  batches: arrow.RecordBatch[],
  keys: OrderKey[],
  offset: number,
  limit: number | null,
  limits?: Partial<SortLimits>,
): Promise<number[]> {
  const columns = [COLUMNS[0]!];
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), false)]);
  const ids: number[] = [];
  for await (const b of sortBatches(iterate(batches), { keys, scanColumns: COLUMNS, columns, schema, offset, limit, limits })) {
    assert.deepEqual(
      b.schema.fields.map((f) => f.name),
      ['id'],
    );
    const v = b.getChildAt(0)!;
    for (let i = 0; i < b.numRows; i++) ids.push(v.get(i) as number);
  }
  return ids;
}

const rowsArb = fc.array(fc.record(arbs), { maxLength: 120 });
const keysArb = fc.uniqueArray(fc.constantFrom(...KEY_NAMES), { minLength: 1, maxLength: 3 }).chain((names) =>
  fc.tuple(
    ...names.map((column) =>
      fc.record({
        column: fc.constant(column),
        desc: fc.boolean(),
        nulls: fc.constantFrom('first' as const, 'last' as const),
      }),
    ),
  ),
);

test('order matches a JS sort for every key type, direction and null placement', async () => {
  await fc.assert(
    fc.asyncProperty(
      rowsArb,
      keysArb,
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 30 }),
      fc.option(fc.integer({ min: 0, max: 60 })),
      fc.integer({ min: 1, max: 20 }),
      async (raw, keys, rowGroupRows, offset, limit, compactRows) => {
        const rows = raw.map((r, i) => ({ ...r, id: i }));
        const batches = await batchesOf(rows, rowGroupRows);
        const expected = oracle(rows, keys);
        const want = expected.slice(offset, limit === null ? undefined : offset + limit);
        assert.deepEqual(await sortedIds(batches, keys, offset, limit, { compactRows }), want);
        // The default tuning (one compaction at the end) agrees too.
        assert.deepEqual(await sortedIds(batches, keys, offset, limit), want);
      },
    ),
    { numRuns: 200 },
  );
});

test('single keys of each type, descending with nulls first and last', async () => {
  const rows = fc.sample(fc.record(arbs), { numRuns: 300, seed: 7 }).map((r, i) => ({ ...r, id: i }));
  const batches = await batchesOf(rows, 37);
  for (const column of KEY_NAMES) {
    for (const desc of [false, true]) {
      for (const nulls of ['first', 'last'] as const) {
        const keys = [{ column, desc, nulls }];
        assert.deepEqual(await sortedIds(batches, keys, 0, null), oracle(rows, keys), `${column} ${desc ? 'desc' : 'asc'} nulls ${nulls}`);
        assert.deepEqual(await sortedIds(batches, keys, 5, 10, { compactRows: 1 }), oracle(rows, keys).slice(5, 15));
      }
    }
  }
});

test('without a limit, more rows than the cap is a 400 telling the user to add a limit', async () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, i32: i % 7 }));
  const batches = await batchesOf(rows, 10);
  const keys: OrderKey[] = [{ column: 'i32', desc: false, nulls: 'last' }];
  await assert.rejects(sortedIds(batches, keys, 0, null, { maxRows: 49 }), (e: unknown) => {
    assert.ok(e instanceof HttpProblem);
    assert.equal(e.status, 400);
    assert.equal(e.extra.parameter, 'order');
    assert.match(e.message, /^order: sorting without a limit holds every matching row, and more than 49 rows match; add a limit/);
    return true;
  });
  // At the cap it sorts; with a limit within the cap the top-K pass needs no cap.
  assert.deepEqual(await sortedIds(batches, keys, 0, null, { maxRows: 50 }), oracle(rows, keys));
  assert.deepEqual(await sortedIds(batches, keys, 3, 4, { maxRows: 10 }), oracle(rows, keys).slice(3, 7));
  await assert.rejects(sortedIds(batches, keys, 10, 5, { maxRows: 10 }), /order: sorting holds offset\+limit rows \(15\)/);
  await assert.rejects(sortedIds(batches, keys, 0, 5, { maxBytes: 100 }), /order: the rows this sort must hold exceed 100 bytes/);
});

test('an empty input sorts to nothing; limit 0 yields nothing', async () => {
  const keys: OrderKey[] = [{ column: 's', desc: false, nulls: 'last' }];
  assert.deepEqual(await sortedIds([], keys, 0, null), []);
  const batches = await batchesOf([{ id: 0, s: 'x' }], 1);
  assert.deepEqual(await sortedIds(batches, keys, 0, 0), []);
  assert.deepEqual(await sortedIds(batches, keys, 1, null), []);
});

test('a single numeric key without nulls (the fast comparator) sorts NaN last ascending, first descending, stably', async () => {
  const values = [3, NaN, -0, 0, 1, -Infinity, NaN, Infinity, 3, 0, -2.5, 1];
  const rows = values.map((f64, i) => ({ id: i, f64, f32: f64, i32: Number.isFinite(f64) ? Math.trunc(f64) : 7 }));
  const batches = await batchesOf(rows, 5);
  for (const column of ['f64', 'f32', 'i32']) {
    for (const desc of [false, true]) {
      const keys = [{ column, desc, nulls: 'last' as const }];
      assert.deepEqual(await sortedIds(batches, keys, 0, null), oracle(rows, keys), `${column} ${desc}`);
      assert.deepEqual(await sortedIds(batches, keys, 2, 3, { compactRows: 1 }), oracle(rows, keys).slice(2, 5));
    }
  }
});
