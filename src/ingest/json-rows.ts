// Shared core of the NDJSON and JSON readers: rows arrive as parsed objects; pass 1 learns the keys
// (first-seen order) and each key's type, pass 2 fills ValueColumn builders batch by batch.
// Typing per key over all non-null values: all booleans → bool; all integers → int32 when they fit,
// else int64 (exact: integers of 16+ digits keep their text, json-exact.ts); numbers → float64,
// unless one is an integer float64 cannot hold exactly (9007199254740993 among 1.5), or beyond
// int64, then string (the digits as written); strings → string; objects/arrays → string (their
// JSON text); a mix of these kinds → string (numbers and booleans written as JSON text). Strings
// that are all dates → date, all timestamps (or bare dates among them) → timestamp, by the same
// rules as CSV (infer.ts, docs/INGEST.md); one other string makes the column string.

import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import type { DataType, TimeUnit } from '../format/schema.js';
import { arrowSchema, planColumn, resolveOverrides, type ColumnPlan, type SchemaOverride } from './schema-override.js';
import { checkColumnCount } from './options.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { ValueColumn, type Where } from './value-columns.js';
import { JsonInteger, topLevelKeys } from './json-exact.js';
import { T_DATE, T_TS, classify, timestampType, valueZone, type ValueZone } from './infer.js';
import { NUM_INT32, NUM_INT64, NUM_LOSSY, classifyNumber } from './text-values.js';

/** Parsed rows of one input chunk, with the 1-based line where each starts, and the text of each
 *  row whose key order JavaScript may have changed (else null; json-exact.ts mayReorderKeys). */
export interface RowChunk {
  rows: Record<string, unknown>[];
  lines: number[];
  texts: (string | null)[];
}

const S_BOOL = 1;
const S_INT32 = 2;
const S_INT64 = 4;
const S_FLOAT = 8;
const S_STRING = 16;
const S_NESTED = 32;

const S_LOSSY = 64;
const S_DATE = 128;
const S_TS = 256;

/** infer.ts's bits for a string that reads as a date or timestamp, else 0. A cheap shape test
 *  (a digit, then the date separator at 4 and 7) spares ordinary strings the UTF-8 copy. */
function temporalBits(v: string): number {
  const n = v.length;
  if (n < 10 || n > 64) return 0;
  const c = v.charCodeAt(0),
    sep = v.charCodeAt(4);
  if (c < 48 || c > 57 || (sep !== 45 && sep !== 47) || v.charCodeAt(7) !== sep) return 0;
  const b = classify(digits, 0, encoder.encodeInto(v, digits).written);
  return b & T_TS ? b : 0;
}

/** Integers of 16+ digits keep their text (json-exact.ts): typed as CSV types their text. */
function integerBits(text: string): number {
  const n = encoder.encodeInto(text, digits).written;
  const b = classifyNumber(digits, 0, n);
  if (b & NUM_INT32) return S_INT32;
  if (b & NUM_INT64) return S_INT64 | (b & NUM_LOSSY ? S_LOSSY : 0);
  return S_FLOAT | (b & NUM_LOSSY ? S_LOSSY : 0);
}

const encoder = new TextEncoder();
const digits = new Uint8Array(1024);

function kindBits(v: unknown): number {
  if (v instanceof JsonInteger) return v.text.length < 1000 ? integerBits(v.text) : S_FLOAT | S_LOSSY;
  switch (typeof v) {
    case 'boolean':
      return S_BOOL;
    case 'number':
      if (!Number.isSafeInteger(v)) return S_FLOAT;
      return v >= -2147483648 && v <= 2147483647 ? S_INT32 : S_INT64;
    default:
      return S_NESTED;
  }
}

/** A column's type from the kinds of value seen (and, for dates and timestamps, infer.ts's flags). */
export function typeFromBits(flagged: number, temporal = 0): { type: DataType; unit?: TimeUnit; timezone?: string } {
  const bits = flagged & ~S_LOSSY;
  if (bits === S_BOOL) return { type: 'bool' };
  if (bits === S_INT32) return { type: 'int32' };
  if ((bits & ~(S_INT32 | S_INT64)) === 0 && bits !== 0) return { type: 'int64' };
  // Floats with an integer float64 cannot hold exactly: string keeps every digit.
  if ((bits & ~(S_INT32 | S_INT64 | S_FLOAT)) === 0 && bits !== 0) return { type: flagged & S_LOSSY ? 'string' : 'float64' };
  if (bits === S_DATE) return { type: 'date' };
  if ((bits & ~(S_DATE | S_TS)) === 0 && bits !== 0) return timestampType(temporal);
  return { type: 'string' };
}

/** Pass 1 state: keys in first-seen order and the kinds of value seen under each. */
export class RowTyper {
  readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  readonly bits: number[] = [];
  /** infer.ts's flags of the date and timestamp strings seen under each key (zone, unit). */
  readonly temporal: number[] = [];

  /** Adds a row; `text` (its JSON text) is given when JS may have reordered its keys, and is read
   *  only when the row brings a key not seen before (key order matters only then). */
  add(row: Record<string, unknown>, text: string | null = null): void {
    if (text !== null && this.hasNewKey(row)) {
      for (const k of topLevelKeys(text)) this.addValue(k, row[k]);
      return;
    }
    for (const k in row) this.addValue(k, row[k]);
  }

  private hasNewKey(row: Record<string, unknown>): boolean {
    for (const k in row) if (!this.index.has(k)) return true;
    return false;
  }

  private addValue(k: string, v: unknown): void {
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(k, i);
      this.keys.push(k);
      this.bits.push(0);
      this.temporal.push(0);
    }
    if (v === null || v === undefined) return;
    if (typeof v !== 'string') {
      this.bits[i]! |= kindBits(v);
    } else if ((this.bits[i]! & S_STRING) === 0) {
      // Once a column has a plain string it stays string: later strings need no look.
      const t = temporalBits(v);
      if (t === 0) this.bits[i]! |= S_STRING;
      else {
        this.bits[i]! |= t & T_DATE ? S_DATE : S_TS;
        this.temporal[i]! |= t;
      }
    }
  }

  /** The inferred type of column i, with what its timestamps said about their zone. */
  inferred(i: number): { type: DataType; unit?: TimeUnit; timezone?: string; zone: ValueZone } {
    return { ...typeFromBits(this.bits[i]!, this.temporal[i]!), zone: valueZone(this.temporal[i]!) };
  }

  /** Column names: keys verbatim, an empty key becomes column_<i> (1-based). */
  names(): string[] {
    const used = new Set(this.keys);
    return this.keys.map((k, i) => {
      if (k !== '') return k;
      let name = `column_${i + 1}`;
      while (used.has(name)) name += '_';
      used.add(name);
      return name;
    });
  }
}

/**
 * Runs both passes over `rows` (a re-startable stream of parsed rows) and yields record batches.
 * Input without any key (no rows, or only {}) has no columns and is an INPUT error.
 */
export async function* readRows(
  rows: () => AsyncGenerator<RowChunk>,
  where: Where,
  opts: { schema?: SchemaOverride; batchRows: number; limits?: DecodeLimits },
): AsyncGenerator<arrow.RecordBatch> {
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  const typer = new RowTyper();
  for await (const chunk of rows()) {
    const { rows: list, texts } = chunk;
    for (let i = 0; i < list.length; i++) typer.add(list[i]!, texts[i]!);
  }
  const names = typer.names();
  if (names.length === 0) {
    throw new NCFError('INPUT', `ncf: the ${where.label} input has no keys in any object, so it has no columns to store`);
  }
  checkColumnCount(names.length, where.label);
  const overrides = resolveOverrides(opts.schema, names);
  const plans: ColumnPlan[] = names.map((n, i) => planColumn(n, typer.inferred(i), overrides[i]));
  const schema = arrowSchema(plans);
  const structType = new arrow.Struct(schema.fields);
  const columns = plans.map((p) => new ValueColumn(p, where, limits.maxValueBytes));
  const textBytes = (): number => {
    let b = 0;
    for (const c of columns) b += c.bytes;
    return b;
  };
  const batchRows = opts.batchRows;
  const batch = (n: number): arrow.RecordBatch =>
    new arrow.RecordBatch(schema, arrow.makeData({ type: structType, length: n, nullCount: 0, children: columns.map((c) => c.finish(n)) }));
  const index = typer.index;
  // Keys of non-nullable columns: a row without one must fail, and no builder sees a missing key.
  const required = plans.flatMap((p, i) => (p.nullable ? [] : [[typer.keys[i]!, columns[i]!] as const]));
  for (const c of columns) c.start(batchRows);
  let n = 0;
  let emitted = false;
  for await (const chunk of rows()) {
    const list = chunk.rows;
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      const line = chunk.lines[i]!;
      for (const k in row) {
        const c = index.get(k);
        if (c !== undefined) columns[c]!.append(n, row[k], line);
      }
      for (const [key, c] of required) if (!Object.hasOwn(row, key)) c.append(n, undefined, line);
      n++;
      // Cut early once the batch's text reaches the batch bound (checked every 64 rows: a row's
      // text is at most one line or element, itself below the bound).
      if (n === batchRows || ((i & 63) === 0 && textBytes() > limits.maxBatchBytes)) {
        yield batch(n);
        emitted = true;
        n = 0;
        for (const c of columns) c.start(batchRows);
      }
    }
  }
  if (n > 0 || !emitted) yield batch(n);
}
