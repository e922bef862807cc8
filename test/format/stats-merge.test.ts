// mergeChunkStats, the one merge of chunk statistics (a file's in the reader, a version's in the
// service's descriptions), against a plain oracle over random chunks: nulls add up, min/max are the
// extremes with the exactness of the chunk that gave them, NaNs add up for floats only, and a
// distinct count is exact for one chunk only, else the largest chunk's (a lower bound).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DataType } from '../../src/format/schema.js';
import { type ChunkStats, mergeChunkStats } from '../../src/format/stats.js';

const chunk = fc.record(
  {
    nulls: fc.nat(1000),
    min: fc.integer({ min: -100, max: 100 }),
    spread: fc.nat(100),
    minExact: fc.boolean(),
    maxExact: fc.boolean(),
    distinct: fc.option(fc.nat(500), { nil: undefined }),
    nans: fc.option(fc.nat(10), { nil: undefined }),
    empty: fc.boolean(),
  },
  { requiredKeys: ['nulls', 'min', 'spread', 'minExact', 'maxExact', 'empty'] },
);

function toChunk(c: typeof chunk extends fc.Arbitrary<infer T> ? T : never): ChunkStats {
  const s: ChunkStats = { nulls: c.nulls, minExact: c.minExact, maxExact: c.maxExact };
  // An all-null chunk has no min/max.
  if (!c.empty) {
    s.min = c.min;
    s.max = c.min + c.spread;
  }
  if (c.distinct !== undefined) s.distinct = c.distinct;
  if (c.nans !== undefined) s.nans = c.nans;
  return s;
}

test('mergeChunkStats agrees with a plain oracle', () => {
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 6 }), fc.constantFrom<DataType>('int32', 'float64'), (raw, type) => {
      const chunks = raw.map(toChunk);
      const m = mergeChunkStats(type, chunks);
      assert.equal(
        m.nulls,
        chunks.reduce((a, c) => a + c.nulls, 0),
      );
      const withRange = chunks.filter((c) => c.min !== undefined);
      if (withRange.length === 0) {
        assert.equal(m.min, undefined);
        assert.equal(m.max, undefined);
      } else {
        const lo = Math.min(...withRange.map((c) => c.min as number));
        const hi = Math.max(...withRange.map((c) => c.max as number));
        assert.equal(m.min, lo);
        assert.equal(m.max, hi);
        // The first chunk that holds the extreme decides its exactness.
        assert.equal(m.minExact, withRange.find((c) => c.min === lo)!.minExact);
        assert.equal(m.maxExact, withRange.find((c) => c.max === hi)!.maxExact);
      }
      assert.equal(m.distinctExact, chunks.length === 1);
      const counts = chunks.map((c) => c.distinct);
      const want = chunks.length > 0 && counts.every((d) => d !== undefined) ? Math.max(...(counts as number[])) : undefined;
      assert.equal(m.distinct, want);
      assert.equal(m.nans, type === 'float64' ? chunks.reduce((a, c) => a + (c.nans ?? 0), 0) : undefined);
    }),
    { numRuns: 500 },
  );
});
