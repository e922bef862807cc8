// Logical schema: data types, column definitions and their validation (FORMAT.md §3).

import { MAX_COLUMNS } from './constants.js';
import { NCFError } from './errors.js';

export const DATA_TYPES = [
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'bool',
  'string',
  'binary',
  'date',
  'timestamp',
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
    case 'float32':
    case 'float64':
      return 'float';
    case 'bool':
      return 'bool';
    case 'string':
    case 'binary':
      return 'bytes';
    default:
      return 'int';
  }
}

/** Byte width of one value for fixed-width types; 0 for bool, string and binary. */
export function byteWidthOf(type: DataType): number {
  switch (type) {
    case 'int8':
    case 'uint8':
      return 1;
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float32':
    case 'date':
      return 4;
    case 'int64':
    case 'uint64':
    case 'float64':
    case 'timestamp':
      return 8;
    default:
      return 0;
  }
}

export function isSigned(type: DataType): boolean {
  return type === 'int8' || type === 'int16' || type === 'int32' || type === 'int64' || type === 'date' || type === 'timestamp';
}

export function isDataType(x: unknown): x is DataType {
  return typeof x === 'string' && (DATA_TYPES as readonly string[]).includes(x);
}

/** Longest column name, in UTF-16 code units (names are text, not identifiers: spaces, punctuation
 *  and any script are fine). */
export const MAX_COLUMN_NAME_LENGTH = 1024;

// Control characters (C0, DEL, C1) would corrupt CSV headers, logs and terminals; a lone surrogate
// cannot be stored as UTF-8 and would come back as U+FFFD, a different name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a column name cannot be stored, or null when it can. */
export function columnNameProblem(name: string): string | null {
  if (name.length > MAX_COLUMN_NAME_LENGTH) return `is ${name.length} characters long, more than the ${MAX_COLUMN_NAME_LENGTH} allowed`;
  const control = CONTROL.exec(name);
  if (control) return `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (LONE_SURROGATE.test(name)) return 'is not well-formed Unicode (it holds a lone surrogate)';
  return null;
}

function shownName(name: string): string {
  return name.length > 60 ? `${JSON.stringify(name.slice(0, 57))}...` : JSON.stringify(name);
}

/** Checks names are unique, non-empty and storable (columnNameProblem) and types known; returns the
 *  schema normalised. */
export function validateSchema(schema: Schema): Schema {
  if (schema.columns.length === 0) throw new NCFError('SCHEMA', 'ncf: a schema needs at least one column');
  if (schema.columns.length > MAX_COLUMNS) {
    throw new NCFError('LIMIT', `ncf: a schema of ${schema.columns.length} columns is wider than the ${MAX_COLUMNS} a table may have`);
  }
  const seen = new Set<string>();
  const columns = schema.columns.map((c, i) => {
    if (typeof c.name !== 'string' || c.name.length === 0) {
      throw new NCFError('SCHEMA', `ncf: column ${i} has an empty name`, { column: i });
    }
    const problem = columnNameProblem(c.name);
    if (problem !== null) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column ${i + 1} name ${shownName(c.name)} ${problem}; a column name is any Unicode text of 1 to ${MAX_COLUMN_NAME_LENGTH} characters without control characters`,
        { column: c.name.slice(0, 200) },
      );
    }
    if (seen.has(c.name)) throw new NCFError('SCHEMA', `ncf: duplicate column name "${c.name}"`, { column: c.name });
    seen.add(c.name);
    if (!isDataType(c.type)) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column "${c.name}" has unknown type "${String(c.type)}"; expected one of ${DATA_TYPES.join(', ')}`,
        { column: c.name },
      );
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
