// Histogram and distinct edge cases without HTTP: floats with NaN and ±Infinity (the finite range
// comes from a scan), all-null columns, uint64 above 2^63, a single value, and the distinct cap.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpProblem } from '../../src/http/errors.js';
import type { ColumnSchema } from '../../src/index.js';
import { computeDistinct } from '../../src/query/distinct.js';
import { computeHistogram } from '../../src/query/histogram.js';
import { parseRowsQuery } from '../../src/query/params.js';
import { planColumn } from '../../src/query/plan.js';
import { writeTable, type TestTable } from './tables.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'f', type: 'float64', nullable: true },
  { name: 'nul', type: 'int32', nullable: true },
  { name: 'u', type: 'uint64', nullable: true },
  { name: 'one', type: 'int16', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'z', type: 'float32', nullable: true },
];
const F = [NaN, -Infinity, 1, 2, 3, 4, Infinity, null, 10, 2.5, NaN, 9.999];
const U = [0n, 2n ** 64n - 1n, 2n ** 63n, null, 5n, 2n ** 63n, 2n ** 64n - 1n, 7n, 0n, 2n ** 63n, 1n, null];
const S = ['b', 'a', null, 'b', 'é', 'a', 'b', null, 'c', 'é', 'b', 'a'];
const Z = [0, -0, 0, NaN, NaN, 1, -0, null, 1, 0, 2, 2];
let dir: string;
let table: TestTable;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-columns-'));
  const part = (a: number, b: number) => ({
    f: F.slice(a, b),
    nul: F.slice(a, b).map(() => null),
    u: U.slice(a, b),
    one: F.slice(a, b).map(() => 7),
    s: S.slice(a, b),
    z: Z.slice(a, b),
  });
  table = await writeTable(dir, COLUMNS, [part(0, 5), part(5, 12)], 3);
});

after(async () => {
  await table.close();
  await rm(dir, { recursive: true, force: true });
});

const plan = (column: string, query = '') => planColumn(table.version, column, parseRowsQuery(query).spec.where, table.open);

test('float histogram: finite range from a scan when statistics hold ±Infinity; NaN and infinities apart', async () => {
  const h = await computeHistogram(await plan('f'), { bins: 3 });
  assert.equal(h.min, 1);
  assert.equal(h.max, 10);
  assert.deepEqual(h.bins, [
    { lower: 1, upper: 4, count: 4 },
    { lower: 4, upper: 7, count: 1 },
    { lower: 7, upper: 10, count: 2 },
  ]);
  assert.deepEqual([h.count, h.nulls, h.nans, h.negativeInfinity, h.positiveInfinity], [7, 1, 2, 1, 1]);
  const filtered = await computeHistogram(await plan('f', 'f=lt.3'), { bins: 2 });
  assert.equal(filtered.count, 3);
  assert.equal(filtered.negativeInfinity, 1);
});

test('histogram of an all-null column has no bins; a single value has one', async () => {
  const h = await computeHistogram(await plan('nul'), { bins: 5 });
  assert.deepEqual([h.bins, h.min, h.max, h.nulls, h.count], [[], null, null, F.length, 0]);
  const one = await computeHistogram(await plan('one'), { bins: 5 });
  assert.deepEqual(one.bins, [{ lower: 7, upper: 8, count: F.length }]);
});

test('uint64 histogram above 2^63', async () => {
  const h = await computeHistogram(await plan('u'), { bins: 2 });
  assert.equal(h.min, 0);
  assert.equal(h.max, String(2n ** 64n - 1n));
  assert.deepEqual(
    h.bins.map((b) => [b.lower, b.upper, b.count]),
    [
      [0, String(2n ** 63n), 5],
      [String(2n ** 63n), String(2n ** 64n - 1n), 5],
    ],
  );
});

test('histogram of a string column is a 400', async () => {
  await assert.rejects(computeHistogram(await plan('s'), { bins: 2 }), (e: unknown) => e instanceof HttpProblem && e.status === 400);
});

test('distinct: counts, ties by value, null ranked by its count, -0 joins 0, NaN joins NaN', async () => {
  const s = await computeDistinct(await plan('s'), { limit: 10 });
  assert.deepEqual(s.values, [
    { value: 'b', count: 4 },
    { value: 'a', count: 3 },
    { value: 'é', count: 2 },
    { value: null, count: 2 },
    { value: 'c', count: 1 },
  ]);
  assert.deepEqual([s.distinctCount, s.rowCount, s.truncated], [5, 12, false]);
  const z = await computeDistinct(await plan('z'), { limit: 10 });
  assert.deepEqual(z.values, [
    { value: 0, count: 5 },
    { value: 1, count: 2 },
    { value: 2, count: 2 },
    { value: 'NaN', count: 2 },
    { value: null, count: 1 },
  ]);
  const u = await computeDistinct(await plan('u'), { limit: 2 });
  assert.deepEqual(u.values, [
    { value: String(2n ** 63n), count: 3 },
    { value: 0, count: 2 },
  ]);
  assert.equal(u.truncated, true);
  await assert.rejects(
    computeDistinct(await plan('s'), { limit: 10, maxValues: 3 }),
    /distinct: column "s" has more than 3 distinct values/,
  );
});
