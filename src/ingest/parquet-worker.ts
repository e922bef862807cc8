// Worker thread entry for Parquet uploads (see parquet.ts): parquet-wasm decodes here, in this
// thread's own WebAssembly instance, so a file that makes it abort (`RuntimeError: unreachable`) or
// grow its memory to gigabytes takes down only this thread, and terminating the thread frees that
// memory (WebAssembly memory never shrinks while its instance lives).
// Protocol: the parent sends 'next' for each message it wants; the worker answers with exactly one
// of { schema }, { batch }, { end } or { error }; it asks one ahead, so at most two batches exist.
// Batches are Arrow IPC streams whose ArrayBuffer is transferred, not copied.

import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { NCFError } from '../format/errors.js';
import { planBatches } from './parquet-pages.js';
import { uploadTooLarge } from './limit-errors.js';
import type { DecodeLimits } from './limits.js';
import { withCappedModules } from './wasm-memory-cap.js';
import { parquetWasm, type ParquetWasm } from '../formats/parquet-wasm.js';

import type { RecordBatch as WasmBatch } from 'parquet-wasm';

export interface ParquetWorkerData {
  path?: string;
  bytes?: Uint8Array;
  batchRows: number;
  limits: DecodeLimits;
  /** Most bytes this thread's WebAssembly memory may grow to (see parquet.ts's memoryCap). */
  memoryCap: number;
  /** parquet-wasm's module, compiled with that cap by the parent (see wasm-memory-cap.ts). */
  module?: object;
}

export type ParquetWorkerMessage =
  | { kind: 'schema'; ipc: Uint8Array }
  | { kind: 'batch'; ipc: Uint8Array }
  | { kind: 'end' }
  | { kind: 'error'; ncf: boolean; code: string; message: string; details: Record<string, unknown> };

const data = workerData as ParquetWorkerData;
let pw: ParquetWasm | undefined;

function mib(n: number): string {
  return `${Math.round(n / (1 << 20))} MiB`;
}

function inputError(e: unknown): NCFError {
  if (e instanceof NCFError) return e;
  // A failure with the memory near its cap is the cap (the allocator aborts when it cannot grow;
  // growth doubles, so the failed request was at most the memory's size).
  const used = pw?.wasmMemory().buffer.byteLength ?? 0;
  if (used * 2 >= data.memoryCap) {
    return new NCFError(
      'LIMIT',
      `ncf: decoding the Parquet input needs more than the ${mib(data.memoryCap)} of memory its decoded-size budget allows (NCF_MAX_DECODED_BYTES / NCF_MAX_DECODED_RATIO)`,
      { limit: 'NCF_MAX_DECODED_BYTES', maxBytes: data.limits.maxDecodedBytes },
    );
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new NCFError('INPUT', `ncf: the input is not a readable Parquet file (${msg})`);
}

/** The IPC streams of one WebAssembly batch, in row slices of about `maxBatchBytes` decoded bytes;
 *  a batch that alone passes the upload's budget is refused before any of it is copied out. */
function* slicedIpc(batch: WasmBatch, limits: DecodeLimits, used: number): Generator<Uint8Array> {
  try {
    const size = batch.getArrayMemorySize();
    const n = batch.numRows;
    if (used + size > limits.maxDecodedBytes) throw uploadTooLarge('(a Parquet row batch)', used + size, limits.maxDecodedBytes);
    const pieces = Math.min(n, Math.ceil(size / limits.maxBatchBytes));
    if (!(pieces > 1)) {
      yield batch.slice(0, n).intoIPCStream();
      return;
    }
    const step = Math.ceil(n / pieces);
    for (let at = 0; at < n; at += step) yield batch.slice(at, Math.min(step, n - at)).intoIPCStream();
  } finally {
    batch.free();
  }
}

/** Everything the parent receives, in order: the schema, the batches, then the end. */
async function* messages(data: ParquetWorkerData): AsyncGenerator<ParquetWorkerMessage> {
  pw = await withCappedModules(data.memoryCap, parquetWasm, data.module);
  const blob = data.path !== undefined ? await openAsBlob(data.path) : new Blob([data.bytes ?? new Uint8Array(0)]);
  let file;
  try {
    file = await pw.ParquetFile.fromFile(blob);
    yield { kind: 'schema', ipc: file.schema().intoIPCStream() };
  } catch (e) {
    throw inputError(e);
  }
  let plans;
  try {
    plans = await planBatches(blob, data.limits, data.batchRows);
  } catch (e) {
    throw inputError(e);
  }
  let decoded = 0; // IPC bytes handed over so far: about the decoded bytes
  for (const plan of plans) {
    let stream: AsyncIterable<WasmBatch>;
    try {
      stream = (await file.stream({ batchSize: plan.batchRows, rowGroups: plan.rowGroups })) as unknown as AsyncIterable<WasmBatch>;
    } catch (e) {
      throw inputError(e);
    }
    const it = stream[Symbol.asyncIterator]();
    for (;;) {
      let r: IteratorResult<WasmBatch>;
      try {
        r = await it.next();
      } catch (e) {
        throw inputError(e);
      }
      if (r.done) break;
      for (const ipc of slicedIpc(r.value, data.limits, decoded)) {
        decoded += ipc.length;
        yield { kind: 'batch', ipc };
      }
    }
  }
  yield { kind: 'end' };
}

/** The message's buffer to transfer: its own ArrayBuffer, or a copy when it is a view into more. */
function owned(ipc: Uint8Array): Uint8Array {
  return ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength && ipc.buffer instanceof ArrayBuffer ? ipc : ipc.slice();
}

function errorMessage(e: unknown): ParquetWorkerMessage {
  const err = inputError(e);
  return { kind: 'error', ncf: true, code: err.code, message: err.message, details: err.details };
}

const port = parentPort!;
const source = messages(data);
// parquet-wasm's aborts can surface outside any promise chain here: report them, then stop.
process.on('uncaughtException', (e) => {
  port.postMessage(errorMessage(e));
  process.exit(1);
});
port.on('message', () => {
  void source.next().then(
    (r) => {
      const msg = r.done ? ({ kind: 'end' } as const) : r.value;
      if (msg.kind === 'schema' || msg.kind === 'batch') {
        const ipc = owned(msg.ipc);
        port.postMessage({ kind: msg.kind, ipc }, [ipc.buffer as ArrayBuffer]);
      } else port.postMessage(msg);
    },
    (e: unknown) => port.postMessage(errorMessage(e)),
  );
});
