// Same-run comparison on flights-3m (vega-datasets): main's reader vs this branch's, plain and with
// dictionaries — read → Arrow Table, a filtered read on a string, and the group ids of a string
// group-by (scan + key coding, what the aggregate path does per batch). Medians of 5 rounds.
// Usage: node --import tsx bench/engine/dict-read.mts   (writes /tmp/dictbench/flights-3m.ncf once)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import * as mainIdx from '/work/main/src/index.ts';
import * as mainArrow from '/work/main/src/format/arrow.ts';
import * as mainGroup from '/work/main/src/query/aggregate/group.ts';
import * as mine from '../../src/index.ts';
import * as myArrow from '../../src/format/arrow.ts';
import * as myGroup from '../../src/query/aggregate/group.ts';

const file = '/tmp/dictbench/flights-3m.ncf';
if (!existsSync(file)) {
  mkdirSync('/tmp/dictbench', { recursive: true });
  const path = new URL('../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url).pathname;
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = await con.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  const cols = rows.columnNames();
  const all = rows.getRows();
  const data: Record<string, unknown[]> = {};
  cols.forEach((c, k) => (data[c] = all.map((r) => r[k])));
  const kind = (v: unknown) =>
    typeof v === 'string'
      ? 'string'
      : typeof v === 'bigint'
        ? 'int64'
        : typeof v === 'object' && v !== null && 'micros' in v
          ? 'timestamp'
          : 'int32';
  const schema = cols.map((c) => ({
    name: c,
    type: kind(data[c]![0]),
    nullable: true,
    ...(kind(data[c]![0]) === 'timestamp' ? { unit: 'us' } : {}),
  }));
  for (const s of schema)
    if (s.type === 'timestamp') data[s.name] = data[s.name]!.map((v) => (v == null ? null : (v as { micros: bigint }).micros));
  const sink = new mine.BufferSink();
  const w = await mine.NCFWriter.open(sink, { schema: schema as never });
  await w.write(data);
  await w.close();
  writeFileSync(file, sink.result!);
}
const bytes = new Uint8Array(readFileSync(file));
const rm = await mainIdx.NCFReader.open(bytes);
const rb = await mine.NCFReader.open(bytes);
const where = 'origin=eq.SFO';
const origin = rb.columns.find((c) => c.name === 'origin')!;

async function groupIds(reader: any, arrowMod: any, groupMod: any, dictionaries: boolean): Promise<number> {
  const g = new groupMod.Grouper([groupMod.coderFor(origin)]);
  let gids = new Int32Array(0);
  for await (const b of reader.scan({ columns: ['origin'], dictionaries })) {
    const d = b.data.children[0];
    const col = arrowMod.arrowDictionaryToColumn?.(d, origin) ?? null ?? arrowMod.arrowDataToColumn(d, origin);
    if (gids.length < b.numRows) gids = new Int32Array(b.numRows);
    g.assign([col], b.numRows, gids);
  }
  return g.size;
}

const cases: [string, () => Promise<unknown>][] = [
  ['read → Arrow: main', () => rm.read()],
  ['read → Arrow: branch, plain', () => rb.read()],
  ['read → Arrow: branch, dictionaries', () => rb.read({ dictionaries: true })],
  [`read where ${where}: main`, () => rm.read({ where })],
  [`read where ${where}: branch, plain`, () => rb.read({ where })],
  [`read where ${where}: branch, dictionaries`, () => rb.read({ where, dictionaries: true })],
  ['group ids by origin: main', () => groupIds(rm, mainArrow, mainGroup, false)],
  ['group ids by origin: branch', () => groupIds(rb, myArrow, myGroup, true)],
];
const times: Record<string, number[]> = {};
for (let round = 0; round < 6; round++) {
  for (const [name, f] of cases) {
    const t0 = performance.now();
    await f();
    (times[name] ??= []).push(performance.now() - t0);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const [name] of cases) console.log(name.padEnd(48), med(times[name]!.slice(1)).toFixed(1), 'ms');
process.exit(0);
