// Filters over dictionary columns (ColumnData.dictionary: codes + entries) evaluate each leaf once per
// entry and map the states through the codes. Property: for random string/binary columns with nulls
// and random filter trees, the rows selected over the dictionary form equal those selected over the
// plain per-row form of the same column (the existing evaluator, itself checked against a reference
// in oracle.test.ts), with and without the sorted fast path.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ColumnData } from '../../../src/format/column.js';
import { dictColumn } from '../../../src/format/dict-column.js';
import { buildDict } from '../../../src/format/encodings/dict.js';
import { bindFilter, evaluate, parseFilterJson, type Filter } from '../../../src/format/filter/index.js';
import type { ColumnSchema } from '../../../src/format/schema.js';
import { type Cell, column } from './columns.js';

const schema: ColumnSchema[] = [
  { name: 's', type: 'string', nullable: true },
  { name: 'b', type: 'binary', nullable: true },
  { name: 'i', type: 'int32', nullable: true },
];
const STRINGS = ['', 'a', 'ab', 'abc', 'B', 'é', 'É', '日本', '😀', 'a😀'];
const BINS = [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 255]), new Uint8Array([7])];
const b64 = (v: Uint8Array) => Buffer.from(v).toString('base64');

function asDictionary(col: ColumnData): ColumnData {
  const built = buildDict(col.type, col.values, col.length, col.validity, Infinity)!;
  const dict = built.values as Extract<ColumnData['values'], { kind: 'bytes' }>;
  return dictColumn(col.type, col.length, col.nullCount, col.validity, { codes: built.indices, dict });
}

const likeArb = fc.array(fc.constantFrom('%', '_', 'a', 'b', 'é', '😀', '日'), { maxLength: 3 }).map((t) => t.join(''));

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc
    .tuple(fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const), fc.constantFrom(...STRINGS))
    .map(([op, value]) => ({ column: 's', op, value })),
  fc
    .array(fc.oneof(fc.constantFrom(...STRINGS), fc.constant(null)), { maxLength: 3 })
    .map((value) => ({ column: 's', op: 'in' as const, value })),
  fc.tuple(fc.constantFrom('like', 'ilike' as const), likeArb).map(([op, value]) => ({ column: 's', op, value })),
  fc.constantFrom<null | 'not_null'>(null, 'not_null').map((value) => ({ column: 's', op: 'is' as const, value })),
  fc
    .tuple(fc.constantFrom('eq', 'neq', 'gt', 'lt' as const), fc.constantFrom(...BINS))
    .map(([op, v]) => ({ column: 'b', op, value: b64(v) })),
  fc.array(fc.constantFrom(...BINS), { maxLength: 3 }).map((v) => ({ column: 'b', op: 'in' as const, value: v.map(b64) })),
  fc.tuple(fc.constantFrom('eq', 'gt', 'lt' as const), fc.integer({ min: -2, max: 2 })).map(([op, value]) => ({ column: 'i', op, value })),
);

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ tree: Filter }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leafArb,
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('tree').map((not) => ({ not })),
  ),
})).tree;

const cell = <T>(values: T[]) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: fc.constantFrom(...values) });

const tableArb = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.tuple(
    fc.subarray(STRINGS, { minLength: 1, maxLength: 4 }).chain((pool) => fc.array(cell(pool), { minLength: n, maxLength: n })),
    fc.array(cell(BINS), { minLength: n, maxLength: n }),
    fc.array(cell([-1, 0, 1]), { minLength: n, maxLength: n }),
  ),
);

test('property: filters over dictionary columns select the rows the plain evaluation selects', () => {
  let selectedSome = 0;
  fc.assert(
    fc.property(tableArb, filterArb, fc.boolean(), ([s0, b0, i], f, sortedPath) => {
      let s = s0,
        b = b0;
      if (sortedPath) {
        // The fast path needs chunks that are sorted (by bytes) and hold no nulls.
        const byBytes = (x: string | Uint8Array, y: string | Uint8Array) =>
          Buffer.compare(Buffer.from(x as never), Buffer.from(y as never));
        s = s.map((x) => x ?? 'a').sort(byBytes);
        b = b.map((x) => x ?? BINS[0]!).sort(byBytes);
      }
      if (s.every((x) => x === null) || b.every((x) => x === null)) return;
      const n = s.length;
      const plain = [column('string', s as Cell[]), column('binary', b as Cell[]), column('int32', i as Cell[])];
      const dict = [asDictionary(plain[0]!), asDictionary(plain[1]!), plain[2]!];
      assert.ok(dict[0]!.dictionary !== undefined);
      const bound = bindFilter(parseFilterJson(JSON.parse(JSON.stringify(f))), schema);
      // The sorted flag only enables a fast path whose answers equal the scan's; both forms get it.
      const sorted = sortedPath ? (c: number) => c < 2 : undefined;
      const want = evaluate(bound, (c) => plain[c]!, n, sorted);
      const got = evaluate(bound, (c) => dict[c]!, n, sorted);
      assert.deepEqual([...got], [...want], JSON.stringify(f));
      if (want.length > 0) selectedSome++;
    }),
    { numRuns: 400 },
  );
  assert.ok(selectedSome > 50, `only ${selectedSome} filters selected any row`);
});

test('a dictionary filter compares each distinct value once, not each row', () => {
  const n = 100_000;
  const cells = Array.from({ length: n }, (_, k) => (k % 13 === 0 ? null : `v${k % 5}`));
  const dict = asDictionary(column('string', cells));
  const bound = bindFilter(
    parseFilterJson({
      or: [
        { column: 's', op: 'eq', value: 'v3' },
        { column: 's', op: 'like', value: '%1' },
      ],
    }),
    schema,
  );
  const got = evaluate(bound, () => dict, n);
  const want = cells.flatMap((c, k) => (c === 'v3' || c === 'v1' ? [k] : []));
  assert.deepEqual([...got], want);
  // The rows were never expanded: `values` is computed on first use only.
  assert.equal(Object.getOwnPropertyDescriptor(dict, 'values')!.get !== undefined, true);
});
