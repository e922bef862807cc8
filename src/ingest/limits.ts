// Bounds on what an upload decodes to, so a small input cannot expand into gigabytes (a Parquet or
// Arrow dictionary value referenced many times, a huge compressed page, one enormous CSV field).
// Three limits, all in decoded bytes (string/binary bytes as stored, 4 bytes per offset, the width of
// fixed-size values): one value, one batch handed to the writer, and the whole upload. Readers cut
// or plan their batches under `maxBatchBytes`; `guardBatches` checks every batch that reaches the
// writer against the value and upload limits, before the writer expands or buffers it.
// Violations are NCFError LIMIT (413) naming the limit's setting and the column.

import * as arrow from 'apache-arrow';

export interface DecodeLimits {
  /** Largest single string or binary value (NCF_MAX_VALUE_BYTES). */
  maxValueBytes: number;
  /** Target size of one decoded batch (NCF_MAX_BATCH_BYTES); readers cut batches at this size. */
  maxBatchBytes: number;
  /** Most decoded bytes of the whole upload (from NCF_MAX_DECODED_BYTES and NCF_MAX_DECODED_RATIO). */
  maxDecodedBytes: number;
}

const MiB = 1 << 20;

/** Defaults (also config.ts's): 16 MiB per value keeps any value's JSON text (at most 6 characters a
 *  byte, escaped) far below V8's 512 MiB string limit; 64 MiB batches bound what a reader
 *  materialises at once; 256 MiB is what any upload may decode to whatever its size. */
export const DEFAULT_MAX_VALUE_BYTES = 16 * MiB;
export const DEFAULT_MAX_BATCH_BYTES = 64 * MiB;
export const DEFAULT_MAX_DECODED_BYTES = 256 * MiB;
export const DEFAULT_MAX_DECODED_RATIO = 100;

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
  maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
  maxDecodedBytes: Number.MAX_SAFE_INTEGER,
};

/** The per-upload bound for an upload of `inputBytes`: max(floor, ratio × inputBytes). */
export function decodedBudget(inputBytes: number, floor: number, ratio: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(floor, ratio * inputBytes));
}

// The refusals are built in limit-errors.ts (no apache-arrow there, for the Parquet worker thread).
import { uploadTooLarge, valueTooLarge } from './limit-errors.js';
export { uploadTooLarge, valueTooLarge };

/** Decoded size of one column of a batch: total bytes and the largest value. */
export interface ColumnSize {
  bytes: number;
  maxValue: number;
}

function offsetsOf(data: arrow.Data): ArrayLike<number | bigint> | undefined {
  return data.valueOffsets as ArrayLike<number | bigint> | undefined;
}

/** Sum and max of the value lengths of rows [0, n) of a variable-width Data (Utf8, Binary, Large*). */
function variableSize(data: arrow.Data, n: number): ColumnSize {
  const off = offsetsOf(data)!;
  let max = 0;
  if (typeof off[0] === 'bigint') {
    const o = off as ArrayLike<bigint>;
    for (let i = 0; i < n; i++) {
      const len = Number(o[i + 1]! - o[i]!);
      if (len > max) max = len;
    }
    return { bytes: Number(o[n]! - o[0]!) + 4 * n, maxValue: max };
  }
  const o = off as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    const len = o[i + 1]! - o[i]!;
    if (len > max) max = len;
  }
  return { bytes: o[n]! - o[0]! + 4 * n, maxValue: max };
}

/** The decoded size of a column as the writer will hold it: dictionaries expanded (every index
 *  counts its value's length), nulls counted at their (empty) width. */
export function columnSize(data: arrow.Data): ColumnSize {
  const n = data.length;
  if (n === 0) return { bytes: 0, maxValue: 0 };
  const t = data.type;
  if (arrow.DataType.isDictionary(t)) {
    const dict = data.dictionary!;
    const indices = data.values as ArrayLike<number | bigint>;
    // Lengths of the dictionary's values, concatenated over its chunks.
    const lens: number[] = [];
    for (const d of dict.data) {
      const off = offsetsOf(d);
      if (off === undefined) {
        const w = (d.type as { bitWidth?: number }).bitWidth;
        for (let i = 0; i < d.length; i++) lens.push(w ? w >>> 3 : 8);
      } else {
        for (let i = 0; i < d.length; i++) lens.push(Number(off[i + 1]!) - Number(off[i]!));
      }
    }
    const variable = lens.length > 0 && offsetsOf(dict.data[0]!) !== undefined;
    let bytes = variable ? 4 * n : 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const len = lens[Number(indices[i]!)] ?? 0;
      bytes += len;
      if (len > max) max = len;
    }
    return { bytes, maxValue: variable ? max : 0 };
  }
  if (offsetsOf(data) !== undefined && data.children.length === 0) return variableSize(data, n);
  if (arrow.DataType.isBool(t)) return { bytes: (n + 7) >>> 3, maxValue: 0 };
  const width = (t as { bitWidth?: number }).bitWidth ?? 64;
  return { bytes: n * Math.max(1, width >>> 3), maxValue: 0 };
}

/**
 * Checks each batch against the value and upload limits before passing it on, and splits a batch
 * above `maxBatchBytes` into slices (views, no copy) so the writer converts (expands dictionaries)
 * a bounded amount at a time.
 */
export async function* guardBatches(
  batches: AsyncIterable<arrow.RecordBatch>,
  limits: DecodeLimits,
  label: string,
): AsyncGenerator<arrow.RecordBatch> {
  let total = 0;
  for await (const batch of batches) {
    const fields = batch.schema.fields;
    let batchBytes = 0;
    for (let c = 0; c < fields.length; c++) {
      const size = columnSize(batch.data.children[c]!);
      if (size.maxValue > limits.maxValueBytes) throw valueTooLarge(fields[c]!.name, size.maxValue, limits.maxValueBytes, { label });
      batchBytes += size.bytes;
      if (total + batchBytes > limits.maxDecodedBytes) throw uploadTooLarge(fields[c]!.name, total + batchBytes, limits.maxDecodedBytes);
    }
    total += batchBytes;
    const n = batch.numRows;
    const pieces = Math.min(n, Math.ceil(batchBytes / limits.maxBatchBytes));
    if (!(pieces > 1)) {
      yield batch;
      continue;
    }
    const step = Math.ceil(n / pieces);
    for (let at = 0; at < n; at += step) yield batch.slice(at, Math.min(n, at + step));
  }
}
