// The Arrow answer format: an Arrow IPC stream (schema, one record batch message per batch,
// end-of-stream marker) produced batch by batch. apache-arrow's writer queues its bytes for async
// readers; this one hands each batch's bytes over synchronously, large column buffers without a copy.

import * as arrow from 'apache-arrow';
import type { Renderer } from './render.js';

/** Arrow message pieces below this size are copied together; larger ones (column buffers) are sent as
 *  they are, without a copy. */
const COALESCE_BYTES = 64 * 1024;

/** RecordBatchStreamWriter whose bytes are collected synchronously per batch instead of queued. */
export class ChunkedStreamWriter extends arrow.RecordBatchStreamWriter {
  private parts: Uint8Array[] = [];

  protected override _write(chunk: unknown): this {
    if (this._started) {
      const v = chunk as ArrayBufferView;
      if (v.byteLength > 0) {
        this.parts.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        this._position += v.byteLength;
      }
    }
    return this;
  }

  /** The bytes written since the last call: runs of small pieces joined, large pieces as views. */
  take(): Buffer[] {
    const out: Buffer[] = [];
    let run: Uint8Array[] = [];
    const flush = (): void => {
      if (run.length > 0) out.push(Buffer.concat(run));
      run = [];
    };
    for (const p of this.parts) {
      if (p.byteLength >= COALESCE_BYTES) {
        flush();
        out.push(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
      } else run.push(p);
    }
    flush();
    this.parts = [];
    return out;
  }
}

/** Arrow IPC stream: schema, one message per batch, end-of-stream marker. An empty result is a
 *  schema-only stream. */
export async function* arrowChunks(schema: arrow.Schema, batches: AsyncIterable<arrow.RecordBatch>): AsyncGenerator<Buffer> {
  const writer = new ChunkedStreamWriter();
  writer.reset(undefined, schema);
  yield* writer.take();
  for await (const batch of batches) {
    writer.write(batch);
    yield* writer.take();
  }
  writer.close();
  yield* writer.take();
}

export const renderArrow: Renderer = (batches, ctx) => arrowChunks(ctx.schema, batches);
