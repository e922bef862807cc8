// Aggregate accumulators over dense group ids: each holds typed arrays indexed by group id, adds a
// batch of rows given their group ids, and at the end turns its state into the answer column.
// count → int64; sum of integers → int64, exact (lo and hi 32-bit halves summed separately as
// float64, carried every 2^20 rows), an error when outside int64; sum of floats and avg → float64;
// min/max → the column's type (extremes.ts); count_distinct → int64, by hashing (group, value code)
// pairs. The growable state and the answer-column helpers are in state.ts.

import { badQuery } from '../../http/errors.js';
import type { ColumnData } from '../../format/column.js';
import { words64, TWO_32 } from '../../format/int64.js';
import { physicalOf, type ColumnSchema } from '../../format/schema.js';
import { BoolExtreme, BytesExtreme, NumberExtreme, WideExtreme } from './extremes.js';
import { coderFor, type Coder } from './group.js';
import { WordTable } from './hash.js';
import type { AggFunction } from './parse.js';
import { grownF64, int64Column, noneMask, nullable, valid } from './state.js';

export interface Accumulator {
  /** Adds rows 0..n-1 of `data` (null for count()) to groups gids[0..n-1]; `groups` is the group count. */
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void;
  /** The answer column for groups 0..groups-1. */
  result(groups: number): ColumnData;
}

const SLICE = 1 << 20;
/** (group, value) pairs count_distinct may hold (about 16 bytes each, plus the values' own table). */
export const MAX_DISTINCT_PAIRS = 16_000_000;
const MIN_I64 = -(2n ** 63n),
  MAX_I64 = 2n ** 63n - 1n;

class CountRows implements Accumulator {
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

/** The accumulator of `fn` over `source` (null for count()), answering as column `out`. */
export function accumulatorFor(fn: AggFunction, source: ColumnSchema | null, out: ColumnSchema): Accumulator {
  if (source === null) return new CountRows(out);
  const p = physicalOf(source.type);
  switch (fn) {
    case 'count':
      return new CountValues(out);
    case 'count_distinct':
      return new CountDistinct(out, source);
    case 'sum':
    case 'avg':
      return p === 'float' ? new FloatSum(out, fn === 'avg') : new IntSum(out, source, fn === 'avg');
    case 'min':
    case 'max': {
      const max = fn === 'max';
      if (p === 'bytes') return new BytesExtreme(out, max);
      if (p === 'bool') return new BoolExtreme(out, max);
      if (source.type === 'int64' || source.type === 'uint64' || source.type === 'timestamp') {
        return new WideExtreme(out, max, source.type === 'uint64');
      }
      return new NumberExtreme(out, max);
    }
  }
}
