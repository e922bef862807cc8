// Column builders fed with JavaScript values (from JSON.parse, or Arrow vectors being cast to an
// override type). A builder writes into the typed arrays of one batch and coerces each value to
// the column's type: numbers and booleans as they are, strings through the same text parsers as
// CSV (so "2024-05-01" fills a date column), anything else into strings as JSON text. Rows never
// appended stay null, which is how a missing JSON key becomes null.

import * as arrow from 'apache-arrow';
import { toArrowType } from '../format/arrow-types.js';
import { NCFError } from '../format/errors.js';
import type { DataType } from '../format/schema.js';
import { i64, setI64, setScaled } from './int64.js';
import { valueTooLarge } from './limits.js';
import { JsonInteger, isExactValue, stringifyExact } from './json-exact.js';
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

/** How positions are named in errors: "NDJSON line 12", "Parquet row 7". */
export interface Where {
  label: string;
  unit: 'line' | 'row';
}

const INT_RANGE: Partial<Record<DataType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

/** First batch's starting capacity in rows. */
const INITIAL_ROWS = 1024;

type Fixed = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** `fresh` with the first `keep` elements of `old` copied in. */
function regrow<T extends Fixed>(old: T, fresh: T, keep: number): T {
  if (keep > 0) fresh.set(old.subarray(0, keep) as never);
  return fresh;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** UTF-8 bytes of s in the shared scratch buffer; returns their length. */
function toScratch(s: string): number {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3);
  return encoder.encodeInto(s, scratch).written;
}

/** The JSON text of a non-string value (strings stay as they are; long integers keep their digits). */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof JsonInteger) return v.text;
  if (typeof v === 'object' && v !== null && isExactValue(v)) return stringifyExact(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v) ?? String(v);
}

/** Deepest nesting stored as JSON text: JSON.parse takes any depth, but JSON.stringify recurses and
 *  would overflow the stack (a RangeError, a 500) on a few thousand levels. */
const MAX_NESTING = 1000;

/** Whether an object or array nests deeper than MAX_NESTING (iterative: it must not recurse either). */
function nestedTooDeeply(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (depth > MAX_NESTING) return true;
    for (const child of Object.values(x as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

export class ValueColumn {
  readonly plan: ColumnPlan;
  private readonly where: Where;
  private readonly type: arrow.DataType;
  private readonly range: [number, number] | undefined;
  private readonly unit: Unit;
  private readonly maxValue: number;
  private validity = new Uint8Array(0);
  private valid = 0;
  private fixed: Fixed = new Int32Array(0);
  private pairs = new Int32Array(0);
  private offsets = new Int32Array(0);
  private data = new Uint8Array(0);
  private dataLen = 0;
  /** Last row written, so offsets of skipped (null) rows can be filled in. */
  private filled = 0;
  /** Rows the arrays hold, the most a batch may have, and the previous batch's rows. */
  private cap = 0;
  private maxRows = 0;
  private lastRows = 0;

  constructor(plan: ColumnPlan, where: Where, maxValueBytes = Number.MAX_SAFE_INTEGER) {
    this.plan = plan;
    this.where = where;
    this.maxValue = maxValueBytes;
    this.type = toArrowType(plan);
    this.range = INT_RANGE[plan.type];
    this.unit = plan.unit ?? 'us';
  }

  get bytes(): number {
    return this.dataLen;
  }

  /** Starts a batch of at most `maxRows` rows; arrays start at the previous batch's size and double
   *  on demand (see CsvColumn.start). */
  start(maxRows: number): void {
    this.maxRows = maxRows;
    this.valid = 0;
    this.filled = 0;
    this.cap = 0;
    const t = this.plan.type;
    if (t === 'string' || t === 'binary') {
      this.data = new Uint8Array(Math.max(1024, this.dataLen));
      this.dataLen = 0;
    }
    this.alloc(Math.min(maxRows, Math.max(INITIAL_ROWS, this.lastRows)));
  }

  private alloc(cap: number): void {
    const old = this.cap;
    const t = this.plan.type;
    const bitBytes = (cap + 7) >>> 3;
    const keepBits = (old + 7) >>> 3;
    this.validity = regrow(this.validity, new Uint8Array(bitBytes), keepBits);
    if (t === 'int64' || t === 'uint64' || t === 'timestamp') this.pairs = regrow(this.pairs, new Int32Array(cap * 2), old * 2);
    else if (t === 'bool') this.fixed = regrow(this.fixed, new Uint8Array(bitBytes), keepBits);
    else if (t === 'string' || t === 'binary') this.offsets = regrow(this.offsets, new Int32Array(cap + 1), old > 0 ? old + 1 : 0);
    else if (t === 'date') this.fixed = regrow(this.fixed, new Int32Array(cap), old);
    else this.fixed = regrow(this.fixed, new (this.type as arrow.Int | arrow.Float).ArrayType(cap) as typeof this.fixed, old);
    this.cap = cap;
  }

  /** Makes room for `rows` rows, keeping what is written. */
  private ensure(rows: number): void {
    if (rows > this.cap) this.alloc(Math.min(this.maxRows, Math.max(rows, this.cap * 2)));
  }

  private fail(v: unknown, pos: number, why = ''): NCFError {
    const p = this.plan;
    let shown = nestedTooDeeply(v) ? '(a value nested too deeply to show)' : textOf(v);
    if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
    const origin = p.typeFromOverride ? ' (from the schema override)' : '';
    return new NCFError(
      'INPUT',
      `ncf: ${this.where.label} ${this.where.unit} ${pos}, column "${p.name}": expected ${p.type}${origin} but found ${typeof v === 'string' ? JSON.stringify(shown) : shown}${why}`,
      { [this.where.unit]: pos, column: p.name },
    );
  }

  /** Sets row `row` (rows must come in increasing order) from v; null/undefined leave it null. */
  append(row: number, v: unknown, pos: number): void {
    if (v === null || v === undefined) {
      if (!this.plan.nullable) {
        throw new NCFError(
          'INPUT',
          `ncf: ${this.where.label} ${this.where.unit} ${pos}, column "${this.plan.name}": null or missing, but the schema override declares the column not nullable`,
          { [this.where.unit]: pos, column: this.plan.name },
        );
      }
      return;
    }
    this.ensure(row + 1);
    const t = this.plan.type;
    switch (t) {
      case 'string':
      case 'binary':
        this.appendBytes(row, v, pos);
        break;
      case 'bool': {
        let b = typeof v === 'boolean' ? (v ? 1 : 0) : -1;
        if (typeof v === 'string') b = parseBool(scratch, 0, toScratch(v));
        if (b < 0) throw this.fail(v, pos);
        if (b) this.fixed[row >>> 3]! |= 1 << (row & 7);
        break;
      }
      case 'float32':
      case 'float64': {
        let x: number;
        if (typeof v === 'number') x = v;
        else if (typeof v === 'bigint') x = Number(v);
        else if (typeof v === 'string' || v instanceof JsonInteger) {
          const text = typeof v === 'string' ? v : v.text;
          x = parseFloat64(scratch, 0, toScratch(text));
          if (!parsed.floatOk) throw this.fail(v, pos);
          if (!parsed.exact) throw this.fail(v, pos, INEXACT);
        } else throw this.fail(v, pos);
        this.fixed[row] = x;
        break;
      }
      case 'int64':
      case 'uint64':
        this.appendInt64(row, v, pos, t === 'uint64');
        break;
      case 'date': {
        let d = NaN;
        if (typeof v === 'string') d = parseDate(scratch, 0, toScratch(v));
        if (!Number.isInteger(d)) throw this.fail(v, pos);
        this.fixed[row] = d;
        break;
      }
      case 'timestamp': {
        let ok = false;
        if (typeof v === 'string') {
          const n = toScratch(v);
          ok = parseTimestamp(scratch, 0, n, this.unit);
          if (!ok && parsed.finer) throw this.fail(v, pos, finerThan(this.unit));
          if (!ok) {
            const d = parseDate(scratch, 0, n);
            ok = d === d && setScaled(d * 86400, UNIT_SCALE[this.unit], 0);
          }
        }
        if (!ok) throw this.fail(v, pos);
        this.pairs[2 * row] = i64.lo;
        this.pairs[2 * row + 1] = i64.hi;
        break;
      }
      default: {
        // 8 to 32-bit integers
        let x = NaN;
        if (typeof v === 'number') x = v;
        else if (typeof v === 'bigint') x = Number(v);
        else if (typeof v === 'string') x = parseSmallInt(scratch, 0, toScratch(v));
        else if (v instanceof JsonInteger) x = NaN; // 16+ digits: beyond every type here
        const [min, max] = this.range!;
        if (!Number.isInteger(x) || x < min || x > max) throw this.fail(v, pos);
        this.fixed[row] = x;
      }
    }
    this.validity[row >>> 3]! |= 1 << (row & 7);
    this.valid++;
  }

  private appendInt64(row: number, v: unknown, pos: number, unsigned: boolean): void {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v))
        throw this.fail(v, pos, Number.isInteger(v) ? ' (beyond 2^53, so the exact digits are already lost)' : '');
      if (unsigned && v < 0) throw this.fail(v, pos);
      setI64(v);
    } else if (typeof v === 'bigint') {
      const lo = BigInt.asUintN(64, v);
      if (unsigned ? v < 0n || v !== lo : BigInt.asIntN(64, v) !== v) throw this.fail(v, pos);
      i64.lo = Number(lo & 0xffffffffn) | 0;
      i64.hi = Number(lo >> 32n) | 0;
    } else if (typeof v === 'string' || v instanceof JsonInteger) {
      if (!parseInt64(scratch, 0, toScratch(typeof v === 'string' ? v : v.text), unsigned)) throw this.fail(v, pos);
    } else throw this.fail(v, pos);
    this.pairs[2 * row] = i64.lo;
    this.pairs[2 * row + 1] = i64.hi;
  }

  private appendBytes(row: number, v: unknown, pos: number): void {
    const offsets = this.offsets;
    for (let r = this.filled; r < row; r++) offsets[r + 1] = this.dataLen;
    let at = this.dataLen;
    if (v instanceof Uint8Array) {
      if (this.plan.type === 'string') throw this.fail(v, pos, ' (binary data)');
      if (v.length > this.maxValue)
        throw valueTooLarge(this.plan.name, v.length, this.maxValue, { label: this.where.label, unit: this.where.unit, pos });
      this.reserve(at + v.length);
      this.data.set(v, at);
      at += v.length;
    } else {
      if (nestedTooDeeply(v)) {
        throw new NCFError(
          'INPUT',
          `ncf: ${this.where.label} ${this.where.unit} ${pos}, column "${this.plan.name}": the value nests more than ${MAX_NESTING} levels deep; nested values are stored as their JSON text, which is limited to that depth`,
          { [this.where.unit]: pos, column: this.plan.name },
        );
      }
      const s = textOf(v);
      // UTF-8 takes at least one byte per UTF-16 unit: refuse before encoding when even that is over.
      if (s.length > this.maxValue)
        throw valueTooLarge(this.plan.name, s.length, this.maxValue, { label: this.where.label, unit: this.where.unit, pos });
      this.reserve(at + s.length * 3);
      const n = encoder.encodeInto(s, this.data.subarray(at)).written;
      if (n > this.maxValue) throw valueTooLarge(this.plan.name, n, this.maxValue, { label: this.where.label, unit: this.where.unit, pos });
      at += n;
    }
    this.dataLen = at;
    offsets[row + 1] = at;
    this.filled = row + 1;
  }

  private reserve(need: number): void {
    if (need <= this.data.length) return;
    if (need > 0x7fffffff) {
      throw new NCFError('LIMIT', `ncf: column "${this.plan.name}" holds more than 2 GiB of text in one batch; use a smaller batch size`, {
        column: this.plan.name,
      });
    }
    const grown = new Uint8Array(Math.min(0x7fffffff, Math.max(need, this.data.length * 2)));
    grown.set(this.data.subarray(0, this.dataLen));
    this.data = grown;
  }

  /** The Arrow Data for rows 0 .. length-1 of the batch. */
  finish(length: number): arrow.Data {
    this.ensure(length);
    this.lastRows = length;
    const nullCount = length - this.valid;
    const nullBitmap = nullCount > 0 ? this.validity.subarray(0, (length + 7) >>> 3) : undefined;
    const base = { length, nullCount, nullBitmap };
    const t = this.plan.type;
    if (t === 'string' || t === 'binary') {
      for (let r = this.filled; r < length; r++) this.offsets[r + 1] = this.dataLen;
      return arrow.makeData({
        ...base,
        type: this.type as arrow.Utf8,
        valueOffsets: this.offsets.subarray(0, length + 1),
        data: this.data.subarray(0, this.dataLen),
      });
    }
    if (t === 'int64' || t === 'uint64' || t === 'timestamp') {
      return arrow.makeData({ ...base, type: this.type as arrow.Int64, data: new BigInt64Array(this.pairs.buffer, 0, length) });
    }
    if (t === 'bool')
      return arrow.makeData({ ...base, type: this.type as arrow.Bool, data: (this.fixed as Uint8Array).subarray(0, (length + 7) >>> 3) });
    return arrow.makeData({ ...base, type: this.type as arrow.Int32, data: this.fixed.subarray(0, length) as Int32Array });
  }
}
