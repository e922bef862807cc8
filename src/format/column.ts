// In-memory column data: the one representation shared by encoders, decoders, statistics, filters
// and the Arrow bridge. Layouts match Arrow's so converting either way is a view, not a copy.

import type { DataType } from './schema.js';

export type FixedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * Values of one column slice of `length` rows.
 * - fixed: one element per row (date: Int32Array of days; timestamp: BigInt64Array in the column's unit).
 * - bool: LSB-first bitmap, bit i = row i.
 * - bytes: Arrow layout, `offsets` has length+1 entries into `data` (string: UTF-8).
 * Null slots hold unspecified values (writers fill them with something cheap to encode).
 */
export type Values =
  | { kind: 'fixed'; data: FixedArray }
  | { kind: 'bool'; data: Uint8Array }
  | { kind: 'bytes'; offsets: Int32Array; data: Uint8Array };

/** A string/binary chunk kept as its `dict` encoding stores it: the distinct entries and one code
 *  (entry index) per row. Null rows hold some valid code. */
export interface DictCodes {
  codes: Int32Array;
  dict: { kind: 'bytes'; offsets: Int32Array; data: Uint8Array };
}

export interface ColumnData {
  type: DataType;
  length: number;
  nullCount: number;
  /** LSB-first validity bitmap (1 = valid), or null when there are no nulls. */
  validity: Uint8Array | null;
  /** Per-row values. On data with `dictionary` this is computed on first use (dict-column.ts). */
  values: Values;
  /** Set when the reader kept a dictionary chunk as codes (dict-column.ts): code-aware consumers
   *  (filters, take, the Arrow bridge) use it and never touch `values`. */
  dictionary?: DictCodes;
}

export function bitmapBytes(n: number): number {
  return (n + 7) >>> 3;
}

export function isValid(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >>> 3]! & (1 << (i & 7))) !== 0;
}

/** Allocates the typed array that holds `n` values of a fixed-width type. */
export function allocFixed(type: DataType, n: number): FixedArray {
  switch (type) {
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
    case 'date':
      return new Int32Array(n);
    case 'int64':
    case 'timestamp':
      return new BigInt64Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    default:
      throw new Error(`allocFixed: ${type} is not fixed-width`);
  }
}

/** Counts set bits in the first n bits of a bitmap. */
export function popcount(bitmap: Uint8Array, n: number): number {
  let count = 0;
  const full = n >>> 3;
  for (let i = 0; i < full; i++) {
    let b = bitmap[i]!;
    b = b - ((b >>> 1) & 0x55);
    b = (b & 0x33) + ((b >>> 2) & 0x33);
    count += (b + (b >>> 4)) & 0x0f;
  }
  for (let i = full << 3; i < n; i++) if (bitmap[i >>> 3]! & (1 << (i & 7))) count++;
  return count;
}
