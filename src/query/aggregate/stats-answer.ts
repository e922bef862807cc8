// Statistics-only answers: with no group keys, count(), <col>.count(), min() and max() are read from
// the footers' chunk statistics without fetching a chunk, provided no filter needs rows (there is no
// filter, or every row group left after pruning is known by its statistics to match entirely). The
// statistics must be exact for the answer: a truncated string bound, a float chunk without a NaN
// count, or a chunk with values but no bound sends the query to the rows instead.

import type { ColumnData } from '../../format/column.js';
import { mustMatch, type BoundFilter } from '../../format/filter/index.js';
import type { ColumnStats } from '../../format/reader.js';
import { physicalOf } from '../../format/schema.js';
import { compareStat, type StatValue } from '../../format/stats.js';
import { valuesToColumn, type HeldValue } from '../typed-values.js';
import type { AggregatePlan } from './plan.js';

interface Extreme {
  best: StatValue | undefined;
  /** floats: some value is NaN (the max, and the min when no ordinary value). */
  nan: boolean;
}

function held(v: StatValue | undefined): HeldValue {
  if (v === undefined) return null;
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1') : v;
}

/** The answer columns from statistics alone, or null when the rows must be read. */
export function answerFromStats(plan: AggregatePlan): ColumnData[] | null {
  if (plan.items.some((i) => i.kind !== 'agg' || !(i.fn === 'count' || i.fn === 'min' || i.fn === 'max'))) return null;
  const { scan } = plan;
  const counts = plan.items.map(() => 0);
  const extremes: Extreme[] = plan.items.map(() => ({ best: undefined, nan: false }));
  for (const f of scan.files) {
    const meta = f.reader.meta;
    // Bound once for the request by planQuery.
    const bound: BoundFilter | null = f.bound;
    const stats = f.rowGroups.length > 0 ? f.reader.stats().rowGroups : [];
    const colIndex = plan.items.map((item) =>
      item.kind === 'agg' && item.column !== null ? meta.columns.findIndex((c) => c.name === item.column) : -1,
    );
    for (const g of f.rowGroups) {
      const rows = meta.rowGroups[g]!.rows;
      const chunks = stats[g]!.columns;
      if (bound !== null && !mustMatch(bound, (i) => chunks[i]!, rows)) return null;
      for (let k = 0; k < plan.items.length; k++) {
        const item = plan.items[k]!;
        if (item.kind !== 'agg') return null;
        if (item.column === null) {
          counts[k] += rows;
          continue;
        }
        const i = colIndex[k]!;
        // A file written before the column existed holds only nulls for it.
        if (i < 0) continue;
        const s: ColumnStats = chunks[i]!;
        const nonNull = rows - s.nulls;
        if (item.fn === 'count') {
          counts[k] += nonNull;
          continue;
        }
        if (nonNull === 0) continue;
        if (!addExtreme(extremes[k]!, s, nonNull, item.fn === 'max')) return null;
      }
    }
  }
  return plan.items.map((item, k) => {
    const out = plan.columns[k]!;
    if (item.kind === 'agg' && item.fn === 'count') return valuesToColumn(out, [counts[k]!]);
    const e = extremes[k]!;
    const isMax = item.kind === 'agg' && item.fn === 'max';
    if (e.nan && (isMax || e.best === undefined)) return valuesToColumn(out, [NaN]);
    return valuesToColumn(out, [held(e.best)]);
  });
}

/** Folds one chunk's bound into e; false when the statistics cannot answer exactly. */
function addExtreme(e: Extreme, s: ColumnStats, nonNull: number, max: boolean): boolean {
  const float = physicalOf(s.type) === 'float';
  let ordinary = nonNull;
  if (float) {
    if (s.nans === undefined) return false;
    if (s.nans > 0) e.nan = true;
    ordinary -= s.nans;
    if (ordinary === 0) return true;
  }
  const v = max ? s.max : s.min;
  if (v === undefined || (max ? !s.maxExact : !s.minExact)) return false;
  if (e.best === undefined || (max ? compareStat(v, e.best) > 0 : compareStat(v, e.best) < 0)) e.best = v;
  return true;
}
