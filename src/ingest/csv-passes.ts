// The two passes of CSV reading over a scanner: inference (narrows each column's candidate types
// over all records) and parsing (records into Arrow batches of the planned types). The sequential
// reader (csv.ts) runs them over the whole input, the range workers (csv-worker.ts) over one range.

import * as arrow from 'apache-arrow';
import { CsvColumn } from './csv-columns.js';
import type { CsvHeader, CsvScanner } from './csv-scanner.js';
import { CsvTokens } from './csv-tokenize.js';
import { type ColumnInference, classify } from './infer.js';
import type { DecodeLimits } from './limits.js';
import { arrowSchema, type ColumnPlan } from './schema-override.js';

/** Records tokenized per step: enough to amortise the call, small enough to stay in cache; wide
 *  files take fewer so the field arrays stay near TOKEN_FIELDS entries. */
const TOKEN_ROWS = 2048;
const TOKEN_FIELDS = 1 << 18;

export function tokenRows(cols: number): number {
  return Math.max(16, Math.min(TOKEN_ROWS, Math.floor(TOKEN_FIELDS / cols)));
}

/** Pass 1: reads all records and narrows each inferred column's candidate types. Stops early when
 *  every inferred column is already string. */
export async function inferTypes(scan: CsvScanner, header: CsvHeader, infer: (ColumnInference | null)[]): Promise<void> {
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

function textBytes(columns: CsvColumn[]): number {
  let n = 0;
  for (const c of columns) n += c.bytes;
  return n;
}

/** Pass 2: parses records into batches. */
export async function* parseRecords(
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
