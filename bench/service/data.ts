// The service benchmark's inputs: the flights table of datasets.ts with an `id` column in front
// (0..n-1, so the table is sorted by id as well as by ts, and an id filter prunes to one row group),
// written as a CSV file (the upload measurement) or an Arrow IPC stream file (the fast way to load the
// big table the read measurements use). Generation and writing are not timed.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { int32Vector } from '../data/arrow-build.js';
import { makeFlights, type Dataset } from '../data/datasets.js';

/** Rows per CSV chunk handed to the file stream. */
const CSV_CHUNK_ROWS = 16_384;

/** makeFlights(rows) with `id` int32 = row number as its first column. */
export function makeFlightsWithId(rows: number): Dataset {
  const flights = makeFlights(rows);
  const id = new Int32Array(rows);
  for (let i = 0; i < rows; i++) id[i] = i;
  const columns: Record<string, arrow.Vector> = { id: int32Vector(id) };
  for (const f of flights.table.schema.fields) columns[f.name] = flights.table.getChild(f.name)!;
  return { ...flights, description: `id int32 + ${flights.description}`, table: new arrow.Table(columns) };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** µs since the epoch → "YYYY-MM-DD HH:MM:SS.ffffff": no zone, so DuckDB and NCF both read a plain timestamp. */
function timestampText(us: bigint): string {
  const ms = Number(us / 1000n);
  const d = new Date(ms);
  const micros = String(Number(us % 1_000_000n)).padStart(6, '0');
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${micros}`
  );
}

/** A CSV cell; the generated text has no commas, quotes or newlines, but quote anyway if it ever does. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'bigint' ? timestampText(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes the table as CSV with a header line (nulls as empty cells, booleans true/false). Returns bytes written. */
export async function writeCsv(table: arrow.Table, path: string): Promise<number> {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!);
  const ts = names.indexOf('ts');
  const tsValues = ts < 0 ? null : (columns[ts]!.data[0]!.values as BigInt64Array);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await write(names.join(',') + '\n');
    for (let start = 0; start < table.numRows; start += CSV_CHUNK_ROWS) {
      const end = Math.min(table.numRows, start + CSV_CHUNK_ROWS);
      const lines: string[] = [];
      for (let i = start; i < end; i++) {
        // ts comes from the raw buffer: apache-arrow's get() turns timestamps into ms numbers.
        lines.push(columns.map((c, k) => (k === ts ? cell(tsValues![i]!) : cell(c.get(i)))).join(','));
      }
      await write(lines.join('\n') + '\n');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return bytes;
}

/** Writes the table as one Arrow IPC stream file. Returns its size. */
export async function writeArrowStream(table: arrow.Table, path: string): Promise<number> {
  const bytes = arrow.tableToIPC(table, 'stream');
  await writeFile(path, bytes);
  return bytes.length;
}
