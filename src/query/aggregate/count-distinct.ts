// <col>.count_distinct(): distinct non-null values per group, by hashing (group, value code) pairs;
// int64, never null. A 400 once the pairs pass MAX_DISTINCT_PAIRS.

import { badQuery } from '../../http/errors.js';
import type { ColumnData } from '../../format/column.js';
import type { ColumnSchema } from '../../format/schema.js';
import type { Accumulator, AggregateFunction } from './function.js';
import { coderFor, type Coder } from './group.js';
import { WordTable } from './hash.js';
import { grownF64, int64Column } from './state.js';

/** (group, value) pairs count_distinct may hold (about 16 bytes each, plus the values' own table). */
export const MAX_DISTINCT_PAIRS = 16_000_000;

/** Distinct non-null values per group: a (group, value code) pair table. */
class CountDistinct implements Accumulator {
  private readonly coder: Coder;
  private readonly pairs = new WordTable(1024);
  private counts = new Float64Array(0);
  private codes = new Int32Array(0);
  constructor(
    private readonly out: ColumnSchema,
    private readonly source: ColumnSchema,
  ) {
    this.coder = coderFor(source);
  }
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const counts = (this.counts = grownF64(this.counts, groups));
    if (this.codes.length < n) this.codes = new Int32Array(n);
    const codes = this.codes;
    this.coder.encode(data!, codes);
    const pairs = this.pairs;
    for (let r = 0; r < n; r++) {
      const c = codes[r]!;
      if (c === 0) continue;
      const before = pairs.size;
      const g = gids[r]!;
      if (pairs.insert(g, c) === before) counts[g]++;
    }
    if (pairs.size > MAX_DISTINCT_PAIRS) {
      throw badQuery(
        `select: ${this.source.name}.count_distinct() holds more than ${MAX_DISTINCT_PAIRS} distinct values across its groups; narrow the rows with a filter or group more coarsely`,
        { parameter: 'select', column: this.source.name },
      );
    }
  }
  result(groups: number): ColumnData {
    this.counts = grownF64(this.counts, groups);
    return int64Column(this.out, this.counts, groups);
  }
}

export const countDistinct: AggregateFunction<'count_distinct'> = {
  name: 'count_distinct',
  output: (_source, ctx) => ({ name: ctx.name, type: 'int64', nullable: false }),
  accumulator: (source, out) => new CountDistinct(out, source),
};
