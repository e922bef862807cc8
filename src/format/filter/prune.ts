// Row-group pruning from chunk statistics (FORMAT.md §7). Each node is judged abstractly: the set
// of truth values (TRUE, FALSE, UNKNOWN) its rows might take, over-approximated from null counts,
// NaN counts and min/max bounds. AND, OR and NOT combine those sets exactly as three-valued logic
// combines values, so negations prune soundly too. A group is skipped only when TRUE is impossible.

import type { ChunkStats, StatValue } from '../stats.js';
import type { CompareOp } from './ast.js';
import { type BoundFilter, type BoundLeaf, TRUE, compareLiteral, familyOf } from './bind.js';
import { compareBytes } from './bytes.js';
import type { Literal } from './literal.js';

const T = 1; // some row may be TRUE
const F = 2; // some row may be FALSE
const U = 4; // some row may be UNKNOWN

/** True when no row of a row group can satisfy the filter, judging by chunk statistics only. */
export function canSkip(bound: BoundFilter, stats: (columnIndex: number) => ChunkStats, rows: number): boolean {
  if (!(rows > 0)) return true;
  return (possible(bound, stats, rows) & T) === 0;
}

/** True when every row of a row group satisfies the filter, judging by chunk statistics only (lets
 *  an aggregate answer from statistics although a filter is given). */
export function mustMatch(bound: BoundFilter, stats: (columnIndex: number) => ChunkStats, rows: number): boolean {
  if (!(rows > 0)) return true;
  return (possible(bound, stats, rows) & (F | U)) === 0;
}

function possible(b: BoundFilter, stats: (columnIndex: number) => ChunkStats, rows: number): number {
  switch (b.kind) {
    case 'and': {
      let allT = T,
        allTU = T | U,
        anyF = 0,
        anyU = 0;
      for (const c of b.children) {
        const p = possible(c, stats, rows);
        if ((p & T) === 0) allT = 0;
        if ((p & (T | U)) === 0) allTU = 0;
        anyF |= p & F;
        anyU |= p & U;
      }
      return allT | anyF | (allTU !== 0 ? anyU : 0);
    }
    case 'or': {
      let anyT = 0,
        allF = F,
        allFU = F | U,
        anyU = 0;
      for (const c of b.children) {
        const p = possible(c, stats, rows);
        anyT |= p & T;
        if ((p & F) === 0) allF = 0;
        if ((p & (F | U)) === 0) allFU = 0;
        anyU |= p & U;
      }
      return anyT | allF | (allFU !== 0 ? anyU : 0);
    }
    case 'not': {
      const p = possible(b.child, stats, rows);
      return (p & U) | ((p & T) !== 0 ? F : 0) | ((p & F) !== 0 ? T : 0);
    }
    default:
      return leaf(b, stats(b.column), rows);
  }
}

/** What the statistics say about a chunk's values. */
interface Facts {
  nulls: number;
  valid: number;
  /** Some non-null value is not NaN. */
  ordinary: boolean;
  /** Some value may be NaN. */
  nan: boolean;
  /** Bounds of the ordinary values; undefined means unbounded. */
  min: Literal | undefined;
  max: Literal | undefined;
  /** Every ordinary value equals `min` (exact bounds that are equal). */
  single: boolean;
}

function facts(b: BoundLeaf, s: ChunkStats | undefined, rows: number): Facts {
  const nulls = s === undefined ? rows : Math.min(rows, Math.max(0, s.nulls));
  const known = s !== undefined;
  const valid = known ? rows - nulls : rows;
  const isFloat = b.type === 'float32' || b.type === 'float64';
  const nans = isFloat ? s?.nans : 0;
  const nan = isFloat && valid > 0 && (nans === undefined || nans > 0);
  const ordinary = valid > 0 && (nans === undefined || valid - nans > 0);
  const min = known ? bound(s.min, b) : undefined;
  const max = known ? bound(s.max, b) : undefined;
  const single = min !== undefined && max !== undefined && s!.minExact !== false && s!.maxExact !== false && compareLiteral(min, max) === 0;
  // Without statistics every outcome, null included, stays possible.
  return { nulls: known ? nulls : rows, valid, ordinary, nan, min, max, single };
}

/** A statistic usable as a bound for the leaf's column family, else undefined (unbounded). */
function bound(v: StatValue | undefined, b: BoundLeaf): Literal | undefined {
  if (v === undefined) return undefined;
  switch (familyOf(b.type)) {
    case 'number':
      return typeof v === 'number' && !Number.isNaN(v) ? v : typeof v === 'bigint' ? Number(v) : undefined;
    case 'int64':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'bytes':
      return v instanceof Uint8Array ? v : undefined;
  }
}

function leaf(b: BoundLeaf, s: ChunkStats | undefined, rows: number): number {
  const f = facts(b, s, rows);
  const nullState = f.nulls > 0;
  switch (b.kind) {
    case 'is': {
      if (b.test === 'null') return (nullState ? T : 0) | (f.valid > 0 ? F : 0);
      if (b.test === 'not_null') return (f.valid > 0 ? T : 0) | (nullState ? F : 0);
      const [hasFalse, hasTrue] = boolsPresent(f);
      const want = b.test === 'true' ? hasTrue : hasFalse;
      const other = b.test === 'true' ? hasFalse : hasTrue;
      return (want ? T : 0) | (other || nullState ? F : 0);
    }
    case 'const': {
      const bit = (t: number): number => (t === TRUE ? T : t === 0 ? F : U);
      return (f.valid > 0 ? bit(b.whenValid) : 0) | (nullState ? bit(b.whenNull) : 0);
    }
    case 'compare':
      return compareFacts(b.op, b.value, f) | (nullState ? U : 0);
    case 'in': {
      let t = false;
      for (const x of b.values)
        if (mayEqual(x, f)) {
          t = true;
          break;
        }
      // A value outside the list is FALSE, or UNKNOWN when the list holds NULL.
      const allIn = f.single && !f.nan && b.values.some((x) => compareLiteral(x, f.min!) === 0);
      const outside = f.valid > 0 && !allIn;
      return (t ? T : 0) | (outside ? (b.hasNull ? U : F) : 0) | (nullState ? U : 0);
    }
    case 'like': {
      let t = f.valid > 0;
      const p = b.pattern.prefix;
      if (t && p.length > 0) {
        // Matches start with the prefix: none if max < prefix, or if min's first bytes sort after it.
        if (f.max instanceof Uint8Array && compareBytes(f.max, p) < 0) t = false;
        if (f.min instanceof Uint8Array && compareBytes(f.min.subarray(0, p.length), p) > 0) t = false;
      }
      return (t ? T : 0) | (f.valid > 0 ? F : 0) | (nullState ? U : 0);
    }
  }
}

/** Which of false / true may occur among the non-null values of a bool chunk. */
function boolsPresent(f: Facts): [boolean, boolean] {
  if (f.valid === 0) return [false, false];
  return [f.min === undefined || f.min === false, f.max === undefined || f.max === true];
}

function mayEqual(x: Literal, f: Facts): boolean {
  return f.ordinary && (f.min === undefined || compareLiteral(f.min, x) <= 0) && (f.max === undefined || compareLiteral(f.max, x) >= 0);
}

/** Possible outcomes of `value op x` over the chunk's non-null values. */
function compareFacts(op: CompareOp, x: Literal, f: Facts): number {
  if (f.valid === 0) return 0;
  if (typeof x === 'number' && Number.isNaN(x)) return op === 'neq' ? T : F;
  const { min, max, ordinary, nan } = f;
  const cmpMin = min === undefined ? -1 : compareLiteral(min, x); // sign of min − x
  const cmpMax = max === undefined ? 1 : compareLiteral(max, x); // sign of max − x
  // Outcomes among ordinary values, then NaN (FALSE except for neq).
  let t: boolean, fl: boolean;
  switch (op) {
    case 'eq':
    case 'neq': {
      const some = cmpMin <= 0 && cmpMax >= 0;
      const other = !(f.single && cmpMin === 0);
      t = op === 'eq' ? some : other;
      fl = op === 'eq' ? other : some;
      break;
    }
    case 'lt':
      t = cmpMin < 0;
      fl = cmpMax >= 0;
      break;
    case 'lte':
      t = cmpMin <= 0;
      fl = cmpMax > 0;
      break;
    case 'gt':
      t = cmpMax > 0;
      fl = cmpMin <= 0;
      break;
    case 'gte':
      t = cmpMax >= 0;
      fl = cmpMin < 0;
      break;
  }
  let out = ordinary ? (t ? T : 0) | (fl ? F : 0) : 0;
  if (nan) out |= op === 'neq' ? T : F;
  return out;
}
