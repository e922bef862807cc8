import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilterJson } from '../../../src/format/filter/index.js';
import { NCFError } from '../../../src/format/errors.js';

function throwsAt(json: unknown, path: string, text: string): void {
  assert.throws(
    () => parseFilterJson(json),
    (e: unknown) => {
      assert.ok(e instanceof NCFError);
      assert.equal(e.code, 'FILTER');
      assert.equal(e.details.path, path);
      assert.ok(e.message.includes(`filter JSON at ${path}: `), e.message);
      assert.ok(e.message.includes(text), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(text)}`);
      return true;
    },
  );
}

describe('parseFilterJson', () => {
  it('accepts every node shape and returns an equal tree', () => {
    const tree = {
      and: [
        { column: 'delay', op: 'gt', value: 60 },
        {
          or: [
            { column: 'origin', op: 'in', value: ['SFO', 'LAX', null, 3, true] },
            { column: 'x', op: 'is', value: null },
          ],
        },
        { not: { column: 'name', op: 'ilike', value: 'a*' } },
        { column: 'b', op: 'is', value: true },
        { column: 'b', op: 'is', value: 'not_null' },
        { column: 'c', op: 'neq', value: false },
        { column: 'd', op: 'lte', value: '2024-01-01' },
        { column: 'e', op: 'in', value: [] },
      ],
    };
    assert.deepEqual(parseFilterJson(JSON.parse(JSON.stringify(tree))), tree);
  });

  it('rejects non-objects and unknown shapes', () => {
    throwsAt(null, '$', 'expected a filter object');
    throwsAt('delay=gt.1', '$', 'expected a filter object');
    throwsAt([{ column: 'a', op: 'eq', value: 1 }], '$', 'not an array');
    throwsAt({}, '$', 'expected "column" (a condition) or "and", "or", "not" (a group)');
    throwsAt({ and: [{ col: 'a' }] }, '$.and[0]', 'expected "column"');
  });

  it('validates groups', () => {
    throwsAt({ and: [] }, '$.and', 'expected at least one filter');
    throwsAt({ or: {} }, '$.or', 'expected an array of filters');
    throwsAt({ and: [{ column: 'a', op: 'eq', value: 1 }], or: [] }, '$', 'unexpected key "or"');
    throwsAt({ not: { column: 'a', op: 'eq', value: 1 }, extra: 1 }, '$', 'unexpected key "extra"');
    throwsAt({ not: 5 }, '$.not', 'expected a filter object');
  });

  it('validates leaves with the path of the offending field', () => {
    throwsAt(
      { and: [{ column: 'a', op: 'gtx', value: 1 }] },
      '$.and[0].op',
      'unknown operator "gtx"; expected one of eq, neq, gt, gte, lt, lte, like, ilike, in, is',
    );
    throwsAt({ column: 'a', value: 1 }, '$.op', 'missing operator');
    throwsAt({ column: 'a', op: 5, value: 1 }, '$.op', 'unknown operator 5');
    throwsAt({ column: 5, op: 'eq', value: 1 }, '$.column', 'expected the column name as a string');
    throwsAt({ column: '', op: 'eq', value: 1 }, '$.column', 'expected a non-empty column name');
    throwsAt({ column: 'a', op: 'eq', value: null }, '$.value', 'expected a string, number or boolean');
    throwsAt({ column: 'a', op: 'eq', value: [1] }, '$.value', 'expected a string, number or boolean');
    throwsAt({ column: 'a', op: 'eq' }, '$.value', 'expected a string, number or boolean');
    throwsAt({ column: 'a', op: 'in', value: 'a,b' }, '$.value', 'expected an array of values');
    throwsAt({ column: 'a', op: 'in', value: [1, {}] }, '$.value[1]', 'expected a string, number, boolean or null');
    throwsAt({ column: 'a', op: 'is', value: 'nope' }, '$.value', 'expected null, "not_null", true or false');
    throwsAt({ column: 'a', op: 'eq', value: 1, extra: 2 }, '$', 'unexpected key "extra"');
    throwsAt(
      { or: [{ column: 'a', op: 'eq', value: 1 }, { not: { column: 'b', op: 'like', value: 3 } }] },
      '$.or[1].not.value',
      'expected the pattern as a string',
    );
    throwsAt({ column: 'a', op: 'eq', value: null }, '$.value', '(test for null with op "is")');
  });

  it('enforces depth, node and in-list limits without exhausting the stack', () => {
    let deep: unknown = { column: 'a', op: 'eq', value: 1 };
    for (let i = 0; i < 31; i++) deep = { not: deep };
    assert.ok(parseFilterJson(deep));
    deep = { not: deep };
    throwsAt(deep, '$' + '.not'.repeat(32), 'nests deeper than 32 levels');
    let huge: unknown = { column: 'a', op: 'eq', value: 1 };
    for (let i = 0; i < 100_000; i++) huge = { and: [huge] };
    assert.throws(() => parseFilterJson(huge), { code: 'FILTER' });
    const wide = { or: Array.from({ length: 10_001 }, () => ({ column: 'a', op: 'eq', value: 1 })) };
    throwsAt(wide, '$.or[9999]', 'more than 10000 conditions');
    throwsAt({ column: 'a', op: 'in', value: new Array(10_001).fill(1) }, '$.value', 'at most 10000 items');
  });

  it('ignores prototype tricks: only own known keys count', () => {
    const evil = JSON.parse('{"column":"a","op":"eq","value":1,"__proto__":{"x":1}}');
    throwsAt(evil, '$', 'unexpected key "__proto__"');
    const inherited = Object.create({ and: [{ column: 'a', op: 'eq', value: 1 }] });
    throwsAt(inherited, '$', 'expected "column"');
  });
});
