// What NCFWriter.write accepts, turned into ColumnData: an Arrow Table or RecordBatch (views of its
// buffers), a record of column arrays, or an array of row objects (one typed-array loop per column,
// js-column.ts). Also infers a schema from a first input when the writer was given none.

import * as arrow from 'apache-arrow';
import { arrowDataToColumn, schemaFromArrow } from './arrow.js';
import { firstClear } from './bitmap.js';
import { allocFixed, type ColumnData } from './column.js';
import { concatColumns, nullColumn } from './column-builder.js';
import { NCFError } from './errors.js';
import { describe, jsToColumn } from './js-column.js';
import { physicalOf, type ColumnSchema, type DataType } from './schema.js';

export type WriteInput = arrow.Table | arrow.RecordBatch | Record<string, ArrayLike<unknown> | unknown[]> | Array<Record<string, unknown>>;

type Row = Record<string, unknown>;

/**
 * Infers a schema from the first input when the writer was given none. Every inferred column is
 * nullable. JS values, per column:
 * - numbers: int32 if all are integers in int32 range, else int64 if all are safe integers, else
 *   float64 (fractions, NaN, ±Infinity, −0, or any integer beyond 2^53 − 1, which is no longer exact);
 * - bigint: int64 (uint64 if none is negative and some exceed 2^63 − 1); boolean: bool; string: string;
 * - Date: timestamp in microseconds with timezone "UTC" (a Date is an instant; 'us' matches CSV ingest);
 * - Uint8Array values: binary;
 * - a typed-array column (Int8Array … Float64Array, BigInt64Array, BigUint64Array): its exact type
 *   (a Uint8Array column is uint8);
 * - null and undefined are skipped; a column with no other value is string.
 * A column mixing two kinds is NCFError('SCHEMA') naming the column, both kinds and their first rows.
 * Arrow inputs: schemaFromArrow. Row objects: keys in first-seen order over all rows.
 */
export function inferSchema(input: WriteInput): ColumnSchema[] {
  if (input instanceof arrow.Table || input instanceof arrow.RecordBatch) return schemaFromArrow(input.schema);
  if (Array.isArray(input)) return inferRows(input);
  return inferRecord(input);
}

type Kind = 'number' | 'bigint' | 'boolean' | 'string' | 'Date' | 'Uint8Array';

/** The kinds of values seen in one column, and what the numbers among them need. */
class KindScan {
  private kind: Kind | null = null;
  private firstRow = -1;
  private int32 = true;
  private floating = false;
  private negativeBig = false;
  private overInt64 = false;
  private overUint64 = false;

  constructor(private readonly name: string) {}

  add(v: unknown, row: number): void {
    if (v == null) return;
    const kind = kindOf(v, this.name, row);
    if (this.kind === null) {
      this.kind = kind;
      this.firstRow = row;
    } else if (kind !== this.kind) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column "${this.name}" mixes ${this.kind} values (first at row ${this.firstRow}) and ${kind} values (first at row ${row}); pass a schema or make the values one kind`,
        { column: this.name, row },
      );
    }
    if (kind === 'number') {
      const x = v as number;
      if (!Number.isSafeInteger(x) || Object.is(x, -0)) this.floating = true;
      else if (x < -0x80000000 || x > 0x7fffffff) this.int32 = false;
    } else if (kind === 'bigint') {
      const x = v as bigint;
      if (x < 0n) this.negativeBig = true;
      if (x < -(2n ** 63n) || x >= 2n ** 63n) this.overInt64 = true;
      if (x >= 2n ** 64n) this.overUint64 = true;
    }
  }

  result(): ColumnSchema {
    const name = this.name;
    switch (this.kind) {
      case null:
      case 'string':
        return { name, type: 'string', nullable: true };
      case 'number':
        return { name, type: this.floating ? 'float64' : this.int32 ? 'int32' : 'int64', nullable: true };
      case 'boolean':
        return { name, type: 'bool', nullable: true };
      case 'Date':
        return { name, type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' };
      case 'Uint8Array':
        return { name, type: 'binary', nullable: true };
      case 'bigint':
        if (!this.overInt64) return { name, type: 'int64', nullable: true };
        if (!this.negativeBig && !this.overUint64) return { name, type: 'uint64', nullable: true };
        throw new NCFError('SCHEMA', `ncf: column "${name}" has bigint values that fit neither int64 nor uint64`, { column: name });
    }
  }
}

function kindOf(v: unknown, column: string, row: number): Kind {
  switch (typeof v) {
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
  }
  if (v instanceof Date) return 'Date';
  if (v instanceof Uint8Array) return 'Uint8Array';
  throw new NCFError(
    'SCHEMA',
    `ncf: column "${column}" row ${row}: cannot store ${describe(v)}; values may be numbers, bigints, booleans, strings, Dates or Uint8Arrays`,
    { column, row },
  );
}

const TYPED_ARRAY_TYPES: ReadonlyArray<[abstract new (...args: never[]) => ArrayBufferView, DataType]> = [
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'],
  [Uint8ClampedArray, 'uint8'],
  [Uint16Array, 'uint16'],
  [Uint32Array, 'uint32'],
  [BigUint64Array, 'uint64'],
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
];

function typedArrayType(v: unknown): DataType | null {
  if (!ArrayBuffer.isView(v)) return null;
  for (const [Ctor, type] of TYPED_ARRAY_TYPES) if (v instanceof (Ctor as typeof Uint8Array)) return type;
  return null;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !(v instanceof DataView) &&
    Number.isSafeInteger((v as { length?: unknown }).length) &&
    (v as { length: number }).length >= 0
  );
}

function inferRecord(input: Record<string, unknown>): ColumnSchema[] {
  return Object.keys(input).map((name) => {
    const col = input[name];
    const typed = typedArrayType(col);
    if (typed !== null) return { name, type: typed, nullable: true };
    if (!isArrayLike(col)) throw notAnArray(name, col);
    const scan = new KindScan(name);
    for (let i = 0; i < col.length; i++) scan.add(col[i], i);
    return scan.result();
  });
}

function inferRows(rows: readonly unknown[]): ColumnSchema[] {
  const scans = new Map<string, KindScan>();
  for (let i = 0; i < rows.length; i++) {
    const row = asRow(rows[i], i);
    for (const key in row) {
      let scan = scans.get(key);
      if (scan === undefined) scans.set(key, (scan = new KindScan(key)));
      scan.add(row[key], i);
    }
  }
  return [...scans.values()].map((s) => s.result());
}

function asRow(v: unknown, i: number): Row {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new NCFError('SCHEMA', `ncf: row ${i} is ${describe(v)}, expected an object of column values`, { row: i });
  }
  return v as Row;
}

function notAnArray(name: string, v: unknown): NCFError {
  return new NCFError('SCHEMA', `ncf: column "${name}" is ${describe(v)}, expected an array or typed array of values`, { column: name });
}

/**
 * Converts an input into ColumnData per schema column, matched by name. A column the input lacks is
 * all null if nullable, else NCFError('SCHEMA'); an input column the schema lacks is
 * NCFError('SCHEMA') naming it. Values must fit the column type: integers are range-checked (300 into
 * uint8 is an error naming column and row), strings are not coerced to numbers, nulls in a
 * non-nullable column are refused, and so on. Arrow inputs convert as in arrowDataToColumn (views
 * when the types agree; a multi-batch Table is concatenated, so writers pass its batches one by one).
 * Rows are numbered from 0 in errors.
 */
export function toColumns(input: WriteInput, schema: readonly ColumnSchema[]): { length: number; columns: ColumnData[] } {
  const names = new Set(schema.map((c) => c.name));
  let out: { length: number; columns: ColumnData[] };
  if (input instanceof arrow.Table || input instanceof arrow.RecordBatch) out = fromArrow(input, schema, names);
  else if (Array.isArray(input)) out = fromRows(input, schema, names);
  else out = fromRecord(input, schema, names);
  for (let i = 0; i < schema.length; i++) checkNulls(schema[i]!, out.columns[i]!);
  return out;
}

function extraColumn(name: string, schema: readonly ColumnSchema[], where: string): NCFError {
  return new NCFError(
    'SCHEMA',
    `ncf: ${where} column "${name}", which is not in the schema (${schema.map((c) => `"${c.name}"`).join(', ')})`,
    { column: name },
  );
}

function missing(col: ColumnSchema, length: number): ColumnData {
  if (!col.nullable) {
    throw new NCFError('SCHEMA', `ncf: column "${col.name}" is not nullable but the input has no column "${col.name}"`, {
      column: col.name,
    });
  }
  return nullColumn(col.type, length);
}

function checkNulls(col: ColumnSchema, data: ColumnData): void {
  if (col.nullable || data.nullCount === 0 || data.validity === null) return;
  const row = firstClear(data.validity, data.length);
  throw new NCFError(
    'SCHEMA',
    data.nullCount === data.length
      ? `ncf: column "${col.name}" is not nullable but the input has no values for it`
      : `ncf: column "${col.name}" is not nullable but row ${row} is null (${data.nullCount} null rows in this input)`,
    { column: col.name, row },
  );
}

function fromArrow(input: arrow.Table | arrow.RecordBatch, schema: readonly ColumnSchema[], names: Set<string>) {
  const index = new Map<string, number>();
  input.schema.fields.forEach((f, i) => {
    if (!names.has(f.name)) throw extraColumn(f.name, schema, 'the Arrow input has');
    if (index.has(f.name)) throw new NCFError('SCHEMA', `ncf: the Arrow input has two fields named "${f.name}"`, { column: f.name });
    index.set(f.name, i);
  });
  const length = input.numRows;
  const columns = schema.map((col) => {
    const i = index.get(col.name);
    if (i === undefined) return missing(col, length);
    const chunks = input.getChildAt(i)!.data;
    let base = 0;
    const parts = chunks.map((d) => {
      const c = arrowDataToColumn(d, col, base);
      base += d.length;
      return c;
    });
    // Nulls in a non-nullable column are reported by toColumns with their row, not by the concatenation.
    return parts.length === 0 ? nullColumn(col.type, 0) : concatColumns({ ...col, nullable: true }, parts);
  });
  return { length, columns };
}

function fromRecord(input: Record<string, unknown>, schema: readonly ColumnSchema[], names: Set<string>) {
  let length = -1;
  let first = '';
  for (const name of Object.keys(input)) {
    if (!names.has(name)) throw extraColumn(name, schema, 'the input has');
    const col = input[name];
    if (col === undefined) continue;
    if (!isArrayLike(col)) throw notAnArray(name, col);
    if (length < 0) {
      length = col.length;
      first = name;
    } else if (col.length !== length) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column "${name}" has ${col.length} values but column "${first}" has ${length}; all columns need the same length`,
        { column: name },
      );
    }
  }
  if (length < 0) length = 0;
  const columns = schema.map((col) => {
    const v = input[col.name];
    if (v === undefined) return missing(col, length);
    return exactTypedArray(v, col) ?? jsToColumn(v as ArrayLike<unknown>, null, length, col);
  });
  return { length, columns };
}

/** A typed array whose element type is the column's own layout is used as it is, without a copy. */
function exactTypedArray(v: unknown, col: ColumnSchema): ColumnData | null {
  if (!ArrayBuffer.isView(v) || physicalOf(col.type) === 'bool' || physicalOf(col.type) === 'bytes') return null;
  const Ctor = allocFixed(col.type, 0).constructor;
  if (v.constructor !== Ctor) return null;
  const data = v as unknown as Extract<ColumnData['values'], { kind: 'fixed' }>['data'];
  return { type: col.type, length: data.length, nullCount: 0, validity: null, values: { kind: 'fixed', data } };
}

function fromRows(rows: readonly unknown[], schema: readonly ColumnSchema[], names: Set<string>) {
  const n = rows.length;
  for (let i = 0; i < n; i++) {
    const row = asRow(rows[i], i);
    for (const key in row) if (!names.has(key)) throw extraColumn(key, schema, `row ${i} has`);
  }
  const columns = schema.map((col) => jsToColumn(rows as ArrayLike<unknown>, col.name, n, col));
  return { length: n, columns };
}
