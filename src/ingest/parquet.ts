// Parquet → record batches through parquet-wasm (the Rust parquet crate compiled to WebAssembly),
// run in a worker thread (parquet-worker.ts), one per upload, so no Parquet file can crash the
// server or keep its memory: parquet-wasm aborts on some malformed files (`RuntimeError:
// unreachable`, thrown where nothing can catch it) and its WebAssembly memory only ever grows.
// In the worker, a file is opened as a Blob (fs.openAsBlob), so parquet-wasm reads the footer and
// then one row group at a time through Blob slices; the rows of each WebAssembly batch are planned
// per row group from the file's dictionary page headers (parquet-pages.ts) so a batch decodes to
// about NCF_MAX_BATCH_BYTES; each batch is measured against the upload's budget before it is
// copied out, and crosses as Arrow IPC in slices of about NCF_MAX_BATCH_BYTES (the buffer is
// transferred). Here each one is read back with apache-arrow. The worker decodes a batch only when
// asked for it, and the next is asked for as one arrives, so at most two exist at once. Whatever ends the reading (the last batch, a refusal
// downstream, an error) terminates the worker, which frees its WebAssembly memory. A worker that
// dies (a WebAssembly abort, out of memory, past its memory cap) is an INPUT error (422).
// parquet-wasm yields Utf8/Binary (not the view types), Timestamp in the file's unit with its zone,
// Date32, and Decimal for DECIMAL columns, which NCF refuses (UNSUPPORTED naming the column);
// Dictionary and the other pass-through types are converted by the writer (see arrow-batches.ts).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { NCFError, type NCFErrorCode } from '../format/errors.js';
import { conformer, emptyBatch } from './arrow-batches.js';
import { checkBatchRows } from './options.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { SchemaOverride } from './schema-override.js';
import { readAllBytes, sourceOrigin, type ByteSource } from './source.js';
import type { ParquetWorkerData, ParquetWorkerMessage } from './parquet-worker.js';
import { compiledCapped, roundedCap } from './wasm-memory-cap.js';

/** JavaScript heap of the worker: it holds parquet-wasm's bindings; a batch's IPC bytes are an
 *  ArrayBuffer, outside this heap. */
const WORKER_HEAP_MB = 128;
const MiB = 1 << 20;

/**
 * Most the worker's WebAssembly memory may grow to. A file whose row group decodes to more than the
 * upload's budget is refused anyway, so parquet-wasm needs about that (its column chunks decoded)
 * twice over (a vector grows by copying), plus a batch and its IPC copy, plus its own 64 MiB; past
 * that the module's allocation fails and the upload is refused (413) without the memory being taken.
 * Rounded up to a power of two (one compiled module per cap, shared by the workers), and at most
 * WebAssembly's 4 GiB (reached by uploads over ~9 MiB at the default ratio).
 */
export function memoryCap(limits: DecodeLimits): number {
  return roundedCap(Math.min(4096 * MiB, 2 * limits.maxDecodedBytes + 2 * limits.maxBatchBytes + 64 * MiB));
}

/** parquet-wasm's WebAssembly module file (beside its Node build's JavaScript). */
const WASM_FILE = join(dirname(createRequire(import.meta.url).resolve('parquet-wasm')), 'parquet_wasm_bg.wasm');

function unreadable(msg: string): NCFError {
  return new NCFError('INPUT', `ncf: the input is not a readable Parquet file (${msg})`);
}

function spawn(data: ParquetWorkerData): Worker {
  const self = import.meta.url;
  const opts = { workerData: data, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
  // Under a TypeScript loader (tests, bench) the worker is the .ts source, loaded through tsx's API;
  // from the build it is the compiled .js beside this file (as format/parallel/pool.ts does).
  if (self.endsWith('.ts')) {
    const target = new URL('./parquet-worker.ts', self).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`, {
      ...opts,
      eval: true,
    });
  }
  return new Worker(new URL('./parquet-worker.js', self), opts);
}

/** The worker's messages, one per request: each call to next() asks for exactly one. */
class WorkerChannel {
  private waiting: { resolve: (m: ParquetWorkerMessage) => void; reject: (e: unknown) => void } | undefined;
  private failure: NCFError | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (m: ParquetWorkerMessage) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w.resolve(m);
      else if (m.kind === 'error') this.failure ??= new NCFError(m.code as NCFErrorCode, m.message, m.details); // reported while no one asked
    });
    worker.on('error', (e: Error & { code?: string }) => {
      this.fail(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? unreadable('its decoder ran out of memory')
          : unreadable(`its decoder failed: ${e.name === 'RuntimeError' ? `WebAssembly ${e.message}` : e.message}`),
      );
    });
    worker.on('exit', (code) => this.fail(unreadable(`its decoder stopped (exit code ${code})`)));
  }

  private fail(e: NCFError): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.failure);
  }

  next(): Promise<ParquetWorkerMessage> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage('next');
    });
  }
}

async function message(ch: WorkerChannel): Promise<Exclude<ParquetWorkerMessage, { kind: 'error' }>> {
  const m = await ch.next();
  if (m.kind !== 'error') return m;
  throw m.ncf ? new NCFError(m.code as NCFErrorCode, m.message, m.details) : unreadable(m.message);
}

/** The apache-arrow batches in one Arrow IPC stream. */
function ipcBatches(ipc: Uint8Array): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const reader = arrow.RecordBatchReader.from(ipc);
  reader.open();
  return { schema: reader.schema, batches: [...reader] };
}

export async function* readParquet(
  src: ByteSource,
  opts: { schema?: SchemaOverride; batchRows?: number; limits?: DecodeLimits } = {},
): AsyncGenerator<arrow.RecordBatch> {
  const batchRows = checkBatchRows(opts.batchRows);
  const limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
  const { path, bytes } = sourceOrigin(src);
  const cap = memoryCap(limits);
  const module = await compiledCapped(WASM_FILE, cap);
  const data: ParquetWorkerData =
    path !== undefined
      ? { path, batchRows, limits, memoryCap: cap, module }
      : { bytes: bytes ?? (await readAllBytes(src)), batchRows, limits, memoryCap: cap, module };
  const worker = spawn(data);
  try {
    const ch = new WorkerChannel(worker);
    const first = await message(ch);
    if (first.kind !== 'schema') throw unreadable('no schema');
    const conform = conformer(ipcBatches(first.ipc).schema, opts.schema, { label: 'Parquet', unit: 'row' });
    let rows = 0;
    let any = false;
    let ahead = message(ch);
    for (;;) {
      const m = await ahead;
      if (m.kind === 'end') break;
      if (m.kind !== 'batch') throw unreadable(`unexpected ${m.kind}`);
      // Ask for the next batch before this one is consumed: the worker decodes while the writer
      // works, and at most two batches exist at once (this one and the one in flight).
      ahead = message(ch);
      ahead.catch(() => undefined); // observed by the next await, or dropped when the reader stops
      for (const batch of ipcBatches(m.ipc).batches) {
        const out = conform.convert(batch, rows);
        rows += batch.numRows;
        any = true;
        yield out;
      }
    }
    if (!any) yield emptyBatch(conform.schema);
  } finally {
    // Also on an early stop (the consumer refused the upload midway): the worker's memory goes with it.
    await worker.terminate();
  }
}
