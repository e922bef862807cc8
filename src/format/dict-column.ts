// ColumnData over dictionary codes (column.ts DictCodes): what the reader makes of a string or binary
// chunk stored with the `dict` encoding. Consumers that know codes (filters, take, the Arrow bridge)
// read `dictionary`; any other consumer reads `values`, which is expanded to per-row bytes on first
// use and kept. The getter is not enumerable, so posting the column to or from a worker copies the
// codes only (withDictValues restores it on the other side).

import type { ColumnData, DictCodes, Values } from './column.js';
import { expandDictCodes } from './encodings/dict.js';
import type { DataType } from './schema.js';

/** A ColumnData of `length` rows holding `dictionary`, with `values` expanded lazily. */
export function dictColumn(
  type: DataType,
  length: number,
  nullCount: number,
  validity: Uint8Array | null,
  dictionary: DictCodes,
): ColumnData {
  const out = { type, length, nullCount, validity, dictionary } as ColumnData;
  return withDictValues(out);
}

/** Gives a column that carries `dictionary` (e.g. one just received from a worker) its lazy `values`. */
export function withDictValues(c: ColumnData): ColumnData {
  const d = c.dictionary;
  if (d === undefined || Object.getOwnPropertyDescriptor(c, 'values')?.get !== undefined) return c;
  let values: Values | null = null;
  Object.defineProperty(c, 'values', {
    enumerable: false,
    configurable: true,
    get: () => (values ??= expandDictCodes(d, c.length, `dictionary column of ${c.length} rows`)),
  });
  return c;
}
