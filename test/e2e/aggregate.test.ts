// Aggregates end to end: the real server over the "trips" table (three uploads, so three files),
// grouped answers compared with DuckDB's GROUP BY over the same CSV files in JSON, Arrow (read with
// apache-arrow), CSV, NDJSON and Parquet (read back by DuckDB); trunc buckets; order/limit over
// groups and JSON paging; the NCF-Answered-From header (statistics vs rows) with NCF-Row-Groups;
// ETag/304; POST /query; the 400 problems.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { api, assertProblem, curl, startServer, type Server } from '../support/server.js';
import { ndjson, openOracle, uploadTrips, writeTrips, type Oracle } from './query-data.js';

let server: Server;
let oracle: Oracle;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-agg-e2e-'));
  const files = await writeTrips(dir, [
    [0, 3000],
    [3000, 2000],
    [5000, 1500],
  ]);
  // Small JSON pages, so a grouped answer pages by `next` links.
  server = await startServer({ env: { NCF_MAX_RESPONSE_ROWS: '20' } });
  await uploadTrips(server, 'trips', files);
  oracle = await openOracle(files);
});

after(async () => {
  oracle?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const rowsUrl = (q: string): string => `/v1/tables/trips/rows?${q}`;

async function duck(sql: string): Promise<Array<Record<string, unknown>>> {
  return (await oracle.conn.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>;
}

function close(a: unknown, b: unknown, what: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  } else {
    assert.deepEqual(a, b, what);
  }
}

function sameRows(got: Array<Record<string, unknown>>, want: Array<Record<string, unknown>>, what: string): void {
  assert.equal(got.length, want.length, `${what}: row count`);
  want.forEach((w, i) => {
    assert.deepEqual(Object.keys(got[i]!), Object.keys(w), `${what}: columns`);
    for (const k of Object.keys(w)) close(got[i]![k], w[k], `${what} row ${i} ${k}`);
  });
}

const GROUPED = 'select=origin,count(),delay.avg(),delay.max(),total:delay.sum(),score.min(),ids:id.count_distinct()';
const GROUPED_SQL = `SELECT origin, count(*)::DOUBLE AS count, avg(delay) AS avg, max(delay) AS max, sum(delay)::DOUBLE AS total,
  min(score) AS min, count(DISTINCT id)::DOUBLE AS ids FROM trips GROUP BY origin ORDER BY origin COLLATE "binary"`;

test('a grouped aggregate in JSON equals DuckDB GROUP BY, from rows', async () => {
  const r = await api(server, 'GET', rowsUrl(GROUPED));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['ncf-answered-from'], 'rows');
  const body = r.json();
  assert.deepEqual(body.columns, [
    { name: 'origin', type: 'string' },
    { name: 'count', type: 'int64' },
    { name: 'avg', type: 'float64' },
    { name: 'max', type: 'int32' },
    { name: 'total', type: 'int64' },
    { name: 'min', type: 'float64' },
    { name: 'ids', type: 'int64' },
  ]);
  sameRows(body.rows, await duck(GROUPED_SQL), 'json');
  assert.equal(body.rowCount, 6);
  assert.equal(body.next, null);
});

test('the same answer as Arrow (apache-arrow), NDJSON and CSV', async () => {
  const want = await duck(GROUPED_SQL);
  const a = await api(server, 'GET', rowsUrl(GROUPED), ['-H', 'Accept: application/vnd.apache.arrow.stream']);
  assert.equal(a.status, 200);
  assert.equal(a.headers['ncf-answered-from'], 'rows');
  const t = arrow.tableFromIPC(a.body);
  assert.deepEqual(
    t.schema.fields.map((f) => String(f.type)),
    ['Utf8', 'Int64', 'Float64', 'Int32', 'Int64', 'Float64', 'Int64'],
  );
  const fromArrow = t.toArray().map((row) => {
    const o = row.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(o)) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
    return o;
  });
  sameRows(fromArrow, want, 'arrow');

  const nd = await api(server, 'GET', rowsUrl(`${GROUPED}&format=ndjson`));
  sameRows(ndjson(nd.text), want, 'ndjson');

  const csv = await api(server, 'GET', rowsUrl(`${GROUPED}&format=csv`));
  const lines = csv.text.trimEnd().split(/\r?\n/);
  assert.equal(lines[0], 'origin,count,avg,max,total,min,ids');
  assert.equal(lines.length, 7);
  const jfk = want.find((w) => w.origin === 'JFK')!;
  assert.ok(lines.includes(`JFK,${jfk.count},${jfk.avg},${jfk.max},${jfk.total},${jfk.min},${jfk.ids}`), lines.join('\n'));
  assert.ok(
    lines.some((l) => l.startsWith('"a,b ""q""",')),
    'a key with a comma and quotes is quoted',
  );

  const pq = await api(server, 'GET', rowsUrl(`${GROUPED}&format=parquet`));
  assert.equal(pq.status, 200, pq.text.slice(0, 300));
  const file = join(dir, 'grouped.parquet');
  await writeFile(file, pq.body);
  const fromParquet = (await duck(`SELECT * FROM read_parquet('${file}')`)).map((row) => {
    for (const k of Object.keys(row)) if (typeof row[k] === 'bigint') row[k] = Number(row[k]);
    return row;
  });
  sameRows(fromParquet, want, 'parquet');
});

test('trunc buckets dates and timestamps like DuckDB date_trunc', async () => {
  const r = await api(server, 'GET', rowsUrl('select=day.trunc(month),count(),delay.avg()'));
  assert.equal(r.status, 200, r.text);
  sameRows(
    r.json().rows,
    await duck(`SELECT strftime(date_trunc('month', day), '%Y-%m-%d') AS day, count(*)::DOUBLE AS count, avg(delay) AS avg
    FROM trips GROUP BY 1 ORDER BY 1`),
    'month',
  );
  const w = await api(server, 'GET', rowsUrl('select=week:day.trunc(week),count()&order=count.desc,week&limit=3'));
  sameRows(
    w.json().rows,
    await duck(`SELECT strftime(date_trunc('week', day), '%Y-%m-%d') AS week, count(*)::DOUBLE AS count
    FROM trips GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3`),
    'week',
  );
  const h = await api(server, 'GET', rowsUrl('select=ts.trunc(hour),count(),delay.max()&flag=is.true'));
  assert.equal(h.status, 200, h.text);
  // ts is zoned microseconds: six fraction digits, then Z (docs/QUERY.md, "Value text").
  sameRows(
    h.json().rows,
    await duck(`SELECT strftime(date_trunc('hour', ts AT TIME ZONE 'UTC'), '%Y-%m-%dT%H:%M:%S.%fZ') AS ts,
    count(*)::DOUBLE AS count, max(delay) AS max FROM trips WHERE flag GROUP BY 1 ORDER BY 1`),
    'hour',
  );
});

test('order names output columns; limit and offset page the groups; JSON pages link on', async () => {
  const r = await api(server, 'GET', rowsUrl('select=origin,n:count(),delay.avg()&order=avg.desc&limit=2&offset=1&delay=gt.0'));
  sameRows(
    r.json().rows,
    await duck(`SELECT origin, count(*)::DOUBLE AS n, avg(delay) AS avg FROM trips WHERE delay > 0
    GROUP BY origin ORDER BY avg DESC LIMIT 2 OFFSET 1`),
    'ordered page',
  );
  const post = await curl([
    '-X',
    'POST',
    `${server.url}/v1/tables/trips/query`,
    '-H',
    'Content-Type: application/json',
    '--data',
    JSON.stringify({ select: ['flag', 'count()', 'late:delay.max()'], where: { column: 'id', op: 'lt', value: 100 }, order: 'count.desc' }),
  ]);
  assert.equal(post.status, 200, post.text);
  sameRows(
    post.json().rows,
    await duck(`SELECT flag, count(*)::DOUBLE AS count, max(delay) AS late FROM trips WHERE id < 100
    GROUP BY flag ORDER BY count DESC`),
    'POST',
  );
  // 53 weekly groups in pages of 20: following `next` gives every group once, in order.
  const all: Array<Record<string, unknown>> = [];
  let path: string | null = rowsUrl('select=day.trunc(week),count()');
  let pages = 0;
  while (path !== null) {
    const page = (await api(server, 'GET', path)).json();
    all.push(...page.rows);
    path = page.next;
    pages++;
  }
  assert.equal(pages, 3);
  sameRows(
    all,
    await duck(`SELECT strftime(date_trunc('week', day), '%Y-%m-%d') AS day, count(*)::DOUBLE AS count FROM trips GROUP BY 1 ORDER BY 1`),
    'paged',
  );
});

const STATS = 'select=count(),lo:id.min(),hi:id.max(),delays:delay.count(),last:ts.max()';
const STATS_SQL = (
  where: string,
): string => `SELECT count(*)::DOUBLE AS count, min(id) AS lo, max(id) AS hi, count(delay)::DOUBLE AS delays,
  strftime(max(ts) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS last FROM trips ${where}`;

test('count, min and max without keys come from footer statistics, and say so', async () => {
  const r = await api(server, 'GET', rowsUrl(STATS));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['ncf-answered-from'], 'statistics');
  assert.equal(r.headers['ncf-row-groups'], '0/3');
  sameRows(r.json().rows, await duck(STATS_SQL('')), 'stats');
  // The first upload holds ids 0..2999: id>=3000 prunes it and the other two files match entirely.
  const f = await api(server, 'GET', rowsUrl(`${STATS}&id=gte.3000`));
  assert.equal(f.headers['ncf-answered-from'], 'statistics');
  sameRows(f.json().rows, await duck(STATS_SQL('WHERE id >= 3000')), 'stats, filtered');
  // id>=3500 cuts the second file: its rows are read.
  const g = await api(server, 'GET', rowsUrl(`${STATS}&id=gte.3500`));
  assert.equal(g.headers['ncf-answered-from'], 'rows');
  assert.equal(g.headers['ncf-row-groups'], '2/3');
  sameRows(g.json().rows, await duck(STATS_SQL('WHERE id >= 3500')), 'rows, filtered');
  // Group keys or other functions need rows too.
  assert.equal((await api(server, 'GET', rowsUrl('select=flag,count()'))).headers['ncf-answered-from'], 'rows');
  assert.equal((await api(server, 'GET', rowsUrl('select=delay.sum()'))).headers['ncf-answered-from'], 'rows');
  // Row queries carry no such header.
  assert.equal((await api(server, 'GET', rowsUrl('select=id&limit=1'))).headers['ncf-answered-from'], undefined);
});

test('an aggregate answer has an ETag and revalidates with 304', async () => {
  const r = await api(server, 'GET', rowsUrl(GROUPED));
  const etag = r.headers.etag!;
  assert.ok(etag);
  const other = await api(server, 'GET', rowsUrl('select=origin,count()'));
  assert.notEqual(other.headers.etag, etag);
  const again = await api(server, 'GET', rowsUrl(GROUPED), ['-H', `If-None-Match: ${etag}`]);
  assert.equal(again.status, 304);
  assert.equal(again.headers['ncf-answered-from'], 'rows');
});

test('mistakes are 400 problems that say how to fix them', async () => {
  const cases: Array<[string, RegExp]> = [
    ['select=count(),delay.count()', /both output a column named "count"; give one an alias/],
    ['select=*,count()', /cannot be mixed with aggregates/],
    ['select=nope.max()', /unknown column "nope"/],
    ['select=origin.sum()', /sum\(\) needs a numeric column; "origin" is string/],
    ['select=origin.avg()', /avg\(\) needs a numeric column/],
    ['select=delay.trunc(day)', /trunc\(\) needs a date or timestamp column; "delay" is int32/],
    ['select=day.trunc(hour)', /a date truncates to day, week, month, year/],
    ['select=ts.trunc(decade)', /unknown trunc unit "decade"/],
    ['select=delay.median()', /unknown function "median"/],
    ['select=origin,count()&order=delay', /unknown output column "delay"/],
  ];
  for (const [q, re] of cases) {
    const r = await api(server, 'GET', rowsUrl(q));
    const body = r.json();
    assertProblem(r, 400, body);
    assert.match(body.detail, re, q);
  }
});
