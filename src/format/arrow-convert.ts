// The Arrow → NCF conversions that cannot be views (arrowDataToColumn in arrow.ts dispatches here):
// dictionary decoding, 64-bit string offsets, Date64 and timestamp units, half floats and numeric
// type changes. Each checks that the result is exact and names the column and row when it is not.

import type * as arrow from 'apache-arrow';
import { sliceBits } from './bitmap.js';
import { allocFixed, type ColumnData, type FixedArray, type Values } from './column.js';
import { concatColumns } from './column-builder.js';
import { NCFError } from './errors.js';
import { TWO_32 } from './int64.js';
import { jsToColumn } from './js-column.js';
import { TIME_UNITS, type ColumnSchema } from './schema.js';

const MAX_BYTES = 0x7fffffff;
const MS_PER_DAY = 86_400_000;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function isValid(validity: Uint8Array | null, i: number): boolean {
  return validity === null || ((validity[i >>> 3]! >>> (i & 7)) & 1) !== 0;
}

/** Utf8/Binary (Int32 offsets) or LargeUtf8/LargeBinary (BigInt64 offsets, already sliced by Arrow)
 *  as bytes values whose offsets start at 0. A view when they already do. */
export function rebaseOffsets(offsets: Int32Array | BigInt64Array, bytes: Uint8Array, n: number, col: ColumnSchema): Values {
  if (n === 0) return { kind: 'bytes', offsets: new Int32Array(1), data: new Uint8Array(0) };
  let b0: number, b1: number;
  let words: Uint32Array | null = null;
  if (offsets instanceof Int32Array) {
    b0 = offsets[0]!;
    b1 = offsets[n]!;
  } else {
    words = new Uint32Array(offsets.buffer, offsets.byteOffset, (n + 1) * 2);
    b0 = (words[1]! | 0) * TWO_32 + words[0]!;
    b1 = (words[2 * n + 1]! | 0) * TWO_32 + words[2 * n]!;
    if (b1 - b0 > MAX_BYTES) {
      throw new NCFError(
        'LIMIT',
        `ncf: column "${col.name}": a 64-bit-offset Arrow chunk holds ${b1 - b0} bytes of values; at most ${MAX_BYTES} (2 GiB) fit NCF's 32-bit offsets, so split the input into smaller batches`,
        { column: col.name },
      );
    }
  }
  if (!(b0 >= 0 && b0 <= b1 && b1 <= bytes.length)) {
    throw new NCFError('INPUT', `ncf: column "${col.name}": Arrow offsets [${b0}, ${b1}] lie outside its ${bytes.length} data bytes`, {
      column: col.name,
    });
  }
  if (words === null && b0 === 0)
    return { kind: 'bytes', offsets: (offsets as Int32Array).subarray(0, n + 1), data: bytes.subarray(0, b1) };
  const out = new Int32Array(n + 1);
  if (words === null) {
    const o = offsets as Int32Array;
    for (let i = 1; i <= n; i++) out[i] = o[i]! - b0;
  } else {
    for (let i = 1; i <= n; i++) out[i] = (words[2 * i + 1]! | 0) * TWO_32 + words[2 * i]! - b0;
  }
  return { kind: 'bytes', offsets: out, data: bytes.subarray(b0, b1) };
}

/** Date64 milliseconds → days, refusing values that are not whole days. */
export function date64ToDays(src: BigInt64Array, n: number, validity: Uint8Array | null, col: ColumnSchema, rowBase: number): Int32Array {
  const words = new Uint32Array(src.buffer, src.byteOffset, n * 2);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!isValid(validity, i)) continue;
    const ms = (words[2 * i + 1]! | 0) * TWO_32 + words[2 * i]!;
    if (!Number.isSafeInteger(ms) || ms % MS_PER_DAY !== 0) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column "${col.name}" row ${rowBase + i}: Date64 value ${src[i]} ms is not a whole number of days, so it cannot be stored as date`,
        { column: col.name, row: rowBase + i },
      );
    }
    out[i] = ms / MS_PER_DAY;
  }
  return out;
}

/** Timestamps in Arrow unit `from` → unit `to` (indexes into TIME_UNITS), exact or an error. Not a
 *  hot path (only inputs whose unit differs from the schema's), so it uses BigInt arithmetic. */
export function timeUnitsToColumn(
  src: BigInt64Array,
  from: number,
  to: number,
  validity: Uint8Array | null,
  col: ColumnSchema,
  rowBase: number,
): BigInt64Array {
  const n = src.length;
  const out = new BigInt64Array(n);
  const f = 10n ** BigInt(3 * Math.abs(to - from));
  for (let i = 0; i < n; i++) {
    if (!isValid(validity, i)) continue;
    const v = src[i]!;
    if (to > from) {
      const r = v * f;
      if (r < I64_MIN || r > I64_MAX) throw unitError(col, rowBase + i, v, from, to, 'overflows int64 in');
      out[i] = r;
    } else {
      if (v % f !== 0n) throw unitError(col, rowBase + i, v, from, to, 'is not a whole number of');
      out[i] = v / f;
    }
  }
  return out;
}

function unitError(col: ColumnSchema, row: number, v: bigint, from: number, to: number, what: string): NCFError {
  return new NCFError(
    'SCHEMA',
    `ncf: column "${col.name}" row ${row}: timestamp ${v} ${TIME_UNITS[from]} ${what} ${TIME_UNITS[to]}, the column's unit`,
    { column: col.name, row },
  );
}

/** IEEE half floats → float32 through the bits, so every value (NaN payloads, subnormals) is exact. */
export function halfToFloat32(src: Uint16Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const h = src[i]!;
    const sign = (h & 0x8000) << 16;
    let e = (h >>> 10) & 0x1f;
    let m = h & 0x3ff;
    if (e === 0x1f) {
      bits[i] = sign | 0x7f800000 | (m << 13);
    } else if (e !== 0) {
      bits[i] = sign | ((e + 112) << 23) | (m << 13);
    } else if (m === 0) {
      bits[i] = sign;
    } else {
      // Subnormal half: normalise the mantissa, lowering the exponent once per shift.
      e = 1;
      while ((m & 0x400) === 0) {
        m <<= 1;
        e--;
      }
      bits[i] = sign | ((e + 112) << 23) | ((m & 0x3ff) << 13);
    }
  }
  return out;
}

/** Integers or floats of another Arrow type → the column's numeric type, each value checked to fit
 *  exactly (as for JS input). Only used when an Arrow input's type differs from a given schema. */
export function numericFallback(
  src: ArrayLike<number | bigint>,
  n: number,
  validity: Uint8Array | null,
  col: ColumnSchema,
  rowBase: number,
): Values {
  const vals: Array<number | bigint | null> = new Array(n);
  for (let i = 0; i < n; i++) vals[i] = isValid(validity, i) ? src[i]! : null;
  return jsToColumn(vals, null, n, col, rowBase).values;
}

type Convert = (data: arrow.Data, col: ColumnSchema, rowBase?: number) => ColumnData;

/** Dictionary<T> → the values it indexes. Dictionary entries that are null make their rows null. */
export function dictionaryToColumn(data: arrow.Data, col: ColumnSchema, rowBase: number, convert: Convert): ColumnData {
  const n = data.length;
  const dict = data.dictionary;
  if (dict === undefined)
    throw new NCFError('INPUT', `ncf: column "${col.name}": Arrow dictionary data has no dictionary`, { column: col.name });
  const values = concatColumns(
    { ...col, nullable: true },
    dict.data.map((d) => convert(d, col)),
  );
  let nullCount = n === 0 || !data.nullBitmap || data.nullBitmap.length === 0 ? 0 : data.nullCount;
  // A copy: null dictionary entries are marked in it, and it may otherwise be a view of Arrow's bitmap.
  let validity = nullCount > 0 ? new Uint8Array(sliceBits(data.nullBitmap!, data.offset, n)) : null;
  const idx = indexArray(data.values as ArrayLike<number> | BigInt64Array | BigUint64Array, n);
  const dn = values.length;
  const dv = values.validity;
  for (let i = 0; i < n; i++) {
    if (!isValid(validity, i)) continue;
    const j = idx[i]!;
    if (!(j >= 0 && j < dn)) {
      throw new NCFError(
        'INPUT',
        `ncf: column "${col.name}" row ${rowBase + i}: dictionary index ${j} is outside the ${dn} dictionary entries`,
        { column: col.name, row: rowBase + i },
      );
    }
    if (dv !== null && values.nullCount > 0 && !isValid(dv, j)) {
      if (validity === null) {
        validity = new Uint8Array((n + 7) >>> 3).fill(0xff);
      }
      validity[i >>> 3]! &= ~(1 << (i & 7));
      nullCount++;
    }
  }
  return {
    type: col.type,
    length: n,
    nullCount,
    validity: nullCount > 0 ? validity : null,
    values: gather(values.values, idx, validity, n, col),
  };
}

/** Integer view of a fixed array's memory: copies through it are bit-exact (NaN payloads). */
function wordView(a: FixedArray, width: number, count: number): Uint8Array | Uint16Array | Uint32Array {
  if (width === 1) return new Uint8Array(a.buffer, a.byteOffset, count);
  if (width === 2) return new Uint16Array(a.buffer, a.byteOffset, count);
  return new Uint32Array(a.buffer, a.byteOffset, count);
}

function indexArray(src: ArrayLike<number> | BigInt64Array | BigUint64Array, n: number): ArrayLike<number> {
  if (!(src instanceof BigInt64Array || src instanceof BigUint64Array)) return src;
  const words = new Uint32Array(src.buffer, src.byteOffset, n * 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (words[2 * i + 1]! | 0) * TWO_32 + words[2 * i]!;
  return out;
}

/** Values at dictionary indexes `idx` for the valid rows; null rows get zero / empty values. */
function gather(v: Values, idx: ArrayLike<number>, validity: Uint8Array | null, n: number, col: ColumnSchema): Values {
  if (v.kind === 'fixed') {
    const out = allocFixed(col.type, n);
    const w = out.BYTES_PER_ELEMENT;
    const per = w === 8 ? 2 : 1;
    const s = wordView(v.data, w, v.data.length * per);
    const o = wordView(out, w, n * per);
    for (let i = 0; i < n; i++) {
      if (!isValid(validity, i)) continue;
      const j = idx[i]!;
      if (per === 1) o[i] = s[j]!;
      else {
        o[2 * i] = s[2 * j]!;
        o[2 * i + 1] = s[2 * j + 1]!;
      }
    }
    return { kind: 'fixed', data: out as FixedArray };
  }
  if (v.kind === 'bool') {
    const out = new Uint8Array((n + 7) >>> 3);
    for (let i = 0; i < n; i++) {
      if (!isValid(validity, i)) continue;
      const j = idx[i]!;
      if ((v.data[j >>> 3]! >>> (j & 7)) & 1) out[i >>> 3]! |= 1 << (i & 7);
    }
    return { kind: 'bool', data: out };
  }
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(validity, i)) {
      const j = idx[i]!;
      total += v.offsets[j + 1]! - v.offsets[j]!;
      if (total > MAX_BYTES) {
        throw new NCFError(
          'LIMIT',
          `ncf: column "${col.name}": decoding the dictionary needs more than ${MAX_BYTES} bytes; split the input into smaller batches`,
          { column: col.name },
        );
      }
    }
    offsets[i + 1] = total;
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const p = offsets[i]!;
    const len = offsets[i + 1]! - p;
    if (len === 0) continue;
    const j = idx[i]!;
    const from = v.offsets[j]!;
    if (len < 16) for (let k = 0; k < len; k++) out[p + k] = v.data[from + k]!;
    else out.set(v.data.subarray(from, from + len), p);
  }
  return { kind: 'bytes', offsets, data: out };
}
