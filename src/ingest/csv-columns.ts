// Per-batch column builders for CSV: each parses one column's fields straight from the tokenizer's
// byte offsets into the typed arrays of an Arrow Data (values, validity, offsets). One tight loop
// per physical kind keeps the hot paths monomorphic and free of per-value allocation.

import * as arrow from 'apache-arrow';
import { toArrowType } from '../format/arrow-types.js';
import { NCFError } from '../format/errors.js';
import type { DataType } from '../format/schema.js';
import { ESCAPED, UNQUOTED, unescapeInto, unescapedLength, type CsvTokens } from './csv-tokenize.js';
import { i64, setScaled } from './int64.js';
import { valueTooLarge } from './limits.js';
import type { ColumnPlan } from './schema-override.js';
import {
  INEXACT,
  UNIT_SCALE,
  finerThan,
  parseBool,
  parseDate,
  parseFloat64,
  parseInt64,
  parseSmallInt,
  parseTimestamp,
  parsed,
  type Unit,
} from './text-values.js';

const enum Kind {
  Bool,
  Int,
  Int64,
  Uint64,
  Float64,
  Float32,
  Date,
  Timestamp,
  Bytes,
}

const INT_RANGE: Partial<Record<DataType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

function kindOf(type: DataType): Kind {
  switch (type) {
    case 'bool':
      return Kind.Bool;
    case 'int64':
      return Kind.Int64;
    case 'uint64':
      return Kind.Uint64;
    case 'float64':
      return Kind.Float64;
    case 'float32':
      return Kind.Float32;
    case 'date':
      return Kind.Date;
    case 'timestamp':
      return Kind.Timestamp;
    case 'string':
    case 'binary':
      return Kind.Bytes;
    default:
      return Kind.Int;
  }
}

type IntArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** First batch's starting capacity in rows. */
const INITIAL_ROWS = 1024;

/** `fresh` with the first `keep` elements of `old` copied in. */
function regrow<T extends Uint8Array | IntArray | Int32Array | Float64Array | Float32Array>(old: T, fresh: T, keep: number): T {
  if (keep > 0) fresh.set(old.subarray(0, keep) as never);
  return fresh;
}

export class CsvColumn {
  readonly plan: ColumnPlan;
  /** Field index in the CSV record. */
  readonly col: number;
  private readonly kind: Kind;
  private readonly type: arrow.DataType;
  private readonly min: number;
  private readonly max: number;
  private readonly unit: Unit;
  private readonly maxValue: number;
  /** Rows the current arrays hold, and the most a batch may have. */
  private cap = 0;
  private maxRows = 0;
  /** Rows in the previous batch (sizes the next one's arrays). */
  private lastRows = 0;
  private validity = new Uint8Array(0);
  private nullCount = 0;
  private ints: IntArray = new Int32Array(0);
  private f64 = new Float64Array(0);
  private f32 = new Float32Array(0);
  /** 64-bit values as (lo, hi) int32 pairs over a BigInt64Array's buffer. */
  private pairs = new Int32Array(0);
  private bits = new Uint8Array(0);
  private offsets = new Int32Array(0);
  private data = new Uint8Array(0);
  private dataLen = 0;

  constructor(plan: ColumnPlan, col: number, maxValueBytes = Number.MAX_SAFE_INTEGER) {
    this.plan = plan;
    this.col = col;
    this.maxValue = maxValueBytes;
    this.kind = kindOf(plan.type);
    this.type = toArrowType(plan);
    const range = INT_RANGE[plan.type] ?? [0, 0];
    this.min = range[0];
    this.max = range[1];
    this.unit = plan.unit ?? 'us';
  }

  /** Bytes of string data held for the current batch. */
  get bytes(): number {
    return this.dataLen;
  }

  /** Starts a batch of at most `maxRows` rows with fresh arrays (the previous batch's Data keeps
   *  its own). Arrays start at the previous batch's size and double on demand, so a small or very
   *  wide input does not allocate maxRows rows for every column. */
  start(maxRows: number): void {
    this.maxRows = maxRows;
    this.nullCount = 0;
    const bytesPerRow = this.lastRows > 0 ? this.dataLen / this.lastRows : 16;
    this.dataLen = 0;
    this.cap = 0;
    this.alloc(Math.min(maxRows, Math.max(INITIAL_ROWS, this.lastRows)), bytesPerRow);
  }

  /** Makes room for `rows` rows, keeping what is written. */
  private ensure(rows: number): void {
    if (rows > this.cap) this.alloc(Math.min(this.maxRows, Math.max(rows, this.cap * 2)), 0);
  }

  private alloc(cap: number, bytesPerRow: number): void {
    const old = this.cap;
    const bitBytes = (cap + 7) >>> 3;
    const validity = new Uint8Array(bitBytes).fill(0xff);
    if (old > 0) validity.set(this.validity.subarray(0, (old + 7) >>> 3));
    this.validity = validity;
    switch (this.kind) {
      case Kind.Bool:
        this.bits = regrow(this.bits, new Uint8Array(bitBytes), (old + 7) >>> 3);
        break;
      case Kind.Int:
        this.ints = regrow(this.ints, new (this.type as arrow.Int).ArrayType(cap) as IntArray, old);
        break;
      case Kind.Int64:
      case Kind.Uint64:
      case Kind.Timestamp:
        this.pairs = regrow(this.pairs, new Int32Array(cap * 2), old * 2);
        break;
      case Kind.Float64:
        this.f64 = regrow(this.f64, new Float64Array(cap), old);
        break;
      case Kind.Float32:
        this.f32 = regrow(this.f32, new Float32Array(cap), old);
        break;
      case Kind.Date:
        this.ints = regrow(this.ints, new Int32Array(cap), old);
        break;
      case Kind.Bytes:
        this.offsets = regrow(this.offsets, new Int32Array(cap + 1), old > 0 ? old + 1 : 0);
        // Size text from the previous batch's bytes per row, so a steady stream rarely regrows.
        if (old === 0) this.data = new Uint8Array(Math.min(1 << 30, Math.max(1024, Math.ceil(bytesPerRow * cap * 1.1))));
        break;
    }
    this.cap = cap;
  }

  /** Parses this column's fields of the tokenized records into rows row0 .. row0 + t.count - 1. */
  append(buf: Uint8Array, t: CsvTokens, row0: number): void {
    this.ensure(row0 + t.count);
    switch (this.kind) {
      case Kind.Bool:
        return this.appendBool(buf, t, row0);
      case Kind.Int:
        return this.appendInt(buf, t, row0);
      case Kind.Int64:
      case Kind.Uint64:
        return this.appendInt64(buf, t, row0);
      case Kind.Float64:
      case Kind.Float32:
        return this.appendFloat(buf, t, row0);
      case Kind.Date:
        return this.appendDate(buf, t, row0);
      case Kind.Timestamp:
        return this.appendTimestamp(buf, t, row0);
      case Kind.Bytes:
        return this.appendBytes(buf, t, row0);
    }
  }

  private setNull(row: number, t: CsvTokens, r: number): void {
    if (!this.plan.nullable) {
      throw new NCFError(
        'INPUT',
        `ncf: CSV line ${t.lines[r]}, column "${this.plan.name}": empty value, but the schema override declares the column not nullable`,
        { line: t.lines[r], column: this.plan.name },
      );
    }
    this.validity[row >>> 3]! &= ~(1 << (row & 7));
    this.nullCount++;
  }

  private fail(buf: Uint8Array, t: CsvTokens, r: number, why = ''): NCFError {
    const k = r * t.cols + this.col;
    const text = new TextDecoder().decode(buf.subarray(t.starts[k], t.ends[k]));
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    const p = this.plan;
    const type =
      p.type === 'timestamp' ? `timestamp (YYYY-MM-DD HH:MM[:SS[.fff]][Z|±HH:MM])` : p.type === 'date' ? 'date (YYYY-MM-DD)' : p.type;
    const origin = p.typeFromOverride ? ' (from the schema override)' : '';
    return new NCFError(
      'INPUT',
      `ncf: CSV line ${t.lines[r]}, column "${p.name}": expected ${type}${origin} but found ${JSON.stringify(shown)}${why}`,
      { line: t.lines[r], column: p.name },
    );
  }

  private appendBool(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const bits = this.bits;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!,
        row = row0 + r;
      if (s === e) {
        this.setNull(row, t, r);
        continue;
      }
      const v = parseBool(buf, s, e);
      if (v < 0) throw this.fail(buf, t, r);
      if (v) bits[row >>> 3]! |= 1 << (row & 7);
    }
  }

  private appendInt(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const out = this.ints,
      min = this.min,
      max = this.max;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!;
      if (s === e) {
        this.setNull(row0 + r, t, r);
        continue;
      }
      const v = parseSmallInt(buf, s, e);
      if (!(v >= min && v <= max)) throw this.fail(buf, t, r);
      out[row0 + r] = v;
    }
  }

  private appendInt64(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const out = this.pairs,
      unsigned = this.kind === Kind.Uint64;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!,
        row = row0 + r;
      if (s === e) {
        this.setNull(row, t, r);
        continue;
      }
      if (!parseInt64(buf, s, e, unsigned)) throw this.fail(buf, t, r);
      out[2 * row] = i64.lo;
      out[2 * row + 1] = i64.hi;
    }
  }

  private appendFloat(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const out = this.kind === Kind.Float64 ? this.f64 : this.f32;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!;
      if (s === e) {
        this.setNull(row0 + r, t, r);
        continue;
      }
      const v = parseFloat64(buf, s, e);
      if (!parsed.floatOk) throw this.fail(buf, t, r);
      if (!parsed.exact) throw this.fail(buf, t, r, INEXACT);
      out[row0 + r] = v;
    }
  }

  private appendDate(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const out = this.ints;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!;
      if (s === e) {
        this.setNull(row0 + r, t, r);
        continue;
      }
      const v = parseDate(buf, s, e);
      if (v !== v) throw this.fail(buf, t, r);
      out[row0 + r] = v;
    }
  }

  private appendTimestamp(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends } = t;
    const out = this.pairs,
      unit = this.unit;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!,
        row = row0 + r;
      if (s === e) {
        this.setNull(row, t, r);
        continue;
      }
      if (!parseTimestamp(buf, s, e, unit)) {
        const finer = parsed.finer;
        if (!dateAsTimestamp(buf, s, e, unit)) throw this.fail(buf, t, r, finer ? finerThan(unit) : '');
      }
      out[2 * row] = i64.lo;
      out[2 * row + 1] = i64.hi;
    }
  }

  private appendBytes(buf: Uint8Array, t: CsvTokens, row0: number): void {
    const { cols, count, starts, ends, flags } = t;
    const offsets = this.offsets;
    let data: Uint8Array = this.data,
      at = this.dataLen;
    for (let r = 0, k = this.col; r < count; r++, k += cols) {
      const s = starts[k]!,
        e = ends[k]!,
        row = row0 + r,
        fl = flags[k]!;
      if (s === e && fl === UNQUOTED) {
        this.setNull(row, t, r);
        offsets[row + 1] = at;
        continue;
      }
      const n = fl === ESCAPED ? unescapedLength(buf, s, e) : e - s;
      if (n > this.maxValue) throw valueTooLarge(this.plan.name, n, this.maxValue, { label: 'CSV', unit: 'line', pos: t.lines[r]! });
      if (at + n > data.length) {
        this.dataLen = at;
        data = this.grow(at + n);
      }
      if (fl === ESCAPED) at = unescapeInto(buf, s, e, data, at);
      else if (n < 32) for (let p = s; p < e; p++) data[at++] = buf[p]!;
      else {
        data.set(buf.subarray(s, e), at);
        at += n;
      }
      offsets[row + 1] = at;
    }
    this.dataLen = at;
  }

  private grow(need: number): Uint8Array {
    if (need > 0x7fffffff) {
      throw new NCFError('LIMIT', `ncf: column "${this.plan.name}" holds more than 2 GiB of text in one batch; use a smaller batch size`, {
        column: this.plan.name,
      });
    }
    const grown = new Uint8Array(Math.min(0x7fffffff, Math.max(need, this.data.length * 2)));
    grown.set(this.data.subarray(0, this.dataLen));
    this.data = grown;
    return grown;
  }

  /** The Arrow Data for the first `length` rows of the batch. */
  finish(length: number): arrow.Data {
    this.lastRows = length;
    const nullBitmap = this.nullCount > 0 ? this.validity.subarray(0, (length + 7) >>> 3) : undefined;
    const base = { type: this.type, length, nullCount: this.nullCount, nullBitmap };
    switch (this.kind) {
      case Kind.Bool:
        return arrow.makeData({ ...base, type: this.type as arrow.Bool, data: this.bits.subarray(0, (length + 7) >>> 3) });
      case Kind.Int:
      case Kind.Date:
        return arrow.makeData({ ...base, type: this.type as arrow.Int32, data: this.ints.subarray(0, length) as Int32Array });
      case Kind.Int64:
      case Kind.Uint64:
      case Kind.Timestamp:
        return arrow.makeData({ ...base, type: this.type as arrow.Int64, data: new BigInt64Array(this.pairs.buffer, 0, length) });
      case Kind.Float64:
        return arrow.makeData({ ...base, type: this.type as arrow.Float64, data: this.f64.subarray(0, length) });
      case Kind.Float32:
        return arrow.makeData({ ...base, type: this.type as arrow.Float32, data: this.f32.subarray(0, length) });
      case Kind.Bytes:
        return arrow.makeData({
          ...base,
          type: this.type as arrow.Utf8,
          valueOffsets: this.offsets.subarray(0, length + 1),
          data: this.data.subarray(0, this.dataLen),
        });
    }
  }
}

/** A bare YYYY-MM-DD in a timestamp column (explicit type only) means midnight UTC. */
function dateAsTimestamp(buf: Uint8Array, s: number, e: number, unit: Unit): boolean {
  const days = parseDate(buf, s, e);
  return days === days && setScaled(days * 86400, UNIT_SCALE[unit], 0);
}
