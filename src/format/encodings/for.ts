// `for`, frame of reference (FORMAT.md §5.5): the minimum as an 8-byte word, a width, then every
// value minus the minimum bit-packed. Arithmetic is modulo 2^64 on the 64-bit extension; for types of
// 32 bits or less only the low word matters, so those decode with plain 32-bit ops.

import { pack32, pack64, packedLength, unpack32, unpack64 } from '../bitpack.js';
import { allocFixed, type FixedArray } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { check } from '../errors.js';
import { subHi, subLo, words64 } from '../int64.js';
import type { DataType } from '../schema.js';
import { scanInts, type IntStats } from './scan.js';
import type { ValueEncoding } from './codec.js';
import { fixedOf, intBits, isWide, scratchI32 } from './types.js';

const SIGN = -0x80000000;

export function encodeFor(type: DataType, a: FixedArray, n: number, w: ByteWriter, stats: IntStats = scanInts(type, a, n)): void {
  const { minLo, minHi, forWidth: width } = stats;
  w.i32(minLo);
  w.i32(minHi);
  w.u8(width);
  const dst = w.reserve(packedLength(n, width));
  if (width === 0) return;
  if (isWide(type)) {
    const src = words64(a as BigInt64Array);
    if (width <= 32) {
      pack32(src, 0, n, width, dst, 2, minLo); // value − min < 2^32: the low words' difference
    } else {
      const tmp = scratchI32(2 * n);
      for (let i = 0; i < n; i++) {
        const lo = src[2 * i]!;
        tmp[2 * i] = subLo(lo, minLo);
        tmp[2 * i + 1] = subHi(lo, src[2 * i + 1]!, minLo, minHi);
      }
      pack64(tmp, 0, n, width, dst);
    }
  } else if (a.BYTES_PER_ELEMENT === 4) {
    // int32, uint32, date: the same bits as an Int32Array; value − min < 2^32 is their difference mod 2^32
    pack32(new Int32Array(a.buffer, a.byteOffset, n), 0, n, width, dst, 1, minLo);
  } else {
    const v = a as Int16Array;
    const tmp = scratchI32(n);
    for (let i = 0; i < n; i++) tmp[i] = v[i]!;
    pack32(tmp, 0, n, width, dst, 1, minLo);
  }
}

export function decodeFor(type: DataType, r: ByteReader, n: number): FixedArray {
  const refLo = r.i32();
  const refHi = r.i32();
  const width = r.u8();
  const bits = intBits(type);
  check(width <= bits, `${r.what}: for width ${width} exceeds the ${bits} bits of ${type}`);
  const packed = r.take(packedLength(n, width));
  const out = allocFixed(type, n);
  if (n === 0) return out;
  if (isWide(type)) {
    const o = words64(out as BigInt64Array);
    if (width <= 32) {
      // One pass: value = ref + u, where u < 2^32 carries at most 1 into the high word.
      const tmp = scratchI32(n);
      unpack32(packed, n, width, tmp, 0);
      const rl = refLo ^ SIGN;
      for (let i = 0; i < n; i++) {
        const lo = (tmp[i]! + refLo) | 0;
        o[2 * i] = lo;
        o[2 * i + 1] = (lo ^ SIGN) < rl ? (refHi + 1) | 0 : refHi;
      }
      return out;
    }
    unpack64(packed, n, width, o, 0);
    const rl = refLo ^ SIGN;
    for (let i = 0; i < 2 * n; i += 2) {
      const lo = (o[i]! + refLo) | 0;
      o[i] = lo;
      o[i + 1] = (o[i + 1]! + refHi + ((lo ^ SIGN) < rl ? 1 : 0)) | 0;
    }
  } else if (width === 0) {
    (out as Int32Array).fill(refLo);
  } else if (bits === 32) {
    unpack32(packed, n, width, new Int32Array(out.buffer, 0, n), 0, 1, refLo);
  } else {
    const tmp = scratchI32(n);
    unpack32(packed, n, width, tmp, 0, 1, refLo);
    (out as Int16Array).set(tmp.subarray(0, n)); // 8- and 16-bit stores keep the low bits: the modular sum
  }
  return out;
}

const SAFE = 2 ** 52;

/**
 * Reads a `for` payload of n int64 values straight into doubles, for decimal mantissas (§5.8), when
 * that is exact and cheap: width ≤ 32 and |ref| < 2^52. Otherwise returns false and leaves r as it was.
 */
export function decodeForAsNumbers(r: ByteReader, n: number, out: Float64Array): boolean {
  if (r.remaining < 9) return false;
  const start = r.offset;
  const refLo = r.i32();
  const refHi = r.i32();
  const width = r.u8();
  const ref = refHi * 4294967296 + (refLo >>> 0);
  if (width > 32 || !(Math.abs(ref) < SAFE)) {
    r.offset = start;
    return false;
  }
  const packed = r.take(packedLength(n, width));
  const tmp = scratchI32(n);
  unpack32(packed, n, width, tmp, 0);
  for (let i = 0; i < n; i++) out[i] = ref + (tmp[i]! >>> 0);
  return true;
}

/** Named `forEncoding` because `for` is a keyword. */
export const forEncoding: ValueEncoding<'for', { stats?: IntStats }> = {
  name: 'for',
  applies: (p) => p === 'int',
  encode: (type, values, n, w, _depth, plan) => encodeFor(type, fixedOf(type, values), n, w, plan.stats),
  decode: (type, r, n) => ({ kind: 'fixed', data: decodeFor(type, r, n) }),
};
