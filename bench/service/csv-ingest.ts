// CSV upload cost without HTTP: the bench's flights CSV (bench/service/data.ts, 1M rows ≈ 116 MB)
// through readInput (parse only) and readInput → NCFWriter (what src/upload/ingest.ts does with a
// spooled file), against DuckDB COPY (FROM read_csv(file)) TO Parquet zstd, interleaved in one run
// so the ratios hold on a loaded machine. Run under `node --cpu-prof` to profile the NCF side.
//
//   node --import tsx bench/service/csv-ingest.ts [--rows 1000000] [--repeats 3] [--only parse|write|duckdb]
//        [--csv /path/file.csv] [--src <dir holding src/>]   (--src: measure another checkout, e.g. a base)

import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeFlightsWithId, writeCsv } from './data.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '3' },
    only: { type: 'string' },
    csv: { type: 'string' },
    src: { type: 'string', default: resolve(import.meta.dirname, '../..') },
  },
});
const rows = Number(values.rows);
const repeats = Number(values.repeats);
const root = resolve(values.src!);
const work = join(tmpdir(), 'ncf-csv-bench');
await mkdir(work, { recursive: true });
const csv = values.csv ?? join(work, `flights-${rows}.csv`);
if (!existsSync(csv)) {
  const t0 = performance.now();
  const bytes = await writeCsv(makeFlightsWithId(rows).table, csv);
  console.log(`wrote ${csv}: ${(bytes / 1e6).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms`);
}

const ingest = (await import(pathToFileURL(join(root, 'src/ingest/index.ts')).href)) as typeof import('../../src/ingest/index.js');
const writerMod = (await import(pathToFileURL(join(root, 'src/format/writer.ts')).href)) as typeof import('../../src/format/writer.js');

async function parseOnly(): Promise<number> {
  let n = 0;
  for await (const b of ingest.readInput('csv', ingest.fileSource(csv))) n += b.numRows;
  return n;
}

async function parseAndWrite(): Promise<number> {
  const out = join(work, 'out.ncf');
  await rm(out, { force: true });
  const w = await writerMod.NCFWriter.open(out);
  let n = 0;
  for await (const b of ingest.readInput('csv', ingest.fileSource(csv))) {
    n += b.numRows;
    await w.write(b);
  }
  await w.close();
  return n;
}

const duck = await DuckDBInstance.create(':memory:');
const con = await duck.connect();
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
async function duckdb(): Promise<number> {
  const parquet = join(work, 'out.parquet');
  await rm(parquet, { force: true });
  const r = await con.runAndReadAll(`COPY (SELECT * FROM read_csv(${lit(csv)})) TO ${lit(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  return Number(r.getRows()[0]![0]);
}

const steps: [string, () => Promise<number>][] = [
  ['parse', parseOnly],
  ['write', parseAndWrite],
  ['duckdb', duckdb],
];
const chosen = values.only ? steps.filter(([k]) => values.only!.split(',').includes(k)) : steps;
const times = new Map<string, number[]>(chosen.map(([k]) => [k, []]));
// CPU time of the whole process (every thread: ours, the encoders', DuckDB's), the fair figure on a
// machine other work is loading: wall time there depends on what the others run.
const cpu = new Map<string, number[]>(chosen.map(([k]) => [k, []]));
for (let round = 0; round <= repeats; round++) {
  for (const [key, run] of chosen) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const n = await run();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (round > 0 || repeats === 0) cpu.get(key)!.push((c.user + c.system) / 1000);
    if (n !== rows) throw new Error(`${key}: ${n} rows, expected ${rows}`);
    if (round > 0 || repeats === 0) times.get(key)!.push(ms); // round 0 warms up
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const duckMs = times.has('duckdb') ? median(times.get('duckdb')!) : NaN;
for (const [key, xs] of times) {
  const ms = median(xs);
  const ratio = key === 'duckdb' || Number.isNaN(duckMs) ? '' : `  ${(duckMs / ms).toFixed(2)}x DuckDB`;
  const cpuMs = median(cpu.get(key)!);
  console.log(
    `${key.padEnd(7)} ${ms.toFixed(0).padStart(6)} ms  ${(((rows / ms) * 1000) / 1e3).toFixed(0).padStart(6)}k rows/s${ratio}  [${xs.map((x) => x.toFixed(0)).join(' ')}]  cpu ${cpuMs.toFixed(0)} ms (${root})`,
  );
}
con.closeSync();
duck.closeSync();
