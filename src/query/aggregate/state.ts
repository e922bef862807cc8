// Accumulator state: typed arrays indexed by group id that grow as groups appear, and the helpers
// that turn them into answer columns (int64 counts without a BigInt per value, null masks).

import { bitmapBytes, type ColumnData } from '../../format/column.js';
import { words64, TWO_32 } from '../../format/int64.js';
import type { ColumnSchema } from '../../format/schema.js';

export function grownF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

export function grownU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

export function grownI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

export function valid(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >>> 3]! & (1 << (i & 7))) !== 0;
}

/** Counts (< 2^53) as an int64 column without a BigInt per value. */
export function int64Column(out: ColumnSchema, counts: Float64Array, groups: number, nulls: Uint8Array | null = null): ColumnData {
  const data = new BigInt64Array(groups);
  const w = words64(data);
  for (let g = 0; g < groups; g++) {
    const c = counts[g]!;
    w[2 * g] = c % TWO_32;
    w[2 * g + 1] = Math.floor(c / TWO_32);
  }
  return nullable(out, groups, { kind: 'fixed', data }, nulls);
}

/** A column whose group g is null where `isNull[g]` is 1. */
export function nullable(out: ColumnSchema, groups: number, values: ColumnData['values'], isNull: Uint8Array | null): ColumnData {
  let validity: Uint8Array | null = null,
    nullCount = 0;
  if (isNull !== null) {
    for (let g = 0; g < groups; g++) {
      if (isNull[g] === 0) continue;
      validity ??= new Uint8Array(bitmapBytes(groups)).fill(0xff);
      validity[g >>> 3]! &= ~(1 << (g & 7));
      nullCount++;
    }
  }
  return { type: out.type, length: groups, nullCount, validity, values };
}

/** Groups with no counted value (count 0) as a null mask. */
export function noneMask(counts: Float64Array, groups: number): Uint8Array {
  const m = new Uint8Array(groups);
  for (let g = 0; g < groups; g++) m[g] = counts[g] === 0 ? 1 : 0;
  return m;
}
