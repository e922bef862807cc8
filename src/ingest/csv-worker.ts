// Worker thread entry for CSV ranges (see csv-parallel.ts): runs the same inference and parsing code
// as the sequential reader (csv.ts) over one byte range of a file that starts at a record boundary.
// Protocol: the parent posts one task at a time; the worker answers an `infer` task with one
// `inferred` message, a `parse` task with `batch` messages then `done`, and any failure with `error`.
// Batch buffers are transferred, not copied.

import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type * as arrow from 'apache-arrow';
import { NCFError } from '../format/errors.js';
import { inferTypes, parseRecords } from './csv-passes.js';
import { CsvScanner } from './csv-scanner.js';
import { ColumnInference } from './infer.js';
import type { DecodeLimits } from './limits.js';
import type { ColumnPlan } from './schema-override.js';

/** A byte range [start, end) of the file at `path`; `last` when it runs to the end of the input. */
export interface CsvRange {
  path: string;
  start: number;
  end: number;
  last: boolean;
  delimiter: number;
  /** Longest record the scanner may hold (as the sequential reader's). */
  maxRecord: number;
}

export type CsvTask =
  | ({ kind: 'infer'; cols: number; infer: boolean[] } & CsvRange)
  | ({ kind: 'parse'; plans: ColumnPlan[]; batchRows: number; limits: DecodeLimits; line: number } & CsvRange);

/** One column of a batch, as the buffers of its Arrow Data. */
export interface ColumnParts {
  nullCount: number;
  nullBitmap?: Uint8Array;
  values?: ArrayBufferView;
  valueOffsets?: Int32Array;
}

export type CsvWorkerMessage =
  /** Per inferred column [candidates, flags, seen]; `closed`: every column reached string before
   *  the range's end; `exact`: the range ended on a record boundary; `lines` it spans. */
  | { kind: 'inferred'; states: ([number, number, boolean] | null)[]; closed: boolean; exact: boolean; lines: number }
  | { kind: 'batch'; rows: number; columns: ColumnParts[] }
  | { kind: 'done' }
  | { kind: 'error'; code: string; message: string; details: Record<string, unknown> };

function scanner(task: CsvTask): CsvScanner {
  const src = () => createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: 1 << 20 });
  return new CsvScanner(src, true, task.maxRecord, task.last ? 'tail' : 'inner');
}

async function infer(task: Extract<CsvTask, { kind: 'infer' }>): Promise<CsvWorkerMessage> {
  const scan = scanner(task);
  try {
    const inf = task.infer.map((x) => (x ? new ColumnInference() : null));
    await inferTypes(scan, { names: new Array<string>(task.cols), delimiter: task.delimiter }, inf);
    const closed = inf.every((x) => x === null || !x.open);
    return {
      kind: 'inferred',
      states: inf.map((x) => (x ? [x.cand, x.flags, x.seen] : null)),
      closed,
      exact: !closed && scan.leftover === 0,
      lines: scan.state.line - 1,
    };
  } finally {
    await scan.close();
  }
}

function parts(batch: arrow.RecordBatch, transfer: Set<ArrayBuffer>): ColumnParts[] {
  return batch.data.children.map((d) => {
    const p: ColumnParts = { nullCount: d.nullCount };
    if (d.nullCount > 0 && d.nullBitmap) p.nullBitmap = d.nullBitmap;
    if (d.values) p.values = d.values as ArrayBufferView;
    if (d.valueOffsets) p.valueOffsets = d.valueOffsets as Int32Array;
    for (const v of [p.nullBitmap, p.values, p.valueOffsets]) if (v) transfer.add(v.buffer as ArrayBuffer);
    return p;
  });
}

async function parse(task: Extract<CsvTask, { kind: 'parse' }>, post: (m: CsvWorkerMessage, t?: ArrayBuffer[]) => void): Promise<void> {
  const scan = scanner(task);
  scan.state.line = task.line;
  try {
    const header = { names: task.plans.map((p) => p.name), delimiter: task.delimiter };
    for await (const batch of parseRecords(scan, header, task.plans, task.batchRows, task.limits)) {
      if (batch.numRows === 0) continue;
      const transfer = new Set<ArrayBuffer>();
      post({ kind: 'batch', rows: batch.numRows, columns: parts(batch, transfer) }, [...transfer]);
    }
  } finally {
    await scan.close();
  }
  post({ kind: 'done' });
}

const port = parentPort!;
port.on('message', (task: CsvTask) => {
  const post = (m: CsvWorkerMessage, t: ArrayBuffer[] = []): void => port.postMessage(m, t);
  const run = task.kind === 'infer' ? infer(task).then(post) : parse(task, post);
  run.catch((e: unknown) => {
    const ncf = e instanceof NCFError;
    post({
      kind: 'error',
      code: ncf ? e.code : 'INTERNAL',
      message: e instanceof Error ? e.message : String(e),
      details: ncf ? (e.details as Record<string, unknown>) : {},
    });
  });
});
