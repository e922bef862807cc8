// Logical schema: data types, column definitions and their validation (FORMAT.md §3).

import { NCFError } from './errors.js';

export const DATA_TYPES = [
  'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64',
  'float32', 'float64',
  'bool', 'string', 'binary', 'date', 'timestamp',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const TIME_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export interface ColumnSchema {
  name: string;
  type: DataType;
  nullable: boolean;
  /** Open tag set; see SEMANTIC_TYPES for the ones the engine recognises. */
  semanticType?: string;
  description?: string;
  /** timestamp only: unit of the stored int64 (default 'us'). */
  unit?: TimeUnit;
  /** timestamp only: IANA zone or offset; absent means a zone-less (local) timestamp. */
  timezone?: string;
}

export interface Schema {
  tableName?: string;
  columns: ColumnSchema[];
}

/** Physical representation family of a data type. */
export type Physical = 'int' | 'float' | 'bool' | 'bytes';

export function physicalOf(type: DataType): Physical {
  switch (type) {
    case 'float32': case 'float64': return 'float';
    case 'bool': return 'bool';
    case 'string': case 'binary': return 'bytes';
    default: return 'int';
  }
}

/** Byte width of one value for fixed-width types; 0 for bool, string and binary. */
export function byteWidthOf(type: DataType): number {
  switch (type) {
    case 'int8': case 'uint8': return 1;
    case 'int16': case 'uint16': return 2;
    case 'int32': case 'uint32': case 'float32': case 'date': return 4;
    case 'int64': case 'uint64': case 'float64': case 'timestamp': return 8;
    default: return 0;
  }
}

export function isSigned(type: DataType): boolean {
  return type === 'int8' || type === 'int16' || type === 'int32' || type === 'int64' || type === 'date' || type === 'timestamp';
}

export function isDataType(x: unknown): x is DataType {
  return typeof x === 'string' && (DATA_TYPES as readonly string[]).includes(x);
}

/** Checks names are unique and non-empty and types known; returns the schema normalised. */
export function validateSchema(schema: Schema): Schema {
  if (schema.columns.length === 0) throw new NCFError('SCHEMA', 'ncf: a schema needs at least one column');
  const seen = new Set<string>();
  const columns = schema.columns.map((c, i) => {
    if (typeof c.name !== 'string' || c.name.length === 0) {
      throw new NCFError('SCHEMA', `ncf: column ${i} has an empty name`, { column: i });
    }
    if (seen.has(c.name)) throw new NCFError('SCHEMA', `ncf: duplicate column name "${c.name}"`, { column: c.name });
    seen.add(c.name);
    if (!isDataType(c.type)) {
      throw new NCFError('SCHEMA', `ncf: column "${c.name}" has unknown type "${String(c.type)}"; expected one of ${DATA_TYPES.join(', ')}`, { column: c.name });
    }
    const out: ColumnSchema = { name: c.name, type: c.type, nullable: c.nullable !== false };
    if (c.semanticType) out.semanticType = c.semanticType;
    if (c.description) out.description = c.description;
    if (c.type === 'timestamp') {
      const unit = c.unit ?? 'us';
      if (!(TIME_UNITS as readonly string[]).includes(unit)) {
        throw new NCFError('SCHEMA', `ncf: column "${c.name}" has unknown time unit "${unit}"`, { column: c.name });
      }
      out.unit = unit;
      if (c.timezone) out.timezone = c.timezone;
    }
    return out;
  });
  return schema.tableName === undefined ? { columns } : { tableName: schema.tableName, columns };
}
