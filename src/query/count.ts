// PostgREST's counting convention for row queries: `Prefer: count=exact|planned|estimated` asks for
// the number of rows the query matches, answered in `Content-Range: <first>-<last>/<total>` (with
// `Preference-Applied: count=…`). Without a count preference the total is `*`. The exact count with
// a filter costs a scan, done by the aggregate engine's count() over the same filter; footer
// statistics answer it without reading a chunk when there is no filter, or when every row group left
// after pruning is known to match entirely. `planned` never reads rows: it is that statistics answer
// when there is one, else the rows of the row groups the statistics could not rule out (an upper
// bound). `estimated` is exact when that upper bound is at most one page (NCF_MAX_RESPONSE_ROWS, so
// the scan is small), else the planned figure — as PostgREST does with db-max-rows.

import type { TableVersion } from '../../storage/types.js';
import type { ColumnData } from '../format/column.js';
import type { ScanMetrics } from './execute.js';
import type { QuerySpec } from './params.js';
import type { OpenReader, QueryPlan } from './plan.js';
import { aggregateColumns } from './aggregate/execute.js';
import { planAggregate } from './aggregate/plan.js';
import { answerFromStats } from './aggregate/stats-answer.js';

export type CountMode = 'exact' | 'planned' | 'estimated';

/** The count preference of a request's Prefer header(s), or null. Other preferences, and unknown
 *  count values, are ignored (RFC 7240 §2: a server ignores preferences it does not support). */
export function countPreference(prefer: string | string[] | undefined): CountMode | null {
  if (prefer === undefined) return null;
  const items = (Array.isArray(prefer) ? prefer.join(',') : prefer).split(/[,;]/).map((s) => s.trim().toLowerCase());
  for (const item of items) {
    const m = /^count\s*=\s*"?(exact|planned|estimated)"?$/.exec(item);
    if (m !== null) return m[1] as CountMode;
  }
  return null;
}

export interface RowCount {
  total: number;
  /** Whether `total` is the exact row count (a planned figure may be an upper bound). */
  exact: boolean;
}

/** Rows in the row groups a plan scans, and whether the statistics alone answer count() exactly. */
async function countFromFooters(version: TableVersion, where: QuerySpec['where'], open: OpenReader) {
  const spec: QuerySpec = { select: ['count()'], where, order: [], limit: null, offset: 0, version: version.version };
  const ap = await planAggregate(version, spec, { items: [{ kind: 'agg', fn: 'count', column: null, name: 'count' }] }, open);
  const stats = answerFromStats(ap);
  let upper = 0;
  for (const f of ap.scan.files) for (const g of f.rowGroups) upper += f.reader.meta.rowGroups[g]!.rows;
  return { ap, stats, upper };
}

/** The single value of a count() answer column (int64). */
function countOf(col: ColumnData): number {
  const v = col.values;
  if (v.kind !== 'fixed' || col.length !== 1) throw new Error('count(): expected one int64 value');
  return Number(v.data[0]!);
}

/** The row count a query's filter matches, as the preference `mode` asks. */
export async function countRows(
  version: TableVersion,
  where: QuerySpec['where'],
  open: OpenReader,
  mode: CountMode,
  opts: { signal?: AbortSignal; metrics?: ScanMetrics; maxResponseRows: number },
): Promise<RowCount> {
  const { ap, stats, upper } = await countFromFooters(version, where, open);
  if (stats !== null) return { total: countOf(stats[0]!), exact: true };
  if (mode === 'planned' || (mode === 'estimated' && upper > opts.maxResponseRows)) return { total: upper, exact: false };
  const { columns } = await aggregateColumns(ap, { signal: opts.signal, metrics: opts.metrics, fromStats: null });
  return { total: countOf(columns[0]!), exact: true };
}

/** The table's row count when the query has no filter (the footers know it), else null. */
export function unfilteredTotal(plan: QueryPlan): number | null {
  if (plan.where !== null) return null;
  return plan.files.reduce((n, f) => n + f.reader.meta.rows, 0);
}

/** `Content-Range` of a row answer: rows offset…offset+shown-1 of `total` (`*` unknown), `*` then `/N` when
 *  the page is empty. `cap` is the most rows the answer can hold (limit, page cap), null: no cap.
 *  `known` is the exact number of matching rows when known (it fixes the last row shown), else null. */
export function contentRange(offset: number, cap: number | null, known: number | null, total: number | null): string | null {
  if (known === null) return null;
  const shown = Math.max(0, Math.min(cap ?? Infinity, known - offset));
  const of = total === null ? '*' : String(total);
  return shown === 0 ? `*/${of}` : `${offset}-${offset + shown - 1}/${of}`;
}
