// Parquet answers (Accept: application/vnd.apache.parquet or ?format=parquet) from a real server,
// read back by DuckDB and compared value for value, type for type, with the JSON answer to the same
// query: the trips table (CSV-typed: ints, strings, nullable ints and floats, dates, zoned timestamps,
// int64 beyond 2^53, bools) and an Arrow-typed table (int8, uint64, float32, binary, second- and
// nanosecond-unit zone-less timestamps). Also: POST /query, empty answers, headers, 304, 406, and a
// 300k-row answer streamed as several row groups.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as arrow from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection, type DuckDBInstance as Instance } from '@duckdb/node-api';
import { NCFClient } from 'ncf/client';
import { uploadTrips, writeTrips } from './query-data.js';
import { api, assertProblem, type Server, startServer } from '../support/server.js';

const PARQUET = 'application/vnd.apache.parquet';
let server: Server;
let dir: string;
let db: Instance;
let conn: DuckDBConnection;
let client: NCFClient;
let files = 0;

before(async () => {
  server = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'ncf-parquet-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  client = new NCFClient({ baseUrl: server.url });
  await uploadTrips(
    server,
    'trips',
    await writeTrips(dir, [
      [0, 2000],
      [2000, 1000],
    ]),
  );
  const n = 600;
  const i8 = new Int8Array(n),
    u64 = new BigUint64Array(n),
    f32 = new Float32Array(n);
  const bins: Array<Uint8Array | null> = [],
    secs: Array<number | null> = [],
    nanos: Array<number | null> = [];
  for (let i = 0; i < n; i++) {
    i8[i] = (i % 256) - 128;
    u64[i] = 18446744073709551615n - BigInt(i);
    f32[i] = i / 8;
    bins.push(i % 7 === 0 ? null : Uint8Array.from([i & 255, 7, 0]));
    secs.push(i % 5 === 0 ? null : Date.UTC(2020, 0, 1) + i * 86_401_000);
    nanos.push(i % 3 === 0 ? null : Date.UTC(1999, 11, 31) + i * 1234);
  }
  const typed = new arrow.Table({
    i8: arrow.makeVector(i8),
    u64: arrow.makeVector(u64),
    f32: arrow.makeVector(f32),
    bin: arrow.vectorFromArray(bins, new arrow.Binary()),
    ts_s: arrow.vectorFromArray(secs, new arrow.Timestamp(arrow.TimeUnit.SECOND)),
    ts_ns: arrow.vectorFromArray(nanos, new arrow.Timestamp(arrow.TimeUnit.NANOSECOND)),
  });
  await client.create('typed', typed);
});

after(async () => {
  conn?.closeSync();
  db?.closeSync();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function save(bytes: Buffer): Promise<string> {
  const path = join(dir, `answer-${files++}.parquet`);
  await writeFile(path, bytes);
  return path;
}

/** DuckDB's column types of a Parquet file. */
async function duckTypes(path: string): Promise<Record<string, string>> {
  const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return Object.fromEntries(r.getRowObjectsJS().map((o) => [o.column_name as string, o.column_type as string]));
}

/** Fraction digits of our JSON text per DuckDB timestamp type (the stored unit: us unless the
 *  type says otherwise); a second-unit column is exported as milliseconds (Parquet has no seconds),
 *  so its unit is named here by column. */
const FRACTION: Record<string, string> = { TIMESTAMP_NS: '.%n', TIMESTAMP_MS: '.%g', TIMESTAMP_S: '' };
const SECOND_COLUMNS = new Set(['ts_s']);

/** The expression that renders a column of DuckDB type `type` the way our JSON answer does. */
function asJson(column: string, type: string): string {
  const c = `"${column}"`;
  if (type === 'DATE') return `strftime(${c}, '%Y-%m-%d')`;
  // Zoned columns end in Z, zone-less ones do not; the fraction has exactly the unit's digits.
  if (type === 'TIMESTAMP WITH TIME ZONE') return `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')`;
  if (type.startsWith('TIMESTAMP')) {
    const frac = SECOND_COLUMNS.has(column) ? '' : (FRACTION[type] ?? '.%f');
    return `strftime(${c}, '%Y-%m-%dT%H:%M:%S${frac}')`;
  }
  if (type === 'BLOB') return `to_base64(${c})`;
  if (type === 'BIGINT' || type === 'UBIGINT') {
    // JSON keeps 64-bit integers beyond ±2^53 as strings.
    return `CASE WHEN abs(${c}::HUGEINT) > 9007199254740991 THEN ${c}::VARCHAR END`;
  }
  return c;
}

/** The Parquet file's rows as our JSON answer renders them. */
async function duckRows(path: string): Promise<Array<Record<string, unknown>>> {
  const types = await duckTypes(path);
  const cols = Object.entries(types).map(([name, type]) => {
    const big = type === 'BIGINT' || type === 'UBIGINT';
    return big ? `coalesce(${asJson(name, type)}, "${name}"::DOUBLE::VARCHAR) AS "${name}"` : `${asJson(name, type)} AS "${name}"`;
  });
  const r = await conn.runAndReadAll(`SELECT ${cols.join(', ')} FROM read_parquet('${path}')`);
  return r.getRowObjectsJS().map((o) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const t = types[k]!;
      // Safe 64-bit integers came back as text of a double: JSON has them as numbers.
      out[k] =
        (t === 'BIGINT' || t === 'UBIGINT') &&
        typeof v === 'string' &&
        /^-?\d+(\.0)?$/.test(v) &&
        Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER
          ? Number(v)
          : v;
    }
    return out;
  });
}

async function jsonRows(path: string, args: string[] = []): Promise<Array<Record<string, unknown>>> {
  const r = await api(server, args.includes('-d') ? 'POST' : 'GET', path, args);
  assert.equal(r.status, 200, r.text);
  const doc = r.json();
  assert.equal(doc.next, null, 'the whole answer fits one JSON page');
  return doc.rows;
}

test('GET /rows as Parquet: DuckDB reads every type of the trips table, equal to the JSON answer', async () => {
  const r = await api(server, 'GET', '/v1/tables/trips/rows', ['-H', `Accept: ${PARQUET}`, '-H', 'Accept-Encoding: gzip, br']);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['content-type'], PARQUET);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="trips-v2.parquet"');
  assert.equal(r.headers['content-encoding'], undefined, 'zstd pages are not compressed again');
  assert.equal(r.headers['ncf-table-version'], '2');
  const path = await save(r.body);
  assert.deepEqual(await duckTypes(path), {
    id: 'INTEGER',
    origin: 'VARCHAR',
    delay: 'INTEGER',
    score: 'DOUBLE',
    day: 'DATE',
    ts: 'TIMESTAMP WITH TIME ZONE',
    big: 'BIGINT',
    flag: 'BOOLEAN',
  });
  const duck = await duckRows(path);
  const json = await jsonRows('/v1/tables/trips/rows');
  assert.equal(duck.length, 3000);
  assert.deepEqual(duck, json);
  assert.ok(duck.some((row) => row.delay === null) && duck.some((row) => row.score === null), 'nulls are in the data');
  const meta = await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
  assert.deepEqual(
    meta.getRows().map((x) => x[0]),
    ['ZSTD'],
  );
});

test('Arrow-typed columns (int8, uint64, float32, binary, second and nanosecond timestamps) keep their types', async () => {
  const r = await api(server, 'GET', '/v1/tables/typed/rows?format=parquet');
  assert.equal(r.status, 200, r.text);
  const path = await save(r.body);
  assert.deepEqual(await duckTypes(path), {
    i8: 'TINYINT',
    u64: 'UBIGINT',
    f32: 'FLOAT',
    bin: 'BLOB',
    ts_s: 'TIMESTAMP',
    ts_ns: 'TIMESTAMP_NS',
  });
  const duck = await duckRows(path);
  assert.equal(duck.length, 600);
  assert.deepEqual(duck, await jsonRows('/v1/tables/typed/rows'));
  assert.deepEqual(duck[1], {
    i8: -127,
    u64: '18446744073709551614',
    f32: 0.125,
    bin: 'AQcA',
    ts_s: '2020-01-02T00:00:01',
    ts_ns: '1999-12-31T00:00:01.234000000',
  });
});

test('POST /query with filters, order, select and limit, as Parquet; ETag revalidation; empty answers', async () => {
  const body = JSON.stringify({
    select: ['ts', 'origin', 'delay', 'big'],
    where: {
      and: [
        { column: 'delay', op: 'gt', value: 100 },
        { column: 'origin', op: 'in', value: ['SFO', 'a,b "q"', 'São Paulo'] },
      ],
    },
    order: [{ column: 'delay', desc: true }, { column: 'ts' }],
    limit: 150,
    offset: 5,
  });
  const args = ['-H', 'content-type: application/json', '-d', body];
  const r = await api(server, 'POST', '/v1/tables/trips/query', [...args, '-H', `Accept: ${PARQUET}`]);
  assert.equal(r.status, 200, r.text);
  const duck = await duckRows(await save(r.body));
  assert.equal(duck.length, 150);
  assert.deepEqual(duck, await jsonRows('/v1/tables/trips/query', args));

  const again = await api(server, 'POST', '/v1/tables/trips/query?format=parquet', [...args, '-H', `If-None-Match: ${r.headers.etag}`]);
  assert.equal(again.status, 304);
  const json = await api(server, 'POST', '/v1/tables/trips/query', args);
  assert.notEqual(json.headers.etag, r.headers.etag, 'the ETag names the format');

  const empty = await api(server, 'GET', '/v1/tables/trips/rows?select=id,day&delay=gt.100000&format=parquet');
  assert.equal(empty.status, 200);
  const emptyPath = await save(empty.body);
  assert.deepEqual(await duckTypes(emptyPath), { id: 'INTEGER', day: 'DATE' });
  assert.deepEqual(await duckRows(emptyPath), []);
});

test('406 lists Parquet among the offers; a version-pinned answer gets the versioned Cache-Control', async () => {
  const r = await api(server, 'GET', '/v1/tables/trips/rows?limit=1', ['-H', 'Accept: application/xml']);
  assertProblem(r, 406, r.json());
  assert.ok(r.json().offered.includes(PARQUET), r.text);
  assert.match(r.json().detail, /application\/vnd\.apache\.parquet \(format=parquet\)/);
  const pinned = await api(server, 'GET', '/v1/tables/trips/rows?version=1&format=parquet');
  assert.equal(pinned.headers['cache-control'], 'private, max-age=3600');
  assert.equal(pinned.headers['content-disposition'], 'attachment; filename="trips-v1.parquet"');
  const current = await api(server, 'GET', '/v1/tables/trips/rows?format=parquet&limit=1');
  assert.equal(current.headers['cache-control'], 'private, no-cache');
});

test('a 300k-row answer streams as row groups of 122,880 rows', async (t) => {
  const n = 300_000;
  async function* csv(): AsyncGenerator<string> {
    yield 'id,label\n';
    for (let i = 0; i < n; i += 10_000) {
      let s = '';
      for (let j = i; j < i + 10_000; j++) s += `${j},row ${j % 1000}\n`;
      yield s;
    }
  }
  await client.create('many', csv(), { format: 'csv' });
  const t0 = performance.now();
  const r = await api(server, 'GET', '/v1/tables/many/rows', ['-H', `Accept: ${PARQUET}`]);
  const ms = performance.now() - t0;
  assert.equal(r.status, 200);
  assert.equal(r.headers['transfer-encoding'], 'chunked', 'streamed, not buffered to learn its length');
  const path = await save(r.body);
  const groups = await conn.runAndReadAll(
    `SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('${path}') GROUP BY 1 ORDER BY 1`,
  );
  assert.deepEqual(
    groups.getRows().map((x) => Number(x[1])),
    [122_880, 122_880, 54_240],
  );
  const sums = await conn.runAndReadAll(`SELECT count(*), sum(id), count(DISTINCT label) FROM read_parquet('${path}')`);
  assert.deepEqual(sums.getRows()[0]!.map(Number), [n, (n * (n - 1)) / 2, 1000]);
  t.diagnostic(`${n} rows as Parquet: ${Math.round(ms)} ms, ${r.body.length} bytes`);
});
