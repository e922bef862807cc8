// The service side of an aggregate query: recognises the aggregate grammar in a request's select,
// plans it, and presents it to respond.ts as an ordinary answer (a QueryPlan describing the output
// columns, plus a batch source), so every output format, the ETag, paging and timeouts work as for
// row queries. `source` says whether the answer comes from footer statistics or from rows (the
// NCF-Answered-From header); it is known from the footers before any chunk is read.

import type * as arrow from 'apache-arrow';
import type { TableVersion } from '../../../storage/types.js';
import type { ScanMetrics } from '../execute.js';
import type { ColumnSchema } from '../../format/schema.js';
import type { QuerySpec } from '../params.js';
import type { OpenReader, QueryPlan } from '../plan.js';
import { executeAggregate } from './execute.js';
import { isAggregateSelect, parseAggregate, type AggregateSpec } from './parse.js';
import { planAggregate } from './plan.js';
import { answerFromStats } from './stats-answer.js';

export interface AggregateAnswer {
  /** The scan plan with the answer's columns and schema; NCF-Row-Groups is 0/total from statistics. */
  plan: QueryPlan;
  source: 'statistics' | 'rows';
  batches(opts: { signal?: AbortSignal; metrics?: ScanMetrics; limit: number | null }): AsyncGenerator<arrow.RecordBatch>;
}

/** The aggregate form of a query's select, or null for a row query (also when every call-like item
 *  is the exact name of one of `columns`). Throws 400s for grammar errors. */
export function aggregateOf(spec: QuerySpec, columns: readonly ColumnSchema[] = []): AggregateSpec | null {
  return isAggregateSelect(spec.select) ? parseAggregate(spec.select!, new Set(columns.map((c) => c.name))) : null;
}

export async function prepareAggregate(
  version: TableVersion,
  spec: QuerySpec,
  agg: AggregateSpec,
  open: OpenReader,
): Promise<AggregateAnswer> {
  const ap = await planAggregate(version, spec, agg, open);
  // Decided once: the header says where the answer comes from, and execution takes it from there.
  const fromStats = answerFromStats(ap);
  const source = fromStats !== null ? 'statistics' : 'rows';
  const plan: QueryPlan = {
    ...ap.scan,
    columns: ap.columns,
    schema: ap.schema,
    order: ap.order,
    limit: ap.limit,
    offset: ap.offset,
    rowGroupsScanned: source === 'statistics' ? 0 : ap.scan.rowGroupsScanned,
  };
  return {
    plan,
    source,
    batches: (opts) => executeAggregate(ap, { signal: opts.signal, metrics: opts.metrics, limit: opts.limit, fromStats }),
  };
}
