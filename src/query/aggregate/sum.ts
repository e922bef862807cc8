// sum() and avg() of numeric columns. sum of integers → int64, exact (lo and hi 32-bit halves summed
// separately as float64, carried every 2^20 rows), a 400 when outside int64; sum of floats and avg →
// float64. Dates and timestamps are not numbers here.

import { badQuery } from '../../http/errors.js';
import type { ColumnData } from '../../format/column.js';
import { words64, TWO_32 } from '../../format/int64.js';
import { physicalOf, type ColumnSchema } from '../../format/schema.js';
import type { Accumulator, AggregateFunction, OutputContext } from './function.js';
import { grownF64, noneMask, nullable, valid } from './state.js';

const SLICE = 1 << 20;
const MIN_I64 = -(2n ** 63n),
  MAX_I64 = 2n ** 63n - 1n;

/** sum/avg of integer columns: exact through separately summed 32-bit halves. */
class IntSum implements Accumulator {
  private lo = new Float64Array(0);
  private hi = new Float64Array(0);
  private counts = new Float64Array(0);
  private sinceCarry = 0;
  constructor(
    private readonly out: ColumnSchema,
    private readonly source: ColumnSchema,
    private readonly avg: boolean,
  ) {}

  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    this.lo = grownF64(this.lo, groups);
    this.hi = grownF64(this.hi, groups);
    this.counts = grownF64(this.counts, groups);
    const lo = this.lo,
      hi = this.hi,
      counts = this.counts;
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const arr = (d.values as { data: ArrayLike<number> | BigInt64Array | BigUint64Array }).data;
    const wide = arr instanceof BigInt64Array || arr instanceof BigUint64Array;
    const w = wide ? words64(arr) : null;
    const unsigned = arr instanceof BigUint64Array;
    for (let from = 0; from < n; from += SLICE) {
      const to = Math.min(n, from + SLICE);
      if (this.sinceCarry + (to - from) > SLICE) this.carry(groups);
      this.sinceCarry += to - from;
      if (w !== null) {
        for (let r = from; r < to; r++) {
          if (!valid(validity, r)) continue;
          const g = gids[r]!;
          lo[g] += w[2 * r]! >>> 0;
          hi[g] += unsigned ? w[2 * r + 1]! >>> 0 : w[2 * r + 1]!;
          counts[g]++;
        }
      } else {
        const v = arr as ArrayLike<number>;
        for (let r = from; r < to; r++) {
          if (!valid(validity, r)) continue;
          const g = gids[r]!;
          lo[g] += v[r]!;
          counts[g]++;
        }
      }
    }
  }

  /** Moves whole multiples of 2^32 from lo into hi, so lo stays far below 2^53. */
  private carry(groups: number): void {
    const lo = this.lo,
      hi = this.hi;
    for (let g = 0; g < groups; g++) {
      const q = Math.floor(lo[g]! / TWO_32);
      if (q !== 0) {
        hi[g] += q;
        lo[g] -= q * TWO_32;
      }
    }
    this.sinceCarry = 0;
  }

  result(groups: number): ColumnData {
    this.lo = grownF64(this.lo, groups);
    this.hi = grownF64(this.hi, groups);
    this.counts = grownF64(this.counts, groups);
    this.carry(groups);
    const none = noneMask(this.counts, groups);
    if (this.avg) {
      const data = new Float64Array(groups);
      for (let g = 0; g < groups; g++) {
        if (none[g]) continue;
        const hi = this.hi[g]!,
          lo = this.lo[g]!;
        // Within 2^53 the sum is exact as a number; beyond, BigInt keeps the division's input exact.
        data[g] =
          Math.abs(hi) < 2 ** 20 ? (hi * TWO_32 + lo) / this.counts[g]! : Number(BigInt(hi) * 4294967296n + BigInt(lo)) / this.counts[g]!;
      }
      return nullable(this.out, groups, { kind: 'fixed', data }, none);
    }
    const data = new BigInt64Array(groups);
    const w = words64(data);
    for (let g = 0; g < groups; g++) {
      if (none[g]) continue;
      const hi = this.hi[g]!,
        lo = this.lo[g]!;
      if (hi >= -(2 ** 31) && hi < 2 ** 31) {
        w[2 * g] = lo;
        w[2 * g + 1] = hi;
        continue;
      }
      const s = BigInt(hi) * 4294967296n + BigInt(lo);
      if (s < MIN_I64 || s > MAX_I64) {
        throw badQuery(
          `select: the sum of column ${JSON.stringify(this.source.name)} is ${s}, outside int64; use ${this.source.name}.avg() or narrow the rows with a filter`,
          { parameter: 'select', column: this.source.name },
        );
      }
      data[g] = s;
    }
    return nullable(this.out, groups, { kind: 'fixed', data }, none);
  }
}

class FloatSum implements Accumulator {
  private sums = new Float64Array(0);
  private counts = new Float64Array(0);
  constructor(
    private readonly out: ColumnSchema,
    private readonly avg: boolean,
  ) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const s = (this.sums = grownF64(this.sums, groups));
    const c = (this.counts = grownF64(this.counts, groups));
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const v = (d.values as { data: Float32Array | Float64Array }).data;
    for (let r = 0; r < n; r++) {
      if (!valid(validity, r)) continue;
      const g = gids[r]!;
      s[g] += v[r]!;
      c[g]++;
    }
  }
  result(groups: number): ColumnData {
    this.sums = grownF64(this.sums, groups);
    this.counts = grownF64(this.counts, groups);
    const data = new Float64Array(groups);
    for (let g = 0; g < groups; g++) data[g] = this.avg ? this.sums[g]! / this.counts[g]! : this.sums[g]!;
    return nullable(this.out, groups, { kind: 'fixed', data }, noneMask(this.counts, groups));
  }
}

function numericOutput(fn: 'sum' | 'avg', source: ColumnSchema, ctx: OutputContext): ColumnSchema {
  const p = physicalOf(source.type);
  if ((p !== 'int' && p !== 'float') || source.type === 'date' || source.type === 'timestamp') {
    ctx.reject(
      `${fn}() needs a numeric column; ${JSON.stringify(source.name)} is ${source.type}` +
        (source.type === 'string' || source.type === 'binary' ? '; count it with .count() or .count_distinct()' : ''),
      { function: fn },
    );
  }
  return { name: ctx.name, type: fn === 'avg' || p === 'float' ? 'float64' : 'int64', nullable: true };
}

function summing(source: ColumnSchema, out: ColumnSchema, avg: boolean): Accumulator {
  return physicalOf(source.type) === 'float' ? new FloatSum(out, avg) : new IntSum(out, source, avg);
}

export const sum: AggregateFunction<'sum'> = {
  name: 'sum',
  output: (source, ctx) => numericOutput('sum', source, ctx),
  accumulator: (source, out) => summing(source, out, false),
};

export const avg: AggregateFunction<'avg'> = {
  name: 'avg',
  output: (source, ctx) => numericOutput('avg', source, ctx),
  accumulator: (source, out) => summing(source, out, true),
};
