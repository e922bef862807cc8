// Parallel CSV reading of a large file on disk: the records after the header are cut into byte ranges
// of about RANGE_BYTES at line ends, and worker threads (csv-worker.ts) infer and parse the ranges with
// the sequential reader's own code, while this thread only hands out ranges and passes batches on.
//
// A cut at a line end is a record boundary unless it falls inside a quoted field; this is not known
// before the records ahead of it are read, so the inference pass proves it: a range whose records end
// exactly at its end proves the next range's start. Any doubt (a cut inside quotes, a range that
// failed: malformed input, a limit) and `inferRanges` answers null: the caller then reads the input
// sequentially as before, so every error is the sequential reader's, at the same line.
// Parsing then reuses the proven ranges; batches come out in input order, at most `batchRows` rows
// each and cut at range ends too. At most WORKERS + 1 ranges are parsed ahead of the consumer, so
// memory stays bounded by the range size whatever the file size.

import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { NCFError, type NCFErrorCode } from '../format/errors.js';
import type { ColumnInference } from './infer.js';
import type { DecodeLimits } from './limits.js';
import { arrowSchema, type ColumnPlan } from './schema-override.js';
import type { CsvRange, CsvTask, CsvWorkerMessage } from './csv-worker.js';

/** Inputs smaller than this are read sequentially (threads cost more than they save). */
export const PARALLEL_MIN_BYTES = 16 << 20;
/** Bytes per range: large enough to amortise a task, small enough to bound what is parsed ahead. */
export const RANGE_BYTES = 8 << 20;
const WORKERS = Math.max(1, Math.min(4, availableParallelism()));

const LF = 0x0a;

/** Cuts [start, size) into ranges at the line end after each `rangeBytes`. */
export async function cutRanges(
  path: string,
  start: number,
  size: number,
  delimiter: number,
  maxRecord: number,
  rangeBytes = RANGE_BYTES,
): Promise<CsvRange[]> {
  const fh = await open(path, 'r');
  const cuts = [start];
  try {
    const probe = new Uint8Array(64 << 10);
    for (let at = start + rangeBytes; at < size; ) {
      const { bytesRead } = await fh.read(probe, 0, probe.length, at);
      const k = probe.subarray(0, bytesRead).indexOf(LF);
      if (k >= 0) {
        if (at + k + 1 < size) cuts.push(at + k + 1);
        at = Math.max(at + k + 1, cuts[cuts.length - 1]! + rangeBytes);
      } else if (bytesRead === 0) break;
      else at += bytesRead;
    }
  } finally {
    await fh.close();
  }
  cuts.push(size);
  const ranges: CsvRange[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    ranges.push({ path, start: cuts[i]!, end: cuts[i + 1]!, last: i + 2 === cuts.length, delimiter, maxRecord });
  }
  return ranges;
}

function spawn(): Worker {
  const self = import.meta.url;
  // Under a TypeScript loader (tests, bench) the worker is the .ts source, loaded through tsx's API;
  // from the build it is the compiled .js beside this file (as parquet.ts does).
  if (self.endsWith('.ts')) {
    const target = new URL('./csv-worker.ts', self).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`, {
      eval: true,
    });
  }
  return new Worker(new URL('./csv-worker.js', self));
}

/** A task's messages up to its last (inferred, done or error), delivered as they arrive. */
export interface Run {
  messages: CsvWorkerMessage[];
  finished: boolean;
  failure?: Error;
  wake?: () => void;
}

/** Worker threads taking one task each at a time, in the order tasks were given. The threads are
 *  shared by all reads of the process and kept (unref'd, so they never hold the process open): a
 *  thread costs its start-up (loading the modules) once, not once per upload. */
export class CsvWorkers {
  private readonly idle: Worker[] = [];
  private readonly queue: { task: CsvTask; run: Run }[] = [];
  private count = 0;

  constructor(private readonly size = WORKERS) {}

  /** Queues a task; its messages arrive in the returned Run. */
  start(task: CsvTask): Run {
    const run: Run = { messages: [], finished: false };
    this.queue.push({ task, run });
    this.pump();
    return run;
  }

  /** Drops the runs not started yet (a reader that stopped early); started ones finish unread. */
  cancel(runs: readonly Run[]): void {
    const dropped = new Set(runs);
    for (let i = this.queue.length - 1; i >= 0; i--) if (dropped.has(this.queue[i]!.run)) this.queue.splice(i, 1);
  }

  private pump(): void {
    while (this.idle.length === 0 && this.count < this.size && this.queue.length > 0) {
      const w = spawn();
      w.unref();
      this.count++;
      this.idle.push(w);
    }
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { task, run } = this.queue.shift()!;
      const done = (failure?: Error): void => {
        w.off('message', onMessage);
        w.off('error', done);
        w.off('exit', onExit);
        run.finished = true;
        run.failure = failure;
        if (failure) {
          // A thread that failed or stopped is not reused; a new one is started on demand.
          this.count--;
          void w.terminate();
        } else this.idle.push(w);
        run.wake?.();
        this.pump();
      };
      const onMessage = (m: CsvWorkerMessage): void => {
        run.messages.push(m);
        if (m.kind === 'batch') run.wake?.();
        else done();
      };
      const onExit = (code: number): void => done(new Error(`ncf: a CSV worker stopped (exit code ${code})`));
      w.on('message', onMessage);
      w.on('error', done);
      w.on('exit', onExit);
      w.postMessage(task);
    }
  }
}

let shared: CsvWorkers | undefined;

/** The process's CSV worker threads (started on first use). */
export function csvWorkers(): CsvWorkers {
  shared ??= new CsvWorkers();
  return shared;
}

/** Waits for the run's next message (undefined once it finished and all were taken). */
async function take(run: Run): Promise<CsvWorkerMessage | undefined> {
  while (run.messages.length === 0) {
    if (run.finished) {
      if (run.failure) throw run.failure;
      return undefined;
    }
    await new Promise<void>((resolve) => {
      run.wake = resolve;
    });
    run.wake = undefined;
  }
  return run.messages.shift();
}

/**
 * Pass 1 over all ranges: narrows `infer` (as the sequential inferTypes would) and returns each
 * range's first line, or null when the ranges are not proven (then read sequentially). Sets
 * `closed` when every inferred column reached string, after which later ranges were not checked.
 */
export async function inferRanges(
  workers: CsvWorkers,
  ranges: CsvRange[],
  infer: (ColumnInference | null)[],
  firstLine: number,
  needZone: boolean[],
): Promise<{ lines: number[]; closed: boolean } | null> {
  const runs = ranges.map((r) => workers.start({ ...r, kind: 'infer', cols: infer.length, infer: infer.map((x) => x !== null) }));
  try {
    return await mergeInferred(runs, ranges, infer, firstLine, needZone);
  } finally {
    workers.cancel(runs);
  }
}

async function mergeInferred(
  runs: Run[],
  ranges: CsvRange[],
  infer: (ColumnInference | null)[],
  firstLine: number,
  needZone: boolean[],
): Promise<{ lines: number[]; closed: boolean } | null> {
  const lines = [firstLine];
  for (let i = 0; i < runs.length; i++) {
    let m: CsvWorkerMessage | undefined;
    try {
      m = await take(runs[i]!);
    } catch {
      return null;
    }
    if (m?.kind !== 'inferred') return null;
    m.states.forEach((s, c) => {
      const inf = infer[c];
      if (s && inf) {
        inf.cand &= s[0];
        inf.flags |= s[1];
        inf.seen ||= s[2];
      }
    });
    if (m.closed) break;
    if (!m.exact && !ranges[i]!.last) return null;
    lines.push(lines[i]! + m.lines);
  }
  // A column closed in one range would have stopped collecting flags there when read in order; only
  // a timestamp override's zone reads the flags of a closed column, so that case is read in order.
  if (infer.some((inf, c) => inf !== null && !inf.open && needZone[c])) return null;
  const closed = infer.every((x) => x === null || !x.open);
  return { lines, closed };
}

function columnData(type: arrow.DataType, rows: number, p: import('./csv-worker.js').ColumnParts): arrow.Data {
  return arrow.makeData({
    type,
    length: rows,
    nullCount: p.nullCount,
    nullBitmap: p.nullBitmap,
    data: p.values,
    valueOffsets: p.valueOffsets,
  } as never);
}

/** Pass 2: parses the proven ranges on the workers and yields their batches in input order. */
export async function* parseRanges(
  workers: CsvWorkers,
  ranges: CsvRange[],
  lines: number[],
  plans: ColumnPlan[],
  batchRows: number,
  limits: DecodeLimits,
): AsyncGenerator<arrow.RecordBatch> {
  const schema = arrowSchema(plans);
  const structType = new arrow.Struct(schema.fields);
  const runs: Run[] = [];
  const ahead = (upTo: number): void => {
    for (let i = runs.length; i < Math.min(ranges.length, upTo); i++) {
      runs.push(workers.start({ ...ranges[i]!, kind: 'parse', plans, batchRows, limits, line: lines[i]! }));
    }
  };
  let any = false;
  try {
    for (let i = 0; i < ranges.length; i++) {
      ahead(i + WORKERS + 1);
      for (;;) {
        const m = await take(runs[i]!);
        if (m === undefined || m.kind === 'done') break;
        if (m.kind === 'error')
          throw m.code === 'INTERNAL' ? new Error(m.message) : new NCFError(m.code as NCFErrorCode, m.message, m.details);
        if (m.kind !== 'batch') throw new Error(`ncf: unexpected CSV worker message ${m.kind}`);
        const children = m.columns.map((p, c) => columnData(schema.fields[c]!.type, m.rows, p));
        any = true;
        yield new arrow.RecordBatch(schema, arrow.makeData({ type: structType, length: m.rows, nullCount: 0, children }));
      }
    }
  } finally {
    workers.cancel(runs);
  }
  if (!any) {
    const children = schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0 } as never) as arrow.Data);
    yield new arrow.RecordBatch(schema, arrow.makeData({ type: structType, length: 0, nullCount: 0, children }));
  }
}
