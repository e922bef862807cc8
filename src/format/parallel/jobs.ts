// The two jobs the engine runs off the main thread — encoding and decoding one column chunk — as
// plain functions of plain data, so the same code runs inline or in a worker.

import { decodeChunk, encodeChunk, type EncodedChunk } from '../chunk.js';
import type { ColumnData } from '../column.js';
import type { ColumnHint } from '../encodings/index.js';
import type { ChunkMeta } from '../footer.js';
import type { ColumnSchema } from '../schema.js';

export interface EncodeJob {
  op: 'encode';
  col: ColumnSchema;
  data: ColumnData;
  level: number;
  /** The column's previous chunk's `learned` (cloned to the worker, not transferred). */
  hint?: ColumnHint;
}

export interface DecodeJob {
  op: 'decode';
  col: ColumnSchema;
  meta: ChunkMeta;
  stored: Uint8Array;
  n: number;
  what: string;
  /** Keep string/binary `dict` chunks as codes (decodeChunk's `codes`). */
  codes?: boolean;
}

export type Job = EncodeJob | DecodeJob;

export function runJob(job: Job): EncodedChunk | ColumnData {
  return job.op === 'encode'
    ? encodeChunk(job.col, job.data, job.level, job.hint)
    : decodeChunk(job.col, job.meta, job.stored, job.n, job.what, job.codes);
}

/** The distinct ArrayBuffers under a job or a result, to transfer rather than copy. */
export function buffersOf(x: EncodedChunk | ColumnData | Job): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (v: ArrayBufferView | null | undefined) => {
    if (v && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
  };
  const addColumn = (c: ColumnData) => {
    add(c.validity);
    if (c.dictionary !== undefined) {
      // Never `values`: on a dictionary column that would expand every row.
      add(c.dictionary.codes);
      add(c.dictionary.dict.offsets);
      add(c.dictionary.dict.data);
    } else if (c.values.kind === 'bytes') {
      add(c.values.offsets);
      add(c.values.data);
    } else add(c.values.data);
  };
  if ('op' in x) {
    if (x.op === 'encode') addColumn(x.data);
    else add(x.stored);
  } else if ('values' in x || 'dictionary' in x) addColumn(x as ColumnData);
  else add(x.bytes);
  return [...out];
}
