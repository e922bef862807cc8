// Plain JS values → ColumnData: one loop per column writing straight into typed arrays, with every
// value checked against the column type (FORMAT.md §3). Values come either from an array-like
// (`key` null) or from one property of an array of row objects (`key` the column name), so both input
// shapes share the loops without building an intermediate array.

import { bitmapBytes, type ColumnData, type FixedArray } from './column.js';
import { NCFError } from './errors.js';
import { TWO_32 } from './int64.js';
import type { ColumnSchema, TimeUnit } from './schema.js';

export type Source = ArrayLike<unknown>;
type Row = Record<string, unknown>;

const MS_PER_DAY = 86_400_000;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const encoder = new TextEncoder();

/** Tracks nulls of one column: the bitmap is allocated at the first null. */
class Nulls {
  bits: Uint8Array | null = null;
  count = 0;
  constructor(private readonly n: number) {}
  mark(i: number): void {
    if (this.bits === null) {
      this.bits = new Uint8Array(bitmapBytes(this.n)).fill(0xff);
      if ((this.n & 7) !== 0) this.bits[this.bits.length - 1] = (1 << (this.n & 7)) - 1;
    }
    this.bits[i >>> 3]! &= ~(1 << (i & 7));
    this.count++;
  }
}

function at(src: Source, key: string | null, i: number): unknown {
  return key === null ? src[i] : (src[i] as Row)[key];
}

/** Short printable form of a value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()})`;
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const name = (v as object).constructor?.name ?? 'Object';
  return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
}

export function misfit(col: ColumnSchema, row: number, v: unknown, expected: string): NCFError {
  return new NCFError('SCHEMA', `ncf: column "${col.name}" row ${row}: ${describe(v)} does not fit ${col.type} (expected ${expected})`, {
    column: col.name,
    row,
  });
}

/** Converts n values to ColumnData of `col.type`; null and undefined are nulls. `rowBase` is added
 *  to row numbers in error messages. */
export function jsToColumn(src: Source, key: string | null, n: number, col: ColumnSchema, rowBase = 0): ColumnData {
  const nulls = new Nulls(n);
  let values: ColumnData['values'];
  switch (col.type) {
    case 'int8':
      values = ints(new Int8Array(n), -0x80, 0x7f, src, key, col, nulls, rowBase);
      break;
    case 'int16':
      values = ints(new Int16Array(n), -0x8000, 0x7fff, src, key, col, nulls, rowBase);
      break;
    case 'int32':
      values = ints(new Int32Array(n), -0x80000000, 0x7fffffff, src, key, col, nulls, rowBase);
      break;
    case 'uint8':
      values = ints(new Uint8Array(n), 0, 0xff, src, key, col, nulls, rowBase);
      break;
    case 'uint16':
      values = ints(new Uint16Array(n), 0, 0xffff, src, key, col, nulls, rowBase);
      break;
    case 'uint32':
      values = ints(new Uint32Array(n), 0, 0xffffffff, src, key, col, nulls, rowBase);
      break;
    case 'int64':
      values = ints64(new BigInt64Array(n), true, src, key, col, nulls, rowBase, null);
      break;
    case 'uint64':
      values = ints64(new BigUint64Array(n), false, src, key, col, nulls, rowBase, null);
      break;
    case 'timestamp':
      values = ints64(new BigInt64Array(n), true, src, key, col, nulls, rowBase, col.unit ?? 'us');
      break;
    case 'float32':
      values = floats(new Float32Array(n), src, key, col, nulls, rowBase);
      break;
    case 'float64':
      values = floats(new Float64Array(n), src, key, col, nulls, rowBase);
      break;
    case 'date':
      values = dates(n, src, key, col, nulls, rowBase);
      break;
    case 'bool':
      values = bools(n, src, key, col, nulls, rowBase);
      break;
    case 'string':
      values = strings(n, src, key, col, nulls, rowBase);
      break;
    case 'binary':
      values = binaries(n, src, key, col, nulls, rowBase);
      break;
  }
  return { type: col.type, length: n, nullCount: nulls.count, validity: nulls.bits, values };
}

function ints(
  out: Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array,
  min: number,
  max: number,
  src: Source,
  key: string | null,
  col: ColumnSchema,
  nulls: Nulls,
  rowBase: number,
): ColumnData['values'] {
  for (let i = 0; i < out.length; i++) {
    const v = at(src, key, i);
    if (typeof v === 'number') {
      if (!(Number.isInteger(v) && v >= min && v <= max)) throw misfit(col, rowBase + i, v, `an integer in [${min}, ${max}]`);
      out[i] = v;
    } else if (typeof v === 'bigint') {
      if (!(v >= min && v <= max)) throw misfit(col, rowBase + i, v, `an integer in [${min}, ${max}]`);
      out[i] = Number(v);
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, `an integer in [${min}, ${max}]`);
    }
  }
  return { kind: 'fixed', data: out };
}

const UNIT_PER_MS: Record<TimeUnit, number> = { s: 0, ms: 1, us: 1_000, ns: 1_000_000 };

/** int64, uint64 and timestamp. Numbers are written as (lo, hi) 32-bit halves, so no BigInt is made;
 *  bigint values are stored as they are. For timestamps a Date is converted to `unit`, and numbers
 *  and bigints are taken as already in `unit`. */
function ints64(
  out: BigInt64Array | BigUint64Array,
  signed: boolean,
  src: Source,
  key: string | null,
  col: ColumnSchema,
  nulls: Nulls,
  rowBase: number,
  unit: TimeUnit | null,
): ColumnData['values'] {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.length * 2);
  const range = signed ? 'an integer in [-2^63, 2^63)' : 'an integer in [0, 2^64)';
  const safe = signed
    ? 'a safe integer (|v| ≤ 2^53 − 1; pass larger values as bigint)'
    : 'a safe integer in [0, 2^53 − 1] (pass larger values as bigint)';
  for (let i = 0; i < out.length; i++) {
    const v = at(src, key, i);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || (!signed && v < 0)) throw misfit(col, rowBase + i, v, safe);
      const hi = Math.floor(v / TWO_32);
      words[2 * i] = v - hi * TWO_32;
      words[2 * i + 1] = hi; // typed-array stores wrap modulo 2^32: two's complement for hi < 0
    } else if (typeof v === 'bigint') {
      if (signed ? v < I64_MIN || v > I64_MAX : v < 0n || v > U64_MAX) throw misfit(col, rowBase + i, v, range);
      out[i] = v;
    } else if (v instanceof Date && unit !== null) {
      writeDate(words, i, v, unit, col, rowBase + i);
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, unit === null ? range : `a Date, or an integer or bigint in ${unit}`);
    }
  }
  return { kind: 'fixed', data: out };
}

/** Writes a Date as an int64 count of `unit` since the epoch: exact (ms × 10^k is split into 32-bit
 *  halves with carries), failing when it does not fit or, for seconds, is not a whole second. */
function writeDate(words: Uint32Array, i: number, d: Date, unit: TimeUnit, col: ColumnSchema, row: number): void {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw misfit(col, row, d, 'a valid Date');
  let v: number;
  const f = UNIT_PER_MS[unit];
  if (f === 0) {
    if (ms % 1000 !== 0) throw misfit(col, row, d, 'a whole number of seconds for unit s');
    v = ms / 1000;
  } else if (f === 1) {
    v = ms;
  } else {
    // |ms| ≤ 8.64e15 < 2^53, so hi·f and lo·f are exact; the carry joins them.
    const hi = Math.floor(ms / TWO_32);
    const loProduct = (ms - hi * TWO_32) * f;
    const carry = Math.floor(loProduct / TWO_32);
    const hiProduct = hi * f + carry;
    if (hiProduct < -0x80000000 || hiProduct > 0x7fffffff) throw misfit(col, row, d, `a Date within the int64 range of unit ${unit}`);
    words[2 * i] = loProduct - carry * TWO_32;
    words[2 * i + 1] = hiProduct;
    return;
  }
  const hi = Math.floor(v / TWO_32);
  words[2 * i] = v - hi * TWO_32;
  words[2 * i + 1] = hi;
}

function floats(
  out: Float32Array | Float64Array,
  src: Source,
  key: string | null,
  col: ColumnSchema,
  nulls: Nulls,
  rowBase: number,
): ColumnData['values'] {
  const single = out instanceof Float32Array;
  for (let i = 0; i < out.length; i++) {
    const v = at(src, key, i);
    if (typeof v === 'number') {
      // float32 rounds like any float32 store, but a finite value must not overflow to ±Infinity.
      if (single && Number.isFinite(v) && !Number.isFinite(Math.fround(v)))
        throw misfit(col, rowBase + i, v, 'a number within float32 range');
      out[i] = v;
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, 'a number');
    }
  }
  return { kind: 'fixed', data: out as FixedArray };
}

function dates(n: number, src: Source, key: string | null, col: ColumnSchema, nulls: Nulls, rowBase: number): ColumnData['values'] {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = at(src, key, i);
    if (v instanceof Date) {
      const ms = v.getTime();
      if (!(ms % MS_PER_DAY === 0)) throw misfit(col, rowBase + i, v, 'a Date at midnight UTC (dates are whole days)');
      out[i] = ms / MS_PER_DAY;
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
      out[i] = v; // days since the epoch: the stored form (FORMAT.md §3)
    } else if (
      typeof v === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(v) &&
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) &&
      new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)
    ) {
      out[i] = Date.parse(`${v}T00:00:00Z`) / MS_PER_DAY;
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, 'a Date, a YYYY-MM-DD string or an integer number of days');
    }
  }
  return { kind: 'fixed', data: out };
}

function bools(n: number, src: Source, key: string | null, col: ColumnSchema, nulls: Nulls, rowBase: number): ColumnData['values'] {
  const out = new Uint8Array(bitmapBytes(n));
  for (let i = 0; i < n; i++) {
    const v = at(src, key, i);
    if (v === true) out[i >>> 3]! |= 1 << (i & 7);
    else if (v == null) nulls.mark(i);
    else if (v !== false) throw misfit(col, rowBase + i, v, 'a boolean');
  }
  return { kind: 'bool', data: out };
}

/** UTF-8 encodes straight into one growing buffer: short ASCII strings byte by byte (cheaper than a
 *  call), others with TextEncoder.encodeInto after reserving 3 bytes per UTF-16 unit. */
function strings(n: number, src: Source, key: string | null, col: ColumnSchema, nulls: Nulls, rowBase: number): ColumnData['values'] {
  const offsets = new Int32Array(n + 1);
  let buf: Uint8Array = new Uint8Array(initialBytes(n));
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = at(src, key, i);
    if (typeof v === 'string') {
      const len = v.length;
      if (pos + 3 * len > buf.length) buf = growBytes(buf, pos, 3 * len, col, () => encoder.encode(v).length);
      let ascii = len <= 24;
      if (ascii) {
        for (let k = 0; k < len; k++) {
          const c = v.charCodeAt(k);
          if (c >= 0x80) {
            ascii = false;
            break;
          }
          buf[pos + k] = c;
        }
      }
      if (ascii) {
        pos += len;
      } else {
        // A lone surrogate has no UTF-8 form; TextEncoder would silently turn it into U+FFFD.
        if (!(v as unknown as { isWellFormed(): boolean }).isWellFormed()) {
          throw misfit(col, rowBase + i, v, 'well-formed UTF-16 text: it has a lone surrogate, which UTF-8 cannot hold');
        }
        pos += encoder.encodeInto(v, buf.subarray(pos)).written;
      }
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, 'a string');
    }
    offsets[i + 1] = pos;
  }
  return { kind: 'bytes', offsets, data: buf.subarray(0, pos) };
}

function binaries(n: number, src: Source, key: string | null, col: ColumnSchema, nulls: Nulls, rowBase: number): ColumnData['values'] {
  const offsets = new Int32Array(n + 1);
  let buf: Uint8Array = new Uint8Array(initialBytes(n));
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = at(src, key, i);
    if (v instanceof Uint8Array) {
      if (pos + v.length > buf.length) buf = growBytes(buf, pos, v.length, col);
      buf.set(v, pos);
      pos += v.length;
    } else if (v == null) {
      nulls.mark(i);
    } else {
      throw misfit(col, rowBase + i, v, 'a Uint8Array');
    }
    offsets[i + 1] = pos;
  }
  return { kind: 'bytes', offsets, data: buf.subarray(0, pos) };
}

const MAX_BYTES = 0x7fffffff;

/** A first guess of 8 bytes a value, capped so a huge input does not reserve memory it may not need. */
function initialBytes(n: number): number {
  return Math.min(Math.max(64, n * 8), 1 << 24);
}

/** Grows `buf` (of which `used` bytes are filled) so `room` more bytes fit. `exact` gives the real
 *  byte count when `room` is only a worst case, so a reservation never fails a value that fits. */
function growBytes(buf: Uint8Array, used: number, room: number, col: ColumnSchema, exact?: () => number): Uint8Array {
  let need = used + room;
  if (need > MAX_BYTES && exact !== undefined) need = used + exact();
  if (need > MAX_BYTES) {
    throw new NCFError('LIMIT', `ncf: column "${col.name}": values exceed the ${MAX_BYTES} bytes one column input may hold`, {
      column: col.name,
    });
  }
  if (need <= buf.length) return buf;
  const next = new Uint8Array(Math.min(MAX_BYTES, Math.max(need, buf.length * 2)));
  next.set(buf.subarray(0, used));
  return next;
}
