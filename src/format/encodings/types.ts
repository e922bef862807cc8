// Type families and memory views shared by the encodings: the integer "bits view" of a fixed column (so copies stay bit-exact for
// floats and NaN payloads), and aligned typed-array construction for decoded values.

import { NCFError } from '../errors.js';
import { allocFixed, type FixedArray, type Values } from '../column.js';
import { byteWidthOf, physicalOf, type DataType } from '../schema.js';

/** Depth of the deepest nested block a reader accepts (FORMAT.md §5). The top payload is depth 0. */
export const MAX_DEPTH = 3;

export function isInteger(type: DataType): boolean {
  return physicalOf(type) === 'int';
}

/** 64-bit integer-or-float types whose values are handled as (lo, hi) word pairs. */
export function isWide(type: DataType): boolean {
  return byteWidthOf(type) === 8;
}

/** Bit width of one value of an integer type. */
export function intBits(type: DataType): number {
  return byteWidthOf(type) * 8;
}

/** The fixed array of a Values, or a STATE error naming the mismatch. */
export function fixedOf(type: DataType, values: Values): FixedArray {
  if (values.kind !== 'fixed') throw new NCFError('STATE', `ncf: ${type} values must be a fixed-width array, got ${values.kind}`);
  return values.data;
}

export function bytesOf(type: DataType, values: Values): { offsets: Int32Array; data: Uint8Array } {
  if (values.kind !== 'bytes') throw new NCFError('STATE', `ncf: ${type} values must be offsets + bytes, got ${values.kind}`);
  return values;
}

export type BitsArray = Int8Array | Int16Array | Int32Array;

/**
 * The integer view of a fixed array's memory with one element per value (1, 2, 4 bytes) or an
 * Int32Array of (lo, hi) pairs for 8-byte values. Copying through it keeps floats bit-exact; signed
 * elements keep V8 on its fast int32 paths (int64.ts).
 */
export function bitsView(a: FixedArray): BitsArray {
  const { buffer, byteOffset, byteLength } = a;
  switch (a.BYTES_PER_ELEMENT) {
    case 1:
      return new Int8Array(buffer, byteOffset, byteLength);
    case 2:
      return new Int16Array(buffer, byteOffset, byteLength >>> 1);
    default:
      return new Int32Array(buffer, byteOffset, byteLength >>> 2);
  }
}

/** A typed array of `type` over `n` values starting at `byteOffset` (which must be aligned). */
export function fixedView(type: DataType, buffer: ArrayBufferLike, byteOffset: number, n: number): FixedArray {
  switch (type) {
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'int32':
    case 'date':
      return new Int32Array(buffer, byteOffset, n);
    case 'int64':
    case 'timestamp':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, n);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, n);
    case 'uint64':
      return new BigUint64Array(buffer, byteOffset, n);
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    default:
      throw new NCFError('STATE', `ncf: ${type} is not a fixed-width type`);
  }
}

/** Checks that a Values holds at least n values of the kind `type` needs; STATE error otherwise. */
export function checkValues(type: DataType, values: Values, n: number): void {
  const p = physicalOf(type);
  let have: number;
  if (p === 'bool') {
    if (values.kind !== 'bool') throw new NCFError('STATE', `ncf: bool values must be a bitmap, got ${values.kind}`);
    have = values.data.length * 8;
  } else if (p === 'bytes') {
    have = bytesOf(type, values).offsets.length - 1;
  } else {
    const a = fixedOf(type, values);
    const expected = allocFixed(type, 0).constructor;
    if (a.constructor !== expected) {
      throw new NCFError('STATE', `ncf: ${type} values must be a ${expected.name}, got ${a.constructor.name}`);
    }
    have = a.length;
  }
  if (!(n >= 0 && n <= have)) throw new NCFError('STATE', `ncf: asked to encode ${n} ${type} values but only ${have} are given`);
}

let scratch = new Int32Array(0);

/**
 * A reused Int32Array of at least `len` elements for a leaf encoder's or decoder's temporary values
 * (never held across a nested block, so one buffer serves every caller).
 */
export function scratchI32(len: number): Int32Array {
  if (scratch.length < len) scratch = new Int32Array(Math.max(len, Math.min(scratch.length * 2, 1 << 24)));
  return scratch;
}
