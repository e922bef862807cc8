// Spools an upload body to a temporary file under <dataDir>/tmp, counting bytes against the upload
// limit. The body goes through one stream.pipeline — the client's bytes → an optional decoder
// (Content-Encoding, decode.ts) → a byte counter → the file — so the promise settles only when
// every stage is done: each write has completed (short writes resumed) and the file is fsynced and
// closed, or the first error of any stage, which tears the others down. Memory stays bounded by the
// streams' buffers (backpressure end to end, decompression included).
// The errors a caller sees are already the client's answer:
//   413  past the limit, counted on the bytes received and again on the decoded bytes;
//   400  the client went away or its stream broke (malformed multipart, a corrupt compressed body);
//   503  writing or syncing the temp file failed (ENOSPC, EIO, ...): the server cannot take it now.
// On any failure the temp file is deleted before the promise rejects. The client's stream is left
// paused, not destroyed, so the server can still answer (413) on the same connection.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, Writable, finished, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { badRequest, HttpProblem, payloadTooLarge, serviceUnavailable } from '../http/errors.js';

export const TMP_DIR = 'tmp';

export interface Spooled {
  path: string;
  /** Bytes written to the file (decoded, when the body was compressed). */
  bytes: number;
}

export interface SpoolOptions {
  /** Decodes the body before it is written (see decode.ts); it must raise HttpProblems (400) for bad input. */
  decoder?: Transform | null;
}

/** Deletes what is in <dataDir>/tmp (temp files of uploads a previous process never finished:
 *  nothing references them), keeping the folder itself, which may be a mount point (a dedicated
 *  filesystem for upload spooling). */
export async function clearTemp(dataDir: string): Promise<void> {
  const dir = join(dataDir, TMP_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return;
    throw e;
  }
  await Promise.all(names.map((n) => rm(join(dir, n), { recursive: true, force: true })));
}

/** A fresh temp path under <dataDir>/tmp (created on demand). */
export async function tempPath(dataDir: string, label: string): Promise<string> {
  const dir = join(dataDir, TMP_DIR);
  await mkdir(dir, { recursive: true });
  return join(dir, `${label}-${Date.now()}-${randomBytes(8).toString('hex')}.part`);
}

export function tooLarge(limit: number, decoded = false): Error {
  const what = decoded ? 'the decoded upload (after Content-Encoding)' : 'the upload';
  return payloadTooLarge(`${what} is larger than the limit of ${limit} bytes (NCF_MAX_UPLOAD_BYTES)`, { limit });
}

/** Copies `src` to `path` (created exclusively), decoded by `opts.decoder` when given. */
export async function spool(src: Readable, path: string, limit: number, opts: SpoolOptions = {}): Promise<Spooled> {
  const sink = await FileSink.create(path);
  const counted = counter(limit, () => tooLarge(limit, true));
  const stages: NodeJS.ReadWriteStream[] = [counter(limit, () => tooLarge(limit))];
  if (opts.decoder) stages.push(opts.decoder, counted);
  try {
    await pipeline([detach(src), ...stages, sink]);
    await sink.released;
    return { path, bytes: opts.decoder ? counted.bytes : sink.bytes };
  } catch (e) {
    sink.destroy();
    await sink.released;
    await unlink(path).catch(() => {});
    throw e instanceof HttpProblem ? e : clientGone(e);
  }
}

/** The client's stream as a stream of our own: its data is piped through (with backpressure), an
 *  error or a close before its end becomes a 400, and tearing our copy down pauses the source
 *  without destroying it (destroying a request would drop the connection before the answer).
 *  `finished` also reports a source that failed or closed before we looked (a multipart part the
 *  parser already gave up on), which listening for events alone would wait for forever. */
export function detach(src: Readable): Readable {
  const out = new PassThrough();
  const stop = finished(src, { writable: false }, (err) => {
    if (err) out.destroy(clientGone(err));
  });
  out.once('close', () => {
    stop();
    src.unpipe(out);
    if (!src.readableEnded) src.pause();
  });
  src.pipe(out);
  return out;
}

/** Counts the bytes going through; errors with 413 past `limit`, which stops the stages before it
 *  (a decompression bomb stops being inflated here). */
export function counter(limit: number, over: () => Error): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      t.bytes += chunk.length;
      if (t.bytes > limit) done(over());
      else done(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/** Writes to a file it opened exclusively; finishes only after every byte is written and the file
 *  is fsynced and closed. Every failure of the file is a 503: the client did nothing wrong. */
class FileSink extends Writable {
  bytes = 0;
  readonly released: Promise<void>;

  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
  ) {
    super({ highWaterMark: 1 << 16 });
    this.released = new Promise((resolve) => this.once('close', () => resolve()));
  }

  static async create(path: string): Promise<FileSink> {
    try {
      return new FileSink(await open(path, 'wx'), path);
    } catch (e) {
      throw spoolUnavailable('open', e);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.writeAll(chunk).then(
      () => done(),
      (e: unknown) => done(spoolUnavailable('write', e)),
    );
  }

  override _final(done: (e?: Error | null) => void): void {
    this.fh.sync().then(
      () => done(),
      (e: unknown) => done(spoolUnavailable('fsync', e)),
    );
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    // A failed close after a successful fsync loses nothing; after a failure the error already set wins.
    this.fh.close().then(
      () => done(err),
      (e: unknown) => done(err ?? spoolUnavailable('close', e)),
    );
  }

  /** write(2) may write less than asked (a disk filling up does): write the rest until done or an error. */
  private async writeAll(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off, null);
      if (bytesWritten <= 0) throw Object.assign(new Error(`write returned ${bytesWritten} for ${this.path}`), { code: 'EIO' });
      off += bytesWritten;
      this.bytes += bytesWritten;
    }
  }
}

/** The documented 503 (with Retry-After) for a temp file that could not be written: nothing of the
 *  upload is kept, and the same request can be repeated later. */
function spoolUnavailable(op: string, e: unknown): HttpProblem {
  const code = (e as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : 'I/O error';
  const p = serviceUnavailable(
    `the server could not store the upload in its temp folder (${op}: ${reason}); nothing was committed, retry later`,
  );
  p.extra.reason = reason;
  p.cause = e;
  return p;
}

function clientGone(e: unknown): HttpProblem {
  // A stream error here is the client's doing (disconnect, malformed multipart): never a 500.
  if (e instanceof HttpProblem) return e;
  const status = (e as { statusCode?: number } | null)?.statusCode;
  if (status === 413) return payloadTooLarge(`the multipart body is over a limit (${(e as Error).message})`);
  const p = badRequest(`the upload ended before its end (${e instanceof Error ? e.message : 'connection closed'})`, {
    reason: 'incomplete-body',
  });
  p.cause = e;
  return p;
}
