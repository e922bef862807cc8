// Group-by over dictionary chunks (ColumnData.dictionary): the key coder hashes each chunk's entries
// once and remaps codes. Property: over several chunks with different dictionaries, nulls and row
// selections, the group ids and key columns equal those of the same chunks in plain per-row form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ColumnData } from '../../src/format/column.js';
import { dictColumn } from '../../src/format/dict-column.js';
import { buildDict } from '../../src/format/encodings/dict.js';
import { takeRows } from '../../src/format/take.js';
import type { ColumnSchema } from '../../src/format/schema.js';
import { coderFor, Grouper } from '../../src/query/aggregate/group.js';
import { column } from '../format/filter/columns.js';

const S: ColumnSchema = { name: 's', type: 'string', nullable: true };
const I: ColumnSchema = { name: 'i', type: 'int32', nullable: true };

function asDictionary(col: ColumnData): ColumnData {
  const built = buildDict(col.type, col.values, col.length, col.validity, Infinity)!;
  return dictColumn(col.type, col.length, col.nullCount, col.validity, {
    codes: built.indices,
    dict: built.values as Extract<ColumnData['values'], { kind: 'bytes' }>,
  });
}

const WORDS = ['', 'a', 'SFO', 'LAX', 'Zürich', 'long value over four bytes', '日本', 'ab'];
const chunkArb = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.tuple(
    fc.subarray(WORDS, { minLength: 1 }).chain((pool) =>
      fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 5, arbitrary: fc.constantFrom(...pool) }), {
        minLength: n,
        maxLength: n,
      }),
    ),
    fc.array(fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }), { minLength: n, maxLength: n }),
    fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  ),
);

test('property: grouping dictionary chunks gives the groups and keys of grouping the plain chunks', () => {
  fc.assert(
    fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 5 }), fc.boolean(), (chunks, twoKeys) => {
      const keys = twoKeys ? [S, I] : [S];
      const plain = new Grouper(keys.map((k) => coderFor(k)));
      const dict = new Grouper(keys.map((k) => coderFor(k)));
      for (const [s, i, pick] of chunks) {
        if (s.every((x) => x === null)) continue;
        let ps = column('string', s);
        let ds = asDictionary(ps);
        let pi = column('int32', i);
        // Some chunks filtered first: their codes no longer reference every entry.
        if (pick.some((p) => !p)) {
          const sel = Uint32Array.from(pick.flatMap((p, k) => (p ? [k] : [])));
          ps = takeRows(ps, sel);
          ds = takeRows(ds, sel);
          pi = takeRows(pi, sel);
        }
        const n = ps.length;
        const a = new Int32Array(n);
        const b = new Int32Array(n);
        plain.assign(twoKeys ? [ps, pi] : [ps], n, a);
        dict.assign(twoKeys ? [ds, pi] : [ds], n, b);
        assert.ok(ds.dictionary !== undefined);
        assert.deepEqual([...b], [...a]);
      }
      assert.equal(dict.size, plain.size);
      const pk = plain.keyColumns();
      const dk = dict.keyColumns();
      for (let k = 0; k < keys.length; k++) {
        assert.deepEqual([dk[k]!.values, dk[k]!.validity], [pk[k]!.values, pk[k]!.validity]);
      }
    }),
    { numRuns: 300 },
  );
});
