// The shape of one benchmark run's raw figures: what run.ts fills in, report.ts prints and
// `--json` writes. Times are in ms; every timing keeps its samples.

import type { Timing } from './measure.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  loadAverage: number;
  node: string;
  duckdb: string;
  duckdbNodeApi: string;
  duckdbThreads: number;
  /** NCF's chunk worker threads (encode/decode), besides the main thread. */
  ncfWorkers?: number;
  apacheArrow: string;
  parquetWasm: string;
}

/** One competitor's figure for one measurement. */
export interface Entry {
  /** Stable key, e.g. "ncf", "duckdb-zstd". */
  key: string;
  /** What is timed, in words, for the table. */
  label: string;
  timing: Timing;
  rows: number;
}

export interface SizeEntry {
  key: string;
  label: string;
  bytes: number;
}

export interface ProjectionColumn {
  column: string;
  /** Bytes NCF read for a read() of this column alone (lastScan.bytesRead). */
  ncfBytesRead: number;
  ncfFraction: number;
  /** The same column's compressed chunk bytes in DuckDB's zstd Parquet file, as a fraction of it. */
  parquetFraction?: number;
}

export interface Projection {
  ncfFileBytes: number;
  columns: ProjectionColumn[];
  /** The column whose read is timed (NCF read() vs DuckDB in-engine scan of that column), if any. */
  timedColumn?: string;
  timed: Entry[];
}

export interface Pruning {
  /** The sorted timestamp column the range is on. */
  column: string;
  rowGroupRows: number;
  /** The ts range, half-open, as ISO text and µs. */
  from: string;
  to: string;
  matchingRows: number;
  ncf: { rowGroupsScanned: number; rowGroupsTotal: number; bytesRead: number; fileBytes: number; rows: number };
  duckdbRowGroups: number;
  timed: Entry[];
}

export interface DatasetResult {
  name: string;
  description: string;
  rows: number;
  columns: number;
  generateMs: number;
  sizes: SizeEntry[];
  write: Entry[];
  read: Entry[];
  projection?: Projection;
  pruning?: Pruning;
  groupBy?: GroupBy;
  /** Issue 15: some columns are functions of others (size target ≤ 0.70× best Parquet, not 0.80×). */
  correlated?: boolean;
  /** Real tables: the source file as shipped (vega-datasets) and the traits that make it real. */
  source?: { file: string; traits: string };
}

/** A group-by on a string column (key, count(), avg(a), max(b)): NCF's engine on its file vs DuckDB
 *  on its zstd Parquet of the same rows. */
export interface GroupBy {
  /** The service's select (what the engine runs) and DuckDB's SQL. */
  select: string;
  sql: string;
  groups: number;
  timed: Entry[];
}

export interface Target {
  dataset: string;
  what: string;
  goal: string;
  actual: string;
  met: boolean;
}

export interface RunResult {
  startedAt: string;
  mode: 'full' | 'quick';
  warmups: number;
  repeats: number;
  machine: Machine;
  datasets: DatasetResult[];
  targets: Target[];
  totalSeconds: number;
}
