// count(): rows per group; <col>.count(): non-null values per group. Both answer int64, never null.

import type { ColumnData } from '../../format/column.js';
import type { ColumnSchema } from '../../format/schema.js';
import type { Accumulator, AggregateFunction } from './function.js';
import { grownF64, int64Column, valid } from './state.js';

export class CountRows implements Accumulator {
  private counts = new Float64Array(0);
  constructor(private readonly out: ColumnSchema) {}
  add(_: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const c = (this.counts = grownF64(this.counts, groups));
    for (let r = 0; r < n; r++) c[gids[r]!]!++;
  }
  result(groups: number): ColumnData {
    this.counts = grownF64(this.counts, groups);
    return int64Column(this.out, this.counts, groups);
  }
}

class CountValues implements Accumulator {
  private counts = new Float64Array(0);
  constructor(private readonly out: ColumnSchema) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const c = (this.counts = grownF64(this.counts, groups));
    const validity = data!.nullCount > 0 ? data!.validity : null;
    if (validity === null) for (let r = 0; r < n; r++) c[gids[r]!]!++;
    else for (let r = 0; r < n; r++) if (valid(validity, r)) c[gids[r]!]!++;
  }
  result(groups: number): ColumnData {
    this.counts = grownF64(this.counts, groups);
    return int64Column(this.out, this.counts, groups);
  }
}

export const count: AggregateFunction<'count'> = {
  name: 'count',
  output: (_source, ctx) => ({ name: ctx.name, type: 'int64', nullable: false }),
  accumulator: (_source, out) => new CountValues(out),
};
