// Histogram bins hold every finite value exactly once (issue #10, case 14), checked as a property over
// real NCF files: random float64, float32 and int64 columns drawn towards the awkward values (±1.8e308,
// subnormals, -0, a single distinct value, int64 extremes). The oracle reads only the answer's edges
// and the generated values: edges finite and ordered, the first the minimum and the last the maximum,
// and each bin's count equal to the number of values in [lower, upper) (the last bin also holding
// upper). Nothing here reuses the server's binning.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ColumnSchema } from '../../src/index.js';
import { computeHistogram } from '../../src/query/histogram.js';
import { planColumn } from '../../src/query/plan.js';
import { writeTable } from './tables.js';

const EXTREME_FLOATS = [
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_VALUE / 1.0000001,
  -1.7e308,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308,
  -0,
  0,
  1,
  -1,
  1e-300,
  1e300,
  NaN,
  Infinity,
  -Infinity,
];
const EXTREME_INTS = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n];

async function histogramOf(col: ColumnSchema, values: Array<number | bigint | null>, bins: number) {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-hist-prop-'));
  try {
    // Two files, small row groups: the range is gathered from several statistics.
    const half = Math.ceil(values.length / 2);
    const t = await writeTable(
      dir,
      [col],
      [{ v: values.slice(0, half) }, { v: values.slice(half) }].filter((p) => p.v.length > 0),
      4,
    );
    try {
      const plan = await planColumn(t.version, 'v', null, t.open);
      return await computeHistogram(plan, { bins });
    } finally {
      await t.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Checks a histogram answer against the values alone; `num` reads an edge (a JSON number or, for
 *  int64 beyond 2^53, a string) as a comparable value. */
function checkBins<T extends number | bigint>(
  h: { bins: Array<{ lower: unknown; upper: unknown; count: number }>; count: number; min: unknown; max: unknown },
  finite: T[],
  num: (x: unknown) => T,
): void {
  if (finite.length === 0) {
    assert.deepEqual(h.bins, []);
    assert.equal(h.count, 0);
    return;
  }
  const sorted = [...finite].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lo = sorted[0]!,
    hi = sorted.at(-1)!;
  assert.ok(h.bins.length >= 1);
  // Compared with ===: -0 and 0 are the same edge.
  assert.ok(num(h.bins[0]!.lower) === lo, `the first edge ${String(h.bins[0]!.lower)} is the minimum ${lo}`);
  if (typeof lo === 'number')
    assert.ok(num(h.bins.at(-1)!.upper) === hi, `the last edge ${String(h.bins.at(-1)!.upper)} is the maximum ${hi}`);
  assert.equal(h.count, finite.length, 'every finite value is counted');
  let total = 0;
  h.bins.forEach((b, k) => {
    const lower = num(b.lower),
      upper = num(b.upper);
    if (typeof lower === 'number')
      assert.ok(Number.isFinite(lower) && Number.isFinite(upper as number), `bin ${k} edges ${lower}, ${upper} are finite`);
    assert.ok(lower <= upper, `bin ${k}: ${lower} <= ${upper}`);
    if (k > 0) assert.ok(num(h.bins[k - 1]!.upper) === lower, `bins ${k - 1} and ${k} meet`);
    const last = k === h.bins.length - 1;
    const inside = finite.filter((x) => x >= lower && (x < upper || (last && x <= upper))).length;
    assert.equal(b.count, inside, `bin ${k} [${lower}, ${upper}${last ? ']' : ')'} counts ${b.count}, holds ${inside}`);
    total += b.count;
  });
  assert.equal(total, finite.length);
}

const floatValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXTREME_FLOATS) },
  { weight: 3, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.double({ min: -1e-310, max: 1e-310 }) },
);

test('float64 histograms: finite edges, every finite value in exactly one bin', async () => {
  const col: ColumnSchema = { name: 'v', type: 'float64', nullable: true };
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.option(floatValue, { freq: 8 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 40 }),
      async (values, bins) => {
        const h = await histogramOf(col, values, bins);
        const finite = values.filter((x): x is number => x !== null && Number.isFinite(x));
        checkBins(h, finite, (x) => x as number);
        assert.equal(h.nans, values.filter((x) => x !== null && Number.isNaN(x)).length);
        assert.equal(h.positiveInfinity, values.filter((x) => x === Infinity).length);
        assert.equal(h.negativeInfinity, values.filter((x) => x === -Infinity).length);
      },
    ),
    { numRuns: 120 },
  );
});

test('float32 histograms bin against the edges they show', async () => {
  const col: ColumnSchema = { name: 'v', type: 'float32', nullable: true };
  const f32 = fc.oneof(
    fc.float({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -0, 0),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(f32, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 30 }), async (values, bins) => {
      const h = await histogramOf(col, values, bins);
      checkBins(
        h,
        values.map((x) => Math.fround(x)),
        (x) => x as number,
      );
    }),
    { numRuns: 80 },
  );
});

test('int64 histograms over the whole range: every value in exactly one bin', async () => {
  const col: ColumnSchema = { name: 'v', type: 'int64', nullable: true };
  const i64 = fc.oneof(
    fc.constantFrom(...EXTREME_INTS),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.bigInt({ min: -5n, max: 5n }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(i64, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 30 }), async (values, bins) => {
      const h = await histogramOf(col, values, bins);
      // Integer bins are [lower, upper) with whole widths; the last upper edge may pass the maximum.
      const num = (x: unknown): bigint => BigInt(x as number | string);
      assert.equal(h.count, values.length);
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.equal(num(h.bins[0]!.lower), sorted[0]);
      let total = 0;
      h.bins.forEach((b, k) => {
        const lower = num(b.lower),
          upper = num(b.upper);
        const last = k === h.bins.length - 1;
        const inside = values.filter((x) => x >= lower && (x < upper || (last && x <= upper))).length;
        assert.equal(b.count, inside, `bin ${k} [${lower}, ${upper}) counts ${b.count}, holds ${inside}`);
        total += b.count;
      });
      assert.equal(total, values.length);
    }),
    { numRuns: 80 },
  );
});

test('the reported case: three values near ±1.8e308', async () => {
  const col: ColumnSchema = { name: 'v', type: 'float64', nullable: true };
  const values = [-1.7976931348623157e308, 0, 1.7976931348623157e308];
  const h = await histogramOf(col, values, 20);
  checkBins(h, values, (x) => x as number);
  assert.equal(
    h.bins.reduce((a, b) => a + b.count, 0),
    3,
  );
});
