// Test-only reference code for the Arrow bridge tests: naive, obviously-correct builders and readers
// of ColumnData and Arrow Data from plain JS values (one value at a time, no shared code with src/),
// plus fast-check arbitraries for values of every NCF type.

import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import type { ColumnData } from '../../src/format/column.js';
import type { DataType } from '../../src/format/schema.js';

export type JsValue = number | bigint | boolean | string | Uint8Array | null;

export const ALL_TYPES: DataType[] = [
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
];

const enc = new TextEncoder();
const dec = new TextDecoder();

function fixedArray(type: DataType, n: number): ArrayLike<number | bigint> & { [i: number]: number | bigint } {
  switch (type) {
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
    case 'date':
      return new Int32Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
    case 'timestamp':
      return new BigInt64Array(n) as never;
    case 'uint64':
      return new BigUint64Array(n) as never;
    default:
      throw new Error(type);
  }
}

function validityOf(values: readonly JsValue[]): { bits: Uint8Array | null; nulls: number } {
  let nulls = 0;
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bits[Math.floor(i / 8)] |= 1 << (i % 8);
  });
  return { bits: nulls > 0 ? bits : null, nulls };
}

/** ColumnData holding `values`; null slots get `garbage` (fixed), 0 (bool) or `nullBytes` bytes. */
export function makeColumn(type: DataType, values: readonly JsValue[], nullBytes = 0): ColumnData {
  const n = values.length;
  const { bits, nulls } = validityOf(values);
  if (type === 'bool') {
    const data = new Uint8Array(Math.ceil(n / 8));
    values.forEach((v, i) => {
      if (v === true) data[Math.floor(i / 8)] |= 1 << (i % 8);
    });
    return { type, length: n, nullCount: nulls, validity: bits, values: { kind: 'bool', data } };
  }
  if (type === 'string' || type === 'binary') {
    const parts = values.map((v) =>
      v === null ? new Uint8Array(nullBytes).fill(0x78) : typeof v === 'string' ? enc.encode(v) : (v as Uint8Array),
    );
    const offsets = new Int32Array(n + 1);
    parts.forEach((p, i) => {
      offsets[i + 1] = offsets[i]! + p.length;
    });
    const data = new Uint8Array(offsets[n]!);
    parts.forEach((p, i) => data.set(p, offsets[i]!));
    return { type, length: n, nullCount: nulls, validity: bits, values: { kind: 'bytes', offsets, data } };
  }
  const data = fixedArray(type, n);
  values.forEach((v, i) => {
    data[i] = v === null ? (typeof data[0] === 'bigint' ? 77n : 77) : (v as number);
  });
  return { type, length: n, nullCount: nulls, validity: bits, values: { kind: 'fixed', data: data as never } };
}

/** Row i of a ColumnData as a JS value (null for null rows). */
export function readColumn(col: ColumnData, i: number): JsValue {
  if (col.validity !== null && (col.validity[Math.floor(i / 8)]! & (1 << (i % 8))) === 0) return null;
  const v = col.values;
  if (v.kind === 'bool') return (v.data[Math.floor(i / 8)]! & (1 << (i % 8))) !== 0;
  if (v.kind === 'bytes') {
    const bytes = v.data.slice(v.offsets[i]!, v.offsets[i + 1]!);
    return col.type === 'string' ? dec.decode(bytes) : bytes;
  }
  return v.data[i]!;
}

export function readAll(col: ColumnData): JsValue[] {
  return Array.from({ length: col.length }, (_, i) => readColumn(col, i));
}

const ARROW_TYPES: Record<DataType, () => arrow.DataType> = {
  int8: () => new arrow.Int8(),
  int16: () => new arrow.Int16(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
  uint64: () => new arrow.Uint64(),
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  bool: () => new arrow.Bool(),
  string: () => new arrow.Utf8(),
  binary: () => new arrow.Binary(),
  date: () => new arrow.DateDay(),
  timestamp: () => new arrow.Timestamp(arrow.TimeUnit.MICROSECOND),
};

/** Arrow Data for `values` built by hand with makeData (null string slots get `nullBytes` bytes). */
export function makeArrowData(type: DataType, values: readonly JsValue[], nullBytes = 0): arrow.Data {
  const c = makeColumn(type, values, nullBytes);
  const t = ARROW_TYPES[type]();
  const v = c.values;
  const props = { type: t, length: c.length, nullCount: c.nullCount, nullBitmap: c.validity ?? undefined } as Record<string, unknown>;
  if (v.kind === 'bytes') {
    props.valueOffsets = v.offsets;
    props.data = v.data;
  } else props.data = v.data;
  return arrow.makeData(props as never);
}

/** Row i of Arrow Data as a JS value, read through apache-arrow's own accessors. */
export function readArrow(data: arrow.Data, i: number): JsValue {
  const vec = arrow.makeVector(data);
  if (!vec.isValid(i)) return null;
  // get() rounds timestamps to milliseconds (and refuses beyond 2^53), so read the stored int64.
  if (arrow.DataType.isTimestamp(data.type)) return (data.values as BigInt64Array)[i]!;
  const x = vec.get(i) as unknown;
  if (x === null) return null;
  if (arrow.DataType.isDate(data.type)) return (x as number) / 86_400_000; // DateDay reads as epoch ms
  if (arrow.DataType.isBinary(data.type)) return Uint8Array.from(x as Uint8Array);
  return x as JsValue;
}

export function sameJs(a: JsValue, b: JsValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** A value of `type` as held in ColumnData (date: days, timestamp: bigint). */
export function valueArb(type: DataType): fc.Arbitrary<JsValue> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint8':
      return fc.integer({ min: 0, max: 255 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'uint32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
    case 'timestamp':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'uint64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'float32':
      return fc.float();
    case 'float64':
      return fc.double();
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }));
    case 'binary':
      return fc.uint8Array({ maxLength: 40 });
    case 'date':
      return fc.integer({ min: -100_000_000, max: 100_000_000 });
  }
}

export function columnArb(type: DataType, maxLength = 150): fc.Arbitrary<JsValue[]> {
  return fc.array(fc.option(valueArb(type), { nil: null, freq: 4 }), { maxLength });
}
