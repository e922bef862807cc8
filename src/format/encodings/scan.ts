// One pass over integer values that measures what the integer encodings need: min and max (for
// `for`), the signed range of consecutive differences (for `delta`) and the number of runs (for
// `rle`). Numbers are kept as 64-bit two's-complement (lo, hi) int32 halves (int64.ts), the form
// FORMAT.md §5 stores them in.

import type { FixedArray } from '../column.js';
import { TWO_32, bitLength64, hiOf, loOf, subHi, subLo, words64 } from '../int64.js';
import { isSigned, type DataType } from '../schema.js';
import { isWide } from './types.js';

/** Rows per call of a block function. The number scans run as a small function called once per
 *  block, which V8 soon optimises as a whole; one long loop would keep running as on-stack-replaced
 *  code, which boxes its double variables and is about twice as slow. */
const BLOCK = 4096;
/** Loop state of the number scans between blocks: prev, min, max, dMin, dMax, runs. */
const state = new Float64Array(6);

export interface IntStats {
  n: number;
  minLo: number;
  minHi: number;
  maxLo: number;
  maxHi: number;
  /** Smallest consecutive difference, signed 64-bit (0 when n ≤ 1). */
  dMinLo: number;
  dMinHi: number;
  /** Bits per value of `for` (bit length of max − min) and of `delta` (of dMax − dMin). */
  forWidth: number;
  deltaWidth: number;
  /** Number of runs of equal consecutive values. */
  runs: number;
  /** False when the scan stopped early because only plain (or dict) could pay off; the other
   *  fields then describe a prefix and must not drive `for`, `delta` or `rle`. */
  exact: boolean;
}

/**
 * Scans values [0, n). With `mayGiveUp`, a scan of 64-bit values stops once both ranges span 62+
 * bits and values rarely repeat (random ids, hashes), since no integer encoding can beat plain then.
 */
export function scanInts(type: DataType, a: FixedArray, n: number, mayGiveUp = false): IntStats {
  if (n === 0) {
    return { n, minLo: 0, minHi: 0, maxLo: 0, maxHi: 0, dMinLo: 0, dMinHi: 0, forWidth: 0, deltaWidth: 0, runs: 0, exact: true };
  }
  if (!isWide(type)) return scanSmall(a, n);
  const w = words64(a as BigInt64Array);
  const signed = isSigned(type);
  return (signed && scanWideSafe(w, n)) || scanWideExact(w, n, signed, mayGiveUp);
}

function scanSmall(a: FixedArray, n: number): IntStats {
  const first = (a as Int32Array)[0]!;
  const st = state;
  st[0] = first;
  st[1] = first;
  st[2] = first;
  st[3] = n > 1 ? Infinity : 0;
  st[4] = n > 1 ? -Infinity : 0;
  st[5] = 1;
  for (let start = 1; start < n; start += BLOCK) scanSmallBlock(a as Int32Array, start, Math.min(n, start + BLOCK), st);
  return statsOfNumbers(n, st[1]!, st[2]!, st[3]!, st[4]!, st[5]!);
}

/** Rows [from, to) of any ≤ 32-bit integer array (they read as exact numbers). */
function scanSmallBlock(v: Int32Array, from: number, to: number, st: Float64Array): void {
  let prev = st[0]!,
    min = st[1]!,
    max = st[2]!,
    dMin = st[3]!,
    dMax = st[4]!,
    runs = st[5]!;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    if (x < min) min = x;
    else if (x > max) max = x;
    const d = x - prev;
    if (d < dMin) dMin = d;
    if (d > dMax) dMax = d;
    if (d !== 0) runs++;
    prev = x;
  }
  st[0] = prev;
  st[1] = min;
  st[2] = max;
  st[3] = dMin;
  st[4] = dMax;
  st[5] = runs;
}

/** Statistics from exact integer-valued numbers: min, max and differences below 2^53 in magnitude.
 *  The ranges may round, but only upwards past a power of two, so widths are never too small. */
export function statsOfNumbers(n: number, min: number, max: number, dMin: number, dMax: number, runs: number): IntStats {
  const range = max - min;
  const dRange = dMax - dMin;
  return {
    n,
    minLo: loOf(min),
    minHi: hiOf(min),
    maxLo: loOf(max),
    maxHi: hiOf(max),
    dMinLo: loOf(dMin),
    dMinHi: hiOf(dMin),
    forWidth: bitLength64(loOf(range), hiOf(range)),
    deltaWidth: bitLength64(loOf(dRange), hiOf(dRange)),
    runs,
    exact: true,
  };
}

const SIGN = -0x80000000;
/** Values whose high word lies in [−2^20, 2^20) are below 2^52 in magnitude: they, their differences
 *  and ranges are exact doubles, which scan much faster than 64-bit pairs. */
const SAFE_HI = 0x100000;
const SAFE_MASK = ~(2 * SAFE_HI - 1);

/** The double fast path for signed values; null as soon as a value is outside the safe range. */
function scanWideSafe(w: Int32Array, n: number): IntStats | null {
  const hi = w[1]!;
  if (((hi + SAFE_HI) & SAFE_MASK) !== 0) return null;
  const first = hi * TWO_32 + (w[0]! >>> 0);
  const st = state;
  st[0] = first;
  st[1] = first;
  st[2] = first;
  st[3] = n > 1 ? Infinity : 0;
  st[4] = n > 1 ? -Infinity : 0;
  st[5] = 1;
  for (let start = 1; start < n; start += BLOCK) {
    if (!scanSafeBlock(w, start, Math.min(n, start + BLOCK), st)) return null;
  }
  return statsOfNumbers(n, st[1]!, st[2]!, st[3]!, st[4]!, st[5]!);
}

function scanSafeBlock(w: Int32Array, from: number, to: number, st: Float64Array): boolean {
  let prev = st[0]!,
    min = st[1]!,
    max = st[2]!,
    dMin = st[3]!,
    dMax = st[4]!,
    runs = st[5]!;
  for (let i = from; i < to; i++) {
    const hi = w[2 * i + 1]!;
    if (((hi + SAFE_HI) & SAFE_MASK) !== 0) return false;
    const x = hi * TWO_32 + (w[2 * i]! >>> 0);
    if (x < min) min = x;
    else if (x > max) max = x;
    const d = x - prev;
    if (d < dMin) dMin = d;
    if (d > dMax) dMax = d;
    if (d !== 0) runs++;
    prev = x;
  }
  st[0] = prev;
  st[1] = min;
  st[2] = max;
  st[3] = dMin;
  st[4] = dMax;
  st[5] = runs;
  return true;
}

function scanWideExact(w: Int32Array, n: number, signed: boolean, mayGiveUp: boolean): IntStats {
  // Values are compared as signed int32 pairs after biasing: lo always gets its sign flipped
  // (unsigned order), hi too for uint64. Differences compare as signed 64-bit (FORMAT.md §5.6).
  const flip = signed ? 0 : SIGN;
  let pLo = w[0]!;
  let pHi = w[1]!;
  let minLo = pLo ^ SIGN,
    minHi = pHi ^ flip,
    maxLo = minLo,
    maxHi = minHi;
  let dMinLo = 0x7fffffff,
    dMinHi = 0x7fffffff,
    dMaxLo = SIGN,
    dMaxHi = SIGN; // biased lo
  let runs = 1;
  let exact = true;
  for (let start = 1; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let i = start; i < end; i++) {
      const lo = w[2 * i]!;
      const hi = w[2 * i + 1]!;
      const bl = lo ^ SIGN;
      const bh = hi ^ flip;
      if (bh < minHi || (bh === minHi && bl < minLo)) {
        minLo = bl;
        minHi = bh;
      }
      if (bh > maxHi || (bh === maxHi && bl > maxLo)) {
        maxLo = bl;
        maxHi = bh;
      }
      const dLo = (lo - pLo) | 0;
      const dHi = (hi - pHi - (bl < (pLo ^ SIGN) ? 1 : 0)) | 0;
      const dbl = dLo ^ SIGN;
      if (dHi < dMinHi || (dHi === dMinHi && dbl < dMinLo)) {
        dMinLo = dbl;
        dMinHi = dHi;
      }
      if (dHi > dMaxHi || (dHi === dMaxHi && dbl > dMaxLo)) {
        dMaxLo = dbl;
        dMaxHi = dHi;
      }
      if ((dLo | dHi) !== 0) runs++;
      pLo = lo;
      pHi = hi;
    }
    // Range high words ≥ 2^29 mean ranges of 62+ bits.
    if (
      mayGiveUp &&
      end < n &&
      runs > end >>> 1 &&
      (maxHi - minHi - ((maxLo ^ SIGN) >>> 0 < (minLo ^ SIGN) >>> 0 ? 1 : 0)) >>> 0 >= 0x20000000 &&
      (dMaxHi - dMinHi - (dMaxLo < dMinLo ? 1 : 0)) >>> 0 >= 0x20000000
    ) {
      exact = false;
      break;
    }
  }
  minLo ^= SIGN;
  maxLo ^= SIGN;
  minHi ^= flip;
  maxHi ^= flip;
  if (n === 1) dMinLo = dMinHi = dMaxLo = dMaxHi = 0;
  else {
    dMinLo ^= SIGN;
    dMaxLo ^= SIGN;
  }
  return {
    n,
    minLo,
    minHi,
    maxLo,
    maxHi,
    dMinLo,
    dMinHi,
    forWidth: exact ? bitLength64(subLo(maxLo, minLo), subHi(maxLo, maxHi, minLo, minHi)) : 64,
    deltaWidth: exact ? bitLength64(subLo(dMaxLo, dMinLo), subHi(dMaxLo, dMaxHi, dMinLo, dMinHi)) : 64,
    runs: exact ? runs : n,
    exact,
  };
}
