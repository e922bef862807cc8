// `bss`, byte stream split (FORMAT.md §5.7): stream k holds byte k of every value. The size does not
// change; it groups the slowly varying sign/exponent bytes so zstd compresses floats better. Both
// directions work a 32-bit word at a time, so values stay bit-exact (NaN payloads, −0).

import { allocFixed, type FixedArray } from '../column.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { byteWidthOf, type DataType } from '../schema.js';
import type { ValueEncoding } from './codec.js';
import { fixedOf } from './types.js';

export function encodeBss(type: DataType, a: FixedArray, n: number, w: ByteWriter): void {
  const width = byteWidthOf(type);
  const dst = w.reserve(n * width);
  const src = new Int32Array(a.buffer, a.byteOffset, (n * width) >>> 2);
  if (width === 8) {
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i]!;
      const hi = src[2 * i + 1]!;
      dst[i] = lo;
      dst[n + i] = lo >>> 8;
      dst[2 * n + i] = lo >>> 16;
      dst[3 * n + i] = lo >>> 24;
      dst[4 * n + i] = hi;
      dst[5 * n + i] = hi >>> 8;
      dst[6 * n + i] = hi >>> 16;
      dst[7 * n + i] = hi >>> 24;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      dst[i] = v;
      dst[n + i] = v >>> 8;
      dst[2 * n + i] = v >>> 16;
      dst[3 * n + i] = v >>> 24;
    }
  }
}

export function decodeBss(type: DataType, r: ByteReader, n: number): FixedArray {
  const width = byteWidthOf(type);
  const s = r.take(n * width);
  const out = allocFixed(type, n);
  const o = new Int32Array(out.buffer, 0, (n * width) >>> 2);
  const n2 = 2 * n,
    n3 = 3 * n,
    n4 = 4 * n,
    n5 = 5 * n,
    n6 = 6 * n,
    n7 = 7 * n;
  if (width === 8) {
    for (let i = 0; i < n; i++) {
      o[2 * i] = s[i]! | (s[n + i]! << 8) | (s[n2 + i]! << 16) | (s[n3 + i]! << 24);
      o[2 * i + 1] = s[n4 + i]! | (s[n5 + i]! << 8) | (s[n6 + i]! << 16) | (s[n7 + i]! << 24);
    }
  } else {
    for (let i = 0; i < n; i++) {
      o[i] = s[i]! | (s[n + i]! << 8) | (s[n2 + i]! << 16) | (s[n3 + i]! << 24);
    }
  }
  return out;
}

export const bss: ValueEncoding<'bss'> = {
  name: 'bss',
  applies: (p) => p === 'float',
  encode: (type, values, n, w) => encodeBss(type, fixedOf(type, values), n, w),
  decode: (type, r, n) => ({ kind: 'fixed', data: decodeBss(type, r, n) }),
};
