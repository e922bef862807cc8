// Streams one file to object storage without holding it in memory. Bytes are copied into a part
// buffer; each full part is sent as an UploadPart of a multipart upload created on the first full
// part. write() waits while `queueSize` parts are in flight, so memory stays at most
// (queueSize + 1) parts. A file smaller than one part is sent by finish() as a single PutObject.
// Either way the object exists only after finish() (CompleteMultipartUpload or PutObject), and
// abort() cancels requests in flight and aborts the multipart upload, leaving nothing behind.
// No conditional write (If-None-Match) is used: keys are unique ids, and many S3-compatible stores
// ignore the header anyway.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { ByteSink } from '../../src/format/io.js';
import { StorageError } from '../errors.js';
import { call, type S3Io } from './io.js';

export interface S3SinkOptions {
  /** Bytes per part; every part but the last has exactly this size (S3 needs 5 MiB to 5 GiB). */
  partSize: number;
  /** Parts uploading at once while the next one fills. */
  queueSize: number;
}

/** S3's limit on parts per upload. */
const MAX_PARTS = 10_000;
const CONTENT_TYPE = 'application/octet-stream';

export class S3Sink implements ByteSink {
  private state: 'open' | 'finishing' | 'finished' | 'aborted' | 'failed' = 'open';
  private part: Uint8Array | null = null;
  private filled = 0;
  /** A part buffer whose upload ended, reused for the next part. */
  private spare: Uint8Array | null = null;
  private uploadId: string | null = null;
  /** CreateMultipartUpload in flight: an abort waits for it, so the upload it creates is aborted too. */
  private creating: Promise<unknown> | null = null;
  private nextPart = 1;
  private readonly parts: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  /** The first failure of a part sent in the background, reported by the next call. */
  private failure: Error | null = null;
  private writing = false;
  private readonly cancel = new AbortController();

  constructor(
    private readonly io: S3Io,
    readonly key: string,
    private readonly opts: S3SinkOptions,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    if (this.writing) throw this.stateError('write() was called before the previous write() resolved');
    this.writing = true;
    try {
      let p = 0;
      while (p < bytes.length) {
        this.part ??= this.takeBuffer();
        const n = Math.min(this.opts.partSize - this.filled, bytes.length - p);
        // A copy: the caller may reuse its buffer once write() resolves.
        this.part.set(bytes.subarray(p, p + n), this.filled);
        this.filled += n;
        p += n;
        if (this.filled === this.opts.partSize) await this.sendPart();
      }
    } finally {
      this.writing = false;
    }
  }

  async finish(): Promise<void> {
    this.assertOpen();
    if (this.writing) throw this.stateError('finish() was called before the last write() resolved');
    this.state = 'finishing';
    try {
      if (this.uploadId === null) {
        const body = this.part === null ? new Uint8Array(0) : this.part.subarray(0, this.filled);
        await call(this.io, 'PutObject', this.key, () =>
          this.io.client.send(
            new PutObjectCommand({
              Bucket: this.io.bucket,
              Key: this.io.objectKey(this.key),
              Body: body,
              ContentLength: body.length,
              ContentType: CONTENT_TYPE,
            }),
            { abortSignal: this.cancel.signal },
          ),
        );
        this.io.stats.bytesWritten += body.length;
      } else {
        if (this.filled > 0) await this.sendPart();
        await this.drain();
        const uploadId = this.uploadId;
        const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
        await call(this.io, 'CompleteMultipartUpload', this.key, () =>
          this.io.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: this.io.bucket,
              Key: this.io.objectKey(this.key),
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
            }),
            { abortSignal: this.cancel.signal },
          ),
        );
        this.uploadId = null;
      }
      this.state = 'finished';
      this.release();
    } catch (e) {
      const aborted = this.cancel.signal.aborted;
      this.state = 'failed';
      // The original failure matters more; an upload that could not be aborted is swept later.
      await this.discard().catch(() => {});
      throw aborted ? this.stateError('the upload was aborted') : e;
    }
  }

  /** Idempotent. A call that fails to abort the multipart upload can be repeated. */
  async abort(): Promise<void> {
    if (this.state === 'finished') return;
    if (this.state !== 'failed') this.state = 'aborted';
    await this.discard();
  }

  /** Cancels requests in flight, waits for them to end (a part that lands after the abort would be
   *  stored again), then aborts the multipart upload. */
  private async discard(): Promise<void> {
    this.cancel.abort();
    await Promise.allSettled([...this.inflight, this.creating]);
    this.release();
    const uploadId = this.uploadId;
    if (uploadId === null) return;
    try {
      await call(this.io, 'AbortMultipartUpload', this.key, () =>
        this.io.client.send(
          new AbortMultipartUploadCommand({
            Bucket: this.io.bucket,
            Key: this.io.objectKey(this.key),
            UploadId: uploadId,
          }),
        ),
      );
    } catch (e) {
      // Already gone (aborted by a sweep): nothing is left to remove.
      if ((e as StorageError).details?.s3Code !== 'NoSuchUpload') throw e;
    }
    this.uploadId = null;
  }

  /** Sends the filled part in the background once fewer than queueSize parts are in flight. */
  private async sendPart(): Promise<void> {
    while (this.inflight.size >= this.opts.queueSize) await Promise.race(this.inflight);
    this.throwIfFailed();
    if (this.uploadId === null) {
      // Not cancellable: an upload created after we stopped waiting would be left behind.
      const creating = call(this.io, 'CreateMultipartUpload', this.key, () =>
        this.io.client.send(
          new CreateMultipartUploadCommand({
            Bucket: this.io.bucket,
            Key: this.io.objectKey(this.key),
            ContentType: CONTENT_TYPE,
          }),
        ),
      );
      this.creating = creating.then((created) => {
        if (created.UploadId !== undefined) this.uploadId = created.UploadId;
      });
      await this.creating;
      this.creating = null;
      if (this.uploadId === null)
        throw new StorageError('STORAGE_FAILURE', 500, `object storage returned no UploadId for "${this.key}"`, { key: this.key });
    }
    this.throwIfFailed();
    const partNumber = this.nextPart++;
    if (partNumber > MAX_PARTS) {
      throw this.stateError(`the file needs more than ${MAX_PARTS} parts of ${this.opts.partSize} bytes; use a larger part size`);
    }
    const buffer = this.part!;
    const body = buffer.subarray(0, this.filled);
    this.part = null;
    this.filled = 0;
    const uploadId = this.uploadId;
    const sent = call(this.io, 'UploadPart', this.key, () =>
      this.io.client.send(
        new UploadPartCommand({
          Bucket: this.io.bucket,
          Key: this.io.objectKey(this.key),
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
        { abortSignal: this.cancel.signal },
      ),
    ).then(
      (res) => {
        this.parts.push({ PartNumber: partNumber, ETag: res.ETag });
        this.io.stats.bytesWritten += body.length;
        this.spare = buffer;
      },
      (e: unknown) => {
        this.failure ??= e as Error;
      },
    );
    const tracked = sent.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  private async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.race(this.inflight);
    this.throwIfFailed();
  }

  private takeBuffer(): Uint8Array {
    const b = this.spare;
    this.spare = null;
    // Not zero-filled: every byte sent is written first.
    return b ?? new Uint8Array(Buffer.allocUnsafeSlow(this.opts.partSize).buffer, 0, this.opts.partSize);
  }

  private release(): void {
    this.part = null;
    this.spare = null;
    this.filled = 0;
  }

  private throwIfFailed(): void {
    if (this.cancel.signal.aborted) throw this.stateError('the upload was aborted');
    if (this.failure !== null) throw this.failure;
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw this.stateError(this.state === 'aborted' ? 'the upload was aborted' : `the upload is ${this.state}`);
    }
  }

  private stateError(why: string): StorageError {
    return new StorageError('STORAGE_STATE', 500, `sink of "${this.key}": ${why}`, { key: this.key });
  }
}
