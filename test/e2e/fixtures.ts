// Test data for the end-to-end tests: one small flights table written in every upload format, with
// its expected facts computed from the generating formulas (not from the service).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';

export const ORIGINS = ['SFO', 'LAX', 'JFK', 'ORD'];

export interface Flight {
  id: number;
  origin: string;
  delay: number | null;
  day: string;
}

export function flight(i: number): Flight {
  const d = new Date(Date.UTC(2024, 0, 1 + (i % 60)));
  return { id: i, origin: ORIGINS[i % 4]!, delay: i % 10 === 0 ? null : ((i * 7) % 200) - 50, day: d.toISOString().slice(0, 10) };
}

export function flights(n: number, from = 0): Flight[] {
  return Array.from({ length: n }, (_, k) => flight(from + k));
}

export interface Expect {
  rows: number;
  nullDelays: number;
  minDelay: number;
  maxDelay: number;
  minId: number;
  maxId: number;
  delaySum: number;
}

export function expectOf(rows: Flight[]): Expect {
  const delays = rows.map((r) => r.delay).filter((d): d is number => d !== null);
  return {
    rows: rows.length,
    nullDelays: rows.length - delays.length,
    minDelay: Math.min(...delays),
    maxDelay: Math.max(...delays),
    minId: Math.min(...rows.map((r) => r.id)),
    maxId: Math.max(...rows.map((r) => r.id)),
    delaySum: delays.reduce((a, b) => a + b, 0),
  };
}

export function toCsv(rows: Flight[]): string {
  return 'id,origin,delay,day\n' + rows.map((r) => `${r.id},${r.origin},${r.delay ?? ''},${r.day}`).join('\n') + '\n';
}

export function toNdjson(rows: Flight[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export function toArrow(rows: Flight[], kind: 'stream' | 'file'): Uint8Array {
  const table = new arrow.Table({
    id: arrow.vectorFromArray(
      rows.map((r) => r.id),
      new arrow.Int32(),
    ),
    origin: arrow.vectorFromArray(
      rows.map((r) => r.origin),
      new arrow.Utf8(),
    ),
    delay: arrow.vectorFromArray(
      rows.map((r) => r.delay),
      new arrow.Int32(),
    ),
    day: arrow.vectorFromArray(
      rows.map((r) => r.day),
      new arrow.Utf8(),
    ),
  });
  return arrow.tableToIPC(table, kind);
}

/** Writes the rows as flights.{csv,ndjson,json,arrows,arrow,parquet} in `dir` (Parquet by DuckDB from the CSV). */
export async function writeAllFormats(dir: string, rows: Flight[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    csv: join(dir, 'flights.csv'),
    ndjson: join(dir, 'flights.ndjson'),
    json: join(dir, 'flights.json'),
    arrowStream: join(dir, 'flights.arrows'),
    arrowFile: join(dir, 'flights.arrow'),
    parquet: join(dir, 'flights.parquet'),
  };
  await writeFile(files.csv!, toCsv(rows));
  await writeFile(files.ndjson!, toNdjson(rows));
  await writeFile(files.json!, JSON.stringify(rows));
  await writeFile(files.arrowStream!, toArrow(rows, 'stream'));
  await writeFile(files.arrowFile!, toArrow(rows, 'file'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`COPY (SELECT * FROM read_csv('${files.csv}')) TO '${files.parquet}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return files;
}
