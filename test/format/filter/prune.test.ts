import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindFilter, canSkip, parseWhereArg, type Filter } from '../../../src/format/filter/index.js';
import type { ColumnSchema } from '../../../src/format/schema.js';
import type { ChunkStats } from '../../../src/format/stats.js';

const schema: ColumnSchema[] = [
  { name: 'i', type: 'int32', nullable: true },
  { name: 'f', type: 'float64', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'b', type: 'bool', nullable: true },
  { name: 'l', type: 'int64', nullable: true },
  { name: 't', type: 'timestamp', nullable: true, unit: 's' },
];
const enc = new TextEncoder();
const exact = { minExact: true, maxExact: true };

/** canSkip for `where` with the given per-column statistics over `rows` rows. */
function skip(where: string | Filter, stats: Partial<Record<string, ChunkStats>>, rows = 100): boolean {
  const bound = bindFilter(typeof where === 'string' ? parseWhereArg(where) : where, schema);
  return canSkip(bound, (i) => stats[schema[i]!.name] ?? { nulls: 0, ...exact }, rows);
}

const int = (min: number, max: number, nulls = 0): ChunkStats => ({ nulls, min, max, ...exact });
const str = (min: string, max: string | undefined, extra: Partial<ChunkStats> = {}): ChunkStats => ({
  nulls: 0,
  min: enc.encode(min),
  ...(max === undefined ? {} : { max: enc.encode(max) }),
  ...exact,
  ...extra,
});

describe('canSkip', () => {
  it('skips an empty row group', () => {
    assert.equal(skip('i=is.null', { i: int(1, 2) }, 0), true);
  });

  it('is.null / is.not_null use the null count', () => {
    assert.equal(skip('i=is.null', { i: int(1, 5, 0) }), true);
    assert.equal(skip('i=is.null', { i: int(1, 5, 3) }), false);
    assert.equal(skip('i=is.not_null', { i: { nulls: 100, ...exact } }), true);
    assert.equal(skip('i=is.not_null', { i: int(1, 5, 99) }), false);
    assert.equal(skip('i=not.is.null', { i: { nulls: 100, ...exact } }), true);
  });

  it('comparisons use min and max', () => {
    const s = { i: int(10, 20) };
    for (const [where, want] of [
      ['i=eq.9', true],
      ['i=eq.10', false],
      ['i=eq.20', false],
      ['i=eq.21', true],
      ['i=gt.20', true],
      ['i=gt.19', false],
      ['i=gte.20', false],
      ['i=gte.21', true],
      ['i=lt.10', true],
      ['i=lt.11', false],
      ['i=lte.10', false],
      ['i=lte.9', true],
      ['i=neq.15', false],
      ['i=in.(1,2,30)', true],
      ['i=in.(1,15)', false],
      ['i=in.()', true],
    ] as const)
      assert.equal(skip(where, s), want, where);
    assert.equal(skip('i=eq.15', { i: { nulls: 100, ...exact } }), true, 'all null');
    assert.equal(skip('i=eq.15', { i: { nulls: 0, ...exact } }), false, 'no bounds recorded');
  });

  it('neq skips only a single exact value with no NaN', () => {
    assert.equal(skip('i=neq.7', { i: int(7, 7) }), true);
    assert.equal(skip('i=neq.7', { i: int(7, 7, 50) }), true);
    assert.equal(skip('i=neq.7', { i: int(7, 8) }), false);
    assert.equal(skip('f=neq.0', { f: { nulls: 0, min: -0, max: 0, nans: 0, ...exact } }), true);
    assert.equal(skip('f=neq.0', { f: { nulls: 0, min: 0, max: 0, nans: 1, ...exact } }), false);
    assert.equal(skip('f=neq.0', { f: { nulls: 0, min: 0, max: 0, ...exact } }), false, 'NaN count unknown');
    assert.equal(skip('s=neq.a', { s: str('a', 'a') }), true);
    assert.equal(skip('s=neq.a', { s: str('a', 'a', { maxExact: false }) }), false);
  });

  it('floats: NaN never matches comparisons; neq matches NaN', () => {
    assert.equal(skip('f=eq.NaN', { f: { nulls: 0, min: 1, max: 2, nans: 5, ...exact } }), true);
    assert.equal(skip('f=gt.1', { f: { nulls: 0, nans: 100, ...exact } }), true, 'all NaN');
    assert.equal(skip('f=neq.1', { f: { nulls: 0, nans: 100, ...exact } }), false);
    assert.equal(skip('f=neq.NaN', { f: { nulls: 0, min: 1, max: 1, nans: 0, ...exact } }), false);
    assert.equal(skip('f=not.gt.1', { f: { nulls: 0, min: 2, max: 3, nans: 1, ...exact } }), false, 'NOT(NaN > 1) is TRUE');
    assert.equal(skip('f=not.gt.1', { f: { nulls: 0, min: 2, max: 3, nans: 0, ...exact } }), true);
  });

  it('64-bit statistics are BigInts', () => {
    const l = { l: { nulls: 0, min: -(2n ** 63n), max: -5n, ...exact } };
    assert.equal(skip('l=gt.-5', l), true);
    assert.equal(skip('l=gte.-5', l), false);
    assert.equal(skip('l=eq.-9223372036854775808', l), false);
  });

  it('strings compare bytewise; truncated bounds stay bounds', () => {
    assert.equal(skip('s=eq.b', { s: str('c', 'd') }), true);
    assert.equal(skip('s=eq.é', { s: str('a', 'z') }), true, 'é (C3 A9) sorts after z');
    assert.equal(skip('s=gt.abc', { s: str('a', 'abd', { maxExact: false }) }), false);
    assert.equal(skip('s=gt.abd', { s: str('a', 'abd', { maxExact: false }) }), true);
    assert.equal(skip('s=lt.abc', { s: str('abc', 'z', { minExact: false }) }), true);
    assert.equal(skip('s=gt.zzz', { s: str('a', undefined, { maxExact: false }) }), false, 'max omitted');
  });

  it('like uses the literal prefix; ilike does not', () => {
    assert.equal(skip('s=like.abc*', { s: str('abd', 'b') }), true);
    assert.equal(skip('s=like.abc*', { s: str('a', 'abb') }), true);
    assert.equal(skip('s=like.abc*', { s: str('ab', 'abz') }), false);
    assert.equal(skip('s=like.abc*', { s: str('abc', 'abc') }), false);
    assert.equal(skip('s=like.abc*', { s: str('abcz', 'abd', { minExact: false }) }), false);
    assert.equal(skip('s=like.*abc', { s: str('x', 'y') }), false);
    assert.equal(skip('s=ilike.abc*', { s: str('x', 'y') }), false);
    assert.equal(skip('s=like.abc', { s: str('abd', 'b') }), true);
  });

  it('bool statistics', () => {
    const allFalse = { b: { nulls: 0, min: false, max: false, ...exact } };
    assert.equal(skip('b=is.true', allFalse), true);
    assert.equal(skip('b=eq.true', allFalse), true);
    assert.equal(skip('b=is.false', allFalse), false);
    assert.equal(skip('b=not.is.false', allFalse), true);
    assert.equal(skip('b=not.is.false', { b: { nulls: 1, min: false, max: false, ...exact } }), false, 'NOT (NULL IS FALSE) is TRUE');
    assert.equal(skip('b=gt.false', allFalse), true);
    assert.equal(skip('b=in.(true)', allFalse), true);
  });

  it('timestamp literals between units: eq never matches, neq does', () => {
    const t = { t: { nulls: 0, min: 0n, max: 10n ** 10n, ...exact } };
    assert.equal(skip('t=eq.2024-01-01T00:00:00.5Z', t), true);
    assert.equal(skip('t=neq.2024-01-01T00:00:00.5Z', t), false);
  });

  it('combines AND, OR and NOT soundly', () => {
    const s = { i: int(10, 20), f: { nulls: 0, min: 0, max: 1, nans: 0, ...exact } };
    assert.equal(skip('or=(i.gt.30,f.gt.5)', s), true);
    assert.equal(skip('or=(i.gt.30,f.gt.0.5)', s), false);
    assert.equal(skip('and=(i.gt.30,f.gt.0.5)', s), true);
    assert.equal(skip('and=(i.gt.15,f.gt.0.5)', s), false);
    assert.equal(skip('i=not.lt.100', s), true, 'every row is < 100');
    assert.equal(skip('i=not.lt.100', { i: int(10, 20, 5) }), true, 'null rows are UNKNOWN, not TRUE');
    assert.equal(skip('i=not.lt.15', s), false);
    assert.equal(skip('not.or=(i.lt.100,f.gt.5)', s), true);
    assert.equal(skip('not.and=(i.lt.100,f.lt.5)', s), true);
    assert.equal(skip('not.and=(i.lt.100,f.lt.0.5)', s), false);
    assert.equal(skip({ not: { not: { column: 'i', op: 'gt', value: 30 } } }, s), true);
    // NOT(a AND b) with a UNKNOWN and b FALSE is TRUE: must not be skipped when nulls exist.
    assert.equal(skip('not.and=(i.eq.15,f.lt.5)', { i: int(10, 20, 100), f: s.f }), true, 'f < 5 is always TRUE');
    assert.equal(skip('not.and=(i.eq.15,f.gt.5)', { i: { nulls: 100, ...exact }, f: s.f }), false);
  });
});
