// CSV → Arrow record batches. Pass 1 (only when some column's type is not given by the override)
// scans the whole input to infer column types; pass 2 parses into batches of `batchRows` rows.
// Memory is bounded by the batch size and the read window, never by the file size. A large file on
// disk is read in ranges on worker threads (csv-parallel.ts); its batches are cut at range ends too.

import { stat } from 'node:fs/promises';
import type * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { inferTypes, parseRecords } from './csv-passes.js';
import { PARALLEL_MIN_BYTES, csvWorkers, cutRanges, inferRanges, parseRanges } from './csv-parallel.js';
import { CsvScanner } from './csv-scanner.js';
import { ColumnInference } from './infer.js';
import { planColumn, resolveOverrides, type ColumnPlan, type SchemaOverride } from './schema-override.js';
import { checkBatchRows, checkColumnCount } from './options.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { sourceOrigin, type ByteSource } from './source.js';

export interface CsvOptions {
  schema?: SchemaOverride;
  batchRows?: number;
  /** One ASCII character; default sniffed from the header line among , \t ; | */
  delimiter?: string;
  /** Value and batch bounds (limits.ts); the upload bound is checked by readInput. */
  limits?: DecodeLimits;
  /** When a file is read in ranges on worker threads (tests and tuning): from `minBytes` of input
   *  (default PARALLEL_MIN_BYTES; Infinity: never), in ranges of about `rangeBytes`. */
  parallel?: { minBytes?: number; rangeBytes?: number };
}

function delimiterByte(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  const s = d === '\\t' ? '\t' : d;
  if (s.length !== 1 || s.charCodeAt(0) > 0x7f || s === '"' || s === '\n' || s === '\r') {
    throw new NCFError('INPUT', `ncf: CSV delimiter must be one ASCII character other than a quote or newline, got ${JSON.stringify(d)}`);
  }
  return s.charCodeAt(0);
}

/** Reads a CSV input as Arrow record batches sharing one schema (an empty input with a header
 *  yields one empty batch, so the schema is still seen). */
export async function* readCsv(src: ByteSource, opts: CsvOptions = {}): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  // One record must fit a batch: an unterminated quote is refused at that size, not at the file's.
  const maxRecord = Math.max(limits.maxBatchBytes, limits.maxValueBytes);
  let scan = new CsvScanner(src, true, maxRecord);
  try {
    const header = await scan.header(delimiterByte(opts.delimiter));
    checkColumnCount(header.names.length, 'CSV');
    const overrides = resolveOverrides(opts.schema, header.names);
    // Inferred columns, and timestamp overrides without a timezone (whose zone the values tell).
    const fresh = (): (ColumnInference | null)[] =>
      header.names.map((_, i) => {
        const ov = overrides[i];
        return !ov?.type || (ov.type === 'timestamp' && ov.timezone === undefined) ? new ColumnInference() : null;
      });
    let infer = fresh();
    const planned = (): ColumnPlan[] =>
      header.names.map((name, i) => {
        const inf = infer[i];
        return planColumn(name, inf ? { ...inf.result(), zone: inf.zone() } : { type: 'string' }, overrides[i]);
      });
    const path = sourceOrigin(src).path;
    const size = path !== undefined && infer.some((x) => x !== null) ? (await stat(path)).size : 0;
    if (size > 0 && size >= (opts.parallel?.minBytes ?? PARALLEL_MIN_BYTES)) {
      // A large file on disk: both passes on worker threads over proven ranges (csv-parallel.ts).
      const workers = csvWorkers();
      const ranges = await cutRanges(path!, scan.offset, size, header.delimiter, maxRecord, opts.parallel?.rangeBytes);
      const needZone = overrides.map((ov) => ov?.type === 'timestamp');
      const proven = await inferRanges(workers, ranges, infer, scan.state.line, needZone);
      if (proven && !proven.closed) {
        yield* parseRanges(workers, ranges, proven.lines, planned(), batchRows, limits);
        return;
      }
      if (proven) {
        // Every column is text: parse in order (ranges past the point where the last column
        // closed were not checked, so they are not proven).
        await scan.close();
        scan = new CsvScanner(src, true, maxRecord);
        await scan.header(header.delimiter);
        yield* parseRecords(scan, header, planned(), batchRows, limits);
        return;
      }
      // Not proven (a cut inside quotes, or the input has an error): read in order, as below, so
      // errors are reported as the sequential reader reports them.
      infer = fresh();
    }
    if (infer.some((x) => x !== null)) {
      await inferTypes(scan, header, infer);
      await scan.close();
      scan = new CsvScanner(src, true, maxRecord);
      await scan.header(header.delimiter);
    }
    yield* parseRecords(scan, header, planned(), batchRows, limits);
  } finally {
    await scan.close();
  }
}
