// The mapping between NCF data types and Arrow data types, in both directions.

import * as arrow from 'apache-arrow';
import { NCFError } from './errors.js';
import type { ColumnSchema, DataType, TimeUnit } from './schema.js';

const UNIT_TO_ARROW: Record<TimeUnit, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND,
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
};

/** The Arrow type that holds a column of this schema, with NCF's exact physical layout. */
export function toArrowType(col: Pick<ColumnSchema, 'type' | 'unit' | 'timezone'>): arrow.DataType {
  const t: DataType = col.type;
  switch (t) {
    case 'int8':
      return new arrow.Int8();
    case 'int16':
      return new arrow.Int16();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'uint8':
      return new arrow.Uint8();
    case 'uint16':
      return new arrow.Uint16();
    case 'uint32':
      return new arrow.Uint32();
    case 'uint64':
      return new arrow.Uint64();
    case 'float32':
      return new arrow.Float32();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    case 'string':
      return new arrow.Utf8();
    case 'binary':
      return new arrow.Binary();
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return new arrow.Timestamp(UNIT_TO_ARROW[col.unit ?? 'us'], col.timezone ?? null);
  }
}

/** NCF type for an Arrow type. Dictionary types map to their value type; others that NCF cannot
 *  hold exactly raise UNSUPPORTED naming the column. */
export function fromArrowType(type: arrow.DataType, column: string): Pick<ColumnSchema, 'type' | 'unit' | 'timezone'> {
  if (arrow.DataType.isDictionary(type)) return fromArrowType(type.dictionary, column);
  if (arrow.DataType.isInt(type)) {
    const bits = type.bitWidth;
    const name = `${type.isSigned ? 'int' : 'uint'}${bits}` as DataType;
    return { type: name };
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) return { type: 'float32' };
    if (type.precision === arrow.Precision.DOUBLE) return { type: 'float64' };
    return { type: 'float32' }; // half floats widen exactly to float32
  }
  if (arrow.DataType.isBool(type)) return { type: 'bool' };
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return { type: 'string' };
  if (arrow.DataType.isBinary(type) || arrow.DataType.isLargeBinary(type)) return { type: 'binary' };
  if (arrow.DataType.isDate(type)) return { type: 'date' };
  if (arrow.DataType.isTimestamp(type)) {
    const unit = (['s', 'ms', 'us', 'ns'] as const)[type.unit]!;
    return type.timezone ? { type: 'timestamp', unit, timezone: type.timezone } : { type: 'timestamp', unit };
  }
  throw new NCFError('UNSUPPORTED', `ncf: unsupported: column "${column}" has Arrow type ${String(type)}, which NCF cannot store`, {
    column,
  });
}
