// CSV → Arrow record batches. Pass 1 (only when some column's type is not given by the override)
// scans the whole input to infer column types; pass 2 parses into batches of `batchRows` rows.
// Memory is bounded by the batch size and the read window, never by the file size.

import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { CsvColumn } from './csv-columns.js';
import { CsvScanner, type CsvHeader } from './csv-scanner.js';
import { CsvTokens } from './csv-tokenize.js';
import { ColumnInference, classify } from './infer.js';
import { arrowSchema, planColumn, resolveOverrides, type ColumnPlan, type SchemaOverride } from './schema-override.js';
import { checkBatchRows, checkColumnCount } from './options.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { ByteSource } from './source.js';

export interface CsvOptions {
  schema?: SchemaOverride;
  batchRows?: number;
  /** One ASCII character; default sniffed from the header line among , \t ; | */
  delimiter?: string;
  /** Value and batch bounds (limits.ts); the upload bound is checked by readInput. */
  limits?: DecodeLimits;
}

/** Records tokenized per step: enough to amortise the call, small enough to stay in cache; wide
 *  files take fewer so the field arrays stay near TOKEN_FIELDS entries. */
const TOKEN_ROWS = 2048;
const TOKEN_FIELDS = 1 << 18;

function tokenRows(cols: number): number {
  return Math.max(16, Math.min(TOKEN_ROWS, Math.floor(TOKEN_FIELDS / cols)));
}

function delimiterByte(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  const s = d === '\\t' ? '\t' : d;
  if (s.length !== 1 || s.charCodeAt(0) > 0x7f || s === '"' || s === '\n' || s === '\r') {
    throw new NCFError('INPUT', `ncf: CSV delimiter must be one ASCII character other than a quote or newline, got ${JSON.stringify(d)}`);
  }
  return s.charCodeAt(0);
}

/** Pass 1: reads all records and narrows each inferred column's candidate types. Stops early when
 *  every inferred column is already string. */
async function inferTypes(scan: CsvScanner, header: CsvHeader, infer: (ColumnInference | null)[]): Promise<void> {
  const cols = header.names.length;
  const t = new CsvTokens(cols, tokenRows(cols));
  let open = infer.flatMap((inf, c) => (inf ? [{ c, inf }] : []));
  while (open.length > 0) {
    const n = await scan.next(t, header.delimiter);
    if (n === 0) break;
    const buf = scan.buffer,
      starts = t.starts,
      ends = t.ends;
    for (const { c, inf } of open) {
      for (let r = 0, k = c; r < n && inf.open; r++, k += cols) {
        const s = starts[k]!,
          e = ends[k]!;
        if (s !== e) inf.add(classify(buf, s, e));
      }
    }
    open = open.filter((x) => x.inf.open);
  }
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
    const infer = header.names.map((_, i) => {
      const ov = overrides[i];
      return !ov?.type || (ov.type === 'timestamp' && ov.timezone === undefined) ? new ColumnInference() : null;
    });
    if (infer.some((x) => x !== null)) {
      await inferTypes(scan, header, infer);
      await scan.close();
      scan = new CsvScanner(src, true, maxRecord);
      await scan.header(header.delimiter);
    }
    const plans: ColumnPlan[] = header.names.map((name, i) => {
      const inf = infer[i];
      return planColumn(name, inf ? { ...inf.result(), zone: inf.zone() } : { type: 'string' }, overrides[i]);
    });
    yield* parseRecords(scan, header, plans, batchRows, limits);
  } finally {
    await scan.close();
  }
}

function textBytes(columns: CsvColumn[]): number {
  let n = 0;
  for (const c of columns) n += c.bytes;
  return n;
}

/** Pass 2: parses records into batches. */
async function* parseRecords(
  scan: CsvScanner,
  header: CsvHeader,
  plans: ColumnPlan[],
  batchRows: number,
  limits: DecodeLimits,
): AsyncGenerator<arrow.RecordBatch> {
  const schema = arrowSchema(plans);
  const structType = new arrow.Struct(schema.fields);
  const columns = plans.map((p, i) => new CsvColumn(p, i, limits.maxValueBytes));
  const textColumns = columns.filter((c) => c.plan.type === 'string' || c.plan.type === 'binary');
  const t = new CsvTokens(plans.length, Math.min(tokenRows(plans.length), batchRows));
  const batch = (rows: number): arrow.RecordBatch => {
    const children = columns.map((c) => c.finish(rows));
    return new arrow.RecordBatch(schema, arrow.makeData({ type: structType, length: rows, nullCount: 0, children }));
  };
  for (const c of columns) c.start(batchRows);
  let rows = 0;
  let emitted = false;
  for (;;) {
    const n = await scan.next(t, header.delimiter, Math.min(t.cap, batchRows - rows));
    if (n === 0) break;
    const buf = scan.buffer;
    for (const c of columns) c.append(buf, t, rows);
    rows += n;
    // A batch is cut early once its text reaches the batch bound (far below the 2 GiB offset limit).
    if (rows === batchRows || textBytes(textColumns) > limits.maxBatchBytes) {
      yield batch(rows);
      emitted = true;
      rows = 0;
      for (const c of columns) c.start(batchRows);
    }
  }
  if (rows > 0 || !emitted) yield batch(rows);
}
