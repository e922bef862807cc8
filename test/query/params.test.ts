// Query-string and JSON-body parsing: every accepted form and every error message, which must name
// the parameter.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProblem } from '../../src/http/errors.js';
import type { ColumnSchema } from '../../src/index.js';
import {
  MAX_ROWS_PARAM,
  checkColumns,
  normalizeSpec,
  parseOrder,
  parseQueryBody,
  parseRowsQuery,
  parseSelect,
  type QuerySpec,
} from '../../src/query/params.js';

function problem(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HttpProblem, `expected an HttpProblem, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

function rejects(fn: () => unknown, status: number, parameter: string, detail: RegExp): void {
  const p = problem(fn);
  assert.equal(p.status, status, p.message);
  assert.match(p.message, detail);
  if (parameter) assert.equal(p.extra.parameter, parameter, p.message);
}

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'delay', type: 'float64', nullable: true },
  { name: 'origin', type: 'string', nullable: true },
  { name: 'a.b', type: 'int32', nullable: true },
];

test('GET: defaults with no parameters', () => {
  const q = parseRowsQuery('');
  assert.deepEqual(q.spec, { select: null, where: null, order: [], limit: null, offset: 0, version: null });
  assert.equal(q.format, null);
  assert.equal(q.csvSafe, false);
});

test('GET: reserved parameters and filters', () => {
  const q = parseRowsQuery(
    'select=origin,delay&delay=gt.60&origin=in.(SFO,LAX)&order=delay.desc,id&limit=100&offset=5&version=3&format=csv&csvSafe=true',
  );
  assert.deepEqual(q.spec.select, ['origin', 'delay']);
  assert.deepEqual(q.spec.order, [
    { column: 'delay', desc: true, nulls: 'first' },
    { column: 'id', desc: false, nulls: 'last' },
  ]);
  assert.equal(q.spec.limit, 100);
  assert.equal(q.spec.offset, 5);
  assert.equal(q.spec.version, 3);
  assert.equal(q.format, 'csv');
  assert.equal(q.csvSafe, true);
  assert.deepEqual(q.spec.where, {
    and: [
      { column: 'delay', op: 'gt', value: '60' },
      { column: 'origin', op: 'in', value: ['SFO', 'LAX'] },
    ],
  });
});

test('select: lists, quoting, star and errors', () => {
  assert.equal(parseSelect('*'), null);
  assert.deepEqual(parseSelect(' a , b '), ['a', 'b']);
  assert.deepEqual(parseSelect('"x,y",z,"q\\"r"'), ['x,y', 'z', 'q"r']);
  rejects(() => parseSelect(''), 400, 'select', /^select: expected column names separated by commas/);
  rejects(() => parseSelect('a,,b'), 400, 'select', /^select: item 2 is empty/);
  rejects(() => parseSelect('a,b,a'), 400, 'select', /^select: column "a" is listed twice/);
  rejects(() => parseSelect('"abc'), 400, 'select', /^select: unterminated double-quoted name starting at position 0/);
  rejects(() => parseSelect('"a"x'), 400, 'select', /^select: unexpected "x" after the quoted name "a"/);
  rejects(() => parseSelect('a"b'), 400, 'select', /^select: unexpected double quote at position 1/);
});

test('order: modifiers, defaults, dotted and quoted names', () => {
  assert.deepEqual(parseOrder('a'), [{ column: 'a', desc: false, nulls: 'last' }]);
  assert.deepEqual(parseOrder('a.desc'), [{ column: 'a', desc: true, nulls: 'first' }]);
  assert.deepEqual(parseOrder('a.asc.nullsfirst'), [{ column: 'a', desc: false, nulls: 'first' }]);
  assert.deepEqual(parseOrder('a.desc.nullslast'), [{ column: 'a', desc: true, nulls: 'last' }]);
  assert.deepEqual(parseOrder('a.nullsfirst'), [{ column: 'a', desc: false, nulls: 'first' }]);
  assert.deepEqual(parseOrder('a.b.desc'), [{ column: 'a.b', desc: true, nulls: 'first' }]);
  assert.deepEqual(parseOrder('"x.desc"'), [{ column: 'x.desc', desc: false, nulls: 'last' }]);
  assert.deepEqual(parseOrder('"x,y".desc.nullslast, z'), [
    { column: 'x,y', desc: true, nulls: 'last' },
    { column: 'z', desc: false, nulls: 'last' },
  ]);
  rejects(() => parseOrder(''), 400, 'order', /^order: expected column names separated by commas/);
  rejects(() => parseOrder('a,.desc'), 400, 'order', /^order: item 2 has no column name/);
  rejects(() => parseOrder('"a".up'), 400, 'order', /^order: unknown modifier "up" for column "a"/);
  rejects(
    () => parseOrder('"a".nullsfirst.desc'),
    400,
    'order',
    /^order: modifiers for column "a" must be one of asc\/desc then one of nullsfirst\/nullslast/,
  );
  rejects(() => parseOrder('"a".asc.desc'), 400, 'order', /^order: modifiers for column "a"/);
  rejects(() => parseOrder('"a"x'), 400, 'order', /^order: unexpected "x" after the quoted name "a"/);
});

test('limit, offset, version, csvSafe: every error names the parameter', () => {
  for (const bad of ['abc', '-1', '1.5', '', '1e3', String(MAX_ROWS_PARAM + 1), '99999999999999999']) {
    rejects(
      () => parseRowsQuery(`limit=${encodeURIComponent(bad)}`),
      400,
      'limit',
      new RegExp(`^limit: must be an integer 0\\.\\.${MAX_ROWS_PARAM}, got "`),
    );
    rejects(() => parseRowsQuery(`offset=${encodeURIComponent(bad)}`), 400, 'offset', /^offset: must be an integer 0\.\./);
  }
  assert.equal(parseRowsQuery(`limit=${MAX_ROWS_PARAM}`).spec.limit, MAX_ROWS_PARAM);
  assert.equal(parseRowsQuery('limit=0').spec.limit, 0);
  for (const bad of ['0', '-3', 'x', '1.0', '']) {
    rejects(() => parseRowsQuery(`version=${bad}`), 400, 'version', /^version: must be a positive integer, got "/);
  }
  rejects(() => parseRowsQuery('csvSafe=maybe'), 400, 'csvSafe', /^csvSafe: must be true or false, got "maybe"/);
  assert.equal(parseRowsQuery('csvSafe=false').csvSafe, false);
  for (const p of ['select', 'order', 'limit', 'offset', 'version', 'format', 'csvSafe']) {
    rejects(() => parseRowsQuery(`${p}=1&${p}=2`), 400, p, new RegExp(`^${p}: given 2 times; give it once`));
  }
});

test('filter errors from the engine become 400 bad-query naming the parameter', () => {
  const p = problem(() => parseRowsQuery('delay=bogus.5'));
  assert.equal(p.status, 400);
  assert.equal(p.slug, 'bad-query');
  assert.match(p.message, /unknown operator "bogus"/);
  assert.equal(p.extra.parameter, 'delay');
  const q = problem(() => parseRowsQuery('or=(a.eq.1'));
  assert.equal(q.status, 400);
  assert.equal(q.extra.parameter, 'or');
});

test('checkColumns: unknown select/order columns list the table columns', () => {
  const spec = (s: Partial<QuerySpec>): QuerySpec => ({
    select: null,
    where: null,
    order: [],
    limit: null,
    offset: 0,
    version: null,
    ...s,
  });
  checkColumns(spec({ select: ['id', 'a.b'], order: [{ column: 'delay', desc: false, nulls: 'last' }] }), COLUMNS);
  const p = problem(() => checkColumns(spec({ select: ['id', 'nope'] }), COLUMNS));
  assert.equal(p.status, 400);
  assert.equal(p.message, 'select: unknown column "nope"; the table has "id", "delay", "origin", "a.b"');
  assert.deepEqual(p.extra.columns, ['id', 'delay', 'origin', 'a.b']);
  assert.equal(p.extra.column, 'nope');
  const o = problem(() => checkColumns(spec({ order: parseOrder('x.desc') }), COLUMNS));
  assert.equal(o.message, 'order: unknown column "x"; the table has "id", "delay", "origin", "a.b"');
  assert.equal(o.extra.parameter, 'order');
  rejects(() => checkColumns(spec({ order: parseOrder('id,id.desc') }), COLUMNS), 400, 'order', /^order: column "id" is listed twice/);
});

test('POST body: every field, forms of select and order', () => {
  const q = parseQueryBody({
    select: ['origin', 'delay'],
    where: { column: 'delay', op: 'gt', value: 60 },
    order: [
      { column: 'delay', desc: true },
      { column: 'id', nulls: 'first' },
    ],
    limit: 10,
    offset: 2,
    version: 4,
  });
  assert.deepEqual(q.spec, {
    select: ['origin', 'delay'],
    where: { column: 'delay', op: 'gt', value: 60 },
    order: [
      { column: 'delay', desc: true, nulls: 'first' },
      { column: 'id', desc: false, nulls: 'first' },
    ],
    limit: 10,
    offset: 2,
    version: 4,
  });
  const s = parseQueryBody({ select: 'a,b', order: 'a.desc' });
  assert.deepEqual(s.spec.select, ['a', 'b']);
  assert.deepEqual(s.spec.order, [{ column: 'a', desc: true, nulls: 'first' }]);
  assert.deepEqual(parseQueryBody(undefined).spec, { select: null, where: null, order: [], limit: null, offset: 0, version: null });
  // Query-string paging overrides the body (how a `next` link pages a POSTed query).
  const p = parseQueryBody({ limit: 10, offset: 0, version: 1 }, 'offset=20&limit=5&version=2&format=arrow&csvSafe=1');
  assert.equal(p.spec.offset, 20);
  assert.equal(p.spec.limit, 5);
  assert.equal(p.spec.version, 2);
  assert.equal(p.format, 'arrow');
  assert.equal(p.csvSafe, true);
});

test('POST body: every error names the field', () => {
  rejects(() => parseQueryBody([]), 400, 'body', /^body: expected a JSON object/);
  rejects(() => parseQueryBody('x'), 400, 'body', /^body: expected a JSON object/);
  rejects(() => parseQueryBody({ limit: -1 }), 400, 'limit', new RegExp(`^limit: must be an integer 0\\.\\.${MAX_ROWS_PARAM}$`));
  rejects(() => parseQueryBody({ limit: 1.5 }), 400, 'limit', /^limit: must be an integer/);
  rejects(() => parseQueryBody({ limit: '10' }), 400, 'limit', /^limit: must be an integer/);
  rejects(() => parseQueryBody({ offset: MAX_ROWS_PARAM + 1 }), 400, 'offset', /^offset: must be an integer/);
  rejects(() => parseQueryBody({ version: 0 }), 400, 'version', /^version: must be a positive integer$/);
  rejects(() => parseQueryBody({ select: 5 }), 400, 'select', /^select: expected a list of column names/);
  rejects(() => parseQueryBody({ select: [] }), 400, 'select', /^select: expected at least one column/);
  rejects(() => parseQueryBody({ select: ['a', 3] }), 400, 'select[1]', /^select\[1\]: expected a non-empty column name string/);
  rejects(() => parseQueryBody({ select: ['a', 'a'] }), 400, 'select', /^select: column "a" is listed twice/);
  rejects(() => parseQueryBody({ order: 7 }), 400, 'order', /^order: expected "a\.desc,b" or/);
  rejects(
    () => parseQueryBody({ order: [{ column: 'a', desc: 'yes' }] }),
    400,
    'order[0].desc',
    /^order\[0\]\.desc: expected true or false/,
  );
  rejects(
    () => parseQueryBody({ order: [{ column: 'a', nulls: 'top' }] }),
    400,
    'order[0].nulls',
    /^order\[0\]\.nulls: expected "first" or "last"/,
  );
  rejects(() => parseQueryBody({ order: [{ col: 'a' }] }), 400, 'order[0]', /^order\[0\]: unknown key "col"; expected column, desc, nulls/);
  rejects(
    () => parseQueryBody({ order: [{ desc: true }] }),
    400,
    'order[0].column',
    /^order\[0\]\.column: expected the column name as a string/,
  );
  rejects(
    () => parseQueryBody({ limt: 5 }),
    400,
    'limt',
    /^the body: unknown key "limt"; expected select, where, order, limit, offset, version/,
  );
  rejects(() => parseQueryBody({ where: { column: 'a', op: 'zz', value: 1 } }), 400, 'where', /^where: .*unknown operator "zz"/);
  rejects(() => parseQueryBody({ where: 5 }), 400, 'where', /^where: /);
  rejects(
    () => parseQueryBody({}, 'delay=gt.5'),
    400,
    'delay',
    /^delay: POST \/query takes only limit, offset, version, format, csvSafe in the query string/,
  );
  rejects(() => parseQueryBody({}, 'limit=x'), 400, 'limit', /^limit: must be an integer/);
});

test('normalizeSpec: equal queries normalize equally, different ones differently', () => {
  const a = parseRowsQuery('delay=gt.5&select=id&limit=3').spec;
  const b = parseRowsQuery('limit=3&select=id&delay=gt.5').spec;
  assert.equal(normalizeSpec(a), normalizeSpec(b));
  assert.notEqual(normalizeSpec(a), normalizeSpec(parseRowsQuery('delay=gt.6&select=id&limit=3').spec));
  assert.notEqual(normalizeSpec(a), normalizeSpec(parseRowsQuery('delay=gt.5&select=id&limit=3&offset=1').spec));
});
