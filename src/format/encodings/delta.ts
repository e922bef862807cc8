// `delta` (FORMAT.md §5.6): the first value, the smallest consecutive difference, a width, then each
// difference minus that minimum bit-packed. Sequential ids pack to width 0: 17 header bytes, no data.
// Differences are taken modulo 2^64 on the 64-bit extension and compared as signed, so a 32-bit type
// can need 33 bits; decoding such types only needs the low 32 bits of every sum.

import { pack32, pack64, packedLength, unpack32, unpack64 } from '../bitpack.js';
import { allocFixed, type FixedArray } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { check } from '../errors.js';
import { TWO_32, hiOf, loOf, subHi, subLo, toNumberSigned, words64 } from '../int64.js';
import type { DataType } from '../schema.js';
import { scanInts, type IntStats } from './scan.js';
import type { ValueEncoding } from './codec.js';
import { fixedOf, intBits, isWide, scratchI32 } from './types.js';

const INV_2_32 = 1 / TWO_32;

export function encodeDelta(type: DataType, a: FixedArray, n: number, w: ByteWriter, stats: IntStats = scanInts(type, a, n)): void {
  const { dMinLo, dMinHi, deltaWidth: width } = stats;
  const m = n > 0 ? n - 1 : 0;
  if (isWide(type)) {
    const src = words64(a as BigInt64Array);
    w.i32(n > 0 ? src[0]! : 0);
    w.i32(n > 0 ? src[1]! : 0);
    w.i32(dMinLo);
    w.i32(dMinHi);
    w.u8(width);
    const dst = w.reserve(packedLength(m, width));
    if (width === 0 || m === 0) return;
    const tmp = scratchI32(2 * m);
    let pLo = src[0]!;
    let pHi = src[1]!;
    for (let i = 1; i < n; i++) {
      const lo = src[2 * i]!;
      const hi = src[2 * i + 1]!;
      const dLo = subLo(lo, pLo);
      const dHi = subHi(lo, hi, pLo, pHi);
      tmp[2 * i - 2] = subLo(dLo, dMinLo);
      tmp[2 * i - 1] = subHi(dLo, dHi, dMinLo, dMinHi);
      pLo = lo;
      pHi = hi;
    }
    pack64(tmp, 0, m, width, dst);
    return;
  }
  const v = a as Int32Array; // any ≤ 32-bit integer array reads as exact numbers
  const first = n > 0 ? v[0]! : 0;
  w.i32(loOf(first));
  w.i32(hiOf(first));
  w.i32(dMinLo);
  w.i32(dMinHi);
  w.u8(width);
  const dst = w.reserve(packedLength(m, width));
  if (width === 0 || m === 0) return;
  const dMin = toNumberSigned(dMinLo, dMinHi);
  if (width <= 32) {
    const tmp = scratchI32(m);
    for (let i = 1; i < n; i++) tmp[i - 1] = v[i]! - v[i - 1]! - dMin; // in [0, 2^32): the store keeps its bits
    pack32(tmp, 0, m, width, dst);
  } else {
    const tmp = scratchI32(2 * m);
    for (let i = 1; i < n; i++) {
      const u = v[i]! - v[i - 1]! - dMin; // < 2^34, exact
      tmp[2 * i - 2] = u;
      tmp[2 * i - 1] = Math.floor(u * INV_2_32);
    }
    pack64(tmp, 0, m, width, dst);
  }
}

export function decodeDelta(type: DataType, r: ByteReader, n: number): FixedArray {
  const firstLo = r.i32();
  const firstHi = r.i32();
  const mdLo = r.i32();
  const mdHi = r.i32();
  const width = r.u8();
  const wide = isWide(type);
  const bits = intBits(type);
  const maxWidth = wide ? 64 : bits + 1;
  check(width <= maxWidth, `${r.what}: delta width ${width} exceeds ${maxWidth} for ${type}`);
  const m = n > 0 ? n - 1 : 0;
  const packed = r.take(packedLength(m, width));
  const out = allocFixed(type, n);
  if (n === 0) return out;
  if (wide) {
    const o = words64(out as BigInt64Array);
    if (width === 0) {
      prefixWideConstant(o, n, firstLo, firstHi, mdLo, mdHi);
    } else if (width <= 32) {
      const tmp = scratchI32(m);
      unpack32(packed, m, width, tmp, 0);
      prefixWide32(o, n, firstLo, firstHi, mdLo, mdHi, tmp);
    } else {
      unpack64(packed, m, width, o, 1);
      prefixWide(o, n, firstLo, firstHi, mdLo, mdHi);
    }
    return out;
  }
  let v = firstLo;
  if (width === 0) {
    const o = out as Int32Array; // narrower stores keep the low bits, which is the modular sum
    o[0] = v;
    for (let i = 1; i < n; i++) {
      v = (v + mdLo) | 0;
      o[i] = v;
    }
  } else if (bits === 32) {
    const o = new Int32Array(out.buffer, 0, n);
    unpack32(packed, m, width, o, 1);
    o[0] = v;
    for (let i = 1; i < n; i++) {
      v = (v + mdLo + o[i]!) | 0;
      o[i] = v;
    }
  } else {
    const tmp = scratchI32(m);
    unpack32(packed, m, width, tmp, 0);
    const o = out as Int32Array;
    o[0] = v;
    for (let i = 1; i < n; i++) {
      v = (v + mdLo + tmp[i - 1]!) | 0;
      o[i] = v;
    }
  }
  return out;
}

const SIGN = -0x80000000;

/** o[i] = o[i−1] + minDelta: every difference was minDelta (width 0). */
function prefixWideConstant(o: Int32Array, n: number, lo: number, hi: number, mdLo: number, mdHi: number): void {
  o[0] = lo;
  o[1] = hi;
  for (let i = 2; i < 2 * n; i += 2) {
    const s = (lo + mdLo) | 0;
    hi = (hi + mdHi + ((s ^ SIGN) < (lo ^ SIGN) ? 1 : 0)) | 0;
    lo = s;
    o[i] = lo;
    o[i + 1] = hi;
  }
}

/** o[i] = o[i−1] + minDelta + u[i−1] with 32-bit u. */
function prefixWide32(o: Int32Array, n: number, lo: number, hi: number, mdLo: number, mdHi: number, u: Int32Array): void {
  o[0] = lo;
  o[1] = hi;
  for (let i = 1; i < n; i++) {
    const s = (lo + mdLo) | 0;
    const t = (s + u[i - 1]!) | 0;
    hi = (hi + mdHi + ((s ^ SIGN) < (lo ^ SIGN) ? 1 : 0) + ((t ^ SIGN) < (s ^ SIGN) ? 1 : 0)) | 0;
    lo = t;
    o[2 * i] = lo;
    o[2 * i + 1] = hi;
  }
}

/** In place: o holds the 64-bit differences u at pairs 1..n−1; turns them into the values. */
function prefixWide(o: Int32Array, n: number, lo: number, hi: number, mdLo: number, mdHi: number): void {
  o[0] = lo;
  o[1] = hi;
  for (let i = 2; i < 2 * n; i += 2) {
    const s = (lo + mdLo) | 0;
    const t = (s + o[i]!) | 0;
    hi = (hi + mdHi + o[i + 1]! + ((s ^ SIGN) < (lo ^ SIGN) ? 1 : 0) + ((t ^ SIGN) < (s ^ SIGN) ? 1 : 0)) | 0;
    lo = t;
    o[i] = lo;
    o[i + 1] = hi;
  }
}

export const delta: ValueEncoding<'delta', { stats?: IntStats }> = {
  name: 'delta',
  applies: (p) => p === 'int',
  encode: (type, values, n, w, _depth, plan) => encodeDelta(type, fixedOf(type, values), n, w, plan.stats),
  decode: (type, r, n) => ({ kind: 'fixed', data: decodeDelta(type, r, n) }),
};
