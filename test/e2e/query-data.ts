// Data and oracle for the query end-to-end tests: a "trips" table of every common type (int, string
// with commas, quotes and non-ASCII, nullable int, nullable float, date, timestamp, int64 beyond 2^53,
// bool) written as CSV files, uploaded as one create plus appends, and loaded into DuckDB from the same
// CSV files as the oracle.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { api, type Server } from '../support/server.js';
import type { Backend } from './backends.js';

export const ORIGINS = ['SFO', 'LAX', 'JFK', 'ORD', 'São Paulo', 'a,b "q"'];

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows [from, from + n) as CSV text with a header. */
export function tripsCsv(from: number, n: number): string {
  const lines = ['id,origin,delay,score,day,ts,big,flag'];
  for (let i = from; i < from + n; i++) {
    const delay = i % 10 === 0 ? '' : String(((i * 7) % 200) - 50);
    const score = i % 17 === 0 ? '' : String(((i * 37) % 1000) / 8);
    const day = new Date(Date.UTC(2024, 0, 1 + (i % 366))).toISOString().slice(0, 10);
    const ts = new Date(Date.UTC(2024, 2, 1) + i * 1000).toISOString();
    const big = (9007199254740993n + BigInt(i)).toString();
    lines.push(`${i},${csvField(ORIGINS[i % 6]!)},${delay},${score},${day},${ts},${big},${i % 3 === 0}`);
  }
  return lines.join('\n') + '\n';
}

/** The columns as DuckDB reads them and as our JSON renders them (strings for day, ts and big). */
export const DUCK_COLUMNS = `{'id': 'INTEGER', 'origin': 'VARCHAR', 'delay': 'INTEGER', 'score': 'DOUBLE', 'day': 'DATE', 'ts': 'TIMESTAMPTZ', 'big': 'BIGINT', 'flag': 'BOOLEAN'}`;
export const DUCK_SELECT: Record<string, string> = {
  id: 'id',
  origin: 'origin',
  delay: 'delay',
  score: 'score',
  day: `strftime(day, '%Y-%m-%d')`,
  // ts is zoned, in microseconds (CSV ingest): six fraction digits, then Z.
  ts: `strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')`,
  big: 'big::VARCHAR',
  flag: 'flag',
};
export const ALL_COLUMNS = Object.keys(DUCK_SELECT);

export interface Oracle {
  conn: DuckDBConnection;
  /** Rows as JSON-like objects of the given columns (our JSON rendering). */
  rows(columns: string[], where?: string, order?: string, limit?: number, offset?: number): Promise<Array<Record<string, unknown>>>;
  scalar(sql: string): Promise<unknown>;
  close(): void;
}

/** A DuckDB table `trips` over the CSV files (in upload order). */
export async function openOracle(files: string[]): Promise<Oracle> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const list = files.map((f) => `'${f}'`).join(', ');
  await conn.run(`CREATE TABLE trips AS SELECT * FROM read_csv([${list}], header = true, columns = ${DUCK_COLUMNS})`);
  return {
    conn,
    async rows(columns, where, order, limit, offset) {
      const sql =
        `SELECT ${columns.map((c) => `${DUCK_SELECT[c]} AS "${c}"`).join(', ')} FROM trips` +
        (where ? ` WHERE ${where}` : '') +
        ` ORDER BY ${order ?? 'id'}` +
        (limit !== undefined ? ` LIMIT ${limit}` : '') +
        (offset !== undefined ? ` OFFSET ${offset}` : '');
      const r = await conn.runAndReadAll(sql);
      return r.getRowObjectsJS() as Array<Record<string, unknown>>;
    },
    async scalar(sql) {
      const r = await conn.runAndReadAll(sql);
      return r.getRows()[0]![0];
    },
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

/** Writes CSV files of the given row ranges into `dir`; returns their paths. */
export async function writeTrips(dir: string, ranges: Array<[number, number]>): Promise<string[]> {
  const paths: string[] = [];
  for (const [k, [from, n]] of ranges.entries()) {
    const p = join(dir, `trips-${k}.csv`);
    await writeFile(p, tripsCsv(from, n));
    paths.push(p);
  }
  return paths;
}

/** Creates `table` from the first file and appends the others (one version each). */
export async function uploadTrips(server: Server, table: string, files: string[]): Promise<void> {
  for (const [k, f] of files.entries()) {
    const r =
      k === 0
        ? await api(server, 'POST', `/v1/tables/${table}`, ['-F', `file=@${f}`])
        : await api(server, 'POST', `/v1/tables/${table}/rows`, ['-F', `file=@${f}`]);
    if (r.status !== 201 && r.status !== 200) throw new Error(`upload of ${f} answered ${r.status}: ${r.text}`);
  }
}

/** Parses an NDJSON body. */
export function ndjson(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A server on a backend with the trips table uploaded from `ranges`, and DuckDB over the same files. */
export interface TripsFixture {
  server: Server;
  dir: string;
  oracle: Oracle;
}

export async function setUpTrips(
  backend: Backend,
  ranges: Array<[number, number]>,
  env: Record<string, string> = {},
): Promise<TripsFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-trips-'));
  const server = await backend.start(env);
  const files = await writeTrips(dir, ranges);
  await uploadTrips(server, 'trips', files);
  return { server, dir, oracle: await openOracle(files) };
}

/** Undoes setUpTrips (whatever part of it was done). */
export async function tearDownTrips(backend: Backend, fx: Partial<TripsFixture>): Promise<void> {
  fx.oracle?.close();
  await fx.server?.stop();
  await backend.close();
  if (fx.dir !== undefined) await rm(fx.dir, { recursive: true, force: true });
}
