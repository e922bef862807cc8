// The date and timestamp layouts CSV inference accepts, checked against DuckDB's CSV sniffer as an
// independent oracle: each column is written in one layout with random values, read by readCsv and
// by DuckDB's read_csv, and both must agree on the column type (date, zone-less timestamp, UTC
// timestamp) and on every value (days / microseconds since the epoch). The layouts where NCF chooses
// differently on purpose (docs/INGEST.md) are pinned in temporal.test.ts, not here.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { read } from './util.js';

let dir = '';
let instance: DuckDBInstance;
let con: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-temporal-'));
  instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
});

after(async () => {
  con?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** A small seeded generator (mulberry32) so a failure can be replayed from the printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Layout {
  name: string;
  sep: '-' | '/';
  /** Absent: a bare date. */
  time?: { t: 'T' | ' '; seconds: boolean; fraction: boolean; zone: 'none' | 'Z' | '+hh:mm' | '-hhmm' };
}

const LAYOUTS: Layout[] = [
  { name: 'iso_date', sep: '-' },
  { name: 'slash_date', sep: '/' },
  { name: 'iso_space', sep: '-', time: { t: ' ', seconds: true, fraction: false, zone: 'none' } },
  { name: 'iso_T_frac', sep: '-', time: { t: 'T', seconds: true, fraction: true, zone: 'none' } },
  { name: 'iso_minutes', sep: '-', time: { t: ' ', seconds: false, fraction: false, zone: 'none' } },
  { name: 'iso_Z', sep: '-', time: { t: 'T', seconds: true, fraction: true, zone: 'Z' } },
  { name: 'iso_offset', sep: '-', time: { t: ' ', seconds: true, fraction: false, zone: '+hh:mm' } },
  { name: 'iso_offset_compact', sep: '-', time: { t: 'T', seconds: true, fraction: true, zone: '-hhmm' } },
  { name: 'slash_space', sep: '/', time: { t: ' ', seconds: true, fraction: false, zone: 'none' } },
  { name: 'slash_frac', sep: '/', time: { t: ' ', seconds: true, fraction: true, zone: 'none' } },
  { name: 'slash_T', sep: '/', time: { t: 'T', seconds: true, fraction: false, zone: 'none' } },
];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function value(l: Layout, r: () => number): string {
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const y = int(1900, 2100),
    m = int(1, 12);
  const d = int(1, new Date(Date.UTC(y, m, 0)).getUTCDate());
  let s = `${y}${l.sep}${pad(m)}${l.sep}${pad(d)}`;
  const t = l.time;
  if (!t) return s;
  s += `${t.t}${pad(int(0, 23))}:${pad(int(0, 59))}`;
  if (t.seconds) s += `:${pad(int(0, 59))}`;
  if (t.fraction) s += `.${String(int(0, 999999)).padStart(6, '0').slice(0, int(1, 6))}`;
  if (t.zone === 'Z') s += 'Z';
  else if (t.zone === '+hh:mm') s += `+${pad(int(0, 14))}:${pad(int(0, 3) * 15)}`;
  else if (t.zone === '-hhmm') s += `-${pad(int(0, 11))}${pad(int(0, 1) * 30)}`;
  return s;
}

/** NCF's Arrow type text for what DuckDB sniffed. */
const FROM_DUCKDB: Record<string, string> = {
  DATE: 'Date32<DAY>',
  TIMESTAMP: 'Timestamp<MICROSECOND>',
  'TIMESTAMP WITH TIME ZONE': 'Timestamp<MICROSECOND, UTC>',
  VARCHAR: 'Utf8',
};

for (const seed of [1, 2, 3]) {
  test(`CSV date and timestamp layouts agree with DuckDB's sniffer (seed ${seed})`, async () => {
    const r = rng(seed);
    const rows = 40;
    const columns = LAYOUTS.map((l) => Array.from({ length: rows }, () => value(l, r)));
    const csv = `${LAYOUTS.map((l) => l.name).join(',')}\n${Array.from({ length: rows }, (_, i) => columns.map((c) => c[i]).join(',')).join('\n')}\n`;
    const file = join(dir, `layouts-${seed}.csv`);
    await writeFile(file, csv);

    const ours = await read('csv', csv);
    const sniffed = await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_csv('${file}'))`);
    const duckTypes = Object.fromEntries(
      sniffed.getRowObjectsJS().map((o) => [o.column_name as string, FROM_DUCKDB[o.column_type as string] ?? String(o.column_type)]),
    );
    assert.deepEqual(ours.types, duckTypes, `types for seed ${seed}`);

    // Values: days since the epoch for dates, microseconds since the epoch (UTC) for timestamps.
    const exprs = LAYOUTS.map((l) => (l.time ? `epoch_us("${l.name}")` : `("${l.name}" - DATE '1970-01-01')`));
    const res = await con.runAndReadAll(`SELECT ${exprs.join(', ')} FROM read_csv('${file}')`);
    const duckRows = res.getRows();
    LAYOUTS.forEach((l, c) => {
      const expected = duckRows.map((row) => (l.time ? BigInt(row[c] as bigint) : Number(row[c])));
      assert.deepEqual(ours.cols[l.name], expected, `values of ${l.name} (seed ${seed}), e.g. ${columns[c]![0]}`);
    });
  });
}
