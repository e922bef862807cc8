// ORDER BY for queries: PostgreSQL semantics (NaN above every number, NULLS LAST ascending and FIRST
// descending unless told, strings by UTF-8 bytes = code points, ties kept in scan order). With a
// limit, a top-K pass keeps only offset+limit candidates: a batch's rows are first compared with the
// current K-th row, and only those that would displace it are kept. Without one, matching rows are
// held up to a cap and sorted; beyond it the client is told to add a limit. Sort keys are read in
// place from the typed arrays (64-bit values through 32-bit word views), so no per-row objects.

import type * as arrow from 'apache-arrow';
import { badQuery } from '../http/errors.js';
import { arrowDataToColumn, columnsToRecordBatch } from '../format/arrow.js';
import type { ColumnData } from '../format/column.js';
import { concatColumns } from '../format/column-builder.js';
import { words64 } from '../format/int64.js';
import type { ColumnSchema } from '../format/schema.js';
import { takeRows } from '../format/take.js';
import type { OrderKey } from './params.js';

export interface SortLimits {
  /** Most rows held for a sort without a (small enough) limit. */
  maxRows: number;
  /** Most bytes of column data held for any sort. */
  maxBytes: number;
  /** Top-K merges its pending candidates into the kept K once this many (or K) are pending. */
  compactRows: number;
}

export const DEFAULT_SORT_LIMITS: SortLimits = { maxRows: 1_000_000, maxBytes: 512 * 1024 * 1024, compactRows: 65536 };

/** Rows per output batch. */
const OUT_BATCH_ROWS = 65536;
const SIGN = -0x80000000;

const KIND_NUM = 0,
  KIND_I64 = 1,
  KIND_U64 = 2,
  KIND_BOOL = 3,
  KIND_BYTES = 4;
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_F64 = new Float64Array(0);

type NumArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** One sort key's values in a comparable form; every field is always set so the shape is fixed. */
export class KeyColumn {
  constructor(
    readonly kind: number,
    readonly validity: Uint8Array | null,
    readonly num: NumArray,
    /** 64-bit values as (lo, hi) int32 pairs. */
    readonly words: Int32Array,
    readonly offsets: Int32Array,
    /** UTF-8/binary bytes, or the bool bitmap. */
    readonly bytes: Uint8Array,
  ) {}

  static of(col: ColumnData): KeyColumn {
    const validity = col.nullCount > 0 ? col.validity : null;
    const v = col.values;
    if (v.kind === 'bool') return new KeyColumn(KIND_BOOL, validity, EMPTY_F64, EMPTY_I32, EMPTY_I32, v.data);
    if (v.kind === 'bytes') return new KeyColumn(KIND_BYTES, validity, EMPTY_F64, EMPTY_I32, v.offsets, v.data);
    const d = v.data;
    if (d instanceof BigInt64Array) return new KeyColumn(KIND_I64, validity, EMPTY_F64, words64(d), EMPTY_I32, EMPTY_U8);
    if (d instanceof BigUint64Array) return new KeyColumn(KIND_U64, validity, EMPTY_F64, words64(d), EMPTY_I32, EMPTY_U8);
    return new KeyColumn(KIND_NUM, validity, d, EMPTY_I32, EMPTY_I32, EMPTY_U8);
  }
}

/** Direction and null placement of each key, as numbers for the comparison loop. */
export interface KeyOrder {
  /** 1 ascending, -1 descending. */
  sign: Int8Array;
  /** -1 when nulls sort first, 1 when last. */
  nulls: Int8Array;
}

export function keyOrder(keys: readonly OrderKey[]): KeyOrder {
  return {
    sign: Int8Array.from(keys, (k) => (k.desc ? -1 : 1)),
    nulls: Int8Array.from(keys, (k) => (k.nulls === 'first' ? -1 : 1)),
  };
}

function compareValues(a: KeyColumn, i: number, b: KeyColumn, j: number): number {
  switch (a.kind) {
    case KIND_NUM: {
      const x = a.num[i]!,
        y = b.num[j]!;
      if (x < y) return -1;
      if (x > y) return 1;
      if (x === y) return 0;
      const xn = x !== x,
        yn = y !== y;
      return xn === yn ? 0 : xn ? 1 : -1;
    }
    case KIND_I64:
    case KIND_U64: {
      let x = a.words[2 * i + 1]!,
        y = b.words[2 * j + 1]!;
      if (x !== y) {
        if (a.kind === KIND_U64) {
          x ^= SIGN;
          y ^= SIGN;
        }
        return x < y ? -1 : 1;
      }
      x = a.words[2 * i]! ^ SIGN;
      y = b.words[2 * j]! ^ SIGN;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case KIND_BOOL: {
      const x = (a.bytes[i >>> 3]! >>> (i & 7)) & 1,
        y = (b.bytes[j >>> 3]! >>> (j & 7)) & 1;
      return x - y;
    }
    default: {
      const da = a.bytes,
        db = b.bytes;
      let p = a.offsets[i]!,
        q = b.offsets[j]!;
      const pe = a.offsets[i + 1]!,
        qe = b.offsets[j + 1]!;
      for (; p < pe && q < qe; p++, q++) {
        const d = da[p]! - db[q]!;
        if (d !== 0) return d < 0 ? -1 : 1;
      }
      return p < pe ? 1 : q < qe ? -1 : 0;
    }
  }
}

/** Sign of row i of A minus row j of B under the order (ties: 0). */
export function compareRows(A: readonly KeyColumn[], i: number, B: readonly KeyColumn[], j: number, order: KeyOrder): number {
  for (let k = 0; k < A.length; k++) {
    const a = A[k]!,
      b = B[k]!;
    const va = a.validity === null || (a.validity[i >>> 3]! & (1 << (i & 7))) !== 0;
    const vb = b.validity === null || (b.validity[j >>> 3]! & (1 << (j & 7))) !== 0;
    if (!va || !vb) {
      if (va === vb) continue;
      return va ? -order.nulls[k]! : order.nulls[k]!;
    }
    const c = compareValues(a, i, b, j);
    if (c !== 0) return c * order.sign[k]!;
  }
  return 0;
}

/** The stable sorting permutation of rows 0..n-1. */
export function sortPermutation(keys: readonly KeyColumn[], n: number, order: KeyOrder): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const k = keys[0];
  if (keys.length === 1 && k !== undefined && k.kind === KIND_NUM && k.validity === null) {
    // The common single numeric key without nulls: a comparator with no loop or dispatch, ~2x faster.
    const v = k.num,
      sign = order.sign[0]!;
    perm.sort((x, y) => {
      const a = v[x]!,
        b = v[y]!;
      if (a < b) return -sign;
      if (a > b) return sign;
      if (a === b) return x - y;
      const an = a !== a,
        bn = b !== b;
      return an === bn ? x - y : an ? sign : -sign;
    });
    return perm;
  }
  perm.sort((x, y) => compareRows(keys, x, keys, y, order) || x - y);
  return perm;
}

function heldBytes(cols: readonly ColumnData[]): number {
  let n = 0;
  for (const c of cols) {
    n += c.validity?.byteLength ?? 0;
    const v = c.values;
    n += v.data.byteLength + (v.kind === 'bytes' ? v.offsets.byteLength : 0);
  }
  return n;
}

export interface SortOptions {
  keys: readonly OrderKey[];
  /** Columns of the input batches, in order (the output columns first). */
  scanColumns: readonly ColumnSchema[];
  /** Output columns: the first columns.length scan columns. */
  columns: readonly ColumnSchema[];
  schema: arrow.Schema;
  offset: number;
  limit: number | null;
  signal?: AbortSignal;
  limits?: Partial<SortLimits>;
}

/** Sorts the input batches and yields rows [offset, offset + limit) of the result. */
export async function* sortBatches(input: AsyncIterable<arrow.RecordBatch>, opts: SortOptions): AsyncGenerator<arrow.RecordBatch> {
  const limits = { ...DEFAULT_SORT_LIMITS, ...opts.limits };
  const order = keyOrder(opts.keys);
  const keyIdx = opts.keys.map((k) => opts.scanColumns.findIndex((c) => c.name === k.column));
  if (opts.limit === 0) return;
  const wanted = opts.limit === null ? Infinity : opts.offset + opts.limit;
  // K above the cap would hold as many rows as a full sort: treat it as one.
  const K = wanted > limits.maxRows ? Infinity : wanted;
  const keysOf = (cols: readonly ColumnData[]): KeyColumn[] => keyIdx.map((c) => KeyColumn.of(cols[c]!));

  let current: ColumnData[] | null = null;
  let curKeys: KeyColumn[] = [];
  let curLen = 0,
    curBytes = 0;
  let pending: ColumnData[][] = [];
  let pendingRows = 0,
    pendingBytes = 0;

  const tooMany = (): never => {
    throw badQuery(
      opts.limit === null
        ? `order: sorting without a limit holds every matching row, and more than ${limits.maxRows} rows match; add a limit or a narrower filter`
        : `order: sorting holds offset+limit rows (${wanted}) when more than ${limits.maxRows} rows match; use a smaller offset+limit (at most ${limits.maxRows}) or a narrower filter`,
      { parameter: 'order', maxRows: limits.maxRows },
    );
  };
  const tooBig = (): never => {
    throw badQuery(
      `order: the rows this sort must hold exceed ${limits.maxBytes} bytes; select fewer or smaller columns, add a limit or a narrower filter`,
      { parameter: 'order', maxBytes: limits.maxBytes },
    );
  };

  const compact = (): void => {
    const parts = current === null ? pending : [current, ...pending];
    pending = [];
    pendingRows = 0;
    pendingBytes = 0;
    if (parts.length === 0) return;
    const all = opts.scanColumns.map((c, k) =>
      concatColumns(
        c,
        parts.map((p) => p[k]!),
      ),
    );
    const total = all[0]!.length;
    const perm = sortPermutation(keysOf(all), total, order);
    const keep = total > K ? perm.subarray(0, K) : perm;
    current = all.map((c) => takeRows(c, keep));
    curLen = keep.length;
    curKeys = keysOf(current);
    curBytes = heldBytes(current);
  };

  for await (const batch of input) {
    opts.signal?.throwIfAborted();
    let n = batch.numRows;
    if (n === 0) continue;
    let cols = batch.data.children.map((d, k) => arrowDataToColumn(d, opts.scanColumns[k]!));
    if (curLen === K) {
      // Only rows that sort strictly before the current K-th can enter; ties lose to earlier rows.
      const keys = keysOf(cols);
      const sel = new Uint32Array(n);
      let m = 0;
      for (let r = 0; r < n; r++) if (compareRows(keys, r, curKeys, K - 1, order) < 0) sel[m++] = r;
      if (m === 0) continue;
      if (m < n) {
        const s = sel.subarray(0, m);
        cols = cols.map((c) => takeRows(c, s));
        n = m;
      }
    }
    pending.push(cols);
    pendingRows += n;
    pendingBytes += heldBytes(cols);
    if (K === Infinity && curLen + pendingRows > limits.maxRows) tooMany();
    if (curBytes + pendingBytes > limits.maxBytes) tooBig();
    if (K !== Infinity && pendingRows >= Math.max(K, limits.compactRows)) {
      compact();
      if (curBytes > limits.maxBytes) tooBig();
    }
  }
  compact();
  if (current === null) return;
  const from = Math.min(opts.offset, curLen);
  const to = Math.min(curLen, opts.limit === null ? curLen : opts.offset + opts.limit);
  if (to <= from) return;
  const out = (current as ColumnData[]).slice(0, opts.columns.length);
  const whole = columnsToRecordBatch(opts.schema, opts.columns, out, curLen);
  for (let p = from; p < to; p += OUT_BATCH_ROWS) {
    opts.signal?.throwIfAborted();
    yield whole.slice(p, Math.min(to, p + OUT_BATCH_ROWS));
  }
}
