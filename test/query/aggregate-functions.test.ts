// The aggregate function registry (src/query/aggregate/functions.ts): the grammar accepts exactly its
// rows, its error message still lists them as before the registry, names inherited from Object are
// not functions, and every row either answers a column or rejects it naming itself (plan.ts turns that into the 400).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSchema } from '../../src/format/schema.js';
import { HttpProblem } from '../../src/http/errors.js';
import { AGG_FUNCTIONS, AGGREGATES, accumulatorFor, aggregateNamed } from '../../src/query/aggregate/functions.js';
import { parseAggregate } from '../../src/query/aggregate/parse.js';

test('the grammar accepts each registered function and nothing else', () => {
  assert.deepEqual([...AGG_FUNCTIONS], ['count', 'sum', 'avg', 'min', 'max', 'count_distinct']);
  for (const fn of AGG_FUNCTIONS) {
    assert.deepEqual(parseAggregate([`x.${fn}()`])!.items, [{ kind: 'agg', fn, column: 'x', name: fn }]);
  }
  for (const fn of ['median', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.equal(aggregateNamed(fn), undefined, fn);
    assert.throws(
      () => parseAggregate([`x.${fn}()`]),
      (e: unknown) =>
        e instanceof HttpProblem &&
        e.status === 400 &&
        e.message.endsWith(
          'expected one of count(), <col>.count(), <col>.sum(), <col>.avg(), <col>.min(), <col>.max(), <col>.count_distinct(), <col>.trunc(<unit>)',
        ),
    );
  }
});

test('every function answers a column of its source, or rejects it naming itself (plan.ts turns that into the 400)', () => {
  const sources: ColumnSchema[] = [
    { name: 'i', type: 'int32', nullable: true },
    { name: 'w', type: 'int64', nullable: true },
    { name: 'f', type: 'float32', nullable: true },
    { name: 's', type: 'string', nullable: true },
    { name: 'b', type: 'bool', nullable: true },
    { name: 'd', type: 'date', nullable: true },
  ];
  for (const fn of AGGREGATES) {
    for (const source of sources) {
      const like = { ...source, name: 'out' };
      let out: ColumnSchema;
      try {
        out = fn.output(source, {
          name: 'out',
          like,
          reject: (message) => {
            throw new Error(`rejected: ${message}`);
          },
        });
      } catch (e) {
        assert.match((e as Error).message, new RegExp(`^rejected: ${fn.name}\\(\\) needs`), `${fn.name} on ${source.type}`);
        continue;
      }
      assert.equal(out.name, 'out');
      // The accumulator over no rows yields one column of that type, null or zero for the empty group.
      const column = accumulatorFor(fn.name, source, out).result(1);
      assert.equal(column.type, out.type, `${fn.name} on ${source.type}`);
      assert.equal(column.length, 1);
    }
  }
});
