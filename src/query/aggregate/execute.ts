// Runs an aggregate plan: from statistics when stats-answer.ts can, else by streaming the planned row
// groups once (group ids from group.ts, accumulators from the functions.ts registry; nothing per row is kept),
// then orders the groups, applies offset and limit, and yields record batches of the answer's schema
// for the ordinary output writers.

import type * as arrow from 'apache-arrow';
import { badQuery } from '../../http/errors.js';
import { arrowDataToColumn, arrowDictionaryToColumn, columnsToRecordBatch } from '../../format/arrow.js';
import type { ColumnData } from '../../format/column.js';
import { takeRows } from '../../format/take.js';
import { executePlan, type ScanMetrics } from '../execute.js';
import { KeyColumn, keyOrder, sortPermutation } from '../order.js';
import { accumulatorFor } from './functions.js';
import { coderFor, Grouper } from './group.js';
import type { AggregatePlan } from './plan.js';
import { answerFromStats } from './stats-answer.js';

/** Groups one query may form before it is refused. */
export const MAX_GROUPS = 1_000_000;
const OUT_BATCH_ROWS = 65536;

export interface AggregateOptions {
  signal?: AbortSignal;
  metrics?: ScanMetrics;
  /** Overrides plan.limit (a JSON page asks for one group more than it shows). */
  limit?: number | null;
  maxGroups?: number;
  /** answerFromStats(plan), when the caller already asked it (undefined: ask here). */
  fromStats?: ColumnData[] | null;
}

/** The answer's columns, one row per group, in group id order. */
export async function aggregateColumns(
  plan: AggregatePlan,
  opts: AggregateOptions = {},
): Promise<{ columns: ColumnData[]; source: 'statistics' | 'rows' }> {
  const fromStats = opts.fromStats === undefined ? answerFromStats(plan) : opts.fromStats;
  if (fromStats !== null) return { columns: fromStats, source: 'statistics' };
  const maxGroups = opts.maxGroups ?? MAX_GROUPS;
  const { items, inputOf, columns } = plan;
  const scanCols = plan.scan.columns;
  const keyItems = items.map((_, k) => k).filter((k) => items[k]!.kind !== 'agg');
  const grouper = new Grouper(
    keyItems.map((k) => {
      const item = items[k]!;
      return coderFor(columns[k]!, item.kind === 'trunc' ? item.unit : undefined);
    }),
  );
  const aggItems = items.map((_, k) => k).filter((k) => items[k]!.kind === 'agg');
  const accs = aggItems.map((k) => {
    const item = items[k]!;
    return accumulatorFor(item.kind === 'agg' ? item.fn : 'count', inputOf[k]! < 0 ? null : scanCols[inputOf[k]!]!, columns[k]!);
  });
  let gids = new Int32Array(0);
  // Dictionary chunks arrive as codes + entries: key coders hash each entry once per chunk.
  for await (const batch of executePlan(plan.scan, { signal: opts.signal, metrics: opts.metrics, dictionaries: true })) {
    const n = batch.numRows;
    if (n === 0) continue;
    const inputs = batch.data.children.map((d, i) => arrowDictionaryToColumn(d, scanCols[i]!) ?? arrowDataToColumn(d, scanCols[i]!));
    if (gids.length < n) gids = new Int32Array(n);
    grouper.assign(
      keyItems.map((k) => inputs[inputOf[k]!]!),
      n,
      gids,
    );
    if (grouper.size > maxGroups) {
      throw badQuery(
        `select: the query forms more than ${maxGroups} groups; group by fewer or coarser columns (e.g. a coarser trunc unit) or narrow the rows with a filter`,
        { parameter: 'select', maxGroups },
      );
    }
    const groups = grouper.size;
    aggItems.forEach((k, a) => accs[a]!.add(inputOf[k]! < 0 ? null : inputs[inputOf[k]!]!, gids, n, groups));
  }
  const groups = grouper.size;
  const out: ColumnData[] = new Array(items.length);
  const keys = grouper.keyColumns();
  keyItems.forEach((k, j) => {
    out[k] = keys[j]!;
  });
  aggItems.forEach((k, a) => {
    out[k] = accs[a]!.result(groups);
  });
  return { columns: out, source: 'rows' };
}

/** The answer as record batches: groups ordered, then offset and limit applied. */
export async function* executeAggregate(plan: AggregatePlan, opts: AggregateOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const { columns } = await aggregateColumns(plan, opts);
  const limit = opts.limit === undefined ? plan.limit : opts.limit;
  const n = columns[0]?.length ?? 0;
  let perm: Uint32Array;
  if (plan.order.length > 0 && n > 1) {
    const idx = plan.order.map((o) => plan.columns.findIndex((c) => c.name === o.column));
    perm = sortPermutation(
      idx.map((i) => KeyColumn.of(columns[i]!)),
      n,
      keyOrder(plan.order),
    );
  } else {
    perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
  }
  const from = Math.min(plan.offset, n);
  const to = limit === null ? n : Math.min(n, from + limit);
  if (to <= from) return;
  const sel = perm.subarray(from, to);
  const identity = from === 0 && to === n && sel.every((v, i) => v === i);
  const picked = identity ? columns : columns.map((c) => takeRows(c, sel));
  const whole = columnsToRecordBatch(plan.schema, plan.columns, picked, to - from);
  for (let p = 0; p < whole.numRows; p += OUT_BATCH_ROWS) {
    opts.signal?.throwIfAborted();
    yield p === 0 && whole.numRows <= OUT_BATCH_ROWS ? whole : whole.slice(p, Math.min(whole.numRows, p + OUT_BATCH_ROWS));
  }
}
