// Random access to one immutable object by ranged GETs. Opening costs one request: a suffix range
// (`Range: bytes=-N`) returns the object's size in Content-Range *and* its last N bytes, which hold
// the NCF footer and tail (FORMAT.md §1), so the reader's footer read is served from memory. After
// that every read is exactly one `Range: bytes=a-b` GET, read straight into a buffer of the
// requested length; the reader coalesces nearby chunks into one read before it gets here. A file
// no larger than the open request (a small append) is kept whole and costs no further request.

import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { RandomAccessSource } from '../../src/format/io.js';
import { closed, StorageUnavailable, storageFailure } from '../errors.js';
import { isTransient, toStorageError } from './errors.js';
import { call, type S3Io } from './io.js';

/** What one source fetched: logical GETs (retries of a failed body included) and bytes received. */
export interface SourceStats {
  requests: number;
  bytes: number;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

export class S3Source implements RandomAccessSource {
  readonly stats: SourceStats;
  /** The object's last bytes from the open request: until a read uses them, or for good when they
   *  are the whole object. */
  private tail: Uint8Array | null;
  private tailStart: number;
  private isOpen = true;

  private constructor(
    private readonly io: S3Io,
    readonly key: string,
    readonly size: number,
    tail: Uint8Array | null,
    stats: SourceStats,
  ) {
    this.tail = tail;
    this.tailStart = size - (tail?.length ?? 0);
    this.stats = stats;
  }

  /** `tailBytes`: how much of the object's end the open request fetches (0: a HEAD instead). */
  static async open(io: S3Io, key: string, tailBytes: number): Promise<S3Source> {
    io.assertOpen();
    const stats: SourceStats = { requests: 0, bytes: 0 };
    if (tailBytes <= 0) return new S3Source(io, key, await headSize(io, key, stats), null, stats);
    for (let attempt = 1; ; attempt++) {
      try {
        return await S3Source.openTail(io, key, tailBytes, stats);
      } catch (e) {
        if (!(e instanceof BodyFailure) || attempt >= io.maxAttempts) throw e instanceof BodyFailure ? e.error : e;
      }
    }
  }

  private static async openTail(io: S3Io, key: string, tailBytes: number, stats: SourceStats): Promise<S3Source> {
    stats.requests++;
    let res: GetObjectCommandOutput;
    try {
      res = await io.client.send(new GetObjectCommand({ Bucket: io.bucket, Key: io.objectKey(key), Range: `bytes=-${tailBytes}` }));
    } catch (e) {
      // S3 answers 416 to any range of an empty object: its size comes from a HEAD instead.
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        const size = await headSize(io, key, stats);
        if (size !== 0)
          throw storageFailure(`object storage answered 416 to the last ${tailBytes} bytes of "${key}", which has ${size} bytes`, { key });
        return new S3Source(io, key, 0, null, stats);
      }
      throw toStorageError(e, { op: 'GetObject', bucket: io.bucket, key, endpoint: io.where });
    }
    const range = res.ContentRange === undefined ? null : CONTENT_RANGE.exec(res.ContentRange);
    if (range === null) {
      // 200: the store ignored the range. Take the size, but never download a large object for it.
      const size = res.ContentLength ?? -1;
      if (res.ContentRange !== undefined || size < 0 || size > tailBytes) {
        destroyBody(res);
        if (size < 0 || res.ContentRange !== undefined)
          throw badAnswer(key, `Content-Range ${JSON.stringify(res.ContentRange)} and Content-Length ${res.ContentLength}`);
        return new S3Source(io, key, size, null, stats);
      }
      return new S3Source(io, key, size, await readBody(io, res, size, key, stats), stats);
    }
    const start = Number(range[1]),
      end = Number(range[2]),
      size = Number(range[3]);
    if (end !== size - 1 || start !== Math.max(0, size - tailBytes)) {
      destroyBody(res);
      throw badAnswer(key, `Content-Range "${res.ContentRange}" for the last ${tailBytes} bytes`);
    }
    return new S3Source(io, key, size, await readBody(io, res, end + 1 - start, key, stats), stats);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!this.isOpen) throw closed(`source of "${this.key}"`);
    this.io.assertOpen();
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read [${offset}, ${offset + length}) outside "${this.key}" (${this.size} bytes)`);
    }
    if (length === 0) return new Uint8Array(0);
    const tail = this.tail;
    if (tail !== null && offset >= this.tailStart) {
      // The footer read. Once it is served, only a whole small file is worth keeping in memory.
      if (this.tailStart > 0) this.tail = null;
      return tail.subarray(offset - this.tailStart, offset - this.tailStart + length);
    }
    // The client already retried failed requests; a body that breaks off mid-way is repeated here.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetch(offset, length);
      } catch (e) {
        if (!(e instanceof BodyFailure) || attempt >= this.io.maxAttempts) throw e instanceof BodyFailure ? e.error : e;
      }
    }
  }

  private async fetch(offset: number, length: number): Promise<Uint8Array> {
    const range = `bytes=${offset}-${offset + length - 1}`;
    this.stats.requests++;
    const res = await call(this.io, 'GetObject', this.key, () =>
      this.io.client.send(new GetObjectCommand({ Bucket: this.io.bucket, Key: this.io.objectKey(this.key), Range: range })),
    );
    const m = res.ContentRange === undefined ? null : CONTENT_RANGE.exec(res.ContentRange);
    if (m === null || Number(m[1]) !== offset || Number(m[2]) !== offset + length - 1 || Number(m[3]) !== this.size) {
      destroyBody(res);
      // A different total size means the object under this key changed: keys are never reused, so
      // that is damage, not a race.
      throw badAnswer(this.key, `Content-Range ${JSON.stringify(res.ContentRange)} for ${range} of a ${this.size}-byte object`);
    }
    return readBody(this.io, res, length, this.key, this.stats);
  }

  async close(): Promise<void> {
    this.isOpen = false;
    this.tail = null;
  }
}

async function headSize(io: S3Io, key: string, stats: SourceStats): Promise<number> {
  stats.requests++;
  const head = await call(io, 'HeadObject', key, () =>
    io.client.send(new HeadObjectCommand({ Bucket: io.bucket, Key: io.objectKey(key) })),
  );
  if (head.ContentLength === undefined || !Number.isSafeInteger(head.ContentLength) || head.ContentLength < 0) {
    throw badAnswer(key, `HeadObject Content-Length ${head.ContentLength}`);
  }
  return head.ContentLength;
}

/** A failure while receiving a body, which the client does not retry itself. */
class BodyFailure extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

/** Reads a response body into one buffer of exactly `length` bytes: no concatenation, and never
 *  more memory than was asked for, whatever the server sends. */
async function readBody(io: S3Io, res: GetObjectCommandOutput, length: number, key: string, stats: { bytes: number }): Promise<Uint8Array> {
  const body = res.Body as unknown as AsyncIterable<Uint8Array> | undefined;
  if (body === undefined || typeof body[Symbol.asyncIterator] !== 'function') {
    if (length === 0) return new Uint8Array(0);
    throw badAnswer(key, 'a response without a body stream');
  }
  const out = new Uint8Array(length);
  let p = 0;
  try {
    for await (const chunk of body) {
      if (p + chunk.length > length) throw badAnswer(key, `more than the ${length} bytes requested`);
      out.set(chunk, p);
      p += chunk.length;
    }
  } catch (e) {
    const err =
      e instanceof Error && !isTransient(e) ? e : toStorageError(e, { op: 'GetObject', bucket: io.bucket, key, endpoint: io.where });
    if (isTransient(err)) throw new BodyFailure(err);
    throw err;
  } finally {
    stats.bytes += p;
    io.stats.bytesRead += p;
  }
  if (p !== length) {
    // The connection ended early without an error: treat it as the reset it almost always is.
    throw new BodyFailure(
      new StorageUnavailable(`object storage sent ${p} of ${length} bytes of "${key}" at ${io.where}; retry later`, { key }),
    );
  }
  return out;
}

function destroyBody(res: GetObjectCommandOutput): void {
  (res.Body as unknown as { destroy?: () => void } | undefined)?.destroy?.();
}

function badAnswer(key: string, what: string): Error {
  return storageFailure(`object storage answered a read of "${key}" with ${what}`, { key });
}
