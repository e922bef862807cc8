// Real public tables through a real server (issue 12 item 5, issue 15 item 4): files that the
// vega-datasets package ships, uploaded in their source format (CSV, JSON, and a 100k-row Parquet
// slice of flights-3m), then the service's answers — row count, null count per column, a sum, a
// group-by count on a string column and a date-range count — compared with DuckDB reading the same
// source file, the independent oracle. Real data is where inference meets text dates, nulls and
// numbers that look like strings; any disagreement fails here naming the table and column.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { req, startServer, type Server } from '../support/server.js';

const DATA = fileURLToPath(new URL('../../node_modules/vega-datasets/data/', import.meta.url));
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

interface Case {
  name: string;
  /** The file uploaded and read by DuckDB (set in before() for the Parquet slice). */
  file: () => string;
  media: string;
  /** DuckDB's reader of the file. */
  from: (file: string) => string;
  sum: string;
  groupBy: string;
  /** A half-open range on a date or timestamp column: the service's value text and DuckDB's literal. */
  range: { column: string; lo: string; hi: string; sqlLo: string; sqlHi: string };
}

let server: Server;
let duck: DuckDBInstance;
let con: DuckDBConnection;
let work = '';
let flightsSlice = '';
const uploads = new Map<string, { status: number; text: string }>();

const CASES: Case[] = [
  {
    name: 'seattle_weather',
    file: () => join(DATA, 'seattle-weather.csv'),
    media: 'text/csv',
    from: (f) => `read_csv(${lit(f)})`,
    sum: 'precipitation',
    groupBy: 'weather',
    range: { column: 'date', lo: '2013-03-01', hi: '2013-09-15', sqlLo: "DATE '2013-03-01'", sqlHi: "DATE '2013-09-15'" },
  },
  {
    name: 'movies',
    file: () => join(DATA, 'movies.json'),
    media: 'application/json',
    from: (f) => `read_json(${lit(f)})`,
    sum: 'Worldwide Gross',
    groupBy: 'MPAA Rating',
    // Release dates are text ("Jun 12 1998"), so the range is on the only date-like column there is
    // not: a numeric range stands in (IMDB votes), still a filter count against the oracle.
    range: { column: 'IMDB Votes', lo: '1000', hi: '50000', sqlLo: '1000', sqlHi: '50000' },
  },
  {
    name: 'flights',
    file: () => flightsSlice,
    media: 'application/vnd.apache.parquet',
    from: (f) => `read_parquet(${lit(f)})`,
    sum: 'delay',
    groupBy: 'origin',
    range: {
      column: 'date',
      lo: '2001-01-03T06:00:00',
      hi: '2001-01-05T12:30:00',
      sqlLo: "TIMESTAMP '2001-01-03 06:00:00'",
      sqlHi: "TIMESTAMP '2001-01-05 12:30:00'",
    },
  },
];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'ncf-e2e-real-'));
  duck = await DuckDBInstance.create(':memory:');
  con = await duck.connect();
  await con.run('SET threads = 1');
  // The first 100k rows of flights-3m (file order is date order), as a Parquet file of their own.
  flightsSlice = join(work, 'flights-100k.parquet');
  await con.run(
    `COPY (SELECT * FROM read_parquet(${lit(join(DATA, 'flights-3m.parquet'))}) LIMIT 100000) TO ${lit(flightsSlice)} (FORMAT parquet)`,
  );
  server = await startServer();
  // The three uploads run at once (their answers are checked in each table's first test).
  await Promise.all(
    CASES.map(async (c) => {
      const r = await req(server, 'POST', `/v1/tables/${c.name}`, { body: await readFile(c.file()), headers: { 'content-type': c.media } });
      uploads.set(c.name, { status: r.status, text: await r.text() });
    }),
  );
});

after(async () => {
  await server?.stop();
  con?.closeSync();
  duck?.closeSync();
  await rm(work, { recursive: true, force: true });
});

async function oracle(sql: string): Promise<unknown[][]> {
  return (await con.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

/** The service's JSON rows for a query string on table `name`. */
async function rows(name: string, query: string): Promise<Array<Record<string, unknown>>> {
  const r = await req(server, 'GET', `/v1/tables/${name}/rows?${query}`);
  const text = await r.text();
  assert.equal(r.status, 200, `${name}?${query}: ${text.slice(0, 400)}`);
  return (JSON.parse(text) as { rows: Array<Record<string, unknown>> }).rows;
}

const enc = encodeURIComponent;
/** A column name in a select item: as is (the names here have spaces and `$`, never `,` or `"`). */
const col = (name: string): string => {
  assert.ok(!/[,"]/.test(name), `select needs ${name} quoted`);
  return name;
};

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: service ${actual}, DuckDB ${expected}`);
}

describe('real public tables: the service answers as DuckDB does on the source file', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      let total = 0;
      let columns: string[] = [];

      test('upload in the source format; row count and column names', async () => {
        const up = uploads.get(c.name)!;
        assert.equal(up.status, 201, up.text);
        const [[n]] = (await oracle(`SELECT count(*) FROM ${c.from(c.file())}`)) as [[bigint]];
        total = Number(n);
        const got = await rows(c.name, 'select=count()');
        assert.equal(Number(got[0]!.count), total);
        const meta = await req(server, 'GET', `/v1/tables/${c.name}`);
        columns = ((await meta.json()) as { columns: Array<{ name: string }> }).columns.map((x) => x.name);
        const duckColumns = (await oracle(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${c.from(c.file())})`)).map((r) => String(r[0]));
        assert.deepEqual(columns, duckColumns);
      });

      test('null count of every column', async () => {
        const counts = columns.map((name, i) => `${col(name)}.count()`.replace(/^/, `c${i}:`)).join(',');
        const got = (await rows(c.name, `select=${enc(counts)}`))[0]!;
        const sql = `SELECT ${columns.map((name) => `count(*) - count(${ident(name)})`).join(', ')} FROM ${c.from(c.file())}`;
        const want = (await oracle(sql))[0]!.map(Number);
        const mismatched = columns
          .map((name, i) => ({ name, service: total - Number(got[`c${i}`]), duckdb: want[i]! }))
          .filter((m) => m.service !== m.duckdb);
        assert.deepEqual(mismatched, [], `null counts that differ from DuckDB's in ${c.name}`);
      });

      test(`sum of ${c.sum}`, async () => {
        const got = (await rows(c.name, `select=${enc(`s:${col(c.sum)}.sum()`)}`))[0]!;
        const [[want]] = (await oracle(`SELECT sum(${ident(c.sum)}) FROM ${c.from(c.file())}`)) as [[unknown]];
        close(Number(got.s), Number(want), `sum(${c.sum})`);
      });

      test(`group by ${c.groupBy}: count per value`, async () => {
        const got = await rows(c.name, `select=${enc(`${col(c.groupBy)},n:count()`)}`);
        const want = await oracle(`SELECT ${ident(c.groupBy)}, count(*) FROM ${c.from(c.file())} GROUP BY 1`);
        const asMap = (entries: Array<[unknown, unknown]>) => new Map(entries.map(([k, n]) => [k === null ? null : String(k), Number(n)]));
        assert.ok(want.length >= 2, 'the oracle sees several groups');
        assert.deepEqual(asMap(got.map((r) => [r[c.groupBy], r.n])), asMap(want.map((r) => [r[0], r[1]])));
      });

      test(`range count on ${c.range.column}`, async () => {
        const r = c.range;
        const filter = `${enc(r.column)}=gte.${enc(r.lo)}&${enc(r.column)}=lt.${enc(r.hi)}`;
        const got = (await rows(c.name, `select=count()&${filter}`))[0]!;
        const [[want]] = (await oracle(
          `SELECT count(*) FROM ${c.from(c.file())} WHERE ${ident(r.column)} >= ${r.sqlLo} AND ${ident(r.column)} < ${r.sqlHi}`,
        )) as [[bigint]];
        assert.ok(Number(want) > 0 && Number(want) < total, 'the range selects some rows, not all');
        assert.equal(Number(got.count), Number(want));
      });
    });
  }
});
