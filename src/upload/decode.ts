// Request-body decoding (Content-Encoding, RFC 9110 §8.4): gzip (x-gzip), deflate, br and zstd,
// each a streaming Transform that respects backpressure, so a decompression bomb inflates only as
// far as the spool's byte counter lets it before the 413 (spool.ts) tears the pipeline down.
// A corrupt or truncated compressed body is a 400 naming the coding; a coding not in the table is
// a 415 naming those accepted.

import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { badRequest, HttpProblem, unsupportedMediaType } from '../http/errors.js';

const binding = createRequire(import.meta.url)('zstd-napi/binding') as typeof import('zstd-napi/binding.js');

/** zstd frames may ask for a window of up to 8 MiB, the bound RFC 9659 sets for the "zstd"
 *  content coding (zstd's own default lets a frame ask for 128 MiB of memory per request). */
const ZSTD_WINDOW_LOG_MAX = 23;

/** The codings, one row each: the names a client may send and the decoder they get. */
const CODINGS: ReadonlyArray<{ names: readonly string[]; create: () => Transform }> = [
  { names: ['gzip', 'x-gzip'], create: () => zlib.createGunzip() },
  { names: ['deflate'], create: () => zlib.createInflate() },
  { names: ['br'], create: () => zlib.createBrotliDecompress() },
  { names: ['zstd'], create: () => new ZstdDecoder() },
];

export const ACCEPTED_ENCODINGS: readonly string[] = ['identity', ...CODINGS.map((c) => c.names[0]!)];

/** The decoder for a request's Content-Encoding header, or null for none/identity. */
export function bodyDecoder(header: string | string[] | undefined): Transform | null {
  if (header === undefined) return null;
  const codings = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  if (codings.length === 0) return null;
  if (codings.length > 1) {
    throw unsupportedMediaType(
      `Content-Encoding "${String(header)}" applies ${codings.length} codings; send the body with one of ${ACCEPTED_ENCODINGS.join(', ')}`,
      { header: 'Content-Encoding', acceptedEncodings: ACCEPTED_ENCODINGS },
    );
  }
  const coding = codings[0]!;
  const row = CODINGS.find((c) => c.names.includes(coding));
  if (row === undefined) {
    throw unsupportedMediaType(
      `Content-Encoding "${coding}" is not supported; send the body with one of ${ACCEPTED_ENCODINGS.join(', ')}`,
      { header: 'Content-Encoding', acceptedEncodings: ACCEPTED_ENCODINGS },
    );
  }
  return withProblems(row.create(), row.names[0]!);
}

/** Makes the decoder's own errors (zlib's Z_DATA_ERROR, "unexpected end of file", zstd's) the
 *  client's 400: the bytes are the client's. */
function withProblems(t: Transform, coding: string): Transform {
  const destroy = t.destroy.bind(t);
  t.destroy = (err?: Error) => destroy(err === undefined || err === null || err instanceof HttpProblem ? err : corruptBody(coding, err));
  // zlib emits some errors without going through destroy (its handle's onerror): catch those too.
  const emit = t.emit.bind(t) as (ev: string | symbol, ...args: unknown[]) => boolean;
  t.emit = ((ev: string | symbol, ...args: unknown[]) => {
    if (ev === 'error' && !(args[0] instanceof HttpProblem)) return emit(ev, corruptBody(coding, args[0]));
    return emit(ev, ...args);
  }) as typeof t.emit;
  return t;
}

function corruptBody(coding: string, e: unknown): HttpProblem {
  const why = e instanceof Error ? e.message : String(e);
  return badRequest(`the request body is not valid ${coding} data as its Content-Encoding says (${why})`, {
    header: 'Content-Encoding',
    coding,
  });
}

/** Streaming zstd decompression that stops producing while the reader is full (zstd-napi's own
 *  DecompressStream inflates a whole input chunk at once: a 64 KiB chunk can hold gigabytes). */
class ZstdDecoder extends Transform {
  private readonly dctx = new binding.DCtx();
  private pending: { src: Buffer; done: TransformCallback } | null = null;
  private inFrame = false;

  constructor() {
    super();
    this.dctx.setParameter(binding.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = { src: chunk, done };
    this.pump();
  }

  override _flush(done: TransformCallback): void {
    done(this.inFrame ? new Error('the body ends in the middle of a zstd frame') : null);
  }

  override _read(size: number): void {
    if (this.pending !== null) this.pump();
    else super._read(size);
  }

  /** Decodes the pending input until it is consumed and flushed, or the reader is full (then _read resumes). */
  private pump(): void {
    const p = this.pending!;
    try {
      for (;;) {
        const out = Buffer.allocUnsafe(binding.dStreamOutSize());
        const [ret, produced, consumed] = this.dctx.decompressStream(out, p.src);
        p.src = p.src.subarray(consumed);
        this.inFrame = ret !== 0;
        const room = produced > 0 ? this.push(out.subarray(0, produced)) : true;
        if (p.src.length === 0 && produced < out.length) break;
        if (!room) return;
      }
    } catch (e) {
      this.pending = null;
      p.done(e as Error);
      return;
    }
    this.pending = null;
    p.done();
  }
}
