// The fast path for sorted chunks (FORMAT.md §7 `sorted`): a comparison or `in` leaf on a column
// whose values are ascending and non-null holds TRUE on contiguous runs of rows, found by binary
// search in O(log n) per bound instead of a pass over every row. Runs are flat pairs
// [start0, end0, start1, end1, ...] (end exclusive), ascending and disjoint. The caller keeps the
// scan path for everything else; this module only answers "which rows are TRUE", which is all an
// AND at the top of a filter needs (FALSE and UNKNOWN rows are both left out of a selection).

import type { ColumnData, FixedArray } from '../column.js';
import { countBits, sliceBits } from '../bitmap.js';
import { corrupt } from '../errors.js';
import type { BoundLeaf } from './bind.js';
import * as bytes from './bytes.js';

// Module-local binding: tsx turns imports into getters, which would cost a call per comparison.
const compareSlice = bytes.compareSlice;

type NumberArray = Exclude<FixedArray, BigInt64Array | BigUint64Array>;

const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** Decoded chunks already checked: true when ascending and null-free, false when they hold nulls.
 *  Chunks in the decoded-chunk cache are the same objects query after query, so the check runs
 *  once per chunk there (and once per scan without a cache, about the cost of one scan leaf). */
const verified = new WeakMap<ColumnData, boolean>();

/**
 * True when `col` (n rows, which the footer marks `sorted`) has no null and really is ascending, so
 * binary search is exact. The flag comes from the file: a file that claims an order it does not have
 * is corrupt, and is reported as such rather than answered wrongly. A chunk with nulls is sorted in
 * its non-null values only and null slots hold arbitrary values, so it takes the scan path (false)
 * and its flag is not relied on.
 */
export function usableSorted(col: ColumnData, n: number, what: string): boolean {
  if (col.length !== n || col.values.kind === 'bool') return false;
  const known = verified.get(col);
  if (known !== undefined) return known;
  const ok = col.validity === null || countBits(col.validity, 0, n) === n;
  if (ok && !isAscending(col, n)) throw corrupt(`${what}: the footer marks the chunk sorted, but its values are not in ascending order`);
  verified.set(col, ok);
  return ok;
}

function isAscending(col: ColumnData, n: number): boolean {
  const v = col.values;
  if (v.kind === 'bool') return false;
  if (v.kind === 'bytes') {
    const { offsets, data } = v;
    for (let i = 1; i < n; i++) {
      if (compareRows(data, offsets[i - 1]!, offsets[i]!, offsets[i]!, offsets[i + 1]!) > 0) return false;
    }
    return true;
  }
  const a = v.data;
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const lo = new Uint32Array(a.buffer, a.byteOffset, n * 2);
    const hi = a instanceof BigInt64Array ? new Int32Array(a.buffer, a.byteOffset, n * 2) : lo;
    for (let i = 1; i < n; i++) {
      const ph = hi[2 * i - 2 + HI]!,
        h = hi[2 * i + HI]!;
      if (h < ph || (h === ph && lo[2 * i + LO]! < lo[2 * i - 2 + LO]!)) return false;
    }
    return true;
  }
  // `!(b >= a)` also catches NaN, which a sorted chunk never holds.
  for (let i = 1; i < n; i++) if (!(a[i]! >= a[i - 1]!)) return false;
  return n === 0 || a[0] === a[0];
}

function compareRows(data: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const la = ae - as,
    lb = be - bs;
  const l = la < lb ? la : lb;
  for (let k = 0; k < l; k++) {
    const d = data[as + k]! - data[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * The rows where `b` is TRUE as runs, for a column `usableSorted` accepted; null when the leaf is not
 * a comparison or `in` this path handles (neq, like, is, bool columns): the caller scans instead.
 */
export function leafRanges(b: BoundLeaf, col: ColumnData, n: number): Int32Array | null {
  const v = col.values;
  if (v.kind === 'bool') return null;
  const search = searcher(col, n);
  if (b.kind === 'compare') {
    const op = b.op;
    if (op === 'neq') return null;
    if (typeof b.value === 'number' && b.value !== b.value) return new Int32Array(0); // NaN matches nothing
    const lower = search.lower(b.value as never, 0),
      upper = search.upper(b.value as never, lower);
    switch (op) {
      case 'eq':
        return run(lower, upper);
      case 'gt':
        return run(upper, n);
      case 'gte':
        return run(lower, n);
      case 'lt':
        return run(0, lower);
      case 'lte':
        return run(0, upper);
    }
  }
  if (b.kind === 'in') {
    // Items are sorted ascending (bind.ts), so each search starts where the previous run ended.
    const set = b.set;
    if (set.family === 'bool') return null;
    const k = set.family === 'int64' ? set.hi.length : set.items.length;
    const out: number[] = [];
    let from = 0;
    for (let j = 0; j < k && from < n; j++) {
      let lower: number, upper: number;
      if (set.family === 'int64') {
        lower = search.lower64(set.hi[j]!, set.lo[j]!, from);
        upper = search.upper64(set.hi[j]!, set.lo[j]!, lower);
      } else {
        const item = set.family === 'number' ? set.items[j]! : (set.items as Uint8Array[])[j]!;
        lower = search.lower(item as never, from);
        upper = search.upper(item as never, lower);
      }
      if (upper > lower) {
        // Adjacent items with no row between them join into one run.
        if (out.length > 0 && out[out.length - 1] === lower) out[out.length - 1] = upper;
        else out.push(lower, upper);
      }
      from = upper;
    }
    return Int32Array.from(out);
  }
  return null;
}

function run(start: number, end: number): Int32Array {
  return end > start ? Int32Array.of(start, end) : new Int32Array(0);
}

/** lower(x, from): first row ≥ from whose value is ≥ x; upper: first whose value is > x (n if none). */
interface Searcher {
  lower(x: number | bigint | Uint8Array, from: number): number;
  upper(x: number | bigint | Uint8Array, from: number): number;
  lower64(h: number, l: number, from: number): number;
  upper64(h: number, l: number, from: number): number;
}

function searcher(col: ColumnData, n: number): Searcher {
  const v = col.values;
  if (v.kind === 'bytes') {
    const { offsets, data } = v;
    // Index of the first row in [from, n) whose comparison with x is ≥ strictness.
    const first = (x: Uint8Array, from: number, strict: boolean): number => {
      let lo = from,
        hi = n;
      const limit = strict ? 0 : -1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareSlice(data, offsets[mid]!, offsets[mid + 1]!, x) > limit) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    return {
      lower: (x, from) => first(x as Uint8Array, from, false),
      upper: (x, from) => first(x as Uint8Array, from, true),
      lower64: () => n,
      upper64: () => n,
    };
  }
  const a = v.data;
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const lo32 = new Uint32Array(a.buffer, a.byteOffset, n * 2);
    const hi32 = a instanceof BigInt64Array ? new Int32Array(a.buffer, a.byteOffset, n * 2) : lo32;
    // First row in [from, n) whose (hi, lo) is > (H, L), or ≥ when !strict.
    const first = (H: number, L: number, from: number, strict: boolean): number => {
      let lo = from,
        hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const h = hi32[2 * mid + HI]!,
          l = lo32[2 * mid + LO]!;
        const above = h > H || (h === H && (strict ? l > L : l >= L));
        if (above) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const halves = (x: bigint): [number, number] => [Number(x >> 32n), Number(BigInt.asUintN(32, x))];
    return {
      lower: (x, from) => {
        const [H, L] = halves(x as bigint);
        return first(H, L, from, false);
      },
      upper: (x, from) => {
        const [H, L] = halves(x as bigint);
        return first(H, L, from, true);
      },
      lower64: (H, L, from) => first(H, L, from, false),
      upper64: (H, L, from) => first(H, L, from, true),
    };
  }
  const d = a as NumberArray;
  return {
    lower: (x, from) => {
      const t = x as number;
      let lo = from,
        hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (d[mid]! >= t) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    upper: (x, from) => {
      const t = x as number;
      let lo = from,
        hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (d[mid]! > t) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    lower64: () => n,
    upper64: () => n,
  };
}

/** Rows in both run lists, as runs. */
export function intersectRanges(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  let i = 0,
    j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!, b[j]!),
      e = Math.min(a[i + 1]!, b[j + 1]!);
    if (e > s) out.push(s, e);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return Int32Array.from(out);
}

/** Total rows in a run list. */
export function rangeRows(r: Int32Array): number {
  let count = 0;
  for (let k = 0; k < r.length; k += 2) count += r[k + 1]! - r[k]!;
  return count;
}

/** Rows [start, end) of a column as a column of its own: views for values and offsets (offsets stay
 *  absolute into the shared data), bitmaps copied when not byte aligned. */
export function sliceColumn(col: ColumnData, start: number, end: number): ColumnData {
  const m = end - start;
  const validity = col.validity === null ? null : sliceBits(col.validity, start, m);
  const v = col.values;
  const values: ColumnData['values'] =
    v.kind === 'fixed'
      ? { kind: 'fixed', data: v.data.subarray(start, end) }
      : v.kind === 'bool'
        ? { kind: 'bool', data: sliceBits(v.data, start, m) }
        : { kind: 'bytes', offsets: v.offsets.subarray(start, end + 1), data: v.data };
  return { type: col.type, length: m, nullCount: validity === null ? 0 : m - countBits(validity, 0, m), validity, values };
}
