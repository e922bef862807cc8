// The registry of aggregate functions (`<col>.<fn>()` in select): one row per function, in the order
// error messages list them. Adding a function is one file exporting an AggregateFunction
// (function.ts) and one row here; parse.ts, plan.ts and execute.ts read it from here.
// count() without a column counts rows and is not a row of its own.

import type { ColumnSchema } from '../../format/schema.js';
import { count, CountRows } from './count.js';
import { countDistinct } from './count-distinct.js';
import { max, min } from './extremes.js';
import type { Accumulator, AggregateFunction } from './function.js';
import { avg, sum } from './sum.js';

export const AGGREGATES = [count, sum, avg, min, max, countDistinct] as const;

export type AggFunction = (typeof AGGREGATES)[number]['name'];
export const AGG_FUNCTIONS: readonly AggFunction[] = AGGREGATES.map((f) => f.name);

const BY_NAME: ReadonlyMap<string, AggregateFunction> = new Map(AGGREGATES.map((f) => [f.name, f]));

/** The function of this name, or undefined (a Map, so names like "constructor" are unknown). */
export function aggregateNamed(name: string): AggregateFunction | undefined {
  return BY_NAME.get(name);
}

/** The accumulator of `fn` over `source` (null for count()), answering as column `out`. */
export function accumulatorFor(fn: AggFunction, source: ColumnSchema | null, out: ColumnSchema): Accumulator {
  if (source === null) return new CountRows(out);
  return BY_NAME.get(fn)!.accumulator(source, out);
}
