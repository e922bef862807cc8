// Conforms record batches from an Arrow or Parquet source to what the NCF writer ingests.
// Choice (documented in the brief): columns whose Arrow type fromArrowType() accepts pass through
// untouched, including Dictionary, LargeUtf8, Date64, Float16 and non-microsecond timestamps; the
// writer's Arrow bridge (src/format/arrow.ts) converts those while writing, so nothing is copied
// here. What changes: unsupported types are refused up front (UNSUPPORTED naming the column), Null
// columns become all-null strings, names are made unique and non-empty as for CSV, overrides add
// field metadata, and a column whose override asks for another type is converted value by value.

import * as arrow from 'apache-arrow';
import { fromArrowType, toArrowType } from '../format/arrow-types.js';
import { NCFError } from '../format/errors.js';
import type { DataType } from '../format/schema.js';
import { uniqueNames } from './csv-scanner.js';
import { checkColumnCount } from './options.js';
import {
  META_DESCRIPTION,
  META_SEMANTIC_TYPE,
  planColumn,
  resolveOverrides,
  type ColumnPlan,
  type SchemaOverride,
} from './schema-override.js';
import { ValueColumn, type Where } from './value-columns.js';

/** How one column reaches the output. */
type Route =
  | { kind: 'pass'; field: arrow.Field }
  | { kind: 'retag'; field: arrow.Field } // same storage, new Arrow type (a timestamp's timezone)
  | { kind: 'cast'; field: arrow.Field; plan: ColumnPlan };

/** Source types a value-by-value cast can read (vector.get gives plain JS values for these). */
function castable(t: DataType): boolean {
  return t !== 'date' && t !== 'timestamp';
}

function planRoute(field: arrow.Field, name: string, ov: ReturnType<typeof resolveOverrides>[number]): Route {
  const isNull = arrow.DataType.isNull(field.type);
  const src = isNull ? { type: 'string' as DataType } : fromArrowType(field.type, name);
  const plan = planColumn(name, src, ov);
  const meta = new Map(field.metadata);
  if (plan.semanticType !== undefined) meta.set(META_SEMANTIC_TYPE, plan.semanticType);
  if (plan.description !== undefined) meta.set(META_DESCRIPTION, plan.description);
  const nullable = ov?.nullable ?? field.nullable;
  if (isNull) return { kind: 'cast', field: new arrow.Field(name, toArrowType(plan), nullable, meta), plan };
  if (plan.type === src.type) {
    if (plan.type !== 'timestamp' || (plan.unit === src.unit && plan.timezone === src.timezone)) {
      return { kind: 'pass', field: new arrow.Field(name, field.type, nullable, meta) };
    }
    if (plan.unit === src.unit && !arrow.DataType.isDictionary(field.type)) {
      return { kind: 'retag', field: new arrow.Field(name, toArrowType(plan), nullable, meta) };
    }
  } else if (castable(src.type)) {
    return { kind: 'cast', field: new arrow.Field(name, toArrowType(plan), nullable, meta), plan };
  }
  const to = plan.type === 'timestamp' ? `timestamp(${plan.unit}${plan.timezone ? `, ${plan.timezone}` : ''})` : plan.type;
  throw new NCFError(
    'SCHEMA',
    `ncf: schema override: column "${name}" is ${String(field.type)} in the input and cannot be converted to ${to}`,
    { column: name },
  );
}

export interface Conformer {
  schema: arrow.Schema;
  /** The conformed batch; `rowBase` is the number of rows before it (for error positions). */
  convert(batch: arrow.RecordBatch, rowBase: number): arrow.RecordBatch;
}

export function conformer(source: arrow.Schema, override: SchemaOverride | undefined, where: Where): Conformer {
  checkColumnCount(source.fields.length, where.label);
  const names = uniqueNames(source.fields.map((f) => f.name));
  const overrides = resolveOverrides(override, names);
  const routes = source.fields.map((f, i) => planRoute(f, names[i]!, overrides[i]));
  const schema = new arrow.Schema(
    routes.map((r) => r.field),
    source.metadata,
  );
  const structType = new arrow.Struct(schema.fields);
  const casts = routes.map((r) => (r.kind === 'cast' ? new ValueColumn(r.plan, where) : null));
  return {
    schema,
    convert(batch, rowBase) {
      const n = batch.numRows;
      const children = routes.map((r, i) => {
        const data = batch.data.children[i]!;
        if (r.kind === 'pass') return data;
        if (r.kind === 'retag') {
          return arrow.makeData({
            type: r.field.type as arrow.Timestamp,
            offset: data.offset,
            length: data.length,
            nullCount: data.nullCount,
            nullBitmap: data.nullBitmap,
            data: data.values as BigInt64Array,
          });
        }
        const col = casts[i]!;
        col.start(n);
        if (!arrow.DataType.isNull(data.type)) {
          const vec = arrow.makeVector(data);
          for (let row = 0; row < n; row++) col.append(row, vec.get(row), rowBase + row + 1);
        } else if (!r.plan.nullable && n > 0) {
          col.append(0, null, rowBase + 1);
        }
        return col.finish(n);
      });
      return new arrow.RecordBatch(schema, arrow.makeData({ type: structType, length: n, nullCount: 0, children }));
    },
  };
}

/** Zero-length Data of a (pass-through) type; a dictionary gets an empty dictionary. */
function emptyData(type: arrow.DataType): arrow.Data {
  if (arrow.DataType.isDictionary(type)) {
    return arrow.makeData({ type, length: 0, nullCount: 0, dictionary: arrow.makeVector(emptyData(type.dictionary)) });
  }
  return arrow.makeData({ type, length: 0, nullCount: 0 } as Parameters<typeof arrow.makeData>[0]);
}

/** One empty batch carrying the schema, for inputs with no batches. */
export function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  const children = schema.fields.map((f) => emptyData(f.type));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
}
