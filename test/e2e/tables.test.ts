// Reading tables end to end: the list, the description with merged statistics, the ADBC statistics
// (table, column, row group) with exact/approximate flags, the history, and time travel on each.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, startServer, type Server } from '../support/server.js';
import { expectOf, flights, toCsv } from './fixtures.js';

let server: Server;
let dir = '';
const first = flights(300);
const second = flights(200, 300);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-tables-'));
  server = await startServer();
  await writeFile(join(dir, 'a.csv'), toCsv(first));
  await writeFile(join(dir, 'b.csv'), toCsv(second));
  // Big ints beyond 2^53, timestamps and long strings exercise the JSON renderings of statistics.
  await writeFile(
    join(dir, 'odd.csv'),
    ['big,at,label', `9007199254740993,2024-03-01T10:00:00.123456Z,${'x'.repeat(100)}`, '-5,2024-03-02T00:00:00Z,short'].join('\n') + '\n',
  );
  assert.equal((await api(server, 'POST', '/v1/tables/flights', ['-F', `file=@${join(dir, 'a.csv')}`])).status, 201);
  assert.equal((await api(server, 'POST', '/v1/tables/flights/rows', ['-F', `file=@${join(dir, 'b.csv')}`])).status, 200);
  assert.equal((await api(server, 'POST', '/v1/tables/odd', ['-F', `file=@${join(dir, 'odd.csv')}`])).status, 201);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('reading tables', () => {
  test('GET /v1/tables lists every table with its summary', async () => {
    const r = await api(server, 'GET', '/v1/tables');
    assert.equal(r.status, 200);
    const tables = r.json().tables;
    assert.deepEqual(
      tables.map((t: any) => t.name),
      ['flights', 'odd'],
    );
    const f = tables[0];
    assert.deepEqual(Object.keys(f).sort(), ['bytes', 'columnCount', 'createdAt', 'name', 'rowCount', 'updatedAt', 'version']);
    assert.equal(f.version, 2);
    assert.equal(f.rowCount, 500);
    assert.equal(f.columnCount, 4);
    assert.ok(f.bytes > 0);
    assert.ok(Date.parse(f.updatedAt) >= Date.parse(f.createdAt));
  });

  test('the description merges statistics over the files of the version', async () => {
    const r = await api(server, 'GET', '/v1/tables/flights');
    assert.equal(r.status, 200);
    assert.equal(r.headers['ncf-table-version'], '2');
    const e = expectOf([...first, ...second]);
    const body = r.json();
    assert.equal(body.rowCount, 500);
    const cols = Object.fromEntries(body.columns.map((c: any) => [c.name, c]));
    assert.deepEqual(
      body.columns.map((c: any) => [c.name, c.type]),
      [
        ['id', 'int32'],
        ['origin', 'string'],
        ['delay', 'int32'],
        ['day', 'date'],
      ],
    );
    // Two files: distinct counts cannot be merged exactly, so distinctCount is null (and present).
    assert.deepEqual(cols.delay.stats, { min: e.minDelay, max: e.maxDelay, nullCount: e.nullDelays, distinctCount: null });
    assert.deepEqual(cols.id.stats, { min: 0, max: 499, nullCount: 0, distinctCount: null });
    assert.deepEqual(cols.day.stats, { min: '2024-01-01', max: '2024-02-29', nullCount: 0, distinctCount: null });
    assert.equal(cols.origin.nullable, true);
    // One file, one row group: the distinct count is exact and shown.
    const v1 = (await api(server, 'GET', '/v1/tables/flights?version=1')).json();
    const origin1 = v1.columns.find((c: any) => c.name === 'origin');
    assert.equal(origin1.stats.distinctCount, 4);
    assert.equal(v1.rowCount, 300);
  });

  test('JSON renderings: int64 beyond 2^53 as a string, timestamps ISO with full precision, long strings', async () => {
    const body = (await api(server, 'GET', '/v1/tables/odd')).json();
    const cols = Object.fromEntries(body.columns.map((c: any) => [c.name, c]));
    assert.equal(cols.big.type, 'int64');
    assert.deepEqual([cols.big.stats.min, cols.big.stats.max], [-5, '9007199254740993']);
    assert.equal(cols.at.type, 'timestamp');
    // Microseconds, zoned (the CSV values end in Z): six digits always, then Z.
    assert.deepEqual([cols.at.unit, cols.at.timezone], ['us', 'UTC']);
    assert.deepEqual([cols.at.stats.min, cols.at.stats.max], ['2024-03-01T10:00:00.123456Z', '2024-03-02T00:00:00.000000Z']);
    assert.equal(cols.label.stats.min, 'short');
  });

  test('/stats speaks ADBC in camelCase: rowCount, nullCount, minValue, maxValue, distinctCount with exact flags', async () => {
    const r = await api(server, 'GET', '/v1/tables/flights/stats');
    assert.equal(r.status, 200);
    const s = r.json();
    const { row_count, file_count, row_group_count, ...table } = s.table;
    assert.deepEqual(table, { rowCount: { value: 500, exact: true }, bytes: s.table.bytes, fileCount: 2, rowGroupCount: 2 });
    // Deprecated for one release: the old snake_case keys, alongside, with the same values.
    assert.deepEqual([row_count, file_count, row_group_count], [table.rowCount, table.fileCount, table.rowGroupCount]);
    for (const c of [...s.columns, ...s.rowGroups.flatMap((g: any) => g.columns)]) {
      assert.deepEqual([c.null_count, c.min_value, c.max_value, c.distinct_count], [c.nullCount, c.minValue, c.maxValue, c.distinctCount]);
    }
    for (const g of s.rowGroups) assert.deepEqual(g.row_count, g.rowCount);
    assert.equal(s.rowGroups.length, 2);
    assert.deepEqual(
      s.rowGroups.map((g: any) => [g.file, g.rowGroup, g.rowCount.value]),
      [
        [0, 0, 300],
        [1, 0, 200],
      ],
    );
    const delay = s.columns.find((c: any) => c.name === 'delay');
    const e = expectOf([...first, ...second]);
    assert.deepEqual(delay.nullCount, { value: e.nullDelays, exact: true });
    assert.deepEqual(delay.minValue, { value: e.minDelay, exact: true });
    assert.deepEqual(delay.maxValue, { value: e.maxDelay, exact: true });
    // Over two row groups the distinct count is a bound, flagged approximate.
    const origin = s.columns.find((c: any) => c.name === 'origin');
    assert.deepEqual(origin.distinctCount, { value: 4, exact: false });
    const g0 = s.rowGroups[0].columns.find((c: any) => c.name === 'delay');
    const e0 = expectOf(first);
    assert.deepEqual([g0.nullCount.value, g0.minValue.value, g0.maxValue.value], [e0.nullDelays, e0.minDelay, e0.maxDelay]);
    // Truncated string statistics say so.
    const odd = (await api(server, 'GET', '/v1/tables/odd/stats')).json();
    const label = odd.columns.find((c: any) => c.name === 'label');
    assert.equal(label.maxValue.exact, false);
    assert.equal(label.minValue.exact, true);
    // Time travel.
    const old = (await api(server, 'GET', '/v1/tables/flights/stats?version=1')).json();
    assert.equal(old.table.rowCount.value, 300);
    assert.equal(old.rowGroups.length, 1);
  });

  test('/versions lists the history; ?version=N cuts it; bad versions are 400, unknown ones 404', async () => {
    let r = await api(server, 'GET', '/v1/tables/flights/versions');
    assert.deepEqual(
      r.json().versions.map((v: any) => [v.version, v.operation, v.rowsAdded, v.rowCount]),
      [
        [1, 'create', 300, 300],
        [2, 'append', 200, 500],
      ],
    );
    for (const v of r.json().versions) assert.ok(!Number.isNaN(Date.parse(v.time)));
    r = await api(server, 'GET', '/v1/tables/flights/versions?version=1');
    assert.equal(r.json().versions.length, 1);
    for (const bad of ['0', '-1', 'x', '1.5', '99999999999999999']) {
      r = await api(server, 'GET', `/v1/tables/flights?version=${bad}`);
      assertProblem(r, 400, r.json());
      assert.equal(r.json().parameter, 'version');
    }
    for (const path of [
      '/v1/tables/flights?version=3',
      '/v1/tables/flights/stats?version=3',
      '/v1/tables/flights/versions?version=3',
      '/v1/tables/nope/stats',
    ]) {
      r = await api(server, 'GET', path);
      assertProblem(r, 404, r.json());
    }
  });
});
