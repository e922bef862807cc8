// The Arrow bridge: NCF column schemas ↔ Arrow schemas, and ColumnData ↔ Arrow Data. ColumnData has
// Arrow's layouts (column.ts), so NCF → Arrow wraps the same typed arrays, and Arrow → NCF is a view
// for every type NCF stores as it is; only the conversions listed at arrowDataToColumn copy
// (they live in arrow-convert.ts).

import * as arrow from 'apache-arrow';
import { fromArrowType, toArrowType } from './arrow-types.js';
import { sliceBits } from './bitmap.js';
import type { ColumnData, FixedArray, Values } from './column.js';
import { concatColumns, nullColumn } from './column-builder.js';
import { NCFError } from './errors.js';
import { date64ToDays, dictionaryToColumn, halfToFloat32, numericFallback, rebaseOffsets, timeUnitsToColumn } from './arrow-convert.js';
import { buildDict } from './encodings/dict.js';
import { dictColumn } from './dict-column.js';
import type { DictionaryUnifier } from './arrow-dictionary.js';
import { physicalOf, TIME_UNITS, type ColumnSchema } from './schema.js';

export const META_SEMANTIC = 'ncf.semanticType';
export const META_DESCRIPTION = 'ncf.description';
/** Schema-level metadata key holding the table name. */
export const META_TABLE = 'ncf.table';

export function schemaToArrow(columns: readonly ColumnSchema[], tableName?: string): arrow.Schema {
  const fields = columns.map((c) => {
    const meta = new Map<string, string>();
    if (c.semanticType) meta.set(META_SEMANTIC, c.semanticType);
    if (c.description) meta.set(META_DESCRIPTION, c.description);
    return new arrow.Field(c.name, toArrowType(c), c.nullable, meta);
  });
  const meta = new Map<string, string>();
  if (tableName !== undefined) meta.set(META_TABLE, tableName);
  return new arrow.Schema(fields, meta);
}

export function schemaFromArrow(schema: arrow.Schema): ColumnSchema[] {
  const seen = new Set<string>();
  return schema.fields.map((f) => {
    if (seen.has(f.name)) throw new NCFError('SCHEMA', `ncf: the Arrow schema has two fields named "${f.name}"`, { column: f.name });
    seen.add(f.name);
    const t = fromArrowType(f.type, f.name);
    const c: ColumnSchema = { name: f.name, type: t.type, nullable: f.nullable };
    const semantic = f.metadata.get(META_SEMANTIC);
    const description = f.metadata.get(META_DESCRIPTION);
    if (semantic) c.semanticType = semantic;
    if (description) c.description = description;
    if (t.unit !== undefined) c.unit = t.unit;
    if (t.timezone !== undefined) c.timezone = t.timezone;
    return c;
  });
}

/** Zero-copy when possible: an Arrow Data over the ColumnData's buffers. */
export function columnToArrowData(col: ColumnSchema, data: ColumnData): arrow.Data {
  if (data.type !== col.type) {
    throw new NCFError('SCHEMA', `ncf: column "${col.name}" is ${col.type} but its data is ${data.type}`, { column: col.name });
  }
  const type = toArrowType(col);
  const length = data.length;
  const nullCount = data.validity !== null ? data.nullCount : 0;
  const nullBitmap = nullCount > 0 ? data.validity : null;
  const v = data.values;
  // Data's constructor takes the buffers as they are ([offsets, values, validity]); makeData would
  // only re-wrap them after type dispatch.
  const buffers = v.kind === 'bytes' ? [v.offsets, v.data, nullBitmap] : [undefined, v.data, nullBitmap];
  return new arrow.Data(type, 0, length, nullCount, buffers as never);
}

/** A string or binary column as Arrow Dictionary<Int32, Utf8|Binary> data of `type`: the codes and
 *  entries as they are when the column carries a dictionary, else a dictionary built from its values;
 *  folded into the scan's dictionary by `unifier` (arrow-dictionary.ts). */
export function columnToArrowDictionary(
  col: ColumnSchema,
  data: ColumnData,
  type: arrow.Dictionary,
  unifier: DictionaryUnifier,
): arrow.Data {
  let d = data.dictionary;
  if (d === undefined) {
    const built = buildDict(col.type, data.values, data.length, data.validity, Infinity);
    if (built === null || built.values.kind !== 'bytes') {
      throw new NCFError('STATE', `ncf: column "${col.name}" (${col.type}) cannot be read as an Arrow dictionary`, { column: col.name });
    }
    d = { codes: built.indices, dict: built.values };
  }
  const { codes, dictionary } = unifier.add(d, data.length);
  const nullCount = data.validity !== null ? data.nullCount : 0;
  return arrow.makeData({
    type,
    length: data.length,
    nullCount,
    nullBitmap: nullCount > 0 ? data.validity : null,
    data: codes,
    dictionary,
  } as never);
}

export function columnsToRecordBatch(
  schema: arrow.Schema,
  cols: readonly ColumnSchema[],
  data: readonly ColumnData[],
  length: number,
  /** Per column: the scan's dictionary of a Dictionary-typed field (required for those fields). */
  unifiers?: readonly (DictionaryUnifier | null)[],
): arrow.RecordBatch {
  if (cols.length !== data.length || schema.fields.length !== cols.length) {
    throw new NCFError(
      'STATE',
      `ncf: a record batch needs one column per field: ${schema.fields.length} fields, ${cols.length} columns, ${data.length} data`,
    );
  }
  const children = cols.map((c, i) => {
    const d = data[i]!;
    if (d.length !== length) {
      throw new NCFError('STATE', `ncf: column "${c.name}" has ${d.length} rows, expected ${length}`, { column: c.name });
    }
    const f = schema.fields[i]!.type;
    if (!arrow.DataType.isDictionary(f)) return columnToArrowData(c, d);
    const u = unifiers?.[i];
    if (!u) throw new NCFError('STATE', `ncf: column "${c.name}" is a dictionary field but has no scan dictionary`, { column: c.name });
    return columnToArrowDictionary(c, d, f, u);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** Arrow Dictionary<Int32, Utf8|Binary> data whose entries hold no nulls (what a dictionary read
 *  returns) as ColumnData carrying the codes and entries, per-row values expanded only on use; null
 *  for any other data (arrowDataToColumn converts those). Codes of valid rows are checked in range. */
export function arrowDictionaryToColumn(data: arrow.Data, col: ColumnSchema): ColumnData | null {
  const t = data.type;
  if (!arrow.DataType.isDictionary(t) || physicalOf(col.type) !== 'bytes' || t.indices.bitWidth !== 32 || !t.indices.isSigned) return null;
  const dict = data.dictionary;
  if (dict === undefined || dict.data.length === 0 || dict.nullCount > 0) return null;
  // A scan's dictionary grows by chunks (arrow-dictionary.ts): its entries are their concatenation.
  const entries =
    dict.data.length === 1
      ? arrowDataToColumn(dict.data[0]!, col)
      : concatColumns(
          col,
          dict.data.map((c) => arrowDataToColumn(c, col)),
        );
  if (entries.values.kind !== 'bytes') return null;
  const n = data.length;
  const count = entries.length;
  const codes = (data.values as Int32Array).subarray(data.offset, data.offset + n);
  const nullCount = n === 0 || !data.nullBitmap || data.nullBitmap.length === 0 ? 0 : data.nullCount;
  const validity = nullCount > 0 ? sliceBits(data.nullBitmap!, data.offset, n) : null;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if ((c < 0 || c >= count) && (validity === null || (validity[i >>> 3]! >>> (i & 7)) & 1)) return null;
  }
  return dictColumn(col.type, n, nullCount, validity, { codes, dict: entries.values });
}

/** One Arrow Data chunk (respecting data.offset slicing and its null bitmap) as ColumnData of
 *  `col.type`. A view of the Arrow buffers when the layouts agree; otherwise converts: Dictionary →
 *  values, LargeUtf8/LargeBinary → 32-bit offsets (error if > 2 GiB), Date64 → days (error if not
 *  whole days), Float16 → float32, Timestamp of another unit → col.unit only if exact (else error),
 *  Null → all nulls, and any integer or float to another integer or float type when every value fits
 *  exactly. Strings are returned with offsets starting at 0. `rowBase` is added to row numbers in
 *  error messages. */
export function arrowDataToColumn(data: arrow.Data, col: ColumnSchema, rowBase = 0): ColumnData {
  const t = data.type;
  const n = data.length;
  if (arrow.DataType.isDictionary(t)) return dictionaryToColumn(data, col, rowBase, arrowDataToColumn);
  if (arrow.DataType.isNull(t)) return nullColumn(col.type, n);
  const nullCount = n === 0 || !data.nullBitmap || data.nullBitmap.length === 0 ? 0 : data.nullCount;
  const validity = nullCount > 0 ? sliceBits(data.nullBitmap!, data.offset, n) : null;
  const values = convertValues(data, col, validity, rowBase);
  return { type: col.type, length: n, nullCount, validity, values };
}

function mismatch(data: arrow.Data, col: ColumnSchema): NCFError {
  return new NCFError('SCHEMA', `ncf: column "${col.name}": Arrow type ${String(data.type)} cannot be stored as ${col.type}`, {
    column: col.name,
  });
}

function convertValues(data: arrow.Data, col: ColumnSchema, validity: Uint8Array | null, rowBase: number): Values {
  const t = data.type;
  const n = data.length;
  const target = col.type;
  const p = physicalOf(target);
  if (p === 'bool') {
    if (!arrow.DataType.isBool(t)) throw mismatch(data, col);
    return { kind: 'bool', data: sliceBits(data.values as Uint8Array, data.offset, n) };
  }
  if (p === 'bytes') {
    // Any UTF-8 string is valid binary; the reverse would need validating, so binary → string is refused.
    const utf8 = arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t);
    const bin = arrow.DataType.isBinary(t) || arrow.DataType.isLargeBinary(t);
    if (!(utf8 || (bin && target === 'binary'))) throw mismatch(data, col);
    return rebaseOffsets(data.valueOffsets as Int32Array | BigInt64Array, data.values as Uint8Array, n, col);
  }
  if (target === 'date') {
    if (!arrow.DataType.isDate(t)) throw mismatch(data, col);
    if (t.unit === arrow.DateUnit.DAY) return fixed((data.values as Int32Array).subarray(0, n));
    return fixed(date64ToDays(data.values as BigInt64Array, n, validity, col, rowBase));
  }
  if (target === 'timestamp') {
    const unit = TIME_UNITS.indexOf(col.unit ?? 'us');
    let from: number;
    if (arrow.DataType.isTimestamp(t)) from = t.unit;
    else if (arrow.DataType.isDate(t) && t.unit === arrow.DateUnit.MILLISECOND) from = arrow.TimeUnit.MILLISECOND;
    else throw mismatch(data, col);
    const src = (data.values as BigInt64Array).subarray(0, n);
    return fixed(from === unit ? src : timeUnitsToColumn(src, from, unit, validity, col, rowBase));
  }
  // Integers and floats: a view when the Arrow type is exactly the column's type.
  if (arrow.DataType.isInt(t) || arrow.DataType.isFloat(t)) {
    if (arrow.DataType.isFloat(t) && t.precision === arrow.Precision.HALF) {
      const widened = halfToFloat32(data.values as Uint16Array, n);
      return target === 'float32' ? fixed(widened) : numericFallback(widened, n, validity, col, rowBase);
    }
    const src = data.values as FixedArray;
    return sameType(t, target) ? fixed(src.subarray(0, n)) : numericFallback(src, n, validity, col, rowBase);
  }
  throw mismatch(data, col);
}

function fixed(data: FixedArray): Values {
  return { kind: 'fixed', data };
}

function sameType(t: arrow.Int | arrow.Float, target: string): boolean {
  if (arrow.DataType.isFloat(t)) {
    return (
      (t.precision === arrow.Precision.SINGLE && target === 'float32') || (t.precision === arrow.Precision.DOUBLE && target === 'float64')
    );
  }
  return target === `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
}
