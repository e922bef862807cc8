// Chunk statistics (FORMAT.md §7): the decoded form used by pruning and by the service, and the
// helpers that turn them into and out of the footer's byte representation.

import { MAX_STAT_BYTES } from './constants.js';
import type { ColumnData, FixedArray } from './column.js';
import { check } from './errors.js';
import { byteWidthOf, type DataType } from './schema.js';

// 64-bit values are read as 32-bit halves; which half comes first depends on the platform.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** A statistic value: number (ints ≤ 32 bits, floats, date), bigint (64-bit ints, timestamp),
 *  boolean (bool) or raw bytes (string as UTF-8, binary). */
export type StatValue = number | bigint | boolean | Uint8Array;

export interface ChunkStats {
  nulls: number;
  min?: StatValue;
  max?: StatValue;
  /** false when `min`/`max` was truncated (strings and binary only). */
  minExact: boolean;
  maxExact: boolean;
  /** Exact distinct count of non-null values, when known. */
  distinct?: number;
  /** floats only: NaN count. */
  nans?: number;
  /** true: the non-null values are in ascending order (equal neighbours allowed, no NaN), so a
   *  filter may binary-search them. Absent: unknown (old files, or not sorted). */
  sorted?: boolean;
}

/** Statistics of a column over several chunks (a file, a table version): the one merge of chunk
 *  statistics, used by the reader (per file) and the service's descriptions (per version). */
export interface MergedStats {
  nulls: number;
  min?: StatValue;
  max?: StatValue;
  /** Whether the chunk that gave `min`/`max` had it exact. */
  minExact: boolean;
  maxExact: boolean;
  /** The largest chunk's count, when every chunk has one: exact only for one chunk (distinctExact),
   *  otherwise a lower bound — counts of several chunks do not add up. */
  distinct?: number;
  distinctExact: boolean;
  /** float columns only: NaN count over the chunks. */
  nans?: number;
}

/** Merges the statistics of a column's chunks (`type` is the column's). */
export function mergeChunkStats(type: DataType, chunks: readonly ChunkStats[]): MergedStats {
  const out: MergedStats = { nulls: 0, minExact: true, maxExact: true, distinctExact: chunks.length === 1 };
  let nans = 0;
  let allDistinct = chunks.length > 0;
  for (const c of chunks) {
    out.nulls += c.nulls;
    if (c.nans !== undefined) nans += c.nans;
    if (c.min !== undefined && (out.min === undefined || compareStat(c.min, out.min) < 0)) {
      out.min = c.min;
      out.minExact = c.minExact;
    }
    if (c.max !== undefined && (out.max === undefined || compareStat(c.max, out.max) > 0)) {
      out.max = c.max;
      out.maxExact = c.maxExact;
    }
    if (c.distinct === undefined) allDistinct = false;
    else out.distinct = Math.max(out.distinct ?? 0, c.distinct);
  }
  if (!allDistinct) delete out.distinct;
  if (type === 'float32' || type === 'float64') out.nans = nans;
  return out;
}

/** Footer form of a chunk's statistics (FORMAT.md §7, §8). */
export interface FooterStats {
  nulls: number;
  min?: Uint8Array;
  max?: Uint8Array;
  minExact?: boolean;
  maxExact?: boolean;
  distinct?: number;
  nans?: number;
  sorted?: boolean;
}

/** Computes the statistics of one chunk; `distinct` comes from the encoder when it knows it. */
export function computeStats(col: ColumnData, distinct?: number): ChunkStats {
  const stats: ChunkStats = { nulls: col.nullCount, minExact: true, maxExact: true };
  if (distinct !== undefined) stats.distinct = distinct;
  if (col.nullCount === col.length) {
    if (col.length > 0) stats.distinct = 0;
    return stats;
  }
  const { validity, values, length: n } = col;
  if (values.kind === 'bool') {
    let seenTrue = false,
      seenFalse = false;
    for (let i = 0; i < n && !(seenTrue && seenFalse); i++) {
      if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
      if (values.data[i >>> 3]! & (1 << (i & 7))) seenTrue = true;
      else seenFalse = true;
    }
    stats.min = !seenFalse;
    stats.max = seenTrue;
    return stats;
  }
  if (values.kind === 'bytes') {
    bytesMinMax(stats, values.offsets, values.data, validity, n);
    return stats;
  }
  const data = values.data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    wideMinMax(stats, data, validity, n);
    return stats;
  }
  narrowMinMax(stats, data, validity, n, col.type === 'float32' || col.type === 'float64');
  return stats;
}

// The sorted check rides along the min/max loop: a value below its non-null predecessor clears it.
// It is cheap because it compares with the previous value, already in a register.

function narrowMinMax(
  stats: ChunkStats,
  data: Exclude<FixedArray, BigInt64Array | BigUint64Array>,
  validity: Uint8Array | null,
  n: number,
  float: boolean,
): void {
  let min = Infinity,
    max = -Infinity,
    nans = 0,
    any = false;
  let prev = -Infinity,
    sorted = true;
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    const v = data[i]!;
    if (v !== v) {
      nans++;
      continue;
    }
    any = true;
    if (v < prev) sorted = false;
    prev = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (float) stats.nans = nans;
  if (any) {
    stats.min = min;
    stats.max = max;
  }
  // NaN has no place in an order: a chunk holding one is never marked sorted.
  if (any && sorted && nans === 0) stats.sorted = true;
}

/** Min/max of 64-bit values compared as (hi, lo) word pairs: no BigInt per value. */
function wideMinMax(stats: ChunkStats, data: BigInt64Array | BigUint64Array, validity: Uint8Array | null, n: number): void {
  const signed = data instanceof BigInt64Array;
  const lo = new Uint32Array(data.buffer, data.byteOffset, n * 2);
  const hiS = new Int32Array(data.buffer, data.byteOffset, n * 2);
  let minI = -1,
    maxI = -1;
  let minHi = 0,
    minLo = 0,
    maxHi = 0,
    maxLo = 0;
  let prevHi = 0,
    prevLo = 0,
    sorted = true;
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    const h = signed ? hiS[2 * i + HI]! : lo[2 * i + HI]!;
    const l = lo[2 * i + LO]!;
    if (minI < 0) {
      minI = maxI = i;
      minHi = maxHi = prevHi = h;
      minLo = maxLo = prevLo = l;
      continue;
    }
    if (h < prevHi || (h === prevHi && l < prevLo)) sorted = false;
    prevHi = h;
    prevLo = l;
    if (h < minHi || (h === minHi && l < minLo)) {
      minI = i;
      minHi = h;
      minLo = l;
    }
    if (h > maxHi || (h === maxHi && l > maxLo)) {
      maxI = i;
      maxHi = h;
      maxLo = l;
    }
  }
  if (minI >= 0) {
    stats.min = data[minI]!;
    stats.max = data[maxI]!;
  }
  if (minI >= 0 && sorted) stats.sorted = true;
}

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const la = aEnd - aStart,
    lb = bEnd - bStart;
  const l = la < lb ? la : lb;
  for (let k = 0; k < l; k++) {
    const d = a[aStart + k]! - b[bStart + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

function bytesMinMax(stats: ChunkStats, offsets: Int32Array, data: Uint8Array, validity: Uint8Array | null, n: number): void {
  let minI = -1,
    maxI = -1;
  // First bytes of the current bounds (-1 for an empty string) let most values skip both full
  // comparisons: anything whose first byte lies strictly between them cannot be a new bound.
  let minFirst = 0,
    maxFirst = 0;
  let prevS = 0,
    prevE = 0,
    sorted = true;
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    const s = offsets[i]!,
      e = offsets[i + 1]!;
    // Once unsorted, stop paying for the comparison with the predecessor.
    if (sorted && minI >= 0 && compareBytes(data, s, e, data, prevS, prevE) < 0) sorted = false;
    prevS = s;
    prevE = e;
    const first = e > s ? data[s]! : -1;
    if (minI < 0) {
      minI = maxI = i;
      minFirst = maxFirst = first;
      continue;
    }
    if (first > minFirst && first < maxFirst) continue;
    if (first <= minFirst && compareBytes(data, s, e, data, offsets[minI]!, offsets[minI + 1]!) < 0) {
      minI = i;
      minFirst = first;
    } else if (first >= maxFirst && compareBytes(data, s, e, data, offsets[maxI]!, offsets[maxI + 1]!) > 0) {
      maxI = i;
      maxFirst = first;
    }
  }
  if (minI < 0) return;
  if (sorted) stats.sorted = true;
  const min = data.slice(offsets[minI]!, offsets[minI + 1]!);
  const max = data.slice(offsets[maxI]!, offsets[maxI + 1]!);
  if (min.length > MAX_STAT_BYTES) {
    stats.min = min.slice(0, MAX_STAT_BYTES);
    stats.minExact = false;
  } else stats.min = min;
  if (max.length > MAX_STAT_BYTES) {
    const up = truncateUp(max);
    if (up !== null) stats.max = up;
    stats.maxExact = false;
  } else stats.max = max;
}

/** The shortest ≤ MAX_STAT_BYTES byte string greater than every string with this prefix, or null. */
function truncateUp(bytes: Uint8Array): Uint8Array | null {
  for (let k = MAX_STAT_BYTES - 1; k >= 0; k--) {
    if (bytes[k]! !== 0xff) {
      const out = bytes.slice(0, k + 1);
      out[k]!++;
      return out;
    }
  }
  return null;
}

/** Encodes a statistic value as its plain bytes (FORMAT.md §7). */
export function statToBytes(type: DataType, v: StatValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return new Uint8Array([v ? 1 : 0]);
  const width = byteWidthOf(type);
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  switch (type) {
    case 'int8':
      view.setInt8(0, Number(v));
      break;
    case 'uint8':
      view.setUint8(0, Number(v));
      break;
    case 'int16':
      view.setInt16(0, Number(v), true);
      break;
    case 'uint16':
      view.setUint16(0, Number(v), true);
      break;
    case 'int32':
    case 'date':
      view.setInt32(0, Number(v), true);
      break;
    case 'uint32':
      view.setUint32(0, Number(v), true);
      break;
    case 'float32':
      view.setFloat32(0, Number(v), true);
      break;
    case 'float64':
      view.setFloat64(0, Number(v), true);
      break;
    case 'int64':
    case 'timestamp':
      view.setBigInt64(0, BigInt(v), true);
      break;
    case 'uint64':
      view.setBigUint64(0, BigInt(v), true);
      break;
    default:
      throw new Error(`statToBytes: ${type}`);
  }
  return out;
}

/** Decodes a statistic value from its plain bytes, checking the length fits the type. */
export function statFromBytes(type: DataType, b: Uint8Array, what: string): StatValue {
  if (type === 'string' || type === 'binary') return b;
  if (type === 'bool') {
    check(b.length === 1, `${what}: bool statistic has ${b.length} bytes, expected 1`);
    return b[0] !== 0;
  }
  const width = byteWidthOf(type);
  check(b.length === width, `${what}: ${type} statistic has ${b.length} bytes, expected ${width}`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 'int8':
      return view.getInt8(0);
    case 'uint8':
      return view.getUint8(0);
    case 'int16':
      return view.getInt16(0, true);
    case 'uint16':
      return view.getUint16(0, true);
    case 'int32':
    case 'date':
      return view.getInt32(0, true);
    case 'uint32':
      return view.getUint32(0, true);
    case 'float32':
      return view.getFloat32(0, true);
    case 'float64':
      return view.getFloat64(0, true);
    case 'int64':
    case 'timestamp':
      return view.getBigInt64(0, true);
    case 'uint64':
      return view.getBigUint64(0, true);
    default:
      throw new Error(`statFromBytes: ${type}`);
  }
}

export function statsToFooter(type: DataType, s: ChunkStats): FooterStats {
  const f: FooterStats = { nulls: s.nulls };
  if (s.min !== undefined) f.min = statToBytes(type, s.min);
  if (s.max !== undefined) f.max = statToBytes(type, s.max);
  if (!s.minExact) f.minExact = false;
  if (!s.maxExact) f.maxExact = false;
  if (s.distinct !== undefined) f.distinct = s.distinct;
  if (s.nans !== undefined) f.nans = s.nans;
  // Only `true` is stored: false and unknown read alike (FORMAT.md §7), so absence saves the bytes.
  if (s.sorted === true) f.sorted = true;
  return f;
}

export function statsFromFooter(type: DataType, f: FooterStats, what: string): ChunkStats {
  const s: ChunkStats = { nulls: f.nulls, minExact: f.minExact !== false, maxExact: f.maxExact !== false };
  if (f.min !== undefined) s.min = statFromBytes(type, f.min, what);
  if (f.max !== undefined) s.max = statFromBytes(type, f.max, what);
  if (f.distinct !== undefined) s.distinct = f.distinct;
  if (f.nans !== undefined) s.nans = f.nans;
  if (f.sorted === true) s.sorted = true;
  return s;
}

/** Orders two statistic values of the same column type (bytes compare unsigned). */
export function compareStat(a: StatValue, b: StatValue): number {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, 0, a.length, b, 0, b.length);
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean);
  return a < b ? -1 : a > b ? 1 : 0;
}
