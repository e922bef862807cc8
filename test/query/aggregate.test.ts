// Aggregates over real NCF files (several files, many row groups) against a naive JS oracle that
// builds per-row objects: a fast-check property over random tables and queries (group keys, trunc,
// every function, filters), plus the statistics-only path, output order, offset/limit and errors.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { HttpProblem } from '../../src/http/errors.js';
import type { ColumnSchema } from '../../src/index.js';
import { aggregateColumns, executeAggregate } from '../../src/query/aggregate/execute.js';
import { aggregateOf } from '../../src/query/aggregate/answer.js';
import { planAggregate, type AggregatePlan } from '../../src/query/aggregate/plan.js';
import { answerFromStats } from '../../src/query/aggregate/stats-answer.js';
import { parseRowsQuery, parseQueryBody } from '../../src/query/params.js';
import { writeTable, type TestTable } from './tables.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'k', type: 'string', nullable: true },
  { name: 'n', type: 'int32', nullable: true },
  { name: 'f', type: 'float64', nullable: true },
  { name: 'b', type: 'int64', nullable: true },
  { name: 'd', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', unit: 'us', nullable: true },
  { name: 'ok', type: 'bool', nullable: true },
];

interface Row {
  k: string | null;
  n: number | null;
  f: number | null;
  b: bigint | null;
  d: number | null;
  ts: bigint | null;
  ok: boolean | null;
}

const rowArb: fc.Arbitrary<Row> = fc.record({
  k: fc.option(fc.constantFrom('a', 'bb', 'é', '', 'zz'), { freq: 5 }),
  n: fc.option(fc.integer({ min: -5, max: 5 }), { freq: 5 }),
  f: fc.option(fc.oneof(fc.constantFrom(0, -0, 1.5, -2.25, NaN, 1e300), fc.double({ noNaN: true, min: -1e6, max: 1e6 })), { freq: 5 }),
  b: fc.option(fc.oneof(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: -3n, max: 3n })), { freq: 5 }),
  d: fc.option(fc.integer({ min: -800, max: 20000 }), { freq: 5 }),
  ts: fc.option(fc.bigInt({ min: -(10n ** 15n), max: 2n * 10n ** 15n }), { freq: 5 }),
  ok: fc.option(fc.boolean(), { freq: 5 }),
});

let dir: string;
let seq = 0;
const open: TestTable[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-agg-'));
});
after(async () => {
  for (const t of open) await t.close();
  await rm(dir, { recursive: true, force: true });
});

async function tableOf(rows: Row[], files: number, rowGroupRows: number, columns = COLUMNS): Promise<TestTable> {
  const sub = join(dir, `t${seq++}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(sub);
  const parts: Array<Record<string, unknown[]>> = [];
  const per = Math.max(1, Math.ceil(rows.length / files));
  for (let p = 0; p < Math.max(1, rows.length); p += per) {
    const slice = rows.slice(p, p + per);
    const part: Record<string, unknown[]> = {};
    for (const c of columns) part[c.name] = slice.map((r) => (r as unknown as Record<string, unknown>)[c.name]);
    parts.push(part);
  }
  const t = await writeTable(sub, columns, parts, rowGroupRows);
  open.push(t);
  return t;
}

async function plan(t: TestTable, query: string): Promise<AggregatePlan> {
  const q = parseRowsQuery(query);
  const agg = aggregateOf(q.spec);
  assert.ok(agg !== null, `not an aggregate: ${query}`);
  return planAggregate(t.version, q.spec, agg, t.open);
}

/** The answer as plain rows (bigint for int64, numbers otherwise, strings, booleans, null). */
async function run(t: TestTable, query: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const b of executeAggregate(await plan(t, query))) out.push(...rowsOf(b));
  return out;
}

function rowsOf(b: arrow.RecordBatch): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < b.numRows; i++) {
    const r: Record<string, unknown> = {};
    for (const f of b.schema.fields) {
      let v = b.getChild(f.name)!.get(i);
      if (v instanceof Date) v = v.getTime();
      r[f.name] = v;
    }
    out.push(r);
  }
  return out;
}

// ---- The oracle: per-row objects, Maps and BigInt, written for clarity only. ----

type Fn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct';
const MS_DAY = 86400000;

function truncOracle(col: 'd' | 'ts', unit: string, v: number | bigint): number {
  // Returns ms since the epoch of the bucket start (dates: days → ms), as Arrow JS reports both.
  const ms = col === 'd' ? Number(v) * MS_DAY : Math.floor(Number(BigInt(v) / 1000n) - (BigInt(v) % 1000n < 0n ? 1 : 0));
  const dt = new Date(ms);
  switch (unit) {
    case 'second':
      return Math.floor(ms / 1000) * 1000;
    case 'minute':
      return Math.floor(ms / 60000) * 60000;
    case 'hour':
      return Math.floor(ms / 3600000) * 3600000;
    case 'day':
      return Math.floor(ms / MS_DAY) * MS_DAY;
    case 'week': {
      const day = Math.floor(ms / MS_DAY);
      const dow = (((day + 3) % 7) + 7) % 7; // 0 = Monday
      return (day - dow) * MS_DAY;
    }
    case 'month':
      return Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth(), 1);
    default:
      return Date.UTC(dt.getUTCFullYear(), 0, 1);
  }
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b as string));
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && (Number.isNaN(a) || Number.isNaN(b as number)))
    return Number(Number.isNaN(a)) - Number(Number.isNaN(b as number));
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function oracleAgg(fn: Fn, col: keyof Row | null, rows: Row[]): unknown {
  if (col === null) return BigInt(rows.length);
  const vals = rows.map((r) => r[col]).filter((v) => v !== null);
  switch (fn) {
    case 'count':
      return BigInt(vals.length);
    case 'count_distinct':
      return BigInt(new Set(vals.map((v) => (typeof v === 'number' && v === 0 ? 0 : v))).size);
    case 'sum':
    case 'avg': {
      if (vals.length === 0) return null;
      if (col === 'f') {
        let s = 0;
        for (const v of vals) s += v as number;
        return fn === 'sum' ? s : s / vals.length;
      }
      let s = 0n;
      for (const v of vals) s += BigInt(v as number | bigint);
      return fn === 'sum' ? s : Number(s) / vals.length;
    }
    case 'min':
    case 'max': {
      if (vals.length === 0) return null;
      let best = vals[0];
      for (const v of vals) if (fn === 'min' ? cmp(v, best) < 0 : cmp(v, best) > 0) best = v;
      if (col === 'd') return (best as number) * MS_DAY;
      // Arrow JS reads a microsecond timestamp as fractional milliseconds.
      if (col === 'ts') return Number(best as bigint) / 1000;
      if (col === 'n') return best;
      return best;
    }
  }
}

interface Query {
  keys: Array<{ col: keyof Row; unit?: string }>;
  aggs: Array<{ fn: Fn; col: keyof Row | null }>;
  filter: number;
}

const FILTERS: Array<{ q: string; pred: (r: Row) => boolean }> = [
  { q: '', pred: () => true },
  { q: '&n=gt.0', pred: (r) => r.n !== null && r.n > 0 },
  { q: '&k=in.(a,bb)', pred: (r) => r.k === 'a' || r.k === 'bb' },
  { q: '&or=(n.is.null,ok.is.true)', pred: (r) => r.n === null || r.ok === true },
];

const AGG_COLUMNS: Record<Fn, Array<keyof Row>> = {
  count: ['k', 'n', 'f', 'b', 'd', 'ts', 'ok'],
  count_distinct: ['k', 'n', 'f', 'b', 'd', 'ts', 'ok'],
  sum: ['n', 'f', 'b'],
  avg: ['n', 'f'],
  min: ['k', 'n', 'f', 'b', 'd', 'ts', 'ok'],
  max: ['k', 'n', 'f', 'b', 'd', 'ts', 'ok'],
};

const queryArb: fc.Arbitrary<Query> = fc.record({
  keys: fc.uniqueArray(
    fc.oneof(
      fc.record({ col: fc.constantFrom<keyof Row>('k', 'n', 'ok', 'b', 'f') }),
      fc.record({ col: fc.constant<keyof Row>('d'), unit: fc.constantFrom('day', 'week', 'month', 'year') }),
      fc.record({ col: fc.constant<keyof Row>('ts'), unit: fc.constantFrom('second', 'minute', 'hour', 'day', 'week', 'month', 'year') }),
    ),
    { maxLength: 3, selector: (k) => k.col },
  ),
  aggs: fc.array(
    fc.oneof(
      fc.constant({ fn: 'count' as Fn, col: null }),
      fc
        .constantFrom<Fn>('count', 'sum', 'avg', 'min', 'max', 'count_distinct')
        .chain((fn) => fc.constantFrom(...AGG_COLUMNS[fn]).map((col) => ({ fn, col: col as keyof Row | null }))),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  filter: fc.integer({ min: 0, max: FILTERS.length - 1 }),
});

function keyValue(k: { col: keyof Row; unit?: string }, r: Row): unknown {
  const v = r[k.col];
  if (v === null) return null;
  if (k.unit !== undefined) return truncOracle(k.col as 'd' | 'ts', k.unit, v as number | bigint);
  if (k.col === 'f' && v === 0) return 0;
  return v;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Object.is(a, b) || a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  return a === b;
}

test('grouped aggregates match a naive oracle over random tables and queries', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(rowArb, { maxLength: 200 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 40 }),
      queryArb,
      async (rows, files, rgRows, q) => {
        const t = await tableOf(rows, files, rgRows);
        const names = new Set<string>();
        const items: string[] = [];
        const keyNames: string[] = [];
        for (const k of q.keys) {
          items.push(k.unit ? `${k.col}.trunc(${k.unit})` : k.col);
          keyNames.push(k.col);
          names.add(k.col);
        }
        const aggNames: string[] = [];
        q.aggs.forEach((a, i) => {
          const alias = `a${i}`;
          aggNames.push(alias);
          items.push(a.col === null ? `${alias}:count()` : `${alias}:${a.col}.${a.fn}()`);
        });
        const filter = FILTERS[q.filter]!;
        const query = `select=${encodeURIComponent(items.join(','))}${filter.q}`;

        // Oracle: group the matching rows by their key tuple.
        const groups = new Map<string, { key: unknown[]; rows: Row[] }>();
        for (const r of rows.filter(filter.pred)) {
          const key = q.keys.map((k) => keyValue(k, r));
          const id = JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : Number.isNaN(v) ? 'NaN' : v));
          let g = groups.get(id);
          if (g === undefined) groups.set(id, (g = { key, rows: [] }));
          g.rows.push(r);
        }
        if (q.keys.length === 0 && groups.size === 0) groups.set('[]', { key: [], rows: [] });
        // An exact int64 sum outside int64 is refused (400), never wrapped or rounded.
        const INT64_MAX = 2n ** 63n - 1n;
        const overflows =
          q.aggs.some((a) => a.fn === 'sum' && a.col === 'b') &&
          [...groups.values()].some((g) => {
            const sum = g.rows.reduce((acc, r) => acc + (r.b ?? 0n), 0n);
            return sum > INT64_MAX || sum < -INT64_MAX - 1n;
          });
        if (overflows) {
          await assert.rejects(
            run(t, query),
            (e: { status?: number; message: string }) => e.status === 400 && /outside int64/.test(e.message),
          );
          return;
        }
        const got = await run(t, query);
        const expected = [...groups.values()].sort((x, y) => {
          for (let i = 0; i < x.key.length; i++) {
            const a = x.key[i],
              b = y.key[i];
            if (a === null || b === null) {
              if (a !== b) return a === null ? 1 : -1;
              continue;
            }
            const c = cmp(a, b);
            if (c !== 0) return c;
          }
          return 0;
        });
        assert.equal(got.length, expected.length, 'group count');
        expected.forEach((g, i) => {
          const row = got[i]!;
          q.keys.forEach((k, j) => {
            let v = row[keyNames[j]!];
            if (typeof v === 'bigint' && k.col === 'ts') v = Number(v / 1000n) - (v % 1000n < 0n ? 1 : 0);
            assert.ok(same(v, g.key[j]), `key ${keyNames[j]} of group ${i}: got ${String(v)}, expected ${String(g.key[j])}`);
          });
          q.aggs.forEach((a, j) => {
            let want = oracleAgg(a.fn, a.col, g.rows);
            let v = row[aggNames[j]!];
            if (typeof v === 'bigint' && (a.fn === 'min' || a.fn === 'max') && a.col === 'ts')
              v = Number(v / 1000n) - (v % 1000n < 0n ? 1 : 0);
            if (a.fn === 'sum' && a.col === 'n' && want !== null) want = BigInt(want as bigint);
            assert.ok(same(v, want), `${aggNames[j]} = ${a.col}.${a.fn}() of group ${i}: got ${String(v)}, expected ${String(want)}`);
          });
        });
      },
    ),
    { numRuns: 60 },
  );
});

// ---- Fixed tables ----

const FIXED: Row[] = [];
for (let i = 0; i < 1000; i++) {
  FIXED.push({
    k: i % 7 === 0 ? null : ['a', 'bb', 'c'][i % 3]!,
    n: i % 5 === 0 ? null : i % 10,
    f: i % 13 === 0 ? null : i / 4,
    b: BigInt(i) * 1000000007n,
    d: 19000 + (i % 60),
    ts: BigInt(i) * 3_600_000_000n,
    ok: i % 2 === 0,
  });
}

const STATS_Q =
  'select=count(),nn:n.count(),nmin:n.min(),fmax:f.max(),kmin:k.min(),tsmax:ts.max(),dmin:d.min(),okmax:ok.max(),okmin:ok.min()';

test('count, min and max without keys come from statistics, and equal the rows answer', async () => {
  const t = await tableOf(FIXED, 2, 100);
  const p = await plan(t, STATS_Q);
  assert.ok(answerFromStats(p) !== null, 'answerable from statistics');
  const fromStats = await aggregateColumns(p);
  assert.equal(fromStats.source, 'statistics');
  const rows = await run(t, STATS_Q);
  assert.deepEqual(rows, [
    {
      count: 1000n,
      nn: 800n,
      nmin: 1,
      fmax: 999 / 4,
      kmin: 'a',
      tsmax: 999 * 3_600_000,
      dmin: 19000 * MS_DAY,
      okmax: true,
      okmin: false,
    },
  ]);
  // A function statistics cannot answer sends the same query to the rows: both answers agree.
  const p2 = await plan(t, `${STATS_Q},s:n.sum()`);
  assert.equal(answerFromStats(p2), null);
  const viaRows = await run(t, `${STATS_Q},s:n.sum()`);
  const { s: sum, ...rest } = viaRows[0]!;
  assert.equal(sum, BigInt(FIXED.reduce((a, r) => a + (r.n ?? 0), 0)));
  assert.deepEqual(rest, rows[0]);
});

test('statistics answer under a filter only when every remaining row group matches entirely', async () => {
  const rows = FIXED.map((r, i) => ({ ...r, n: i }));
  const t = await tableOf(rows, 1, 100);
  // n ascends: groups 0..99, 100..199, … ; n=gte.300 prunes three groups and the rest match entirely.
  const p = await plan(t, 'select=count(),n.max()&n=gte.300');
  assert.ok(answerFromStats(p) !== null);
  assert.deepEqual(await run(t, 'select=count(),n.max()&n=gte.300'), [{ count: 700n, max: 999 }]);
  // n=gte.350 cuts a row group in two: rows must be read.
  const p2 = await plan(t, 'select=count(),n.max()&n=gte.350');
  assert.equal(answerFromStats(p2), null);
  assert.deepEqual(await run(t, 'select=count(),n.max()&n=gte.350'), [{ count: 650n, max: 999 }]);
  // count() alone under a filter that needs rows reads only the filter's column.
  assert.equal(answerFromStats(await plan(t, 'select=count()&n=gte.350')), null);
  assert.deepEqual(await run(t, 'select=count()&n=gte.350'), [{ count: 650n }]);
  assert.deepEqual(await run(t, 'select=k,count()&n=gte.350&order=k&limit=1'), [
    { k: 'a', count: BigInt(rows.filter((r) => r.n! >= 350 && r.k === 'a').length) },
  ]);
  // A filter matching nothing: count 0, max null.
  assert.deepEqual(await run(t, 'select=count(),n.max()&n=gt.5000'), [{ count: 0n, max: null }]);
});

test('truncated string statistics and float NaN make min/max read the rows', async () => {
  const long = 'x'.repeat(100);
  const rows: Row[] = [
    { k: `${long}b`, n: 1, f: 1, b: 1n, d: 1, ts: 1n, ok: true },
    { k: `${long}a`, n: 2, f: NaN, b: 2n, d: 2, ts: 2n, ok: false },
    { k: 'a', n: null, f: -3, b: null, d: null, ts: null, ok: null },
  ];
  const t = await tableOf(rows, 1, 10);
  const p = await plan(t, 'select=k.max()');
  assert.equal(answerFromStats(p), null, 'a truncated max needs the rows');
  assert.deepEqual(await run(t, 'select=k.max()'), [{ max: `${long}b` }]);
  const p2 = await plan(t, 'select=k.min()');
  assert.ok(answerFromStats(p2) !== null, 'an exact min ("a") is answered from statistics');
  assert.deepEqual(await run(t, 'select=k.min()'), [{ min: 'a' }]);
  // NaN sorts above every number (PostgreSQL, DuckDB): it is the max; the min ignores it.
  assert.ok(answerFromStats(await plan(t, 'select=f.max(),f.min(),f.count()')) !== null);
  const [r] = await run(t, 'select=f.max(),f.min(),f.count()');
  assert.ok(Number.isNaN(r!.max));
  assert.equal(r!.min, -3);
  assert.equal(r!.count, 3n);
});

test('order by output columns, offset and limit apply to groups; default order is the keys ascending, nulls last', async () => {
  const t = await tableOf(FIXED, 3, 64);
  const byKey = await run(t, 'select=k,count()');
  assert.deepEqual(
    byKey.map((r) => r.k),
    ['a', 'bb', 'c', null],
  );
  const counts = new Map<string | null, number>();
  for (const r of FIXED) counts.set(r.k, (counts.get(r.k) ?? 0) + 1);
  assert.deepEqual(
    byKey.map((r) => r.count),
    ['a', 'bb', 'c', null].map((k) => BigInt(counts.get(k)!)),
  );
  const desc = await run(t, 'select=k,count()&order=count.desc,k');
  const want = [...counts.entries()].sort((a, b) => b[1] - a[1] || ((a[0] ?? '\uffff') < (b[0] ?? '\uffff') ? -1 : 1));
  assert.deepEqual(
    desc.map((r) => r.k),
    want.map((e) => e[0]),
  );
  const page = await run(t, 'select=k,count()&order=count.desc,k&offset=1&limit=2');
  assert.deepEqual(page, desc.slice(1, 3));
  const trunc = await run(t, 'select=day:ts.trunc(day),count()&order=day.desc&limit=1');
  assert.equal(trunc[0]!.count, BigInt(1000 - 41 * 24));
});

function problem(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof HttpProblem && e.status === 400 && re.test(e.message));
}

async function rejects(t: TestTable, query: string, re: RegExp): Promise<void> {
  await assert.rejects(plan(t, query), (e: unknown) => {
    assert.ok(e instanceof HttpProblem, String(e));
    assert.equal(e.status, 400);
    assert.match(e.message, re);
    return true;
  });
}

test('grammar errors are 400s that say what to write', () => {
  problem(() => aggregateOf(parseRowsQuery('select=count(),n.count()').spec), /both output a column named "count"; give one an alias/);
  problem(() => aggregateOf(parseRowsQuery('select=count(),count()').spec), /alias/);
  problem(() => aggregateOf(parseRowsQuery('select=*,count()').spec), /\* cannot be mixed with aggregates/);
  problem(() => aggregateOf(parseRowsQuery('select=n.median()').spec), /unknown function "median"/);
  problem(() => aggregateOf(parseRowsQuery('select=ts.trunc(fortnight)').spec), /unknown trunc unit "fortnight"/);
  problem(() => aggregateOf(parseRowsQuery('select=sum()').spec), /write <col>.sum\(\)/);
  problem(() => aggregateOf(parseRowsQuery('select=count(n)').spec), /n.count\(\)/);
  problem(() => aggregateOf(parseRowsQuery('select=n.max(x)').spec), /takes no argument/);
  // The JSON body's select array takes the same strings.
  const body = parseQueryBody({ select: ['k', 'late:n.max()', 'count()'] });
  assert.deepEqual(
    aggregateOf(body.spec)!.items.map((i) => i.name),
    ['k', 'late', 'count'],
  );
  assert.equal(aggregateOf(parseRowsQuery('select=k,n').spec), null);
});

test('type and column errors are 400s naming the column', async () => {
  const t = await tableOf(FIXED.slice(0, 10), 1, 10);
  await rejects(t, 'select=nope.max()', /unknown column "nope"/);
  await rejects(t, 'select=k.sum()', /sum\(\) needs a numeric column; "k" is string/);
  await rejects(t, 'select=ts.avg()', /avg\(\) needs a numeric column; "ts" is timestamp/);
  await rejects(t, 'select=n.trunc(day)', /trunc\(\) needs a date or timestamp column; "n" is int32/);
  await rejects(t, 'select=d.trunc(hour)', /a date truncates to day, week, month, year/);
  await rejects(t, 'select=k,count()&order=n', /order: unknown output column "n"/);
  await rejects(t, 'select=count:k,count()', /both output a column named "count"; give one an alias/);
  await rejects(t, 'select=x:nope,count()', /unknown column "x:nope"/);
});

test('a group key may be aliased like a PostgREST column: alias:col', async () => {
  const t = await tableOf(FIXED, 1, 100);
  const aliased = await run(t, 'select=key:k,n:count()&order=n.desc,key&limit=2');
  const plain = await run(t, 'select=k,n:count()&order=n.desc,k&limit=2');
  assert.deepEqual(
    aliased,
    plain.map((r) => ({ key: r.k, n: r.n })),
  );
});

test('sum of integers is exact int64, and a sum outside int64 is a 400', async () => {
  const big: Row[] = [0, 1, 2].map(() => ({ k: 'a', n: 1, f: 1, b: 2n ** 62n + 12345n, d: 1, ts: 1n, ok: true }));
  const t = await tableOf(big.slice(0, 1).concat([{ ...big[0]!, b: 7n }]), 1, 10);
  assert.deepEqual(await run(t, 'select=b.sum()'), [{ sum: 2n ** 62n + 12352n }]);
  const t2 = await tableOf(big, 1, 10);
  await assert.rejects(
    async () => run(t2, 'select=b.sum()'),
    (e: unknown) => e instanceof HttpProblem && /outside int64/.test(e.message),
  );
  assert.deepEqual(await run(t2, 'select=b.avg()'), [{ avg: Number(2n ** 62n + 12345n) }]);
});

test('trunc on nanosecond timestamps beyond 2^53 and before the epoch is exact', async () => {
  const cols: ColumnSchema[] = [{ name: 't', type: 'timestamp', unit: 'ns', nullable: true }];
  const iso = ['2026-11-26T01:59:59.999999999Z', '2026-11-26T02:00:00.000000001Z', '1969-12-31T23:59:59.5Z', '2024-02-29T12:00:00Z'];
  const ns = (s: string): bigint => {
    const [whole, frac = '0'] = s.replace('Z', '').split('.');
    return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(frac.padEnd(9, '0'));
  };
  const rows = [...iso.map(ns), null];
  const sub = join(dir, `ns${seq++}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(sub);
  const t = await writeTable(sub, cols, [{ t: rows }], 2);
  open.push(t);
  const q = async (unit: string): Promise<unknown[]> => {
    const out: unknown[] = [];
    const p = await planAggregate(
      t.version,
      parseRowsQuery(`select=t.trunc(${unit})`).spec,
      aggregateOf(parseRowsQuery(`select=t.trunc(${unit})`).spec)!,
      t.open,
    );
    const cs = await aggregateColumns(p);
    const data = cs.columns[0]!;
    for (let i = 0; i < data.length; i++)
      out.push(data.validity !== null && (data.validity[i >>> 3]! & (1 << (i & 7))) === 0 ? null : (data.values.data as BigInt64Array)[i]);
    return out;
  };
  const at = (s: string): bigint => BigInt(Date.parse(s)) * 1_000_000n;
  assert.deepEqual(await q('hour'), [
    at('2026-11-26T01:00:00Z'),
    at('2026-11-26T02:00:00Z'),
    at('1969-12-31T23:00:00Z'),
    at('2024-02-29T12:00:00Z'),
    null,
  ]);
  assert.deepEqual(await q('second'), [
    at('2026-11-26T01:59:59Z'),
    at('2026-11-26T02:00:00Z'),
    at('1969-12-31T23:59:59Z'),
    at('2024-02-29T12:00:00Z'),
    null,
  ]);
  assert.deepEqual(await q('month'), [at('2026-11-01T00:00:00Z'), at('1969-12-01T00:00:00Z'), at('2024-02-01T00:00:00Z'), null]);
  assert.deepEqual(await q('week'), [at('2026-11-23T00:00:00Z'), at('1969-12-29T00:00:00Z'), at('2024-02-26T00:00:00Z'), null]);
  assert.deepEqual(await q('year'), [at('2026-01-01T00:00:00Z'), at('1969-01-01T00:00:00Z'), at('2024-01-01T00:00:00Z'), null]);
});

test('a column whose name looks like a call is that column, in row and aggregate selects', async () => {
  const cols: ColumnSchema[] = [
    { name: 'price(usd)', type: 'int32', nullable: false },
    { name: 'k', type: 'string', nullable: false },
  ];
  assert.equal(aggregateOf(parseRowsQuery('select=price(usd),k').spec, cols), null, 'a plain row select');
  const spec = parseRowsQuery(`select=${encodeURIComponent('price(usd)')},count(),total:k.count()`).spec;
  const agg = aggregateOf(spec, cols)!;
  assert.deepEqual(
    agg.items.map((i) => i.kind),
    ['key', 'agg', 'agg'],
  );
  const sub = join(dir, `call${seq++}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(sub);
  const t = await writeTable(sub, cols, [{ 'price(usd)': [1, 2, 1], k: ['a', 'b', 'c'] }], 10);
  open.push(t);
  const out: Array<Record<string, unknown>> = [];
  for await (const b of executeAggregate(await planAggregate(t.version, spec, agg, t.open))) out.push(...rowsOf(b));
  assert.deepEqual(out, [
    { 'price(usd)': 1, count: 2n, total: 2n },
    { 'price(usd)': 2, count: 1n, total: 1n },
  ]);
});
