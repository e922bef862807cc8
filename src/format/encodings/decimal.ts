// `decimal` (FORMAT.md §5.8): floats that are short decimals (prices like 12.34) stored as a scale e
// and a nested block of int64 mantissas m, value = m / 10^e as one IEEE division (float32: rounded
// once more to single). The writer picks the smallest e that makes every value round-trip bit-exactly
// and refuses NaN, ±Inf, −0 and mantissas beyond 2^52 (so m and differences of two m are exact
// doubles, for the decoder and for measuring the mantissas).

import type { FixedArray } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { NCFError, check } from '../errors.js';
import { TWO_32, hiOf, loOf, words64 } from '../int64.js';
import type { DataType } from '../schema.js';
import type { Nest, ValueEncoding } from './codec.js';
import { decodeForAsNumbers } from './for.js';
import { scanInts, statsOfNumbers, type IntStats } from './scan.js';
import { MAX_DEPTH, fixedOf } from './types.js';

export const MAX_SCALE = 18;
const POW10 = Array.from({ length: MAX_SCALE + 1 }, (_, e) => 10 ** e); // all exact doubles
const MAX_MANTISSA = 2 ** 52;
const SAMPLES = 64;

export interface DecimalPlan {
  scale: number;
  /** The n mantissas, and their integer statistics for choosing the nested block's encoding. */
  mantissas: BigInt64Array;
  stats: IntStats;
}

/** Smallest scale at which v round-trips, or −1 if none does (or v is NaN, ±Inf or −0). */
function minScale(v: number, single: boolean): number {
  if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return -1;
  for (let e = 0; e <= MAX_SCALE; e++) {
    const p = POW10[e]!;
    const m = Math.round(v * p);
    if (Math.abs(m) > MAX_MANTISSA) return -1;
    if ((single ? Math.fround(m / p) : m / p) === v) return e;
  }
  return -1;
}

/** Finds the scale and mantissas for `decimal`, or null when some value does not round-trip. */
export function planDecimal(type: DataType, a: FixedArray, n: number): DecimalPlan | null {
  const v = a as Float64Array; // Float32Array reads as the same numbers
  const single = type === 'float32';
  let scale = 0;
  const step = Math.max(1, Math.floor(n / SAMPLES));
  for (let i = 0; i < n; i += step) {
    const e = minScale(v[i]!, single);
    if (e < 0) return null;
    if (e > scale) scale = e;
  }
  const mantissas = new BigInt64Array(n);
  if (n === 0) return { scale, mantissas, stats: scanInts('int64', mantissas, 0) };
  const w = words64(mantissas);
  const st = new Float64Array(6);
  // A value needing a larger scale restarts the pass; scales only grow, so this ends within 19 passes.
  // The pass also measures the mantissas (exact doubles) for the nested block's choice. It runs in
  // blocks so V8 optimises the block function as a whole (see scan.ts on on-stack replacement).
  pass: for (;;) {
    const p = POW10[scale]!;
    st[0] = 0;
    st[1] = Infinity;
    st[2] = -Infinity;
    st[3] = n > 1 ? Infinity : 0;
    st[4] = n > 1 ? -Infinity : 0;
    st[5] = 1;
    for (let start = 0; start < n; start += BLOCK) {
      const bad = mantissaBlock(v, single, p, w, start, Math.min(n, start + BLOCK), st);
      if (bad >= 0) {
        const e = minScale(v[bad]!, single);
        if (e <= scale) return null;
        scale = e;
        continue pass;
      }
    }
    return { scale, mantissas, stats: statsOfNumbers(n, st[1]!, st[2]!, st[3]!, st[4]!, st[5]!) };
  }
}

const BLOCK = 4096;

/** Writes the mantissas of rows [from, to) and updates st (prev, min, max, dMin, dMax, runs); returns
 *  the first row that does not round-trip at this scale, or −1. */
function mantissaBlock(v: Float64Array, single: boolean, p: number, w: Int32Array, from: number, to: number, st: Float64Array): number {
  let prev = st[0]!,
    min = st[1]!,
    max = st[2]!,
    dMin = st[3]!,
    dMax = st[4]!,
    runs = st[5]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    const m = Math.round(x * p);
    const back = single ? Math.fround(m / p) : m / p;
    if (back !== x || (m === 0 && 1 / x < 0) || Math.abs(m) > MAX_MANTISSA) return i;
    if (m >= -0x80000000 && m <= 0x7fffffff) {
      w[2 * i] = m;
      w[2 * i + 1] = m >> 31;
    } else {
      w[2 * i] = loOf(m);
      w[2 * i + 1] = hiOf(m);
    }
    if (m < min) min = m;
    if (m > max) max = m;
    if (i > 0) {
      const d = m - prev;
      if (d < dMin) dMin = d;
      if (d > dMax) dMax = d;
      if (d !== 0) runs++;
    }
    prev = m;
  }
  st[0] = prev;
  st[1] = min;
  st[2] = max;
  st[3] = dMin;
  st[4] = dMax;
  st[5] = runs;
  return -1;
}

export function encodeDecimal(
  type: DataType,
  a: FixedArray,
  n: number,
  w: ByteWriter,
  depth: number,
  nest: Nest,
  plan: DecimalPlan | null = planDecimal(type, a, n),
): void {
  if (plan === null)
    throw new NCFError('STATE', `ncf: decimal cannot encode these ${type} values: some value is NaN, ±Inf, −0 or not a short decimal`);
  w.u8(plan.scale);
  nest.write(w, 'int64', { kind: 'fixed', data: plan.mantissas }, n, depth + 1, plan.stats);
}

export function decodeDecimal(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): FixedArray {
  const scale = r.u8();
  check(scale <= MAX_SCALE, `${r.what}: decimal scale ${scale} exceeds ${MAX_SCALE}`);
  const p = POW10[scale]!;
  const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
  // Fast path for the usual mantissa block, `for` within 32 bits: straight to doubles, no int64 pairs.
  if (depth + 1 <= MAX_DEPTH && nest.peek(r) === 'for') {
    r.offset++;
    const m = out instanceof Float64Array ? out : new Float64Array(n);
    if (decodeForAsNumbers(r, n, m)) {
      // A Float32Array store rounds the double quotient to single, which is the spec's fround.
      for (let i = 0; i < n; i++) out[i] = m[i]! / p;
      return out;
    }
    r.offset--;
  }
  const mv = nest.read('int64', r, n, depth + 1);
  if (mv.kind !== 'fixed') throw new NCFError('STATE', 'ncf: decimal mantissas must be fixed-width');
  const w = words64(mv.data as BigInt64Array);
  for (let i = 0; i < n; i++) out[i] = (w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0)) / p;
  return out;
}

export const decimal: ValueEncoding<'decimal', { decimal?: DecimalPlan }> = {
  name: 'decimal',
  applies: (p) => p === 'float',
  encode: (type, values, n, w, depth, plan, nest) => encodeDecimal(type, fixedOf(type, values), n, w, depth, nest, plan.decimal),
  decode: (type, r, n, depth, nest) => ({ kind: 'fixed', data: decodeDecimal(type, r, n, depth, nest) }),
};
