// Runs a QueryPlan: streams the planned row groups of each file in row order, applying offset and
// limit across file boundaries, and hands ordered queries to order.ts. Every batch carries exactly
// plan.schema (files written by different uploads may differ in schema metadata, and an Arrow IPC
// stream must not change schema midway). Cancellation is the signal: the reader checks it before
// each row group.

import * as arrow from 'apache-arrow';
import type { ScanInfo } from '../format/reader.js';
import { sortBatches, type SortLimits } from './order.js';
import type { FilePlan, QueryPlan } from './plan.js';

/** Where scan volume is reported (the service's Prometheus counters). */
export interface ScanMetrics {
  rowsScanned(n: number): void;
  bytesScanned(n: number): void;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  metrics?: ScanMetrics;
  /** Overrides plan.limit (the JSON answer asks for one row more than it shows, to know if more exist). */
  limit?: number | null;
  sort?: Partial<SortLimits>;
  /** Row groups decoded ahead of the consumer (ReadOptions.readAhead); unordered scans only. */
  readAhead?: number;
  /** Scan dict string/binary columns as Arrow dictionaries (ReadOptions.dictionaries). The batches
   *  then carry each file's own schema, not plan.schema: for in-process consumers (aggregates), not IPC. */
  dictionaries?: boolean;
}

/** The query's rows as record batches of plan.schema, in order. */
export async function* executePlan(plan: QueryPlan, opts: ExecuteOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const limit = opts.limit === undefined ? plan.limit : opts.limit;
  if (limit === 0) return;
  if (plan.order.length > 0) {
    yield* sortBatches(
      scanAll(
        plan,
        opts,
        plan.scanColumns.map((c) => c.name),
      ),
      {
        keys: plan.order,
        scanColumns: plan.scanColumns,
        columns: plan.columns,
        schema: plan.schema,
        offset: plan.offset,
        limit,
        signal: opts.signal,
        limits: opts.sort,
      },
    );
    return;
  }
  let skip = plan.offset;
  let remaining = limit ?? Infinity;
  const names = plan.columns.map((c) => c.name);
  for (const f of plan.files) {
    if (remaining <= 0) break;
    for await (let b of scanFile(f, names, skip + remaining, opts)) {
      if (skip > 0) {
        if (b.numRows <= skip) {
          skip -= b.numRows;
          continue;
        }
        b = b.slice(skip, b.numRows);
        skip = 0;
      }
      if (b.numRows > remaining) b = b.slice(0, remaining);
      remaining -= b.numRows;
      yield opts.dictionaries ? b : new arrow.RecordBatch(plan.schema, b.data);
      if (remaining <= 0) break;
    }
  }
}

/** Every matching row of every file (for sorting), batches carrying the scan columns. */
async function* scanAll(plan: QueryPlan, opts: ExecuteOptions, names: string[]): AsyncGenerator<arrow.RecordBatch> {
  // A sort takes every row before it answers: the read-ahead of the answer does not apply here.
  const all = { ...opts, readAhead: undefined };
  for (const f of plan.files) yield* scanFile(f, names, Infinity, all);
}

/** One file's planned row groups; reports the rows and bytes it read, even when stopped early. */
async function* scanFile(f: FilePlan, columns: string[], limit: number, opts: ExecuteOptions): AsyncGenerator<arrow.RecordBatch> {
  if (f.rowGroups.length === 0) return;
  opts.signal?.throwIfAborted();
  const gen = f.reader.scan({
    columns,
    // Filter bound and row groups pruned once, by planQuery: the reader trusts them.
    plan: { rowGroups: f.rowGroups, bound: f.bound },
    signal: opts.signal,
    limit: Number.isFinite(limit) ? limit : undefined,
    readAhead: opts.readAhead,
    dictionaries: opts.dictionaries,
  });
  // Readers are shared between requests: lastScan is this scan's own record only right after the
  // generator's first step starts (it is assigned before the first await).
  const before = f.reader.lastScan;
  const first = gen.next();
  const info: ScanInfo | null = f.reader.lastScan === before ? null : f.reader.lastScan;
  try {
    for (let r = await first; !r.done; r = await gen.next()) yield r.value;
  } finally {
    await gen.return(undefined);
    if (opts.metrics && info !== null) {
      let rows = 0;
      for (let k = 0; k < info.rowGroupsScanned && k < f.rowGroups.length; k++) rows += f.reader.meta.rowGroups[f.rowGroups[k]!]!.rows;
      opts.metrics.rowsScanned(rows);
      opts.metrics.bytesScanned(info.bytesRead);
    }
  }
}
