// Small lists of column values held as JS values (histogram edges, distinct values) turned back into
// Arrow data of the column's type, so they are rendered to JSON by the same rules as query rows
// (output/values.ts). Bytes values (string, binary) are held as latin1 strings: one char per byte.

import { columnToArrowData } from '../format/arrow.js';
import { allocFixed, bitmapBytes, type ColumnData, type Values } from '../format/column.js';
import { physicalOf, type ColumnSchema } from '../format/schema.js';
import { jsonValues } from './output/values.js';

export type HeldValue = number | bigint | boolean | string | null;

export function valuesToColumn(col: ColumnSchema, values: readonly HeldValue[]): ColumnData {
  const n = values.length;
  let validity: Uint8Array | null = null;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] !== null) continue;
    validity ??= new Uint8Array(bitmapBytes(n)).fill(0xff);
    validity[i >>> 3]! &= ~(1 << (i & 7));
    nullCount++;
  }
  let v: Values;
  const p = physicalOf(col.type);
  if (p === 'bool') {
    const bits = new Uint8Array(bitmapBytes(n));
    values.forEach((x, i) => {
      if (x === true) bits[i >>> 3]! |= 1 << (i & 7);
    });
    v = { kind: 'bool', data: bits };
  } else if (p === 'bytes') {
    const parts = values.map((x) => Buffer.from(typeof x === 'string' ? x : '', 'latin1'));
    const offsets = new Int32Array(n + 1);
    parts.forEach((b, i) => {
      offsets[i + 1] = offsets[i]! + b.length;
    });
    v = { kind: 'bytes', offsets, data: new Uint8Array(Buffer.concat(parts)) };
  } else {
    const data = allocFixed(col.type, n);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      values.forEach((x, i) => {
        if (x !== null) data[i] = BigInt(x as number | bigint);
      });
    } else {
      values.forEach((x, i) => {
        if (x !== null) data[i] = Number(x);
      });
    }
    v = { kind: 'fixed', data };
  }
  return { type: col.type, length: n, nullCount, validity: nullCount > 0 ? validity : null, values: v };
}

/** The values as JSON-ready JS values by the query answer rules (int64 beyond 2^53 as strings, ...). */
export function renderValues(col: ColumnSchema, values: readonly HeldValue[]): unknown[] {
  return jsonValues(columnToArrowData(col, valuesToColumn(col, values)));
}
