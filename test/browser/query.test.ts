// web/query.js, the grid's query state, without a browser: the API's query string parsed into
// controls and written back unchanged, readable (commas, colons and parentheses unescaped), with
// what the controls cannot show kept as written.

import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a browser module in plain JavaScript, without type declarations
import { parseQuery, toQuery, toggleOrder, parseFilter, filterExpr } from '../../web/query.js';

test('query strings written by the grid read back to the same string', () => {
  for (const q of [
    'limit=50&offset=0',
    'select=origin,delay&delay=gt.60&order=delay.desc&limit=50&offset=0',
    'origin=in.(SFO,LAX)&delay=not.is.null&limit=10&offset=20',
    'select=origin,n:count(),avg:delay.avg()&order=origin.asc&limit=50&offset=0',
    'or=(delay.gt.60,origin.eq.SFO)&name=like.A*&order=a.desc.nullslast,b.asc&limit=5&offset=0&version=3',
    'city=eq.S%C3%A3o%20Paulo&note=eq.a%26b%3Dc&limit=50&offset=0',
  ]) {
    assert.equal(toQuery(parseQuery(q)), q);
  }
});

test('defaults are filled in and nonsense paging falls back to them', () => {
  assert.equal(toQuery(parseQuery('')), 'limit=50&offset=0');
  assert.equal(toQuery(parseQuery('limit=abc&offset=-4')), 'limit=50&offset=0');
  assert.equal(toQuery(parseQuery('limit=0')), 'limit=1&offset=0');
});

test('filters: operators, not., in lists; groups and unknown operators stay as written', () => {
  assert.deepEqual(parseFilter('delay', 'gte.5'), { column: 'delay', op: 'gte', value: '5', not: false });
  assert.deepEqual(parseFilter('origin', 'not.in.(SFO,LAX)'), { column: 'origin', op: 'in', value: 'SFO,LAX', not: true });
  assert.deepEqual(parseFilter('note', 'eq.a.b.c'), { column: 'note', op: 'eq', value: 'a.b.c', not: false });
  assert.deepEqual(parseFilter('or', '(a.gt.1,b.lt.2)'), { column: 'or', raw: '(a.gt.1,b.lt.2)' });
  assert.deepEqual(parseFilter('delay', 'between.1.2'), { column: 'delay', raw: 'between.1.2' });
  assert.equal(filterExpr({ column: 'origin', op: 'in', value: 'SFO,LAX', not: true }), 'not.in.(SFO,LAX)');
  assert.equal(filterExpr({ column: 'delay', op: 'is', value: 'null', not: false }), 'is.null');
});

test('header clicks cycle ascending, descending, unsorted', () => {
  const asc = toggleOrder([], 'delay');
  assert.deepEqual(asc, [{ column: 'delay', desc: false, nulls: null }]);
  const desc = toggleOrder(asc, 'delay');
  assert.deepEqual(desc, [{ column: 'delay', desc: true, nulls: null }]);
  assert.deepEqual(toggleOrder(desc, 'delay'), []);
  assert.deepEqual(toggleOrder(desc, 'origin'), [{ column: 'origin', desc: false, nulls: null }]);
});
