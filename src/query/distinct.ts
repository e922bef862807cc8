// Exact distinct values of one column with their counts, most frequent first (ties by value
// ascending, null last), for dashboards. One column is scanned (with the request's filter) and
// counted in a Map keyed by the value: numbers as numbers (so -0 joins 0 and NaN joins NaN, as in
// SQL GROUP BY), 64-bit values as numbers when exact and bigint otherwise, strings and binary as
// latin1 strings of their bytes (one char per byte: no UTF-8 decoding per row). The number of
// distinct values held is capped; beyond it the client is told to narrow the filter.

import { badQuery } from '../http/errors.js';
import { arrowDataToColumn } from '../format/arrow.js';
import { words64, TWO_32 } from '../format/int64.js';
import type { DataType } from '../format/schema.js';
import { executePlan, type ScanMetrics } from './execute.js';
import type { QueryPlan } from './plan.js';
import { renderValues, type HeldValue } from './typed-values.js';

export const DEFAULT_DISTINCT_LIMIT = 100;
export const MAX_DISTINCT_LIMIT = 10_000;
/** Distinct values one request may count. */
export const MAX_DISTINCT_VALUES = 1_000_000;

export interface DistinctAnswer {
  column: string;
  type: DataType;
  version: number;
  /** Most frequent first; null is a value like any other. */
  values: Array<{ value: unknown; count: number }>;
  /** Distinct values counted (null included when present). */
  distinctCount: number;
  /** Rows counted (those matching the filter). */
  rowCount: number;
  /** True when distinctCount exceeds the values listed. */
  truncated: boolean;
}

export interface DistinctOptions {
  limit: number;
  signal?: AbortSignal;
  metrics?: ScanMetrics;
  maxValues?: number;
}

type Key = number | bigint | string | boolean;

/** Ascending value order for ties: numbers with NaN last, bigint/number mixed exactly, strings by byte. */
function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number' && (a !== a || b !== b)) return Number(a !== a) - Number(b !== b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Distinct values of the plan's single column (plan from planColumn). */
export async function computeDistinct(plan: QueryPlan, opts: DistinctOptions): Promise<DistinctAnswer> {
  const col = plan.columns[0]!;
  const maxValues = opts.maxValues ?? MAX_DISTINCT_VALUES;
  const counts = new Map<Key, number>();
  let nulls = 0,
    rows = 0;
  const add = (k: Key): void => {
    const c = counts.get(k);
    if (c !== undefined) {
      counts.set(k, c + 1);
      return;
    }
    if (counts.size >= maxValues) {
      throw badQuery(
        `distinct: column ${JSON.stringify(col.name)} has more than ${maxValues} distinct values among the matching rows; narrow them with a filter`,
        { parameter: 'column', column: col.name, maxValues },
      );
    }
    counts.set(k, 1);
  };
  for await (const batch of executePlan(plan, { signal: opts.signal, metrics: opts.metrics })) {
    const data = arrowDataToColumn(batch.data.children[0]!, col);
    const n = data.length;
    rows += n;
    nulls += data.nullCount;
    const validity = data.nullCount > 0 ? data.validity : null;
    const v = data.values;
    if (v.kind === 'bool') {
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        add((v.data[i >>> 3]! & (1 << (i & 7))) !== 0);
      }
    } else if (v.kind === 'bytes') {
      const buf = Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        add(buf.toString('latin1', v.offsets[i]!, v.offsets[i + 1]!));
      }
    } else if (v.data instanceof BigInt64Array || v.data instanceof BigUint64Array) {
      const w = words64(v.data);
      const unsigned = v.data instanceof BigUint64Array;
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        const hi = unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!;
        // |value| < 2^53 is exact as a number: no BigInt for the common case.
        if (hi >= -0x200000 && hi < 0x200000) add(hi * TWO_32 + (w[2 * i]! >>> 0));
        else add(v.data[i]!);
      }
    } else {
      const d = v.data;
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        const x = d[i] as number;
        add(x === 0 ? 0 : x);
      }
    }
  }
  const entries = [...counts.entries()];
  entries.sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
  const top: Array<[HeldValue, number]> = entries.map(([k, c]): [HeldValue, number] => [k, c]);
  if (nulls > 0) {
    // Null ranks by its count like any value, after values of the same count.
    let at = top.findIndex(([, c]) => c < nulls);
    if (at < 0) at = top.length;
    top.splice(at, 0, [null, nulls]);
  }
  const shown = top.slice(0, opts.limit);
  const rendered = renderValues(
    col,
    shown.map(([k]) => k),
  );
  return {
    column: col.name,
    type: col.type,
    version: plan.version.version,
    values: shown.map(([, count], i) => ({ value: rendered[i], count })),
    distinctCount: top.length,
    rowCount: rows,
    truncated: top.length > shown.length,
  };
}
