// The end-to-end query suite, run against the real server process on any storage setup (see
// query.test.ts: local folder + SQLite; query-s3-pg.test.ts: object storage + PostgreSQL): filters of
// every operator compared with DuckDB over the same CSV files, pruning visible in NCF-Row-Groups,
// projection, order, paging by `next` links (no row lost or duplicated, stable while the table
// changes), time travel, Arrow read by apache-arrow and flechette, gzip/br, ETag/304, 406, and the
// 400/404 problems. The assertions are the same whatever the backend (backends.ts): storage must not
// show.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import * as arrow from 'apache-arrow';
import { tableFromIPC } from '@uwdata/flechette';
import type { Backend } from './backends.js';
import { api, assertProblem, curl, req, type Server } from '../support/server.js';
import { ALL_COLUMNS, ndjson, setUpTrips, tearDownTrips, tripsCsv, uploadTrips, type Oracle } from './query-data.js';

// One create (3 row groups of the default 131072 rows) and three appends (one row group each).
const RANGES: Array<[number, number]> = [
  [0, 270_000],
  [270_000, 2000],
  [272_000, 2000],
  [274_000, 2000],
];
const GROUPS: Array<[number, number]> = [
  [0, 131_071],
  [131_072, 262_143],
  [262_144, 269_999],
  [270_000, 271_999],
  [272_000, 273_999],
  [274_000, 275_999],
];
const TOTAL_ROWS = 276_000;
const PAGE = 1000;

/** Registers the query suite: one server on `backend`, the trips table uploaded once. */
export function querySuite(backend: Backend): void {
  describe(`end-to-end queries: ${backend.name}`, () => {
    let server: Server;
    let dir: string;
    let oracle: Oracle;

    before(async () => {
      ({ server, dir, oracle } = await setUpTrips(backend, RANGES, { NCF_MAX_RESPONSE_ROWS: String(PAGE) }));
    });

    after(() => tearDownTrips(backend, { server, dir, oracle }));

    test(`the table is stored in ${backend.name}, and nowhere else`, async () => {
      await backend.assertStoredHere(server, 'trips');
    });

    /** Row groups whose id range meets [lo, hi]. */
    function groupsMeeting(lo: number, hi: number): number {
      return GROUPS.filter(([a, b]) => b >= lo && a <= hi).length;
    }

    async function getRows(query: string, headers: Record<string, string> = {}) {
      const r = await req(server, 'GET', `/v1/tables/trips/rows?${query}`, { headers: { accept: 'application/x-ndjson', ...headers } });
      const text = await r.text();
      assert.equal(r.status, 200, text);
      return { r, rows: ndjson(text) };
    }

    // [query string, DuckDB WHERE, expected scanned row groups or null when statistics cannot prune]
    const FILTERS: Array<[string, string, number | null]> = [
      ['id=eq.5', 'id = 5', 1],
      ['id=neq.5&id=lt.100', 'id <> 5 AND id < 100', 1],
      ['id=gt.268000', 'id > 268000', groupsMeeting(268_001, Infinity)],
      ['id=gte.270000&id=lt.272000', 'id >= 270000 AND id < 272000', 1],
      ['id=lt.10', 'id < 10', 1],
      ['id=lte.131072', 'id <= 131072', 2],
      ['id=in.(1,270001,275999)', 'id IN (1, 270001, 275999)', 3],
      ['id=not.in.(1,2,3)&id=lt.20', 'id NOT IN (1, 2, 3) AND id < 20', 1],
      ['origin=eq.SFO&id=lt.1000', "origin = 'SFO' AND id < 1000", 1],
      [`origin=eq.${encodeURIComponent('a,b "q"')}&id=gte.274000`, `origin = 'a,b "q"' AND id >= 274000`, 1],
      ['origin=like.S*&id=gt.273000', "origin LIKE 'S%' AND id > 273000", 2],
      [`origin=ilike.*${encodeURIComponent('PAULO')}*&id=lt.500`, "origin ILIKE '%paulo%' AND id < 500", 1],
      ['origin=in.(SFO,LAX)&id=gte.275000', "origin IN ('SFO', 'LAX') AND id >= 275000", 1],
      ['delay=is.null&id=gte.270000', 'delay IS NULL AND id >= 270000', 3],
      ['delay=not.is.null&id=lt.50', 'delay IS NOT NULL AND id < 50', 1],
      ['flag=is.true&id=lt.30', 'flag IS TRUE AND id < 30', 1],
      ['or=(delay.lt.-45,delay.gt.145)&id=lt.2000', '(delay < -45 OR delay > 145) AND id < 2000', 1],
      ['not.and=(id.gte.10,id.lt.275990)', 'NOT (id >= 10 AND id < 275990)', 2],
      ['day=gte.2024-12-30&id=lt.3000', "day >= DATE '2024-12-30' AND id < 3000", 1],
      ['ts=lt.2024-03-01T00:00:30Z', "ts < TIMESTAMPTZ '2024-03-01 00:00:30+00'", 1],
      ['big=gt.9007199254741000&big=lt.9007199254741010', 'big > 9007199254741000 AND big < 9007199254741010', 1],
      ['score=gte.124.5&id=lt.5000', 'score >= 124.5 AND id < 5000', 1],
      ['delay=gt.1000', 'delay > 1000', 0],
    ];

    test('filters of every operator match DuckDB; NCF-Row-Groups shows the pruning', async () => {
      for (const [query, where, scanned] of FILTERS) {
        const { r, rows } = await getRows(query);
        const [got, total] = r.headers.get('ncf-row-groups')!.split('/').map(Number);
        assert.equal(total, GROUPS.length, query);
        if (scanned !== null) assert.equal(got, scanned, `${query}: NCF-Row-Groups ${got}/${total}`);
        assert.equal(r.headers.get('ncf-table-version'), '4');
        assert.deepEqual(rows, await oracle.rows(ALL_COLUMNS, where), query);
      }
    });

    test('projection: columns in the asked order in JSON, CSV and Arrow', async () => {
      const json = (await (await req(server, 'GET', '/v1/tables/trips/rows?select=big,id,day&id=lt.3')).json()) as any;
      assert.deepEqual(json.columns, [
        { name: 'big', type: 'int64' },
        { name: 'id', type: 'int32' },
        { name: 'day', type: 'date' },
      ]);
      assert.deepEqual(json.rows, await oracle.rows(['big', 'id', 'day'], 'id < 3'));
      assert.deepEqual(Object.keys(json.rows[0]), ['big', 'id', 'day']);
      const csv = await api(server, 'GET', '/v1/tables/trips/rows?select=origin,id&id=in.(4,5)&format=csv');
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8; header=present');
      assert.equal(csv.text, 'origin,id\r\n"São Paulo",4\r\n"a,b ""q""",5\r\n'.replace('"São Paulo"', 'São Paulo'));
      const bytes = (
        await api(server, 'GET', '/v1/tables/trips/rows?select=flag,score&id=lt.10', ['-H', 'Accept: application/vnd.apache.arrow.stream'])
      ).body;
      assert.deepEqual(
        arrow.tableFromIPC(bytes).schema.fields.map((f) => f.name),
        ['flag', 'score'],
      );
    });

    test('order: top-K with a limit and a full sort, nulls placement, strings by bytes — as DuckDB', async () => {
      const cases: Array<[string, string, string, number?, number?]> = [
        ['order=delay.desc.nullslast,id&limit=50', '', 'delay DESC NULLS LAST, id', 50],
        ['order=delay.desc,id&limit=20&offset=30', '', 'delay DESC NULLS FIRST, id', 20, 30],
        ['order=score.nullsfirst,id.desc&limit=40', '', 'score ASC NULLS FIRST, id DESC', 40],
        ['order=origin.desc,id&limit=15&id=gte.270000', 'id >= 270000', 'origin DESC, id', 15],
        ['order=big.desc&limit=5', '', 'big DESC', 5],
        ['order=day,ts.desc&id=lt.5000', 'id < 5000', 'day ASC, ts DESC'],
        ['order=score,id&origin=eq.JFK&id=gte.200000', "origin = 'JFK' AND id >= 200000", 'score ASC NULLS LAST, id'],
      ];
      for (const [query, where, orderBy, limit, offset] of cases) {
        const { rows } = await getRows(`select=id,delay,score,origin,big,day,ts&${query}`);
        assert.deepEqual(
          rows,
          await oracle.rows(['id', 'delay', 'score', 'origin', 'big', 'day', 'ts'], where || undefined, orderBy, limit, offset),
          query,
        );
      }
    });

    test('order without a limit: the whole table sorted, streamed as NDJSON, as DuckDB', async () => {
      const { rows } = await getRows('select=id,score&order=score.desc,id', { 'accept-encoding': 'identity' });
      assert.equal(rows.length, TOTAL_ROWS);
      assert.deepEqual(rows, await oracle.rows(['id', 'score'], undefined, 'score DESC NULLS FIRST, id'));
    });

    test('paging by next links: no row lost or duplicated (GET and POST)', async () => {
      const want = (await oracle.rows(['id'], 'delay > 100 OR delay IS NULL')).map((r) => r.id);
      assert.ok(want.length > 5 * PAGE);
      const seen: unknown[] = [];
      let next: string | null = '/v1/tables/trips/rows?select=id&or=(delay.gt.100,delay.is.null)';
      let pages = 0;
      while (next !== null) {
        const doc = (await (await req(server, 'GET', next)).json()) as any;
        assert.ok(doc.rowCount <= PAGE);
        assert.equal(doc.rows.length, doc.rowCount);
        seen.push(...doc.rows.map((r: any) => r.id));
        next = doc.next;
        if (next !== null) assert.match(next, /[?&]version=4(&|$)/);
        pages++;
      }
      assert.equal(pages, Math.ceil(want.length / PAGE));
      assert.deepEqual(seen, want);

      // POST: the same body to each next link; a limit spanning several pages is honoured exactly.
      const body = JSON.stringify({ select: ['id'], where: { column: 'delay', op: 'lt', value: -40 }, order: 'id.desc', limit: 2500 });
      const wantPost = (await oracle.rows(['id'], 'delay < -40', 'id DESC', 2500)).map((r) => r.id);
      const got: unknown[] = [];
      let link: string | null = '/v1/tables/trips/query';
      while (link !== null) {
        const doc = (await (await req(server, 'POST', link, { body, headers: { 'content-type': 'application/json' } })).json()) as any;
        got.push(...doc.rows.map((r: any) => r.id));
        link = doc.next;
      }
      assert.deepEqual(got, wantPost);
    });

    test('JSON: int64 beyond 2^53 as strings, dates, timestamps ISO 8601', async () => {
      const doc = (await (await req(server, 'GET', '/v1/tables/trips/rows?id=eq.17')).json()) as any;
      assert.deepEqual(doc.rows, [
        {
          id: 17,
          origin: 'a,b "q"',
          delay: 69,
          score: null,
          day: '2024-01-18',
          ts: '2024-03-01T00:00:17.000000Z',
          big: '9007199254741010',
          flag: false,
        },
      ]);
      assert.equal(doc.rowCount, 1);
      assert.equal(doc.next, null);
    });

    test('Arrow: the whole table streams, read by apache-arrow and by flechette, sums as DuckDB', async () => {
      const t0 = Date.now();
      const r = await curl([
        `${server.url}/v1/tables/trips/rows?select=id,delay,score,big`,
        '-H',
        'Accept: application/vnd.apache.arrow.stream',
      ]);
      const ms = Date.now() - t0;
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/vnd.apache.arrow.stream');
      assert.equal(r.headers['ncf-row-groups'], `${GROUPS.length}/${GROUPS.length}`);
      const a = arrow.tableFromIPC(r.body);
      const f = tableFromIPC(r.body, { useBigInt: true });
      assert.equal(a.numRows, TOTAL_ROWS);
      assert.equal(f.numRows, TOTAL_ROWS);
      const delaySum = Number(await oracle.scalar('SELECT sum(delay) FROM trips'));
      let sumA = 0,
        sumF = 0,
        nullsF = 0;
      const da = a.getChild('delay')!,
        df = f.getChild('delay');
      for (let i = 0; i < TOTAL_ROWS; i++) {
        const x = da.get(i),
          y = df.at(i);
        if (x !== null) sumA += x;
        if (y === null) nullsF++;
        else sumF += y as number;
      }
      assert.equal(sumA, delaySum);
      assert.equal(sumF, delaySum);
      assert.equal(nullsF, Number(await oracle.scalar('SELECT count(*) FROM trips WHERE delay IS NULL')));
      assert.equal(f.getChild('big').at(TOTAL_ROWS - 1), 9007199254740993n + BigInt(TOTAL_ROWS - 1));
      assert.equal(a.getChild('id')!.get(123_456), 123_456);
      process.stdout.write(`# arrow stream of ${TOTAL_ROWS} rows x 4 columns via curl: ${ms} ms\n`);

      const empty = await api(server, 'GET', '/v1/tables/trips/rows?id=lt.0&select=id,origin&format=arrow');
      assert.equal(empty.status, 200);
      assert.deepEqual(
        arrow.tableFromIPC(empty.body).schema.fields.map((x) => x.name),
        ['id', 'origin'],
      );
      assert.equal(tableFromIPC(empty.body).numRows, 0);
    });

    test('Content-Encoding: gzip and br when asked, identical after decompression', async () => {
      const path = '/v1/tables/trips/rows?id=lt.20000&format=ndjson';
      const plain = await api(server, 'GET', path);
      assert.equal(plain.headers['content-encoding'], undefined);
      const gz = await api(server, 'GET', path, ['-H', 'Accept-Encoding: gzip']);
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.ok(gz.body.length < plain.body.length / 3);
      assert.deepEqual(zlib.gunzipSync(gz.body), plain.body);
      const br = await api(server, 'GET', path, ['-H', 'Accept-Encoding: br;q=1, gzip;q=0.5']);
      assert.equal(br.headers['content-encoding'], 'br');
      assert.deepEqual(zlib.brotliDecompressSync(br.body), plain.body);
      assert.match(plain.headers.vary ?? '', /Accept-Encoding/);
      const arrowGz = await api(server, 'GET', '/v1/tables/trips/rows?select=id&format=arrow', ['-H', 'Accept-Encoding: gzip']);
      assert.equal(arrow.tableFromIPC(zlib.gunzipSync(arrowGz.body)).numRows, TOTAL_ROWS);
    });

    test('ETag and If-None-Match: 304 for the same query and version', async () => {
      const path = '/v1/tables/trips/rows?select=id&id=lt.5';
      const a = await api(server, 'GET', path);
      const etag = a.headers.etag!;
      assert.match(etag, /^W\/"4-/);
      assert.equal(
        (await api(server, 'GET', '/v1/tables/trips/rows?id=lt.5&select=id')).headers.etag,
        etag,
        'the same query normalizes the same',
      );
      assert.notEqual((await api(server, 'GET', `${path}&format=csv`)).headers.etag, etag);
      const nm = await api(server, 'GET', path, ['-H', `If-None-Match: ${etag}`]);
      assert.equal(nm.status, 304);
      assert.equal(nm.body.length, 0);
      assert.equal(nm.headers.etag, etag);
      assert.equal(nm.headers['ncf-table-version'], '4');
      assert.equal((await api(server, 'GET', path, ['-H', 'If-None-Match: "nope"'])).status, 200);
      const post = await api(server, 'POST', '/v1/tables/trips/query', [
        '-H',
        'content-type: application/json',
        '-d',
        '{"select":["id"]}',
        '-H',
        'If-None-Match: *',
      ]);
      assert.equal(post.status, 304);
    });

    test('406 for formats not offered, listing the offers', async () => {
      for (const args of [
        ['-H', 'Accept: application/xml'],
        ['-H', 'Accept: application/vnd.apache.arrow.file'],
      ]) {
        const r = await api(server, 'GET', '/v1/tables/trips/rows?limit=1', args);
        assertProblem(r, 406, r.json());
        for (const t of ['application/json', 'application/vnd.apache.arrow.stream', 'application/x-ndjson', 'text/csv'])
          assert.ok(r.json().detail.includes(t));
      }
      const f = await api(server, 'GET', '/v1/tables/trips/rows?format=xml');
      assertProblem(f, 406, f.json());
      assert.equal(f.json().parameter, 'format');
      const ok = await api(server, 'GET', '/v1/tables/trips/rows?limit=1', ['-H', 'Accept: text/html, */*;q=0.1']);
      assert.equal(ok.headers['content-type'], 'application/json; charset=utf-8');
    });

    test('bad queries are 400 naming the parameter; unknown tables and versions 404', async () => {
      const cases: Array<[string, string, RegExp, string?]> = [
        ['select=id,nope', 'select', /^select: unknown column "nope"; the table has "id", "origin"/],
        ['order=nope.desc', 'order', /^order: unknown column "nope"/],
        ['nope=eq.1', 'nope', /^filter: unknown column "nope"; the table has/],
        ['limit=abc', 'limit', /^limit: must be an integer 0\.\.\d+, got "abc"/],
        ['offset=-1', 'offset', /^offset: must be an integer/],
        ['version=zero', 'version', /^version: must be a positive integer/],
        ['delay=gt.abc', 'delay', /column "delay" is int32/],
        ['delay=zz.1', 'delay', /unknown operator "zz"/],
        ['order=id&order=delay', 'order', /^order: given 2 times/],
      ];
      for (const [query, parameter, detail] of cases) {
        const r = await api(server, 'GET', `/v1/tables/trips/rows?${query}`);
        const body = r.json();
        assertProblem(r, 400, body);
        assert.equal(body.parameter, parameter, query);
        assert.match(body.detail, detail, query);
      }
      const unknownSelect = (await api(server, 'GET', '/v1/tables/trips/rows?select=nope')).json();
      assert.deepEqual(unknownSelect.columns, ALL_COLUMNS);
      const post = await api(server, 'POST', '/v1/tables/trips/query', ['-H', 'content-type: application/json', '-d', '{"limit":-1}']);
      assertProblem(post, 400, post.json());
      assert.match(post.json().detail, /^limit: must be an integer/);
      const t404 = await api(server, 'GET', '/v1/tables/nosuch/rows');
      assertProblem(t404, 404, t404.json());
      assert.match(t404.json().detail, /nosuch/);
      const v404 = await api(server, 'GET', '/v1/tables/trips/rows?version=99');
      assertProblem(v404, 404, v404.json());
      assert.match(v404.json().detail, /no version 99/);
      const bad = await api(server, 'GET', '/v1/tables/bad-name/rows');
      assertProblem(bad, 400, bad.json());
    });

    test('time travel: ?version=N reads the table as it stood; paging stays on the pinned version while appends land', async () => {
      const v1 = await getRows('select=id&id=gte.269990&version=1');
      assert.equal(v1.r.headers.get('ncf-table-version'), '1');
      assert.equal(v1.r.headers.get('ncf-row-groups'), '1/3');
      assert.deepEqual(
        v1.rows.map((r) => r.id),
        Array.from({ length: 10 }, (_, k) => 269_990 + k),
      );
      const v2 = await getRows('select=id&id=gte.269990&version=2');
      assert.equal(v2.rows.length, 10 + 2000);

      // A separate table, appended to between pages: the next links keep reading version 1.
      const pDir = await mkdtemp(join(tmpdir(), 'ncf-e2e-paging-'));
      try {
        const first = join(pDir, 'a.csv');
        await writeFile(first, tripsCsv(0, 2500));
        await uploadTrips(server, 'paged', [first]);
        let doc = (await (await req(server, 'GET', '/v1/tables/paged/rows?select=id')).json()) as any;
        const ids = doc.rows.map((r: any) => r.id);
        const extra = join(pDir, 'b.csv');
        await writeFile(extra, tripsCsv(2500, 700));
        const append = await api(server, 'POST', '/v1/tables/paged/rows', ['-F', `file=@${extra}`]);
        assert.ok(append.status === 200 || append.status === 201, append.text);
        const etagBefore = (await api(server, 'GET', '/v1/tables/paged/rows?select=id&version=1')).headers.etag;
        while (doc.next !== null) {
          doc = (await (await req(server, 'GET', doc.next)).json()) as any;
          ids.push(...doc.rows.map((r: any) => r.id));
        }
        assert.deepEqual(
          ids,
          Array.from({ length: 2500 }, (_, k) => k),
        );
        const now = await api(server, 'GET', '/v1/tables/paged/rows?select=id');
        assert.equal(now.headers['ncf-table-version'], '2');
        assert.notEqual(now.headers.etag, etagBefore, 'a new version changes the ETag');
        assert.equal((await api(server, 'GET', '/v1/tables/paged/rows?select=id', ['-H', `If-None-Match: ${etagBefore}`])).status, 200);
      } finally {
        await rm(pDir, { recursive: true, force: true });
      }
    });

    test('a client that disconnects mid-stream does not hurt the server', async () => {
      const ac = new AbortController();
      const r = await fetch(`${server.url}/v1/tables/trips/rows?format=ndjson`, {
        signal: ac.signal,
        headers: { 'accept-encoding': 'identity' },
      });
      const reader = r.body!.getReader();
      await reader.read();
      ac.abort();
      await reader.read().catch(() => {});
      const after = await req(server, 'GET', '/v1/tables/trips/rows?id=eq.1&select=id');
      assert.deepEqual(((await after.json()) as any).rows, [{ id: 1 }]);
    });
  });
}
