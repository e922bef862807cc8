// Filter evaluation over the decoded columns of one row group. Every node yields one byte per row
// holding its SQL truth value (FALSE 0, UNKNOWN 1, TRUE 2), so three-valued logic is AND = min,
// OR = max, NOT = 2 − x. Leaves are typed-array loops specialised per operator and value family,
// with the literal converted once: no per-row strings, objects, BigInts or closures. A comparison
// on a null row is UNKNOWN; only TRUE rows are selected. Floats follow IEEE (FORMAT.md §7): NaN
// fails eq/gt/gte/lt/lte/in and passes neq, and −0 equals +0.
//
// Sorted chunks (FORMAT.md §7 `sorted`) take a fast path first: the comparison and `in` leaves ANDed
// at the top of the filter become row runs by binary search (sorted-range.ts), and the other
// conjuncts are evaluated by the same loops over the rows between the first run's start and the last
// run's end only. A point query on a sorted key thus costs O(log n), not a pass over the row group.

import { type ColumnData, type FixedArray, bitmapBytes } from '../column.js';
import { NCFError } from '../errors.js';
import type { CompareOp } from './ast.js';
import { type BoundFilter, type BoundLeaf, type InSet, familyOf } from './bind.js';
import * as bytes from './bytes.js';
import * as like from './like.js';
import { intersectRanges, leafRanges, rangeRows, sliceColumn, usableSorted } from './sorted-range.js';

// Truth values as in bind.ts. Hot loops use module-local bindings only: a transpiler that turns
// imports into property getters (tsx does) would otherwise put a call into every row.
const FALSE = 0;
const UNKNOWN = 1;
const TRUE = 2;
const compareSlice = bytes.compareSlice;
const equalSlice = bytes.equalSlice;
const hashSlice = bytes.hashSlice;
const likeMatch = like.likeMatch;

type NumberArray = Exclude<FixedArray, BigInt64Array | BigUint64Array>;

// 64-bit values are read as 32-bit halves; which half comes first depends on the platform.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

/**
 * Evaluates over decoded columns of one row group; returns the matching row indexes, ascending.
 * `sorted(c)`: the footer marks column c's chunk sorted (chunk statistics), enabling the fast path;
 * without it every leaf is a scan. Both paths give the same rows.
 */
export function evaluate(
  bound: BoundFilter,
  column: (columnIndex: number) => ColumnData,
  n: number,
  sorted?: (columnIndex: number) => boolean,
): Uint32Array {
  if (sorted !== undefined) {
    const fast = evaluateSorted(bound, column, n, sorted);
    if (fast !== null) return fast;
  }
  const states = evalNode(bound, column, n);
  let count = 0;
  for (let i = 0; i < n; i++) count += states[i]! >>> 1;
  const out = new Uint32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (states[i] === TRUE) out[k++] = i;
  return out;
}

/** The fast path, or null when no top-level conjunct can use it. */
function evaluateSorted(
  bound: BoundFilter,
  column: (columnIndex: number) => ColumnData,
  n: number,
  sorted: (columnIndex: number) => boolean,
): Uint32Array | null {
  const conjuncts: BoundFilter[] = [];
  flattenAnd(bound, conjuncts);
  let runs: Int32Array | null = null;
  const rest: BoundFilter[] = [];
  for (const c of conjuncts) {
    let r: Int32Array | null = null;
    if ((c.kind === 'compare' || c.kind === 'in') && sorted(c.column)) {
      const col = checkedColumn(c, column(c.column), n);
      if (usableSorted(col, n, `filter on column ${c.column} (${c.type})`)) r = leafRanges(c, col, n);
    }
    if (r === null) rest.push(c);
    else runs = runs === null ? r : intersectRanges(runs, r);
  }
  if (runs === null) return null;
  const out = new Uint32Array(rangeRows(runs));
  if (out.length === 0) return out;
  if (rest.length === 0) {
    for (let k = 0, o = 0; k < runs.length; k += 2) for (let i = runs[k]!; i < runs[k + 1]!; i++) out[o++] = i;
    return out;
  }
  // The other conjuncts over the window spanned by the runs; a row is kept when it lies in a run and
  // they are TRUE there.
  const start = runs[0]!,
    end = runs[runs.length - 1]!;
  const window = new Map<number, ColumnData>();
  const sliced = (i: number): ColumnData => {
    let w = window.get(i);
    if (w === undefined) {
      w = sliceColumn(checkedFull(i, column(i), n), start, end);
      window.set(i, w);
    }
    return w;
  };
  const states = evalNode(rest.length === 1 ? rest[0]! : { kind: 'and', children: rest }, sliced, end - start);
  let o = 0;
  for (let k = 0; k < runs.length; k += 2) {
    for (let i = runs[k]!; i < runs[k + 1]!; i++) if (states[i - start] === TRUE) out[o++] = i;
  }
  return out.subarray(0, o);
}

function flattenAnd(b: BoundFilter, out: BoundFilter[]): void {
  if (b.kind === 'and') for (const c of b.children) flattenAnd(c, out);
  else out.push(b);
}

/** A column is long enough to slice the window from; the window's own checks follow in evalLeaf. */
function checkedFull(i: number, col: ColumnData | undefined, n: number): ColumnData {
  if (col === undefined || col === null || col.length < n) {
    throw new NCFError('STATE', `ncf: filter evaluation: column ${i} was not provided with ${n} rows`, { column: i });
  }
  return col;
}

function evalNode(b: BoundFilter, column: (columnIndex: number) => ColumnData, n: number): Uint8Array {
  switch (b.kind) {
    case 'and': {
      const acc = evalNode(b.children[0]!, column, n);
      for (let c = 1; c < b.children.length && anyAbove(acc, FALSE, n); c++) {
        const x = evalNode(b.children[c]!, column, n);
        for (let i = 0; i < n; i++) if (x[i]! < acc[i]!) acc[i] = x[i]!;
      }
      return acc;
    }
    case 'or': {
      const acc = evalNode(b.children[0]!, column, n);
      for (let c = 1; c < b.children.length && anyBelow(acc, TRUE, n); c++) {
        const x = evalNode(b.children[c]!, column, n);
        for (let i = 0; i < n; i++) if (x[i]! > acc[i]!) acc[i] = x[i]!;
      }
      return acc;
    }
    case 'not': {
      const acc = evalNode(b.child, column, n);
      for (let i = 0; i < n; i++) acc[i] = TRUE - acc[i]!;
      return acc;
    }
    default:
      return evalLeaf(b, checkedColumn(b, column(b.column), n), n);
  }
}

function anyAbove(a: Uint8Array, v: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i]! > v) return true;
  return false;
}

function anyBelow(a: Uint8Array, v: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i]! < v) return true;
  return false;
}

function evalLeaf(b: BoundLeaf, col: ColumnData, n: number): Uint8Array {
  if (col.dictionary !== undefined && b.kind !== 'is' && b.kind !== 'const') return evalDictLeaf(b, col, n);
  const out = new Uint8Array(n);
  const v = col.values;
  switch (b.kind) {
    case 'is':
      evalIs(b.test, col, out, n);
      return out;
    case 'const':
      out.fill(b.whenValid);
      setNulls(out, col.validity, n, b.whenNull);
      return out;
    case 'compare':
      if (v.kind === 'fixed' && familyOf(b.type) === 'number') compareNumbers(v.data as NumberArray, b.op, b.value as number, out, n);
      else if (v.kind === 'fixed') compare64(v.data as BigInt64Array | BigUint64Array, b.op, b.value as bigint, out, n);
      else if (v.kind === 'bool') compareBool(v.data, b.op, b.value as boolean, out, n);
      else compareBytesColumn(v.offsets, v.data, b.op, b.value as Uint8Array, out, n);
      break;
    case 'in':
      inList(col, b.set, b.hasNull ? UNKNOWN : FALSE, out, n);
      break;
    case 'like': {
      if (v.kind !== 'bytes') break;
      const { offsets, data } = v;
      for (let i = 0; i < n; i++) out[i] = likeMatch(b.pattern, data, offsets[i]!, offsets[i + 1]!) ? TRUE : FALSE;
      break;
    }
  }
  setNulls(out, col.validity, n, UNKNOWN);
  return out;
}

/** A leaf over a dictionary column: evaluated once per dictionary entry (entries are never null),
 *  then each row takes its code's state. A row group of 3M rows and 300 distinct strings compares
 *  300 strings, not 3M. */
function evalDictLeaf(b: BoundLeaf, col: ColumnData, n: number): Uint8Array {
  const { codes, dict } = col.dictionary!;
  const count = dict.offsets.length - 1;
  const entries: ColumnData = { type: col.type, length: count, nullCount: 0, validity: null, values: dict };
  const states = evalLeaf(b, checkedColumn(b as BoundLeaf, entries, count), count);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = states[codes[i]!]!;
  setNulls(out, col.validity, n, UNKNOWN);
  return out;
}

/** Overwrites the state of every null row. */
function setNulls(out: Uint8Array, validity: Uint8Array | null, n: number, state: number): void {
  if (validity === null) return;
  for (let j = 0, bytes = bitmapBytes(n); j < bytes; j++) {
    const byte = validity[j]!;
    if (byte === 0xff) continue;
    const base = j << 3;
    const end = Math.min(8, n - base);
    for (let k = 0; k < end; k++) if ((byte & (1 << k)) === 0) out[base + k] = state;
  }
}

function evalIs(test: 'null' | 'not_null' | 'true' | 'false', col: ColumnData, out: Uint8Array, n: number): void {
  const validity = col.validity;
  if (test === 'null' || test === 'not_null') {
    const ifValid = test === 'null' ? FALSE : TRUE;
    out.fill(ifValid);
    setNulls(out, validity, n, TRUE - ifValid);
    return;
  }
  if (col.values.kind !== 'bool') return;
  const bits = col.values.data;
  const want = test === 'true' ? 1 : 0;
  for (let i = 0; i < n; i++) out[i] = ((bits[i >>> 3]! >>> (i & 7)) & 1) === want ? TRUE : FALSE;
  setNulls(out, validity, n, FALSE); // IS TRUE / IS FALSE are never unknown
}

function compareNumbers(a: NumberArray, op: CompareOp, x: number, out: Uint8Array, n: number): void {
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = a[i] === x ? TRUE : FALSE;
      break;
    case 'neq':
      for (let i = 0; i < n; i++) out[i] = a[i] !== x ? TRUE : FALSE;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) out[i] = a[i]! > x ? TRUE : FALSE;
      break;
    case 'gte':
      for (let i = 0; i < n; i++) out[i] = a[i]! >= x ? TRUE : FALSE;
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = a[i]! < x ? TRUE : FALSE;
      break;
    case 'lte':
      for (let i = 0; i < n; i++) out[i] = a[i]! <= x ? TRUE : FALSE;
      break;
  }
}

/** 64-bit comparison on (hi, lo) halves: hi signed or unsigned per the column, lo unsigned. */
function compare64(data: BigInt64Array | BigUint64Array, op: CompareOp, x: bigint, out: Uint8Array, n: number): void {
  const lo = new Uint32Array(data.buffer, data.byteOffset, n * 2);
  const hi = data instanceof BigInt64Array ? new Int32Array(data.buffer, data.byteOffset, n * 2) : lo;
  const H = Number(x >> 32n);
  const L = Number(BigInt.asUintN(32, x));
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = hi[2 * i + HI] === H && lo[2 * i + LO] === L ? TRUE : FALSE;
      break;
    case 'neq':
      for (let i = 0; i < n; i++) out[i] = hi[2 * i + HI] === H && lo[2 * i + LO] === L ? FALSE : TRUE;
      break;
    case 'gt':
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + HI]!;
        out[i] = h > H || (h === H && lo[2 * i + LO]! > L) ? TRUE : FALSE;
      }
      break;
    case 'gte':
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + HI]!;
        out[i] = h > H || (h === H && lo[2 * i + LO]! >= L) ? TRUE : FALSE;
      }
      break;
    case 'lt':
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + HI]!;
        out[i] = h < H || (h === H && lo[2 * i + LO]! < L) ? TRUE : FALSE;
      }
      break;
    case 'lte':
      for (let i = 0; i < n; i++) {
        const h = hi[2 * i + HI]!;
        out[i] = h < H || (h === H && lo[2 * i + LO]! <= L) ? TRUE : FALSE;
      }
      break;
  }
}

/** Truth of `b op x` for b in {false, true}, so a bool row is one table lookup. */
function compareBool(bits: Uint8Array, op: CompareOp, x: boolean, out: Uint8Array, n: number): void {
  const xi = x ? 1 : 0;
  const holds = (b: number): number => {
    switch (op) {
      case 'eq':
        return b === xi ? TRUE : FALSE;
      case 'neq':
        return b !== xi ? TRUE : FALSE;
      case 'gt':
        return b > xi ? TRUE : FALSE;
      case 'gte':
        return b >= xi ? TRUE : FALSE;
      case 'lt':
        return b < xi ? TRUE : FALSE;
      case 'lte':
        return b <= xi ? TRUE : FALSE;
    }
  };
  boolTable(bits, holds(0), holds(1), out, n);
}

function boolTable(bits: Uint8Array, ifFalse: number, ifTrue: number, out: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = ((bits[i >>> 3]! >>> (i & 7)) & 1) !== 0 ? ifTrue : ifFalse;
}

function compareBytesColumn(offsets: Int32Array, data: Uint8Array, op: CompareOp, x: Uint8Array, out: Uint8Array, n: number): void {
  if (op === 'eq' || op === 'neq') {
    const hit = op === 'eq' ? TRUE : FALSE;
    const miss = TRUE - hit;
    for (let i = 0; i < n; i++) out[i] = equalSlice(data, offsets[i]!, offsets[i + 1]!, x) ? hit : miss;
    return;
  }
  // Index by sign + 1 of (row − literal).
  const table = new Uint8Array(3);
  table[0] = op === 'lt' || op === 'lte' ? TRUE : FALSE;
  table[1] = op === 'gte' || op === 'lte' ? TRUE : FALSE;
  table[2] = op === 'gt' || op === 'gte' ? TRUE : FALSE;
  for (let i = 0; i < n; i++) out[i] = table[compareSlice(data, offsets[i]!, offsets[i + 1]!, x) + 1]!;
}

/** Lists up to this long are scanned; longer ones binary-searched. */
const SMALL_LIST = 8;

/** `in` by scan, binary search or hashing over the list; `miss` is FALSE, or UNKNOWN when the list holds NULL. */
function inList(col: ColumnData, set: InSet, miss: number, out: Uint8Array, n: number): void {
  const v = col.values;
  switch (set.family) {
    case 'number': {
      const a = (v as { data: NumberArray }).data;
      const items = set.items;
      const k = items.length;
      if (k <= SMALL_LIST) {
        for (let i = 0; i < n; i++) {
          const x = a[i]!;
          let j = 0;
          while (j < k && items[j] !== x) j++;
          out[i] = j < k ? TRUE : miss;
        }
        return;
      }
      for (let i = 0; i < n; i++) {
        const x = a[i]!;
        let lo = 0,
          hi = items.length,
          hit = false;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const y = items[mid]!;
          if (y === x) {
            hit = true;
            break;
          }
          if (y < x) lo = mid + 1;
          else hi = mid; // NaN rows end here without a hit
        }
        out[i] = hit ? TRUE : miss;
      }
      return;
    }
    case 'int64': {
      const data = (v as { data: BigInt64Array | BigUint64Array }).data;
      const low = new Uint32Array(data.buffer, data.byteOffset, n * 2);
      const high = data instanceof BigInt64Array ? new Int32Array(data.buffer, data.byteOffset, n * 2) : low;
      const H = set.hi,
        L = set.lo;
      for (let i = 0; i < n; i++) {
        const h = high[2 * i + HI]!,
          l = low[2 * i + LO]!;
        let lo = 0,
          hi = H.length,
          hit = false;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const yh = H[mid]!,
            yl = L[mid]!;
          if (yh === h && yl === l) {
            hit = true;
            break;
          }
          if (yh < h || (yh === h && yl < l)) lo = mid + 1;
          else hi = mid;
        }
        out[i] = hit ? TRUE : miss;
      }
      return;
    }
    case 'bytes': {
      // Hash the row, then confirm the candidate: one pass over the row's bytes whatever the list length.
      const { offsets, data } = v as { offsets: Int32Array; data: Uint8Array };
      const { items, table } = set;
      const mask = table.length - 1;
      for (let i = 0; i < n; i++) {
        const s = offsets[i]!,
          e = offsets[i + 1]!;
        let slot = hashSlice(data, s, e) & mask;
        let state = miss;
        for (let k = table[slot]!; k !== 0; slot = (slot + 1) & mask, k = table[slot]!) {
          if (equalSlice(data, s, e, items[k - 1]!)) {
            state = TRUE;
            break;
          }
        }
        out[i] = state;
      }
      return;
    }
    case 'bool':
      boolTable((v as { data: Uint8Array }).data, set.hasFalse ? TRUE : miss, set.hasTrue ? TRUE : miss, out, n);
      return;
  }
}

/** Checks the column data has the layout the bound leaf expects, so no loop reads out of range. */
function checkedColumn(b: BoundLeaf, col: ColumnData | undefined, n: number): ColumnData {
  const fail = (why: string): never => {
    throw new NCFError('STATE', `ncf: filter evaluation: column ${b.column} (${b.type}) ${why}`, { column: b.column });
  };
  if (col === undefined || col === null) return fail('was not provided');
  if (col.length < n) fail(`has ${col.length} rows; expected ${n}`);
  if (col.validity !== null && col.validity.length < bitmapBytes(n)) fail('has a short validity bitmap');
  const d = col.dictionary;
  if (d !== undefined) {
    // Codes index the entries; the entries are checked when a leaf evaluates over them.
    if (familyOf(b.type) !== 'bytes' || d.codes.length < n) fail('does not hold dictionary codes');
    return col;
  }
  const v = col.values;
  switch (familyOf(b.type)) {
    case 'number':
      if (v.kind !== 'fixed' || v.data instanceof BigInt64Array || v.data instanceof BigUint64Array || v.data.length < n)
        fail('does not hold 32-bit or float values');
      break;
    case 'int64':
      if (v.kind !== 'fixed' || !(v.data instanceof BigInt64Array || v.data instanceof BigUint64Array) || v.data.length < n)
        fail('does not hold 64-bit values');
      break;
    case 'bool':
      if (v.kind !== 'bool' || v.data.length < bitmapBytes(n)) fail('does not hold a bool bitmap');
      break;
    case 'bytes':
      if (v.kind !== 'bytes' || v.offsets.length < n + 1 || v.offsets[n]! > v.data.length) fail('does not hold offsets and bytes');
      break;
  }
  return col;
}
