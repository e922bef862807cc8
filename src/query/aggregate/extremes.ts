// min() and max(), answering in the source column's type; accumulators by physical type: numbers held as float64 (NaN above every number, as in
// PostgreSQL and DuckDB), 64-bit integers by their words, strings and binary by bytes, bool as flags.

import { allocFixed, bitmapBytes, type ColumnData } from '../../format/column.js';
import { words64 } from '../../format/int64.js';
import { physicalOf, type ColumnSchema } from '../../format/schema.js';
import type { Accumulator, AggregateFunction } from './function.js';
import { grownF64, grownI32, grownU8, nullable, valid } from './state.js';

/** min/max of ≤ 32-bit integers, floats and dates, held as float64. */
export class NumberExtreme implements Accumulator {
  private best = new Float64Array(0);
  /** 0: no value yet; 1: an ordinary value in best. */
  private seen = new Uint8Array(0);
  private nans = new Uint8Array(0);
  constructor(
    private readonly out: ColumnSchema,
    private readonly max: boolean,
  ) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const best = (this.best = grownF64(this.best, groups));
    const seen = (this.seen = grownU8(this.seen, groups));
    const nans = (this.nans = grownU8(this.nans, groups));
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const v = (d.values as { data: ArrayLike<number> }).data;
    const max = this.max;
    for (let r = 0; r < n; r++) {
      if (!valid(validity, r)) continue;
      const g = gids[r]!,
        x = v[r]!;
      if (x !== x) {
        nans[g] = 1;
        continue;
      }
      if (seen[g] === 0) {
        best[g] = x;
        seen[g] = 1;
        continue;
      }
      if (max ? x > best[g]! : x < best[g]!) best[g] = x;
    }
  }
  result(groups: number): ColumnData {
    this.best = grownF64(this.best, groups);
    this.seen = grownU8(this.seen, groups);
    this.nans = grownU8(this.nans, groups);
    const data = allocFixed(this.out.type, groups) as Float64Array;
    const none = new Uint8Array(groups);
    for (let g = 0; g < groups; g++) {
      const nan = this.nans[g] === 1,
        seen = this.seen[g] === 1;
      if (!seen && !nan) {
        none[g] = 1;
        continue;
      }
      // NaN sorts above every number: it is the max whenever present, the min only when alone.
      data[g] = (this.max ? nan : !seen) ? NaN : this.best[g]!;
    }
    return nullable(this.out, groups, { kind: 'fixed', data }, none);
  }
}

/** min/max of int64, uint64, timestamp by their words. */
export class WideExtreme implements Accumulator {
  private lo = new Int32Array(0);
  private hi = new Int32Array(0);
  private seen = new Uint8Array(0);
  constructor(
    private readonly out: ColumnSchema,
    private readonly max: boolean,
    private readonly unsigned: boolean,
  ) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const LO = (this.lo = grownI32(this.lo, groups));
    const HI = (this.hi = grownI32(this.hi, groups));
    const seen = (this.seen = grownU8(this.seen, groups));
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const w = words64((d.values as { data: BigInt64Array }).data);
    const flip = this.unsigned ? -0x80000000 : 0,
      max = this.max;
    for (let r = 0; r < n; r++) {
      if (!valid(validity, r)) continue;
      const g = gids[r]!;
      const l = w[2 * r]!,
        h = w[2 * r + 1]!;
      if (seen[g] === 0) {
        LO[g] = l;
        HI[g] = h;
        seen[g] = 1;
        continue;
      }
      const bh = HI[g]!;
      let c = (h ^ flip) - (bh ^ flip);
      if (c === 0) c = (l ^ -0x80000000) - (LO[g]! ^ -0x80000000);
      if (max ? c > 0 : c < 0) {
        LO[g] = l;
        HI[g] = h;
      }
    }
  }
  result(groups: number): ColumnData {
    this.lo = grownI32(this.lo, groups);
    this.hi = grownI32(this.hi, groups);
    this.seen = grownU8(this.seen, groups);
    const data = allocFixed(this.out.type, groups) as BigInt64Array;
    const w = words64(data);
    const none = new Uint8Array(groups);
    for (let g = 0; g < groups; g++) {
      if (this.seen[g] === 0) {
        none[g] = 1;
        continue;
      }
      w[2 * g] = this.lo[g]!;
      w[2 * g + 1] = this.hi[g]!;
    }
    return nullable(this.out, groups, { kind: 'fixed', data }, none);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array, bs: number, be: number): number {
  const la = a.length,
    lb = be - bs,
    l = la < lb ? la : lb;
  for (let k = 0; k < l; k++) {
    const d = a[k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** min/max of strings and binary by bytes (UTF-8 byte order is code point order); one copy per new best. */
export class BytesExtreme implements Accumulator {
  private best: Array<Uint8Array | null> = [];
  constructor(
    private readonly out: ColumnSchema,
    private readonly max: boolean,
  ) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const best = this.best;
    while (best.length < groups) best.push(null);
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const { offsets, data: bytes } = d.values as { offsets: Int32Array; data: Uint8Array };
    for (let r = 0; r < n; r++) {
      if (!valid(validity, r)) continue;
      const g = gids[r]!,
        s = offsets[r]!,
        e = offsets[r + 1]!;
      const b = best[g]!;
      if (b === null || (this.max ? compareBytes(b, bytes, s, e) < 0 : compareBytes(b, bytes, s, e) > 0)) best[g] = bytes.slice(s, e);
    }
  }
  result(groups: number): ColumnData {
    while (this.best.length < groups) this.best.push(null);
    const offsets = new Int32Array(groups + 1);
    const none = new Uint8Array(groups);
    for (let g = 0; g < groups; g++) {
      const b = this.best[g]!;
      if (b === null) none[g] = 1;
      offsets[g + 1] = offsets[g]! + (b?.length ?? 0);
    }
    const data = new Uint8Array(offsets[groups]!);
    for (let g = 0; g < groups; g++) if (this.best[g] !== null) data.set(this.best[g]!, offsets[g]!);
    return nullable(this.out, groups, { kind: 'bytes', offsets, data }, none);
  }
}

/** min/max of bool: min is false when any false, max true when any true. */
export class BoolExtreme implements Accumulator {
  private seen = new Uint8Array(0);
  private hit = new Uint8Array(0);
  constructor(
    private readonly out: ColumnSchema,
    private readonly max: boolean,
  ) {}
  add(data: ColumnData | null, gids: Int32Array, n: number, groups: number): void {
    const seen = (this.seen = grownU8(this.seen, groups));
    const hit = (this.hit = grownU8(this.hit, groups));
    const d = data!;
    const validity = d.nullCount > 0 ? d.validity : null;
    const bits = (d.values as { data: Uint8Array }).data;
    const want = this.max ? 1 : 0;
    for (let r = 0; r < n; r++) {
      if (!valid(validity, r)) continue;
      const g = gids[r]!;
      seen[g] = 1;
      if (((bits[r >>> 3]! >>> (r & 7)) & 1) === want) hit[g] = 1;
    }
  }
  result(groups: number): ColumnData {
    this.seen = grownU8(this.seen, groups);
    this.hit = grownU8(this.hit, groups);
    const bits = new Uint8Array(bitmapBytes(groups));
    const none = new Uint8Array(groups);
    for (let g = 0; g < groups; g++) {
      if (this.seen[g] === 0) {
        none[g] = 1;
        continue;
      }
      const v = this.max ? this.hit[g] === 1 : this.hit[g] === 0;
      if (v) bits[g >>> 3]! |= 1 << (g & 7);
    }
    return nullable(this.out, groups, { kind: 'bool', data: bits }, none);
  }
}

function extreme(source: ColumnSchema, out: ColumnSchema, max: boolean): Accumulator {
  const p = physicalOf(source.type);
  if (p === 'bytes') return new BytesExtreme(out, max);
  if (p === 'bool') return new BoolExtreme(out, max);
  if (source.type === 'int64' || source.type === 'uint64' || source.type === 'timestamp') {
    return new WideExtreme(out, max, source.type === 'uint64');
  }
  return new NumberExtreme(out, max);
}

export const min: AggregateFunction<'min'> = {
  name: 'min',
  output: (_source, ctx) => ctx.like,
  accumulator: (source, out) => extreme(source, out, false),
};

export const max: AggregateFunction<'max'> = {
  name: 'max',
  output: (_source, ctx) => ctx.like,
  accumulator: (source, out) => extreme(source, out, true),
};
