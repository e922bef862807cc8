// One data set through every measurement: writes (NCF, DuckDB zstd and snappy, parquet-wasm zstd,
// Arrow IPC), file sizes, full reads, and for the flights table projection and row-group pruning.
// Every competitor runs on the same Arrow Table in the same process; the competitors of each
// comparison are timed round-robin (measure.ts), and each one's row count is checked.

import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { ipcStream, readIpc, writeIpc } from './arrow-ipc.js';
import type { Dataset } from '../data/datasets.js';
import { tsRangeSql, type Duck } from './duckdb.js';
import { groupByQuery } from './group-by.js';
import { measureInterleaved, type RunPlan, type Step } from '../common/measure.js';
import { readParquetWasm, writeParquetWasm } from './parquet-wasm.js';
import type { DatasetResult, Entry, GroupBy, Projection, Pruning } from '../common/results.js';

/** The NCF side, as bench/engine/ncf.ts implements it (an interface so the harness can be tried alone). */
export interface NcfAdapter {
  write(table: arrow.Table, path: string, opts?: { rowGroupRows?: number }): Promise<{ rows: number; bytes: number; rowGroups: number }>;
  read(
    path: string,
    opts?: { columns?: string[]; where?: string[] },
  ): Promise<{
    table: arrow.Table;
    scan: { rowGroupsScanned: number; rowGroupsTotal: number; bytesRead: number };
  }>;
  tsRangeWhere(column: string, lo: bigint, hi: bigint): string[];
}

export interface SuiteContext {
  plan: RunPlan;
  dir: string;
  duck: Duck;
  ncf: NcfAdapter;
  /** Threads DuckDB uses by default (restored after the 1-thread scan). */
  duckThreads: number;
  /** NCF's worker threads for chunk encode/decode (src/format/parallel/pool.ts: NCF_WORKERS, else one per core up to 4). */
  ncfWorkers: number;
  log: (msg: string) => void;
}

const fileSize = async (path: string): Promise<number> => (await stat(path)).size;
const remove = (path: string) => () => rm(path, { force: true });

function expectRows(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`bench: ${what} returned ${actual} rows, expected ${expected}`);
}

/** A competitor in one comparison; `run` returns the rows it wrote or read, checked against `rows`. */
interface Contender {
  key: string;
  label: string;
  rows: number;
  prepare?: () => Promise<void> | void;
  run: () => Promise<number>;
}

/** Times the contenders of one comparison interleaved and checks the rows each one returned. */
export async function compare(ctx: SuiteContext, title: string, contenders: Contender[]): Promise<Entry[]> {
  ctx.log(title);
  const steps: Step[] = contenders.map((c) => ({ key: c.key, run: c.run, ...(c.prepare ? { prepare: c.prepare } : {}) }));
  const measured = await measureInterleaved(ctx.plan, steps);
  return contenders.map((c) => {
    const m = measured.get(c.key)!;
    expectRows(`${title}: ${c.label}`, m.result as number, c.rows);
    return { key: c.key, label: c.label, timing: m.timing, rows: c.rows };
  });
}

export async function runDataset(ctx: SuiteContext, data: Dataset, generateMs: number): Promise<DatasetResult> {
  const { duck, ncf } = ctx;
  const { table, rows } = data;
  const columns = table.schema.fields.map((f) => f.name);
  const path = (suffix: string): string => join(ctx.dir, `${data.name}.${suffix}`);
  const files = {
    ncf: path('ncf'),
    duckZstd: path('duckdb-zstd.parquet'),
    duckSnappy: path('duckdb-snappy.parquet'),
    pw: path('pw-zstd.parquet'),
    ipc: path('arrow'),
    stage: path('stage.parquet'),
  };

  // Untimed inputs: the IPC stream parquet-wasm writes from, and the DuckDB table COPY writes from
  // (loaded from a Parquet file parquet-wasm writes once).
  const ipc = ipcStream(table);
  await writeParquetWasm(ipc, files.stage, 'none');
  await duck.load('bench', files.stage);
  await rm(files.stage, { force: true });
  const defaultThreads = (): Promise<void> => duck.setThreads(ctx.duckThreads);

  const write = await compare(ctx, `${data.name}: write`, [
    {
      key: 'ncf',
      label: 'NCF writer: Arrow Table -> file',
      rows,
      prepare: remove(files.ncf),
      run: async () => (await ncf.write(table, files.ncf)).rows,
    },
    {
      key: 'duckdb-zstd',
      label: 'DuckDB COPY table -> Parquet zstd',
      rows,
      prepare: remove(files.duckZstd),
      run: async () => {
        await duck.copyToParquet('bench', files.duckZstd, 'zstd');
        return rows;
      },
    },
    {
      key: 'duckdb-snappy',
      label: 'DuckDB COPY table -> Parquet snappy',
      rows,
      prepare: remove(files.duckSnappy),
      run: async () => {
        await duck.copyToParquet('bench', files.duckSnappy, 'snappy');
        return rows;
      },
    },
    {
      key: 'parquet-wasm-zstd',
      label: 'parquet-wasm IPC bytes -> Parquet zstd file',
      rows,
      prepare: remove(files.pw),
      run: async () => {
        await writeParquetWasm(ipc, files.pw, 'zstd');
        return rows;
      },
    },
    {
      key: 'arrow-ipc',
      label: 'Arrow IPC tableToIPC -> file',
      rows,
      prepare: remove(files.ipc),
      run: async () => {
        await writeIpc(table, files.ipc);
        return rows;
      },
    },
  ]);

  const sizes = [
    { key: 'ncf', label: 'NCF (zstd 3)', bytes: await fileSize(files.ncf) },
    { key: 'duckdb-zstd', label: 'Parquet, DuckDB zstd', bytes: await fileSize(files.duckZstd) },
    { key: 'duckdb-snappy', label: 'Parquet, DuckDB snappy', bytes: await fileSize(files.duckSnappy) },
    { key: 'parquet-wasm-zstd', label: 'Parquet, parquet-wasm zstd', bytes: await fileSize(files.pw) },
    { key: 'arrow-ipc', label: 'Arrow IPC file (uncompressed)', bytes: await fileSize(files.ipc) },
    ...(data.sourceParquet
      ? [{ key: 'source-parquet', label: 'Parquet, the source file as shipped', bytes: await fileSize(data.sourceParquet) }]
      : []),
  ];

  const read = await compare(ctx, `${data.name}: read`, [
    {
      key: 'ncf',
      label: `NCF read() -> Arrow Table, all columns (${ctx.ncfWorkers} decode workers)`,
      rows,
      run: async () => (await ncf.read(files.ncf)).table.numRows,
    },
    {
      key: 'duckdb-scan',
      label: `DuckDB in-engine scan of its zstd Parquet (${ctx.duckThreads} threads)`,
      rows,
      prepare: defaultThreads,
      run: () => duck.scanHash(files.duckZstd, columns),
    },
    {
      key: 'duckdb-scan-1t',
      label: 'DuckDB in-engine scan, 1 thread',
      rows,
      prepare: () => duck.setThreads(1),
      run: () => duck.scanHash(files.duckZstd, columns),
    },
    {
      key: 'duckdb-to-js',
      label: 'DuckDB SELECT * -> JS result chunks',
      rows,
      prepare: defaultThreads,
      run: () => duck.readAll(files.duckZstd),
    },
    {
      key: 'parquet-wasm',
      label: 'parquet-wasm readParquet -> Arrow Table',
      rows,
      run: async () => (await readParquetWasm(files.pw)).numRows,
    },
    { key: 'arrow-ipc', label: 'Arrow IPC file -> tableFromIPC', rows, run: async () => (await readIpc(files.ipc)).numRows },
  ]);
  await defaultThreads();

  const result: DatasetResult = {
    name: data.name,
    description: data.description,
    rows,
    columns: columns.length,
    generateMs,
    sizes,
    write,
    read,
  };
  if (columns.length >= 10) {
    ctx.log(`${data.name}: projection`);
    result.projection = await runProjection(ctx, files.ncf, columns, rows, files.duckZstd);
  }
  const rangeColumn = data.rangeColumn ?? (columns.includes('ts') ? 'ts' : undefined);
  if (rangeColumn !== undefined) {
    ctx.log(`${data.name}: pruning`);
    result.pruning = await runPruning(ctx, data, columns, rangeColumn);
  }
  if (data.groupBy) result.groupBy = await runGroupBy(ctx, data, files.ncf, files.duckZstd, data.groupBy);
  if (data.correlated) result.correlated = true;
  if (data.source) result.source = data.source;

  await duck.drop('bench');
  for (const f of Object.values(files)) await rm(f, { force: true });
  return result;
}

/** The projection test alone (for the numeric table): one NCF write, then each column read alone. */
export async function runProjectionOnly(ctx: SuiteContext, data: Dataset, generateMs: number): Promise<DatasetResult> {
  const ncfPath = join(ctx.dir, `${data.name}.ncf`);
  ctx.log(`${data.name}: projection`);
  await ctx.ncf.write(data.table, ncfPath);
  const columns = data.table.schema.fields.map((f) => f.name);
  const projection = await runProjection(ctx, ncfPath, columns, data.rows);
  await rm(ncfPath, { force: true });
  return {
    name: data.name,
    description: data.description,
    rows: data.rows,
    columns: columns.length,
    generateMs,
    sizes: [],
    write: [],
    read: [],
    projection,
  };
}

/** Bytes NCF reads for each column alone vs the file; with a DuckDB Parquet file of the same data,
 *  also that column's share of it, and one column's read timed against DuckDB's scan of it. */
async function runProjection(ctx: SuiteContext, ncfPath: string, columns: string[], rows: number, duckPath?: string): Promise<Projection> {
  const ncfFileBytes = await fileSize(ncfPath);
  const duckBytes = duckPath ? await fileSize(duckPath) : 0;
  const layout = duckPath ? await ctx.duck.parquetLayout(duckPath) : null;
  const out: Projection['columns'] = [];
  for (const column of columns) {
    const { table, scan } = await ctx.ncf.read(ncfPath, { columns: [column] });
    expectRows(`NCF read of "${column}"`, table.numRows, rows);
    const parquetBytes = layout?.columnBytes.get(column);
    out.push({
      column,
      ncfBytesRead: scan.bytesRead,
      ncfFraction: scan.bytesRead / ncfFileBytes,
      ...(parquetBytes === undefined ? {} : { parquetFraction: parquetBytes / duckBytes }),
    });
  }
  if (!duckPath) return { ncfFileBytes, columns: out, timed: [] };
  const timedColumn = columns.includes('delay') ? 'delay' : columns[1]!;
  const timed = await compare(ctx, `projection of "${timedColumn}"`, [
    {
      key: 'ncf',
      label: 'NCF read({ columns: [one] }) -> Arrow Table',
      rows,
      run: async () => (await ctx.ncf.read(ncfPath, { columns: [timedColumn] })).table.numRows,
    },
    { key: 'duckdb-scan', label: 'DuckDB in-engine scan of that column', rows, run: () => ctx.duck.scanHash(duckPath, [timedColumn]) },
  ]);
  return { ncfFileBytes, columns: out, timedColumn, timed };
}

/** The µs values of a Timestamp column over all its chunks (each chunk's own offset applied). */
function timestampValues(table: arrow.Table, column: string): BigInt64Array {
  const vector = table.getChild(column);
  if (!vector) throw new Error(`bench: no column "${column}" for the range filter`);
  const out = new BigInt64Array(vector.length);
  let at = 0;
  for (const d of vector.data) {
    const v = d.values as BigInt64Array;
    out.set(v.subarray(d.offset, d.offset + d.length), at);
    at += d.length;
  }
  return out;
}

/** A time range inside one of ten row groups: NCF should open only that group; DuckDB runs the same
 *  predicate on a Parquet file with the same row-group size. The column must be sorted ascending. */
async function runPruning(ctx: SuiteContext, data: Dataset, columns: string[], column: string): Promise<Pruning> {
  const { table, rows } = data;
  const rowGroupRows = Math.ceil(rows / 10);
  const ncfPath = join(ctx.dir, `${data.name}.rg10.ncf`);
  const duckPath = join(ctx.dir, `${data.name}.rg10.duckdb-zstd.parquet`);
  await ctx.ncf.write(table, ncfPath, { rowGroupRows });
  await ctx.duck.copyToParquet('bench', duckPath, 'zstd', rowGroupRows);

  // Whole seconds, well inside row group 3 (rows 30%..38%), so the bounds print as plain ISO text.
  const sec = 1_000_000n;
  const tsValues = timestampValues(table, column);
  const lo = (tsValues[Math.floor(rows * 0.32)]! / sec) * sec;
  const hi = (tsValues[Math.floor(rows * 0.38)]! / sec) * sec;
  let matching = 0;
  for (let i = 0; i < tsValues.length; i++) if (tsValues[i]! >= lo && tsValues[i]! < hi) matching++;

  const where = ctx.ncf.tsRangeWhere(column, lo, hi);
  const probe = await ctx.ncf.read(ncfPath, { where }); // untimed: what the scan touched
  expectRows('NCF filtered read', probe.table.numRows, matching);
  const timed = await compare(ctx, 'ts range filter', [
    {
      key: 'ncf',
      label: 'NCF read({ where }) -> Arrow Table, all columns',
      rows: matching,
      run: async () => (await ctx.ncf.read(ncfPath, { where })).table.numRows,
    },
    {
      key: 'duckdb-scan',
      label: `DuckDB in-engine scan with the same WHERE (${ctx.duckThreads} threads)`,
      rows: matching,
      run: () => ctx.duck.scanHash(duckPath, columns, tsRangeSql(column, lo, hi)),
    },
  ]);
  const layout = await ctx.duck.parquetLayout(duckPath);
  const fileBytes = await fileSize(ncfPath);
  await rm(ncfPath, { force: true });
  await rm(duckPath, { force: true });
  const iso = (us: bigint): string => new Date(Number(us / 1000n)).toISOString().replace('.000Z', 'Z');
  return {
    column,
    rowGroupRows,
    from: iso(lo),
    to: iso(hi),
    matchingRows: matching,
    ncf: { ...probe.scan, fileBytes, rows: probe.table.numRows },
    duckdbRowGroups: layout.rowGroups,
    timed,
  };
}

/** The string group-by (issue 12): NCF's engine on its file vs DuckDB on its zstd Parquet, at DuckDB's
 *  default threads and at 1; the answers are checked to agree (groups, total count, largest max) first. */
async function runGroupBy(
  ctx: SuiteContext,
  data: Dataset,
  ncfPath: string,
  parquetPath: string,
  spec: { key: string; avg: string; max: string },
): Promise<GroupBy> {
  const q = groupByQuery(ctx.duck, data, ncfPath, parquetPath, spec);
  const want = await q.duckdb();
  const got = await q.ncf();
  if (got.groups !== want.groups || got.total !== want.total || got.max !== want.max) {
    throw new Error(`bench: ${data.name} group-by: NCF ${JSON.stringify(got)}, DuckDB ${JSON.stringify(want)}`);
  }
  const groups = async (side: () => Promise<{ groups: number }>): Promise<number> => (await side()).groups;
  const timed = await compare(ctx, `${data.name}: group by ${spec.key}`, [
    {
      key: 'ncf',
      label: `NCF engine: open, plan, decode, group (${ctx.ncfWorkers} decode workers)`,
      rows: want.groups,
      run: () => groups(q.ncf),
    },
    {
      key: 'duckdb',
      label: `DuckDB GROUP BY on read_parquet (${ctx.duckThreads} threads)`,
      rows: want.groups,
      prepare: () => ctx.duck.setThreads(ctx.duckThreads),
      run: () => groups(q.duckdb),
    },
    {
      key: 'duckdb-1t',
      label: 'DuckDB GROUP BY on read_parquet (1 thread)',
      rows: want.groups,
      prepare: () => ctx.duck.setThreads(1),
      run: () => groups(q.duckdb),
    },
  ]);
  await ctx.duck.setThreads(ctx.duckThreads);
  // compare() checked the group counts; rows/s in the report are input rows per second.
  for (const e of timed) e.rows = data.rows;
  return { select: q.select, sql: q.sql.replace(parquetPath, `${data.name}.parquet`), groups: want.groups, timed };
}
