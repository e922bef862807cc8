// Shared core of the NDJSON and JSON readers: rows arrive as parsed objects; pass 1 learns the keys
// (first-seen order) and each key's type, pass 2 fills ValueColumn builders batch by batch.
// Typing per key over all non-null values: all booleans → bool; all integers → int32 when they fit,
// else int64 (exact: integers of 16+ digits keep their text, json-exact.ts); numbers → float64,
// unless one is an integer float64 cannot hold exactly (9007199254740993 among 1.5), or beyond
// int64, then string (the digits as written); strings → string; objects/arrays → string (their
// JSON text); a mix of these kinds → string (numbers and booleans written as JSON text).

import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import type { DataType } from '../format/schema.js';
import { arrowSchema, planColumn, resolveOverrides, type ColumnPlan, type SchemaOverride } from './schema-override.js';
import { checkColumnCount } from './options.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { ValueColumn, type Where } from './value-columns.js';
import { JsonInteger } from './json-exact.js';
import { NUM_INT32, NUM_INT64, NUM_LOSSY, classifyNumber } from './text-values.js';

/** Parsed rows of one input chunk, with the 1-based line where each starts. */
export interface RowChunk {
  rows: Record<string, unknown>[];
  lines: number[];
}

const S_BOOL = 1;
const S_INT32 = 2;
const S_INT64 = 4;
const S_FLOAT = 8;
const S_STRING = 16;
const S_NESTED = 32;

const S_LOSSY = 64;

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
    case 'boolean': return S_BOOL;
    case 'number':
      if (!Number.isSafeInteger(v)) return S_FLOAT;
      return v >= -2147483648 && v <= 2147483647 ? S_INT32 : S_INT64;
    case 'string': return S_STRING;
    default: return S_NESTED;
  }
}

export function typeFromBits(flagged: number): DataType {
  const bits = flagged & ~S_LOSSY;
  if (bits === S_BOOL) return 'bool';
  if (bits === S_INT32) return 'int32';
  if ((bits & ~(S_INT32 | S_INT64)) === 0 && bits !== 0) return 'int64';
  // Floats with an integer float64 cannot hold exactly: string keeps every digit.
  if ((bits & ~(S_INT32 | S_INT64 | S_FLOAT)) === 0 && bits !== 0) return flagged & S_LOSSY ? 'string' : 'float64';
  return 'string';
}

/** Pass 1 state: keys in first-seen order and the kinds of value seen under each. */
export class RowTyper {
  readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  readonly bits: number[] = [];

  add(row: Record<string, unknown>): void {
    for (const k in row) {
      let i = this.index.get(k);
      if (i === undefined) {
        i = this.keys.length;
        this.index.set(k, i);
        this.keys.push(k);
        this.bits.push(0);
      }
      const v = row[k];
      if (v !== null && v !== undefined) this.bits[i]! |= kindBits(v);
    }
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
  for await (const chunk of rows()) for (const r of chunk.rows) typer.add(r);
  const names = typer.names();
  if (names.length === 0) {
    throw new NCFError('INPUT', `ncf: the ${where.label} input has no keys in any object, so it has no columns to store`);
  }
  checkColumnCount(names.length, where.label);
  const overrides = resolveOverrides(opts.schema, names);
  const plans: ColumnPlan[] = names.map((n, i) => planColumn(n, { type: typeFromBits(typer.bits[i]!) }, overrides[i]));
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
