// Parquet → record batches through parquet-wasm (the Rust parquet crate compiled to WebAssembly).
// The file is opened as a Blob (fs.openAsBlob for files), so parquet-wasm reads the footer and then
// one row group at a time through Blob slices, emitting batches of about `batchRows` rows: memory is
// bounded by a row group, not the file. Each batch crosses from WebAssembly memory as Arrow IPC and
// is read back with apache-arrow. Sources that are neither a file nor a buffer are read whole first.
// parquet-wasm yields Utf8/Binary (not the view types), Timestamp in the file's unit with its zone,
// Date32, and Decimal for DECIMAL columns, which NCF refuses (UNSUPPORTED naming the column);
// Dictionary and the other pass-through types are converted by the writer (see arrow-batches.ts).

import { openAsBlob } from 'node:fs';
import * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { conformer, emptyBatch } from './arrow-batches.js';
import { checkBatchRows } from './options.js';
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

export async function* readParquet(src: ByteSource, opts: { schema?: SchemaOverride; batchRows?: number } = {}): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const pw = await parquetWasm();
  let file: ParquetFile;
  let schema: arrow.Schema;
  try {
    file = await pw.ParquetFile.fromFile(await blobOf(src));
    schema = ipcBatches(file.schema().intoIPCStream()).schema;
  } catch (e) {
    throw inputError(e);
  }
  try {
    const conform = conformer(schema, opts.schema, { label: 'Parquet', unit: 'row' });
    let rows = 0;
    let any = false;
    let stream: AsyncIterable<WasmBatch>;
    try {
      stream = (await file.stream({ batchSize: batchRows })) as unknown as AsyncIterable<WasmBatch>;
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
        for (const batch of ipcBatches(r.value.intoIPCStream()).batches) {
          const out = conform.convert(batch, rows);
          rows += batch.numRows;
          any = true;
          yield out;
        }
      }
    } finally {
      await it.return?.().catch(() => undefined);
    }
    if (!any) yield emptyBatch(conform.schema);
  } finally {
    file.free();
  }
}
