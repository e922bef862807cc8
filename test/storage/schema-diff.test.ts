// Column comparison for appends.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/format/schema.js';
import { describeDifferences, diffColumns, typeLabel } from '../../storage/schema-diff.js';

const col = (name: string, type: ColumnSchema['type'] = 'int32', nullable = true, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({
  name,
  type,
  nullable,
  ...extra,
});

describe('diffColumns', () => {
  it('equal columns have no differences; labels do not count', () => {
    const a = [col('a'), col('t', 'timestamp', false, { unit: 'ms', timezone: 'UTC' })];
    const b = [
      col('a', 'int32', true, { description: 'x', semanticType: 'id' }),
      col('t', 'timestamp', false, { unit: 'ms', timezone: 'UTC' }),
    ];
    assert.deepEqual(diffColumns(a, b), []);
  });

  it('timestamp unit defaults to us; zone and unit are part of the type', () => {
    assert.deepEqual(diffColumns([col('t', 'timestamp')], [col('t', 'timestamp', true, { unit: 'us' })]), []);
    assert.equal(typeLabel(col('t', 'timestamp', true, { timezone: 'Europe/Paris' })), 'timestamp(us, Europe/Paris)');
    assert.deepEqual(diffColumns([col('t', 'timestamp', true, { timezone: 'UTC' })], [col('t', 'timestamp')]), [
      { column: 't', issue: 'type', expected: 'timestamp(us, UTC)', actual: 'timestamp(us)' },
    ]);
  });

  it('a missing column does not flag the columns after it as moved', () => {
    assert.deepEqual(diffColumns([col('a'), col('b'), col('c')], [col('a'), col('c')]), [
      { column: 'b', issue: 'missing', expected: 'int32' },
    ]);
    assert.deepEqual(diffColumns([col('a'), col('c')], [col('x'), col('a'), col('c')]), [{ column: 'x', issue: 'extra', actual: 'int32' }]);
  });

  it('swapped columns are reported as moved', () => {
    const d = diffColumns([col('a'), col('b', 'string')], [col('b', 'string'), col('a')]);
    assert.deepEqual(d, [
      { column: 'a', issue: 'position', expected: 0, actual: 1 },
      { column: 'b', issue: 'position', expected: 1, actual: 0 },
    ]);
    assert.match(describeDifferences(d), /"a" is column 0 in the table, 1 in the file; "b" is column 1 in the table, 0 in the file/);
  });

  it('nullability differs in either direction', () => {
    assert.deepEqual(diffColumns([col('a', 'int32', false)], [col('a', 'int32', true)]), [
      { column: 'a', issue: 'nullable', expected: false, actual: true },
    ]);
    assert.match(
      describeDifferences(diffColumns([col('a', 'int32', true)], [col('a', 'int32', false)])),
      /"a" is nullable in the table, not nullable in the file/,
    );
  });
});
