// The shape of the service benchmark's figures: what service.ts fills in, service-report.ts prints
// and `--json` writes (under "service"). Times in ms, sizes in bytes.

import type { Entry, Target } from '../common/results.js';
import type { LoadResult } from '../../test/support/autocannon.js';
import type { AggregateResult } from './aggregate.js';
import type { Rss } from '../../test/support/service-process.js';

export interface UploadResult {
  rows: number;
  csvBytes: number;
  /** "service": curl upload to the server; "duckdb": COPY (read_csv) TO Parquet zstd. */
  entries: Entry[];
  /** Column types each side read the CSV as, "name type" joined by commas, to show they parsed alike. */
  serviceTypes: string;
  duckdbTypes: string;
}

export interface StreamEntry extends Entry {
  /** Response body bytes of the last run. */
  bytes: number;
}

export interface StreamResult {
  rows: number;
  columns: number;
  /** The stored table: NCF file bytes and row groups. */
  storedBytes: number;
  rowGroups: number;
  /** Loading the table (curl upload of an Arrow IPC stream file), timed once, for information. */
  load: { inputBytes: number; ms: number };
  entries: StreamEntry[];
  /** Server RSS before the first stream, after the last, and the peak in between. */
  rss: { before: Rss | null; after: Rss | null; peak: number | null; peakSource: string };
}

export interface PointResult {
  tableRows: number;
  /** NCF-Row-Groups of every point query (all the same), e.g. "1/23". */
  rowGroupsHeader: string;
  /** The fixed request paths cycled through; one shown in the report. */
  paths: string[];
  json: LoadResult;
  arrow: LoadResult;
}

export interface ServiceResult {
  upload: UploadResult;
  stream: StreamResult;
  point: PointResult;
  /** Grouped aggregates against DuckDB's GROUP BY on Parquet (issue 6). */
  aggregate: AggregateResult;
  /** Things that affect how the figures read (stale build, RSS source, ...). */
  notes: string[];
  targets: Target[];
  totalSeconds: number;
}
