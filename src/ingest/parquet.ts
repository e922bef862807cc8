// Parquet → record batches through parquet-wasm (the Rust parquet crate compiled to WebAssembly).
// The file is opened as a Blob (fs.openAsBlob for files), so parquet-wasm reads the footer and then
// one row group at a time through Blob slices, emitting batches of about `batchRows` rows: memory is
// bounded by a row group, not the file. Each batch crosses from WebAssembly memory as Arrow IPC and
// is read back with apache-arrow. Sources that are neither a file nor a buffer are read whole first.
// parquet-wasm yields Utf8/Binary (not the view types), Timestamp in the file's unit with its zone,
// Date32, and Decimal for DECIMAL columns, which NCF refuses (UNSUPPORTED naming the column);
// Dictionary and the other pass-through types are converted by the writer (see arrow-batches.ts).
// Decode bounds (limits.ts): the rows of each WebAssembly batch are planned per row group from the
// file's dictionary page headers (parquet-pages.ts) so one batch decodes to about NCF_MAX_BATCH_BYTES
// however often a large dictionary entry is referenced; each batch is then measured before it is
// copied out, refused when it passes the upload's budget, and copied in slices of about
// NCF_MAX_BATCH_BYTES. Not bounded: parquet-wasm's expansion of a whole row group's column chunk,
// before the first batch (see parquet-pages.ts).

import { openAsBlob } from 'node:fs';
import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { conformer, emptyBatch } from './arrow-batches.js';
import { checkBatchRows } from './options.js';
import { planBatches, type RowGroupPlan } from './parquet-pages.js';
import { DEFAULT_DECODE_LIMITS, uploadTooLarge, type DecodeLimits } from './limits.js';
import type { SchemaOverride } from './schema-override.js';
import { readAllBytes, sourceOrigin, type ByteSource } from './source.js';
import { parquetWasm } from '../parquet-wasm.js';

import type { ParquetFile, RecordBatch as WasmBatch } from 'parquet-wasm';


function inputError(e: unknown): NCFError {
  if (e instanceof NCFError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new NCFError('INPUT', `ncf: the input is not a readable Parquet file (${msg})`);
}

async function blobOf(src: ByteSource): Promise<Blob> {
  const { path, bytes } = sourceOrigin(src);
  if (path !== undefined) return openAsBlob(path);
  return new Blob([bytes ?? await readAllBytes(src)]);
}

/** The apache-arrow batches in one Arrow IPC stream. */
function ipcBatches(ipc: Uint8Array): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const reader = arrow.RecordBatchReader.from(ipc);
  reader.open();
  return { schema: reader.schema, batches: [...reader] };
}

/**
 * The IPC streams of one WebAssembly batch, in row slices of about `maxBatchBytes` decoded bytes
 * each (slices are views in WebAssembly memory), so JavaScript never copies more than that at once.
 * A batch that alone decodes past the upload's budget is refused before any of it is copied.
 */
function* slicedIpc(batch: WasmBatch, limits: DecodeLimits, used: number): Generator<Uint8Array> {
  const size = batch.getArrayMemorySize();
  const n = batch.numRows;
  if (used + size > limits.maxDecodedBytes) {
    batch.free();
    throw uploadTooLarge('(a Parquet row batch)', used + size, limits.maxDecodedBytes);
  }
  const pieces = Math.min(n, Math.ceil(size / limits.maxBatchBytes));
  if (!(pieces > 1)) {
    yield batch.intoIPCStream();
    return;
  }
  try {
    const step = Math.ceil(n / pieces);
    for (let at = 0; at < n; at += step) yield batch.slice(at, Math.min(step, n - at)).intoIPCStream();
  } finally {
    batch.free();
  }
}

export async function* readParquet(src: ByteSource, opts: { schema?: SchemaOverride; batchRows?: number; limits?: DecodeLimits } = {}): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  const pw = await parquetWasm();
  let file: ParquetFile;
  let schema: arrow.Schema;
  let blob: Blob;
  try {
    blob = await blobOf(src);
    file = await pw.ParquetFile.fromFile(blob);
    schema = ipcBatches(file.schema().intoIPCStream()).schema;
  } catch (e) {
    throw inputError(e);
  }
  try {
    const conform = conformer(schema, opts.schema, { label: 'Parquet', unit: 'row' });
    let plans: RowGroupPlan[];
    try {
      plans = await planBatches(blob, limits, batchRows);
    } catch (e) {
      throw inputError(e);
    }
    let rows = 0;
    let decoded = 0; // IPC bytes handed over so far: about the decoded bytes
    let any = false;
    for (const plan of plans) {
      let stream: AsyncIterable<WasmBatch>;
      try {
        stream = (await file.stream({ batchSize: plan.batchRows, rowGroups: plan.rowGroups })) as unknown as AsyncIterable<WasmBatch>;
      } catch (e) {
        throw inputError(e);
      }
      const it = stream[Symbol.asyncIterator]();
      try {
        for (;;) {
          let r: IteratorResult<WasmBatch>;
          try {
            r = await it.next();
          } catch (e) {
            throw inputError(e);
          }
          if (r.done) break;
          for (const ipc of slicedIpc(r.value, limits, decoded)) {
            for (const batch of ipcBatches(ipc).batches) {
              const out = conform.convert(batch, rows);
              rows += batch.numRows;
              decoded += ipc.length;
              any = true;
              yield out;
            }
          }
        }
      } finally {
        await it.return?.().catch(() => undefined);
      }
    }
    if (!any) yield emptyBatch(conform.schema);
  } finally {
    file.free();
  }
}
