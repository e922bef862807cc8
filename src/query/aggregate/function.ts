// What an aggregate function is (the rows of functions.ts): its name, the answer column it makes from
// its source column (or a 400 naming why that column does not fit), and an accumulator over dense
// group ids that adds batches of rows and at the end yields that column.

import type { ColumnData } from '../../format/column.js';
import type { ColumnSchema } from '../../format/schema.js';

export interface Accumulator {
  /** Adds rows 0..n-1 of `data` (null for count()) to groups gids[0..n-1]; `groups` is the group count. */
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void;
  /** The answer column for groups 0..groups-1. */
  result(groups: number): ColumnData;
}

/** What plan.ts hands a function to build its answer column. */
export interface OutputContext {
  /** The answer column's name (the alias, else the function name). */
  name: string;
  /** The source column renamed to `name`, for functions answering in the source's own type. */
  like: ColumnSchema;
  /** Throws the 400 for a source column this function does not take. */
  reject(message: string, extra?: Record<string, unknown>): never;
}

export interface AggregateFunction<Name extends string = string> {
  /** As written in `select`: `<col>.<name>()`. */
  readonly name: Name;
  /** The answer column over `source`, or ctx.reject(...) when the column's type does not fit. */
  output(source: ColumnSchema, ctx: OutputContext): ColumnSchema;
  /** A fresh accumulator over `source`, answering as column `out`. */
  accumulator(source: ColumnSchema, out: ColumnSchema): Accumulator;
}
