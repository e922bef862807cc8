import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueryFilters, parseWhereArg, type Filter } from '../../../src/format/filter/index.js';
import { NCFError } from '../../../src/format/errors.js';

const q = (query: string, reserved?: ReadonlySet<string>): Filter | null => parseQueryFilters(new URLSearchParams(query), reserved);
const one = (key: string, value: string): Filter | null => parseQueryFilters([[key, value]]);

/** Asserts a FILTER error whose message contains `text`, at `position` of parameter `parameter`. */
function throwsFilter(fn: () => unknown, text: string, parameter?: string, position?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NCFError, `expected NCFError, got ${String(e)}`);
    assert.equal(e.code, 'FILTER');
    assert.ok(e.message.includes(text), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(text)}`);
    if (parameter !== undefined) assert.equal(e.details.parameter, parameter);
    if (position !== undefined) assert.equal(e.details.position, position);
    return true;
  });
}

describe('parseQueryFilters: column filters', () => {
  it('parses every comparison operator, value kept as text', () => {
    for (const op of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike'] as const) {
      assert.deepEqual(one('delay', `${op}.60`), { column: 'delay', op, value: '60' });
      assert.deepEqual(one('delay', `not.${op}.60`), { not: { column: 'delay', op, value: '60' } });
    }
  });

  it('keeps a top-level value verbatim to the end of the parameter', () => {
    assert.deepEqual(one('v', 'eq.1.2.3'), { column: 'v', op: 'eq', value: '1.2.3' });
    assert.deepEqual(one('m', 'eq.a.b@c.com'), { column: 'm', op: 'eq', value: 'a.b@c.com' });
    assert.deepEqual(one('n', 'eq.a,b'), { column: 'n', op: 'eq', value: 'a,b' });
    assert.deepEqual(one('n', 'eq."q"'), { column: 'n', op: 'eq', value: '"q"' });
    assert.deepEqual(one('n', 'eq.'), { column: 'n', op: 'eq', value: '' });
    assert.deepEqual(one('n', 'like.*a b(c)*'), { column: 'n', op: 'like', value: '*a b(c)*' });
  });

  it('parses in lists: quoted items, escapes, empty items, the empty list', () => {
    assert.deepEqual(one('o', 'in.(SFO,LAX)'), { column: 'o', op: 'in', value: ['SFO', 'LAX'] });
    assert.deepEqual(one('o', 'in.(a,"quoted, with comma","x\\"y\\\\z")'), {
      column: 'o',
      op: 'in',
      value: ['a', 'quoted, with comma', 'x"y\\z'],
    });
    assert.deepEqual(one('o', 'in.(a,,"")'), { column: 'o', op: 'in', value: ['a', '', ''] });
    assert.deepEqual(one('o', 'in.()'), { column: 'o', op: 'in', value: [] });
    // As in PostgREST: blanks around the parentheses go, blanks inside items stay.
    assert.deepEqual(one('o', 'in. ( a, b )'), { column: 'o', op: 'in', value: ['a', ' b '] });
    assert.deepEqual(one('o', 'not.in.(1,2)'), { not: { column: 'o', op: 'in', value: ['1', '2'] } });
    // A quoted item followed by more text is read raw, as PostgREST does.
    assert.deepEqual(one('o', 'in.("a"b,c)'), { column: 'o', op: 'in', value: ['"a"b', 'c'] });
    assert.deepEqual(one('o', 'in.(f(x,y)'), { column: 'o', op: 'in', value: ['f(x', 'y'] });
  });

  it('parses is: null, not_null, true, false, unknown, any case, and not.is', () => {
    assert.deepEqual(one('c', 'is.null'), { column: 'c', op: 'is', value: null });
    assert.deepEqual(one('c', 'is.NULL'), { column: 'c', op: 'is', value: null });
    assert.deepEqual(one('c', 'is.not_null'), { column: 'c', op: 'is', value: 'not_null' });
    assert.deepEqual(one('c', 'is.true'), { column: 'c', op: 'is', value: true });
    assert.deepEqual(one('c', 'is.False'), { column: 'c', op: 'is', value: false });
    assert.deepEqual(one('c', 'is.unknown'), { column: 'c', op: 'is', value: null });
    assert.deepEqual(one('c', 'not.is.null'), { not: { column: 'c', op: 'is', value: null } });
  });

  it('takes URL-decoded keys verbatim: spaces, unicode, dots; a wholly quoted key is unquoted', () => {
    assert.deepEqual(q('my%20col=eq.1'), { column: 'my col', op: 'eq', value: '1' });
    assert.deepEqual(q('d%C3%A9lai+x=gt.2'), { column: 'délai x', op: 'gt', value: '2' });
    assert.deepEqual(q('a.b=eq.3'), { column: 'a.b', op: 'eq', value: '3' });
    assert.deepEqual(one('"a=b"', 'eq.3'), { column: 'a=b', op: 'eq', value: '3' });
    assert.deepEqual(one('"or"', 'eq.3'), { column: 'or', op: 'eq', value: '3' });
  });

  it('ANDs several parameters in order, skips reserved keys, returns null when there are none', () => {
    assert.deepEqual(q('delay=gt.60&select=a,b&origin=in.(SFO,LAX)&limit=5', new Set(['select', 'limit'])), {
      and: [
        { column: 'delay', op: 'gt', value: '60' },
        { column: 'origin', op: 'in', value: ['SFO', 'LAX'] },
      ],
    });
    assert.equal(q(''), null);
    assert.equal(q('select=a', new Set(['select'])), null);
  });
});

describe('parseQueryFilters: logic groups', () => {
  it('parses or/and/not.or/not.and with leaves of every kind', () => {
    assert.deepEqual(q('or=(a.lt.0,b.is.null)'), {
      or: [
        { column: 'a', op: 'lt', value: '0' },
        { column: 'b', op: 'is', value: null },
      ],
    });
    assert.deepEqual(one('and', '(a.gte.1,b.not.like.x*,c.in.(1,2),d.is.not_null)'), {
      and: [
        { column: 'a', op: 'gte', value: '1' },
        { not: { column: 'b', op: 'like', value: 'x*' } },
        { column: 'c', op: 'in', value: ['1', '2'] },
        { column: 'd', op: 'is', value: 'not_null' },
      ],
    });
    assert.deepEqual(one('not.or', '(a.eq.1,b.eq.2)'), {
      not: {
        or: [
          { column: 'a', op: 'eq', value: '1' },
          { column: 'b', op: 'eq', value: '2' },
        ],
      },
    });
    assert.deepEqual(one('not.and', '(a.eq.1)'), { not: { and: [{ column: 'a', op: 'eq', value: '1' }] } });
  });

  it('parses nested groups', () => {
    assert.deepEqual(one('or', '(a.eq.1,and(b.gt.2,c.lt.3),not.or(d.eq.4,not.and(e.eq.5)))'), {
      or: [
        { column: 'a', op: 'eq', value: '1' },
        {
          and: [
            { column: 'b', op: 'gt', value: '2' },
            { column: 'c', op: 'lt', value: '3' },
          ],
        },
        { not: { or: [{ column: 'd', op: 'eq', value: '4' }, { not: { and: [{ column: 'e', op: 'eq', value: '5' }] } }] } },
      ],
    });
  });

  it('reads quoted column names and values with escapes; values stop at "," or ")" unless quoted', () => {
    assert.deepEqual(one('or', '("my col".eq."a,b","x.(y)".in.("1,2",3),z.eq.1.5,w.eq."say \\"hi\\"")'), {
      or: [
        { column: 'my col', op: 'eq', value: 'a,b' },
        { column: 'x.(y)', op: 'in', value: ['1,2', '3'] },
        { column: 'z', op: 'eq', value: '1.5' },
        { column: 'w', op: 'eq', value: 'say "hi"' },
      ],
    });
  });

  it('skips blanks around conditions, commas and parentheses; trims unquoted names; keeps value blanks', () => {
    assert.deepEqual(one('or', ' ( a.eq.1 , b c .eq.x ) '), {
      or: [
        { column: 'a', op: 'eq', value: '1 ' },
        { column: 'b c', op: 'eq', value: 'x ' },
      ],
    });
  });

  it('treats "and"/"or"/"not" as column names when not followed by "("', () => {
    assert.deepEqual(one('and', '(or.eq.5,not.eq.6,and.is.null)'), {
      and: [
        { column: 'or', op: 'eq', value: '5' },
        { column: 'not', op: 'eq', value: '6' },
        { column: 'and', op: 'is', value: null },
      ],
    });
  });

  it('takes unicode column names inside groups', () => {
    assert.deepEqual(one('or', '(délai.gt.5,日本.eq.x)'), {
      or: [
        { column: 'délai', op: 'gt', value: '5' },
        { column: '日本', op: 'eq', value: 'x' },
      ],
    });
  });
});

describe('parseWhereArg', () => {
  it('splits at the first "=" and parses like a query parameter', () => {
    assert.deepEqual(parseWhereArg('delay=gt.60'), { column: 'delay', op: 'gt', value: '60' });
    assert.deepEqual(parseWhereArg('x=eq.a=b'), { column: 'x', op: 'eq', value: 'a=b' });
    assert.deepEqual(parseWhereArg('or=(a.gt.5,b.eq.x)'), {
      or: [
        { column: 'a', op: 'gt', value: '5' },
        { column: 'b', op: 'eq', value: 'x' },
      ],
    });
    assert.deepEqual(parseWhereArg('"a=b \\"c\\""=eq.1'), { column: 'a=b "c"', op: 'eq', value: '1' });
  });

  it('reports a missing "="', () => {
    throwsFilter(() => parseWhereArg('delay'), 'filter "delay": expected "column=operator.value"');
    throwsFilter(() => parseWhereArg('"a=b"eq.1'), 'expected "=" after the quoted column name');
  });
});

describe('parse errors name the parameter, the position and what was expected', () => {
  it('unknown operator', () => {
    assert.throws(() => parseWhereArg('delay=gtx.60'), {
      code: 'FILTER',
      message:
        'ncf: filter "delay=gtx.60": unknown operator "gtx"; expected one of eq, neq, gt, gte, lt, lte, like, ilike, in, is (position 0)',
      details: { parameter: 'delay', position: 0 },
    });
    throwsFilter(() => one('x', 'not.gtx.1'), 'unknown operator "gtx"', 'x', 4);
    throwsFilter(() => one('x', 'cs.{1}'), 'unknown operator "cs"', 'x', 0);
    throwsFilter(() => one('or', '(a.eq.1,b.eqq.2)'), 'unknown operator "eqq"', 'or', 10);
    throwsFilter(() => one('x', 'not.not.eq.1'), 'unknown operator "not"', 'x', 4);
  });

  it('missing operator or value', () => {
    throwsFilter(() => one('x', ''), 'expected an operator', 'x', 0);
    throwsFilter(() => one('x', 'eq'), 'expected "." and a value after operator "eq"', 'x', 2);
    throwsFilter(() => one('x', '60'), 'unknown operator "60"', 'x', 0);
    throwsFilter(() => one('or', '(a)'), 'expected ".operator.value" after column "a"', 'or', 2);
    throwsFilter(() => one('or', '(a.eq)'), 'expected "." and a value after operator "eq"', 'or', 5);
    throwsFilter(() => one('or', '(a"b".eq.1)'), 'expected "." after column "a" but found "\\""', 'or', 2);
    throwsFilter(() => one('', 'eq.1'), 'expected a column name before "="', '', 0);
  });

  it('bad is values', () => {
    throwsFilter(() => one('x', 'is.nul'), 'operator "is" takes null, not_null, true or false, not "nul"', 'x', 3);
    throwsFilter(() => one('x', 'is.null5'), 'operator "is" takes null', 'x', 3);
    throwsFilter(() => one('or', '(x.is.maybe)'), 'operator "is" takes null, not_null, true or false, not "maybe"', 'or', 6);
    throwsFilter(() => one('or', '(x.is.null5,y.eq.1)'), 'not "null5"', 'or', 6);
  });

  it('bad in lists', () => {
    throwsFilter(() => one('x', 'in.1,2'), 'expected "(" to open the in list', 'x', 3);
    throwsFilter(() => one('x', 'in.(1,2'), 'the in list is not closed', 'x', 7);
    throwsFilter(() => one('x', 'in.(1)x'), 'unexpected "x" after the value', 'x', 6);
    throwsFilter(() => one('x', 'in.("a)'), 'unterminated double-quoted string', 'x', 4);
    throwsFilter(() => one('or', '(x.in.(1,2),y.in.3)'), 'expected "(" to open the in list', 'or', 17);
  });

  it('bad groups', () => {
    throwsFilter(() => one('or', 'a.eq.1'), 'expected "(" to open the "or" group', 'or', 0);
    throwsFilter(() => one('or', '()'), 'not an empty group', 'or', 1);
    throwsFilter(() => one('or', '(a.eq.1'), 'the "or" group is not closed', 'or', 7);
    throwsFilter(() => one('or', '(a.eq.1))'), 'unexpected ")" after the closing ")"', 'or', 8);
    throwsFilter(() => one('or', '(a.eq.1,)'), 'expected a column name but found ")"', 'or', 8);
    throwsFilter(() => one('or', '(a.eq.1,,b.eq.2)'), 'expected a column name but found ","', 'or', 8);
    throwsFilter(() => one('and', '(a.eq.1,or(b.eq.2)'), 'the "and" group is not closed', 'and', 18);
    throwsFilter(() => one('or', '("a.eq.1)'), 'unterminated double-quoted string', 'or', 1);
    throwsFilter(() => one('or', '(a.eq."x\\'), 'unterminated double-quoted string (ends after a backslash)', 'or', 6);
    throwsFilter(() => one('or', '(a.eq.1,xor(b.eq.2))'), 'expected "." after column "xor" but found "("', 'or', 11);
  });

  it('limits depth, in-list length and node count', () => {
    const deep = (d: number): string => `(${'and('.repeat(d)}a.eq.1${')'.repeat(d)})`;
    assert.ok(one('or', deep(20)));
    throwsFilter(() => one('or', deep(40)), 'nests deeper than 32 levels', 'or');
    throwsFilter(() => one('or', deep(100_000)), 'nests deeper than 32 levels', 'or');
    const items = (k: number): string => `in.(${Array.from({ length: k }, (_, i) => i).join(',')})`;
    assert.equal((one('x', items(10_000)) as { value: unknown[] }).value.length, 10_000);
    throwsFilter(() => one('x', items(10_001)), 'more than 10000 items', 'x');
    const conds = (k: number): string => `(${Array.from({ length: k }, () => 'a.eq.1').join(',')})`;
    assert.ok(one('or', conds(9_000)));
    throwsFilter(() => one('or', conds(10_001)), 'more than 10000 conditions', 'or');
    const many = Array.from({ length: 10_001 }, (): [string, string] => ['a', 'eq.1']);
    throwsFilter(() => parseQueryFilters(many), 'more than 10000 conditions');
  });

  it('shortens a huge parameter in the message', () => {
    assert.throws(
      () => one('x', `zz.${'a'.repeat(100_000)}`),
      (e: NCFError) => e.message.length < 400,
    );
  });
});
