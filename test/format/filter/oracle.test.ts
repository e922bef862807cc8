// Property tests against an independent oracle: random small tables and random filters, evaluated
// by the engine and by the row-at-a-time reference (reference.ts), through both the JSON form and
// the PostgREST query form; and pruning checked never to skip a row group the reference matches in.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bindFilter,
  canSkip,
  evaluate,
  mustMatch,
  parseFilterJson,
  parseQueryFilters,
  type Filter,
} from '../../../src/format/filter/index.js';
import type { ColumnSchema, DataType } from '../../../src/format/schema.js';
import { type Cell, column, statsOf } from './columns.js';
import { refEval, toQuery } from './reference.js';

const schema: ColumnSchema[] = [
  { name: 'i 8', type: 'int8', nullable: true },
  { name: 'i.32 (x)', type: 'int32', nullable: true },
  { name: 'big,"q"', type: 'int64', nullable: true },
  { name: 'u64', type: 'uint64', nullable: true },
  { name: 'u16', type: 'uint16', nullable: true },
  { name: 'f32', type: 'float32', nullable: true },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 'b', type: 'bool', nullable: true },
  { name: 'név', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: true },
  { name: 'd', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true, unit: 'ms' },
];

const domains: Record<DataType, Cell[]> = {
  int8: [-128, -1, 0, 1, 127],
  int16: [0],
  int32: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1],
  int64: [-(2n ** 63n), -(2n ** 32n), -1n, 0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n - 1n],
  uint8: [0],
  uint16: [0, 1, 300, 65535],
  uint32: [0],
  uint64: [0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n],
  float32: [NaN, -0, 0, 1.5, -Infinity, Infinity, Math.fround(0.1)],
  float64: [NaN, -0, 0, 0.1, -1e300, Infinity, -Infinity],
  bool: [false, true],
  string: ['', 'a', 'ab', 'abc', 'B', 'é', 'É', '日本', '😀', '｡', 'a😀'],
  binary: [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 255]), new Uint8Array([7]), new Uint8Array([255, 255])],
  date: [-719162, -1, 0, 19723],
  timestamp: [-(2n ** 50n), -1n, 0n, 1n, 1704067200000n],
};

/** A domain value as a JSON-form literal (the conventions of reference.ts). */
function literal(type: DataType, v: Cell): string | number | boolean {
  if (typeof v === 'bigint') return type === 'timestamp' ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v as string | number | boolean;
}

const cellArb = (values: Cell[]): fc.Arbitrary<Cell> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.constantFrom(...values) });

/** Per column, a small subset of its domain, so equal values, single-value chunks and all-NaN chunks are common. */
type Pools = Cell[][];
const poolsArb: fc.Arbitrary<Pools> = fc.tuple(
  ...schema.map((c) =>
    fc.oneof(
      fc.constantFrom(...domains[c.type]).map((v) => [v]),
      fc.subarray(domains[c.type], { minLength: 1, maxLength: Math.min(3, domains[c.type].length) }),
    ),
  ),
);

const tableArb = (pools: Pools): fc.Arbitrary<Cell[][]> =>
  fc
    .integer({ min: 0, max: 12 })
    .chain((n) => fc.tuple(...schema.map((_, i) => fc.array(cellArb(pools[i]!), { minLength: n, maxLength: n }))));

const likeArb = fc
  .array(fc.oneof(fc.constantFrom('%', '*', '_'), fc.constantFrom('a', 'b', 'c', 'é', 'É', '😀', '日', '\\%', '\\_')), { maxLength: 4 })
  .map((t) => t.join(''));

function leafArb(pools: Pools, withNullItems: boolean): fc.Arbitrary<Filter> {
  return fc.integer({ min: 0, max: schema.length - 1 }).chain((ci): fc.Arbitrary<Filter> => {
    const col = schema[ci]!;
    // Literals mostly from the values the table holds, sometimes from anywhere in the domain.
    const lit = fc
      .oneof({ weight: 3, arbitrary: fc.constantFrom(...pools[ci]!) }, { weight: 1, arbitrary: fc.constantFrom(...domains[col.type]) })
      .map((v) => literal(col.type, v as Cell));
    const options: Array<fc.Arbitrary<Filter>> = [
      fc
        .tuple(fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const), lit)
        .map(([op, value]) => ({ column: col.name, op, value })),
      fc
        .array(withNullItems ? fc.oneof(lit, fc.constant(null)) : lit, { maxLength: 3 })
        .map((value) => ({ column: col.name, op: 'in' as const, value })),
      fc.constantFrom<null | 'not_null'>(null, 'not_null').map((value) => ({ column: col.name, op: 'is' as const, value })),
    ];
    if (col.type === 'bool') options.push(fc.boolean().map((value) => ({ column: col.name, op: 'is' as const, value })));
    if (col.type === 'string') {
      options.push(fc.tuple(fc.constantFrom('like', 'ilike' as const), likeArb).map(([op, value]) => ({ column: col.name, op, value })));
    }
    return fc.oneof(...options);
  });
}

function filterArb(pools: Pools, withNullItems: boolean): fc.Arbitrary<Filter> {
  const { tree } = fc.letrec<{ tree: Filter }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArb(pools, withNullItems),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
      fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
      tie('tree').map((not) => ({ not })),
    ),
  }));
  return tree;
}

/** Row indexes the reference evaluator finds TRUE. */
function reference(f: Filter, cells: Cell[][], n: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    if (refEval(f, schema, (name) => cells[schema.findIndex((c) => c.name === name)]![r]!) === 'T') out.push(r);
  }
  return out;
}

describe('filter oracle', () => {
  it('evaluate matches the reference (JSON form, NULL in lists), canSkip never skips a match, mustMatch never claims a non-match', () => {
    let musts = 0;
    const arb = poolsArb.chain((pools) => fc.tuple(tableArb(pools), filterArb(pools, true), fc.option(fc.integer({ min: 1, max: 3 }))));
    fc.assert(
      fc.property(arb, ([cells, f, truncate]) => {
        const n = cells[0]!.length;
        const cols = schema.map((c, i) => column(c.type, cells[i]!));
        // Through JSON text, as the service receives it.
        const bound = bindFilter(parseFilterJson(JSON.parse(JSON.stringify(f))), schema);
        const want = reference(f, cells, n);
        assert.deepEqual(Array.from(evaluate(bound, (i) => cols[i]!, n)), want);
        const stats = schema.map((c, i) => statsOf(c.type, cells[i]!, truncate ?? undefined));
        if (want.length > 0)
          assert.equal(
            canSkip(bound, (i) => stats[i]!, n),
            false,
            'skipped a row group with matches',
          );
        if (mustMatch(bound, (i) => stats[i]!, n)) {
          musts++;
          assert.equal(want.length, n, 'mustMatch on a row group where some row does not match');
        }
      }),
      { numRuns: 500 },
    );
    assert.ok(musts > 0, 'mustMatch was never true: the property did not exercise it');
  });

  it('the PostgREST query form of the same filter selects the same rows', () => {
    const arb = poolsArb.chain((pools) => fc.tuple(tableArb(pools), filterArb(pools, false)));
    fc.assert(
      fc.property(arb, ([cells, f]) => {
        const n = cells[0]!.length;
        const cols = schema.map((c, i) => column(c.type, cells[i]!));
        const params = toQuery(f, schema);
        const parsed = parseQueryFilters(params);
        assert.ok(parsed !== null);
        const got = Array.from(evaluate(bindFilter(parsed, schema), (i) => cols[i]!, n));
        assert.deepEqual(got, reference(f, cells, n), JSON.stringify(params));
      }),
      { numRuns: 500 },
    );
  });

  it('pruning is sound for every single-column condition and its negation', () => {
    // One table, one random condition per column, each judged alone: many checks per run.
    let skipped = 0;
    const arb = poolsArb.chain((pools) =>
      fc.tuple(
        fc
          .integer({ min: 0, max: 20 })
          .chain((n) => fc.tuple(...schema.map((_, i) => fc.array(cellArb(pools[i]!), { minLength: n, maxLength: n })))),
        fc.tuple(...schema.map((c) => leafArb(pools, true).filter((f) => (f as { column: string }).column === c.name))),
      ),
    );
    fc.assert(
      fc.property(arb, ([cells, leaves]) => {
        const n = cells[0]!.length;
        const stats = schema.map((c, i) => statsOf(c.type, cells[i]!));
        for (const leaf of leaves) {
          for (const f of [leaf, { not: leaf }]) {
            const skip = canSkip(bindFilter(f, schema), (i) => stats[i]!, n);
            if (skip) skipped++;
            if (skip) assert.deepEqual(reference(f, cells, n), [], JSON.stringify(f));
          }
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(skipped > 0, 'pruning never triggered');
  });
});
