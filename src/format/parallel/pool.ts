// A small pool of worker threads for chunk encoding and decoding: zstd and the typed-array codecs
// run on every core while the main thread does I/O and Arrow assembly. Buffers are transferred, not
// copied. Small chunks run inline, where a thread hop would cost more than it saves.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EncodedChunk } from '../chunk.js';
import type { ColumnData } from '../column.js';
import { NCFError, type NCFErrorCode } from '../errors.js';
import { withDictValues } from '../dict-column.js';
import { buffersOf, runJob, type DecodeJob, type EncodeJob, type Job } from './jobs.js';

/** Chunks with fewer rows than this are encoded/decoded on the calling thread. */
export const INLINE_ROWS = 16_384;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class ChunkPool {
  private workers: Worker[] = [];
  private load: number[] = [];
  private pending = new Map<number, Pending & { worker: number }>();
  private nextId = 1;
  private broken = false;

  constructor(readonly size: number) {}

  private spawn(): void {
    const self = import.meta.url;
    // Under a TypeScript loader (tests, bench) the worker is the .ts source, loaded through tsx's API;
    // from the build it is the compiled .js beside this file.
    const fromSource = self.endsWith('.ts');
    for (let i = 0; i < this.size; i++) {
      let worker: Worker;
      if (fromSource) {
        const target = new URL('./chunk-worker.ts', self).href;
        const tsx = import.meta.resolve('tsx/esm/api');
        worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`, {
          eval: true,
        });
      } else {
        worker = new Worker(new URL('./chunk-worker.js', self));
      }
      worker.unref();
      worker.on('message', (msg) => this.settle(msg));
      worker.on('error', (e) => this.fail(e));
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  private settle(msg: {
    id: number;
    result?: unknown;
    error?: { ncf: boolean; code: string; message: string; details: Record<string, unknown> };
  }): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (--this.load[p.worker]! === 0) this.workers[p.worker]!.unref();
    if (msg.error) {
      const e = msg.error;
      p.reject(e.ncf ? new NCFError(e.code as NCFErrorCode, e.message, e.details) : new Error(`ncf worker: ${e.message}`));
    } else p.resolve(msg.result);
  }

  private fail(e: unknown): void {
    // A worker that dies takes its jobs with it; fail them and fall back to inline work.
    this.broken = true;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }

  run<T>(job: Job): Promise<T> {
    if (this.broken) return Promise.resolve().then(() => runJob(job) as T);
    if (this.workers.length === 0) this.spawn();
    let w = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[w]!) w = i;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker: w });
      if (this.load[w]!++ === 0) this.workers[w]!.ref();
      try {
        this.workers[w]!.postMessage({ id, job }, buffersOf(job));
      } catch {
        // Not transferable (e.g. a view of a shared or pooled buffer): copy instead.
        this.workers[w]!.postMessage({ id, job });
      }
    });
  }
}

let pool: ChunkPool | null = null;

/** Worker count: NCF_WORKERS if set (0 disables), else one per core, at most 4. A single-core machine runs inline. */
function poolSize(): number {
  const env = process.env.NCF_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(16, Number(env));
  const cores = availableParallelism();
  return cores <= 1 ? 0 : Math.min(4, cores);
}

function getPool(): ChunkPool | null {
  if (pool === null) {
    const size = poolSize();
    if (size === 0) return null;
    pool = new ChunkPool(size);
  }
  return pool;
}

export async function encodeParallel(job: Omit<EncodeJob, 'op'>, inlineRows = INLINE_ROWS): Promise<EncodedChunk> {
  const p = job.data.length >= inlineRows ? getPool() : null;
  const full: EncodeJob = { op: 'encode', ...job };
  return p ? p.run<EncodedChunk>(full) : (runJob(full) as EncodedChunk);
}

export async function decodeParallel(job: Omit<DecodeJob, 'op'>, inlineRows = INLINE_ROWS): Promise<ColumnData> {
  const p = job.n >= inlineRows ? getPool() : null;
  if (!p) return runJob({ op: 'decode', ...job }) as ColumnData;
  // The stored bytes are usually a view into a larger read; give the worker its own copy to own.
  const stored = job.stored.byteOffset === 0 && job.stored.byteLength === job.stored.buffer.byteLength ? job.stored : job.stored.slice();
  // A dictionary column arrives without its lazy `values` (not cloned): give it back.
  return withDictValues(await p.run<ColumnData>({ op: 'decode', ...job, stored }));
}
