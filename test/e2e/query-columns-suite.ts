// The end-to-end column-summary suite, run against the real server on any storage setup (see
// query-columns.test.ts: local folder + SQLite; query-columns-s3-pg.test.ts: object storage +
// PostgreSQL): histograms of int, float, date, timestamp and int64 columns and distinct values with
// counts, compared with DuckDB over the same CSV files; filters, time travel, pruning headers,
// ETag/304 and the 400/404 problems.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, type Server } from '../support/server.js';
import { setUpTrips, tearDownTrips, type Oracle } from './query-data.js';
import type { Backend } from './backends.js';

// A create of two row groups (131072 + 8928 rows) and an append of one.
const RANGES: Array<[number, number]> = [
  [0, 140_000],
  [140_000, 3000],
];

/** Registers the column-summary suite: one server on `backend`, the trips table uploaded once. */
export function queryColumnsSuite(backend: Backend): void {
  describe(`end-to-end column summaries: ${backend.name}`, () => {
    let server: Server;
    let dir: string;
    let oracle: Oracle;

    before(async () => {
      ({ server, dir, oracle } = await setUpTrips(backend, RANGES));
    });

    after(() => tearDownTrips(backend, { server, dir, oracle }));

    async function get(path: string, args: string[] = []) {
      const r = await api(server, 'GET', `/v1/tables/trips/columns/${path}`, args);
      return { r, body: r.status === 304 ? null : r.json() };
    }

    /** DuckDB counts per bin index, as a dense array of `bins` entries. */
    async function duckBins(expr: string, bins: number, where = 'true'): Promise<number[]> {
      const r = await oracle.conn.runAndReadAll(
        `SELECT (${expr})::BIGINT AS k, count(*)::INTEGER AS n FROM trips WHERE ${where} GROUP BY k`,
      );
      const out = new Array<number>(bins).fill(0);
      for (const [k, n] of r.getRows()) if (k !== null) out[Number(k)] = Number(n);
      return out;
    }

    async function num(sql: string): Promise<number> {
      return Number(await oracle.scalar(sql));
    }

    test('histogram of an int column: whole-number bins over the statistics range, as DuckDB', async () => {
      const { r, body } = await get('delay/histogram?bins=10');
      assert.equal(r.status, 200);
      assert.equal(r.headers['ncf-table-version'], '2');
      assert.equal(r.headers['ncf-row-groups'], '3/3');
      const lo = await num('SELECT min(delay) FROM trips'),
        hi = await num('SELECT max(delay) FROM trips');
      const width = Math.ceil((hi - lo + 1) / 10);
      assert.equal(body.min, lo);
      assert.equal(body.max, hi);
      assert.deepEqual(
        body.bins.map((b: any) => [b.lower, b.upper]),
        Array.from({ length: 10 }, (_, k) => [lo + k * width, lo + (k + 1) * width]),
      );
      assert.deepEqual(
        body.bins.map((b: any) => b.count),
        await duckBins(`floor((delay - ${lo}) / ${width})`, 10, 'delay IS NOT NULL'),
      );
      assert.equal(body.nulls, await num('SELECT count(*) FROM trips WHERE delay IS NULL'));
      assert.equal(body.count, await num('SELECT count(delay) FROM trips'));
      assert.equal(body.nans, undefined);
    });

    test('histogram of a float column; filters narrow the rows counted', async () => {
      for (const [query, where] of [
        ['', 'true'],
        ['&origin=eq.SFO', "origin = 'SFO'"],
      ] as const) {
        const { body } = await get(`score/histogram?bins=7${query}`);
        const lo = await num('SELECT min(score) FROM trips'),
          hi = await num('SELECT max(score) FROM trips');
        const width = (hi - lo) / 7;
        assert.equal(body.min, lo);
        assert.equal(body.max, hi);
        assert.equal(body.bins.length, 7);
        assert.equal(body.bins[6].upper, hi);
        assert.deepEqual(
          body.bins.map((b: any) => b.count),
          await duckBins(`least(floor((score - ${lo}::DOUBLE) / ${width}::DOUBLE), 6)`, 7, `score IS NOT NULL AND ${where}`),
          query,
        );
        assert.equal(body.nulls, await num(`SELECT count(*) FROM trips WHERE score IS NULL AND ${where}`));
        assert.deepEqual([body.nans, body.negativeInfinity, body.positiveInfinity], [0, 0, 0]);
      }
    });

    test('histogram of a date column has date edges', async () => {
      const { body } = await get('day/histogram?bins=12');
      assert.equal(body.min, '2024-01-01');
      assert.equal(body.max, '2024-12-31');
      // 366 days in bins of ceil(366 / 12) = 31 days.
      assert.equal(body.bins.length, 12);
      assert.equal(body.bins[0].lower, '2024-01-01');
      assert.equal(body.bins[1].lower, '2024-02-01');
      assert.deepEqual(
        body.bins.map((b: any) => b.count),
        await duckBins(`floor((day - DATE '2024-01-01') / 31)`, 12),
      );
    });

    test('histogram of a timestamp column under a filter: pruned row groups, ISO edges', async () => {
      const { r, body } = await get('ts/histogram?bins=5&id=lt.1000');
      assert.equal(r.headers['ncf-row-groups'], '1/3');
      // The range is the statistics of the one row group kept: ids 0..131071, one second apart.
      // A zoned microsecond column: six fraction digits, then Z (docs/QUERY.md, "Value text").
      assert.equal(body.min, '2024-03-01T00:00:00.000000Z');
      assert.equal(body.max, new Date(Date.UTC(2024, 2, 1) + 131_071_000).toISOString().replace('Z', '000Z'));
      const widthUs = Math.ceil((131_071 * 1e6 + 1) / 5);
      const edgeUs = BigInt(Date.UTC(2024, 2, 1)) * 1000n + BigInt(widthUs);
      const us = Number(edgeUs % 1000n);
      assert.equal(body.bins[1].lower, new Date(Number(edgeUs / 1000n)).toISOString().replace('Z', `${String(us).padStart(3, '0')}Z`));
      assert.deepEqual(
        body.bins.map((b: any) => b.count),
        [1000, 0, 0, 0, 0],
      );
      assert.equal(body.count, 1000);
    });

    test('histogram of an int64 column beyond 2^53: edges as strings, counts as DuckDB', async () => {
      const { body } = await get('big/histogram?bins=4');
      const lo = 9007199254740993n,
        hi = lo + 142_999n;
      const width = (hi - lo + 1n + 3n) / 4n;
      assert.equal(body.min, String(lo));
      assert.equal(body.max, String(hi));
      assert.deepEqual(
        body.bins.map((b: any) => b.lower),
        [0n, 1n, 2n, 3n].map((k) => String(lo + k * width)),
      );
      assert.deepEqual(
        body.bins.map((b: any) => b.count),
        await duckBins(`(big - ${lo}) // ${width}`, 4),
      );
    });

    test('distinct values with counts, most frequent first, ties by value — as DuckDB GROUP BY', async () => {
      const duck = async (col: string, expr: string, where = 'true', limit = 10_000) => {
        const r = await oracle.conn.runAndReadAll(
          `SELECT ${expr} AS v, count(*)::INTEGER AS n FROM trips WHERE ${where} GROUP BY ${col} ORDER BY n DESC, ${col} ASC NULLS LAST LIMIT ${limit}`,
        );
        return r.getRows().map(([v, n]) => ({ value: v, count: Number(n) }));
      };
      const origin = await get('origin/distinct');
      assert.deepEqual(origin.body.values, await duck('origin', 'origin'));
      assert.equal(origin.body.distinctCount, 6);
      assert.equal(origin.body.rowCount, 143_000);
      assert.equal(origin.body.truncated, false);
      const top3 = await get('origin/distinct?limit=3');
      assert.deepEqual(top3.body.values, await duck('origin', 'origin', 'true', 3));
      assert.equal(top3.body.truncated, true);

      const delay = await get('delay/distinct?limit=10000&id=lt.5000');
      assert.equal(delay.r.headers['ncf-row-groups'], '1/3');
      assert.deepEqual(delay.body.values, await duck('delay', 'delay', 'id < 5000'));
      assert.ok(
        delay.body.values.some((v: any) => v.value === null),
        'null is counted as a value',
      );
      assert.equal(delay.body.rowCount, 5000);

      const big = await get('big/distinct?limit=5&id=gte.142990');
      assert.deepEqual(big.body.values, await duck('big', 'big::VARCHAR', 'id >= 142990', 5));
      const day = await get('day/distinct?limit=4');
      assert.deepEqual(day.body.values, await duck('day', `strftime(day, '%Y-%m-%d')`, 'true', 4));
      const flag = await get('flag/distinct');
      assert.deepEqual(flag.body.values, await duck('flag', 'flag'));
      const score = await get('score/distinct?limit=50');
      assert.deepEqual(score.body.values, await duck('score', 'score', 'true', 50));
    });

    test('time travel, ETag and 304 on column summaries', async () => {
      const v1 = await get('origin/distinct?version=1');
      assert.equal(v1.r.headers['ncf-table-version'], '1');
      assert.equal(v1.body.rowCount, 140_000);
      const etag = v1.r.headers.etag!;
      const again = await get('origin/distinct?version=1', ['-H', `If-None-Match: ${etag}`]);
      assert.equal(again.r.status, 304);
      assert.notEqual((await get('origin/distinct')).r.headers.etag, etag);
      const h = await get('delay/histogram?bins=3');
      assert.equal((await get('delay/histogram?bins=3', ['-H', `If-None-Match: ${h.r.headers.etag}`])).r.status, 304);
      assert.notEqual((await get('delay/histogram?bins=4')).r.headers.etag, h.r.headers.etag);
    });

    test('column summary errors: 400 for bad parameters and non-numeric histograms, 404 for unknown columns', async () => {
      const bad: Array<[string, number, RegExp, string?]> = [
        ['origin/histogram', 400, /^histogram: column "origin" is string; histograms need a numeric, date or timestamp column/],
        ['flag/histogram', 400, /column "flag" is bool/],
        ['delay/histogram?bins=0', 400, /^bins: must be an integer 1\.\.1000, got "0"/, 'bins'],
        ['delay/histogram?bins=x', 400, /^bins: must be an integer/, 'bins'],
        ['delay/distinct?limit=0', 400, /^limit: must be an integer 1\.\.10000/, 'limit'],
        ['delay/distinct?version=0', 400, /^version: must be a positive integer/, 'version'],
        ['delay/distinct?nope=eq.1', 400, /^filter: unknown column "nope"/, 'nope'],
        ['delay/distinct?delay=gt.x', 400, /column "delay" is int32/, 'delay'],
        ['nope/histogram', 404, /^table "trips" has no column "nope"; its columns are "id", "origin"/],
        ['nope/distinct', 404, /has no column "nope"/],
        ['delay/distinct?version=9', 404, /no version 9/],
      ];
      for (const [path, status, detail, parameter] of bad) {
        const { r, body } = await get(path);
        assertProblem(r, status, body);
        assert.match(body.detail, detail, path);
        if (parameter) assert.equal(body.parameter, parameter, path);
      }
      const nope = (await get('nope/distinct')).body;
      assert.deepEqual(nope.columns, ['id', 'origin', 'delay', 'score', 'day', 'ts', 'big', 'flag']);
      const t404 = await api(server, 'GET', '/v1/tables/nosuch/columns/a/distinct');
      assertProblem(t404, 404, t404.json());
    });
  });
}
