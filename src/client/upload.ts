// Upload bodies: what create/replace/append accept and how each goes on the wire. Strings, bytes and
// Blobs go as they are; streams (web ReadableStream, Node Readable, any AsyncIterable of bytes) are
// streamed, never gathered first; an apache-arrow Table goes as an Arrow IPC stream written batch by
// batch (its column buffers sent without a copy). `format` picks the Content-Type; without it a
// Table is Arrow and a Blob with a type says its own, else the server's 415 asks for one.

import * as arrow from 'apache-arrow';
import { NCFUsageError } from './errors.js';
import type { RequestBody } from './http.js';
import { MEDIA_TYPES, type TableFormat } from '../formats/table.js';

export type UploadFormat = TableFormat;

/** The Content-Type of each upload format: the server's own table (src/formats/table.ts). */
export const UPLOAD_MEDIA_TYPES: Record<UploadFormat, string> = MEDIA_TYPES;

/** Data for create, replace and append. */
export type UploadData =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | arrow.Table;

/** Arrow IPC pieces below this size are joined before being sent (the writer emits many tiny ones). */
const COALESCE_BYTES = 64 * 1024;

export interface UploadBody {
  body: RequestBody;
  contentType: string | null;
}

export function uploadBody(data: UploadData, format: UploadFormat | undefined): UploadBody {
  if (format !== undefined && !Object.hasOwn(UPLOAD_MEDIA_TYPES, format)) {
    throw new NCFUsageError(`format: ${JSON.stringify(format)} is not one of ${Object.keys(UPLOAD_MEDIA_TYPES).join(', ')}`);
  }
  const declared = format === undefined ? null : UPLOAD_MEDIA_TYPES[format];
  if (data instanceof arrow.Table) {
    if (format !== undefined && format !== 'arrow')
      throw new NCFUsageError(
        `format: an apache-arrow Table is sent as Arrow IPC; drop format or use "arrow", not ${JSON.stringify(format)}`,
      );
    return { body: streamOf(coalesce(arrow.RecordBatchStreamWriter.writeAll(data))), contentType: UPLOAD_MEDIA_TYPES.arrow };
  }
  if (typeof data === 'string' || data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return { body: data as RequestBody, contentType: declared };
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    return { body: data, contentType: declared ?? (data.type || null) };
  }
  if (typeof ReadableStream !== 'undefined' && data instanceof ReadableStream) {
    return { body: data, contentType: declared };
  }
  if (data !== null && typeof data === 'object' && Symbol.asyncIterator in data) {
    return { body: streamOf(data as AsyncIterable<Uint8Array | string>), contentType: declared };
  }
  throw new NCFUsageError(
    'data: expected a string, a Uint8Array/Buffer, an ArrayBuffer, a Blob, a ReadableStream, an AsyncIterable of bytes (a Node Readable) or an apache-arrow Table',
  );
}

/** A pull stream over an async iterable: the next chunk is read only when fetch wants more, and a
 *  cancelled upload ends the iterable (closes a Node file stream). */
function streamOf(source: AsyncIterable<Uint8Array | string>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(typeof r.value === 'string' ? encoder.encode(r.value) : r.value);
      },
      async cancel(reason) {
        await it.return?.(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Joins runs of small chunks into pieces of at least COALESCE_BYTES; large chunks pass as they are. */
async function* coalesce(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let run: Uint8Array[] = [];
  let size = 0;
  const flush = (): Uint8Array => {
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of run) {
      out.set(c, at);
      at += c.byteLength;
    }
    run = [];
    size = 0;
    return out;
  };
  for await (const c of chunks) {
    if (c.byteLength >= COALESCE_BYTES) {
      if (size > 0) yield flush();
      yield c;
      continue;
    }
    run.push(c);
    size += c.byteLength;
    if (size >= COALESCE_BYTES) yield flush();
  }
  if (size > 0) yield flush();
}
