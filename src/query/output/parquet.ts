// The Parquet answer format, written by parquet-wasm (the Rust `parquet` crate's AsyncArrowWriter
// compiled to WebAssembly) from the query's Arrow batches and streamed a row group at a time: each
// batch crosses into WebAssembly memory as an Arrow IPC stream, the writer buffers at most one row
// group (PARQUET_ROW_GROUP_ROWS rows, zstd-compressed pages) and hands its bytes out when the group is
// full (small groups are joined in its 8 KiB output buffer), and the footer follows the last group.
// Memory is bounded by a row group or two, not the answer, so Parquet answers stream everything like
// Arrow IPC (no NCF_MAX_RESPONSE_ROWS page cap). The body is pulled: the writer asks for the next
// batch only when the bytes before it were read.

import * as arrow from 'apache-arrow';
import type { RecordBatch as WasmBatch, WriterProperties } from 'parquet-wasm';
import { parquetWasm, type ParquetWasm } from '../../formats/parquet-wasm.js';
import type { Renderer } from './render.js';

/** Rows per Parquet row group (DuckDB's own row group size): large enough for good compression and
 *  column statistics, small enough that the writer's buffer stays in the tens of MB. */
export const PARQUET_ROW_GROUP_ROWS = 122_880;
/** Rows handed to the writer at a time (a scan batch is a whole NCF row group). */
const WASM_SLICE_ROWS = 16_384;

function writerProperties(pw: ParquetWasm): WriterProperties {
  return new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setCreatedBy('ncf (parquet-wasm)')
    .build();
}

/** The schema as written: Arrow's second-unit timestamps have no Parquet logical type (arrow-rs
 *  writes them as plain INT64, which DuckDB and others read as numbers), so they become milliseconds. */
export function parquetSchema(schema: arrow.Schema): arrow.Schema {
  if (!schema.fields.some((f) => isSecondTimestamp(f.type))) return schema;
  return new arrow.Schema(
    schema.fields.map((f) =>
      isSecondTimestamp(f.type)
        ? new arrow.Field(
            f.name,
            new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, (f.type as arrow.Timestamp).timezone),
            f.nullable,
            f.metadata,
          )
        : f,
    ),
    schema.metadata,
  );
}

function isSecondTimestamp(t: arrow.DataType): boolean {
  return arrow.DataType.isTimestamp(t) && t.unit === arrow.TimeUnit.SECOND;
}

/** `batch` with the columns `parquetSchema` changed converted (seconds × 1000); others shared. */
function conform(batch: arrow.RecordBatch, schema: arrow.Schema): arrow.RecordBatch {
  if (schema === batch.schema) return batch;
  const children = batch.data.children.map((d, i) => {
    if (!isSecondTimestamp(d.type)) return d;
    const src = d.values as BigInt64Array;
    const ms = new BigInt64Array(d.length);
    for (let j = 0; j < d.length; j++) ms[j] = src[j]! * 1000n;
    return arrow.makeData({
      type: schema.fields[i]!.type as arrow.Timestamp,
      length: d.length,
      nullCount: d.nullCount,
      nullBitmap: nullBitmapOf(d),
      data: ms,
    });
  });
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
  );
}

/** A validity bitmap starting at bit 0 for a Data that may be a slice (Arrow JS slices keep the
 *  parent's bitmap and advance `offset`). */
function nullBitmapOf(d: arrow.Data): Uint8Array | undefined {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return undefined;
  if (d.offset === 0) return d.nullBitmap;
  const out = new Uint8Array((d.length + 7) >> 3);
  for (let j = 0; j < d.length; j++) {
    const k = d.offset + j;
    if ((d.nullBitmap[k >> 3]! & (1 << (k & 7))) !== 0) out[j >> 3]! |= 1 << (j & 7);
  }
  return out;
}

function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  const children = schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0, nullCount: 0 }));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, nullCount: 0, children }));
}

/** One Arrow batch as a parquet-wasm RecordBatch (copied into WebAssembly memory through IPC). */
function toWasm(pw: ParquetWasm, batch: arrow.RecordBatch): WasmBatch {
  const writer = new arrow.RecordBatchStreamWriter();
  writer.write(batch);
  writer.finish();
  const table = pw.Table.fromIPCStream(writer.toUint8Array(true));
  try {
    const b = table.recordBatch(0);
    if (b === undefined) throw new Error('parquet-wasm read no record batch back from the Arrow IPC stream');
    return b;
  } finally {
    table.free();
  }
}

/** A Parquet file of `schema` holding `batches`, as byte chunks (one per row group, then the footer).
 *  An empty result is a valid file with the schema and no rows. Returning early (the client left)
 *  stops the writer and the scan. */
export async function* parquetChunks(schema: arrow.Schema, batches: AsyncIterator<arrow.RecordBatch>): AsyncGenerator<Buffer> {
  const pw = await parquetWasm();
  const target = parquetSchema(schema);
  let any = false;
  let done = false;
  // parquet-wasm ends a file normally when its input stream fails (a timeout, a storage error): the
  // failure is kept here and checked after every read of the output. The footer is written only
  // after the input ended, so a chunk read while no failure was recorded cannot be the footer of a
  // failed scan, and a failed scan never reaches the client as a valid, shorter file (without
  // holding a row group's bytes back from the client to make sure).
  let failure: { error: unknown } | null = null;
  // The batch being handed over, in slices: parquet-wasm takes one slice at a time (a copy in
  // WebAssembly memory, which only grows), and asks for the next only when its output moved.
  let pending: arrow.RecordBatch | null = null;
  let at = 0;
  const input = new ReadableStream<WasmBatch>(
    {
      // A pull must enqueue or close: a pull that returns with nothing is not called again.
      async pull(controller) {
        while (pending === null) {
          let r: IteratorResult<arrow.RecordBatch>;
          try {
            r = await batches.next();
          } catch (e) {
            done = true;
            failure = { error: e };
            throw e;
          }
          if (r.done) {
            done = true;
            // parquet-wasm needs one batch to learn the schema from.
            if (!any) controller.enqueue(toWasm(pw, emptyBatch(target)));
            controller.close();
            return;
          }
          if (r.value.numRows === 0) continue;
          any = true;
          pending = r.value;
          at = 0;
        }
        const b: arrow.RecordBatch = pending;
        const end = Math.min(b.numRows, at + WASM_SLICE_ROWS);
        const slice = at === 0 && end === b.numRows ? b : b.slice(at, end);
        at = end;
        if (at >= b.numRows) pending = null;
        controller.enqueue(toWasm(pw, conform(slice, target)));
      },
      async cancel() {
        done = true;
        pending = null;
        await batches.return?.(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  const output = (await pw.transformParquetStream(input, writerProperties(pw))) as ReadableStream<Uint8Array>;
  const reader = output.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (failure !== null) throw (failure as { error: unknown }).error;
      if (r.done) break;
      if (r.value.byteLength === 0) continue;
      yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
  } finally {
    await reader.cancel().catch(() => {});
    if (!done) await batches.return?.(undefined);
  }
}

export const renderParquet: Renderer = (batches, ctx) => parquetChunks(ctx.schema, batches);
