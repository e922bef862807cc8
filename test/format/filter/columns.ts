// Test-only builders for the filter tests: ColumnData from plain JS values, and chunk statistics
// computed the obvious way (one value at a time), independent of the code under test.

import type { ColumnData } from '../../../src/format/column.js';
import type { DataType } from '../../../src/format/schema.js';
import type { ChunkStats } from '../../../src/format/stats.js';

/** A cell: number (ints ≤ 32 bits, floats, date days), bigint (64-bit, timestamp), boolean, string, bytes, or null. */
export type Cell = number | bigint | boolean | string | Uint8Array | null;

const enc = new TextEncoder();

export function column(type: DataType, cells: readonly Cell[]): ColumnData {
  const n = cells.length;
  const validity = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  cells.forEach((c, i) => {
    if (c === null) nulls++;
    else validity[i >> 3]! |= 1 << (i % 8);
  });
  const base = { type, length: n, nullCount: nulls, validity: nulls > 0 ? validity : null };
  switch (type) {
    case 'bool': {
      const bits = new Uint8Array(Math.ceil(n / 8));
      // Null slots get a value too, to show they are never read as data.
      cells.forEach((c, i) => {
        if (c === true || (c === null && i % 2 === 0)) bits[i >> 3]! |= 1 << (i % 8);
      });
      return { ...base, values: { kind: 'bool', data: bits } };
    }
    case 'string':
    case 'binary': {
      const parts = cells.map((c) => (c === null ? enc.encode('null slot') : typeof c === 'string' ? enc.encode(c) : (c as Uint8Array)));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, i) => {
        offsets[i + 1] = offsets[i]! + p.length;
      });
      const data = new Uint8Array(offsets[n]!);
      parts.forEach((p, i) => data.set(p, offsets[i]!));
      return { ...base, values: { kind: 'bytes', offsets, data } };
    }
    case 'int64':
    case 'timestamp': {
      const data = new BigInt64Array(n);
      cells.forEach((c, i) => {
        data[i] = c === null ? 7n : (c as bigint);
      });
      return { ...base, values: { kind: 'fixed', data } };
    }
    case 'uint64': {
      const data = new BigUint64Array(n);
      cells.forEach((c, i) => {
        data[i] = c === null ? 7n : (c as bigint);
      });
      return { ...base, values: { kind: 'fixed', data } };
    }
    default: {
      const Ctor = {
        int8: Int8Array,
        int16: Int16Array,
        int32: Int32Array,
        date: Int32Array,
        uint8: Uint8Array,
        uint16: Uint16Array,
        uint32: Uint32Array,
        float32: Float32Array,
        float64: Float64Array,
      }[type as 'int8'];
      const data = new Ctor(n);
      cells.forEach((c, i) => {
        data[i] = c === null ? 7 : (c as number);
      });
      return { ...base, values: { kind: 'fixed', data } };
    }
  }
}

/** UTF-8 (strings) or the bytes themselves (binary). */
export function bytesOf(c: string | Uint8Array): Uint8Array {
  return typeof c === 'string' ? enc.encode(c) : c;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Chunk statistics as FORMAT.md §7 defines them. `truncate` (strings/binary) cuts bounds to that many
 * bytes: min to its prefix, max to a prefix with the last non-0xFF byte incremented (or omitted).
 */
export function statsOf(type: DataType, cells: readonly Cell[], truncate?: number): ChunkStats {
  const s: ChunkStats = { nulls: 0, minExact: true, maxExact: true };
  let nans = 0;
  let min: Cell = null,
    max: Cell = null;
  const less = (a: Cell, b: Cell): boolean => {
    if (a instanceof Uint8Array || typeof a === 'string') return cmpBytes(bytesOf(a), bytesOf(b as string)) < 0;
    return (a as number) < (b as number);
  };
  for (const c of cells) {
    if (c === null) {
      s.nulls++;
      continue;
    }
    if (typeof c === 'number' && Number.isNaN(c)) {
      nans++;
      continue;
    }
    if (min === null || less(c, min)) min = c;
    if (max === null || less(max, c)) max = c;
  }
  if (type === 'float32' || type === 'float64') s.nans = nans;
  if (min === null) return s;
  if (type === 'string' || type === 'binary') {
    let lo = bytesOf(min as string),
      hi: Uint8Array | undefined = bytesOf(max as string);
    if (truncate !== undefined && lo.length > truncate) {
      lo = lo.slice(0, truncate);
      s.minExact = false;
    }
    if (truncate !== undefined && hi.length > truncate) {
      s.maxExact = false;
      let k = truncate - 1;
      while (k >= 0 && hi[k] === 0xff) k--;
      if (k < 0) hi = undefined;
      else {
        const t = hi.slice(0, k + 1);
        t[k]!++;
        hi = t;
      }
    }
    s.min = lo;
    if (hi !== undefined) s.max = hi;
    return s;
  }
  s.min = min as number | bigint | boolean;
  s.max = max as number | bigint | boolean;
  return s;
}
