// BlobStore on an S3 bucket (AWS S3 or any S3-compatible store): blob `<tableId>/<fileId>.ncf` is
// object `<prefix><tableId>/<fileId>.ncf`. Writes stream as multipart uploads (s3/sink.ts) and
// appear only when finished; reads are ranged GETs (s3/source.ts). Keys are checked before they
// reach a request. createSink does not check that a key is free (a HEAD, or a conditional write
// many compatible stores ignore): keys are random ids, never reused. The client is configured here: standard retry mode with a few attempts,
// connect and request timeouts, and checksums only where S3 requires them (many compatible stores
// reject the SDK's default aws-chunked uploads with trailing checksums; NCF files carry their own
// CRC-32 per chunk and a SHA-256 trailer).

import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { FOOTER_PREFETCH } from '../../src/format/constants.js';
import type { ByteSink } from '../../src/format/io.js';
import { closed, invalidRequest } from '../errors.js';
import { isId, parseKey, tableIdOfKey } from '../keys.js';
import { call, type S3Io, type S3Stats } from './io.js';
import { S3Sink } from './sink.js';
import { S3Source } from './source.js';
import { describeS3Location, parseS3Url, type S3Location } from './url.js';
import type { BlobStore } from '../types.js';

const MiB = 1024 * 1024;

export interface S3BlobStoreOptions {
  /** Bytes per multipart part (default 8 MiB; S3 allows 5 MiB to 5 GiB). Files smaller than one
   *  part are sent with a single PutObject. */
  partSize?: number;
  /** Parts uploading at once while the next fills (default 1): memory per upload is
   *  (uploadConcurrency + 1) × partSize. */
  uploadConcurrency?: number;
  /** Bytes of the object's end fetched by the open request, serving the footer read (default
   *  64 KiB, the reader's footer prefetch); 0 opens with a HEAD instead, one more request per
   *  file, and a HEAD's bodiless 404 cannot tell a missing bucket from a missing key. */
  tailBytes?: number;
  /** Attempts per request, first included, in the SDK's standard retry mode (default 3). */
  maxAttempts?: number;
  /** Milliseconds to establish a connection (default 5000). */
  connectTimeoutMs?: number;
  /** Milliseconds a request may wait for the server without receiving anything (default 30000). */
  requestTimeoutMs?: number;
  /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
  listPageSize?: number;
}

export class S3BlobStore implements BlobStore {
  readonly location: S3Location;
  readonly stats: S3Stats = { requests: 0, bytesRead: 0, bytesWritten: 0 };
  private readonly client: S3Client;
  private readonly io: S3Io;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly tailBytes: number;
  private readonly listPageSize: number;
  private open = true;

  constructor(location: S3Location, opts: S3BlobStoreOptions = {}) {
    this.location = location;
    this.partSize = option('partSize', opts.partSize, 8 * MiB, 5 * MiB, 5 * 1024 * MiB);
    this.queueSize = option('uploadConcurrency', opts.uploadConcurrency, 1, 1, 16);
    this.tailBytes = option('tailBytes', opts.tailBytes, FOOTER_PREFETCH, 0, 16 * MiB);
    this.listPageSize = option('listPageSize', opts.listPageSize, 1000, 1, 1000);
    const maxAttempts = option('maxAttempts', opts.maxAttempts, 3, 1, 10);
    this.client = new S3Client({
      region: location.region,
      ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
      forcePathStyle: location.forcePathStyle,
      ...(location.credentials === undefined ? {} : { credentials: location.credentials }),
      retryMode: 'standard',
      maxAttempts,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: option('connectTimeoutMs', opts.connectTimeoutMs, 5000, 1, 600_000),
        requestTimeout: option('requestTimeoutMs', opts.requestTimeoutMs, 30_000, 1, 3_600_000),
      },
    });
    // Below the retry step, so every attempt is counted: what the bench reports is what was sent.
    this.client.middlewareStack.add(
      (next) => async (args) => {
        this.stats.requests++;
        return next(args);
      },
      { step: 'deserialize', name: 'ncfCountRequests' },
    );
    this.io = {
      client: this.client,
      bucket: location.bucket,
      where: describeS3Location(location),
      stats: this.stats,
      maxAttempts,
      objectKey: (key) => location.prefix + key,
      assertOpen: () => {
        if (!this.open) throw closed('blob store');
      },
    };
  }

  /** A store from `NCF_STORAGE_URL=s3://bucket/prefix` and the AWS variables (s3-url.ts). */
  static fromUrl(url: string, env: Record<string, string | undefined> = process.env, opts: S3BlobStoreOptions = {}): S3BlobStore {
    return new S3BlobStore(parseS3Url(url, env), opts);
  }

  /** Validates the key, and the store's state, before any request. */
  private check(key: string): void {
    this.io.assertOpen();
    parseKey(key);
  }

  async createSink(key: string): Promise<ByteSink> {
    this.check(key);
    return new S3Sink(this.io, key, { partSize: this.partSize, queueSize: this.queueSize });
  }

  /** The source's `stats` count its own requests and bytes. */
  async openSource(key: string): Promise<S3Source> {
    this.check(key);
    return S3Source.open(this.io, key, this.tailBytes);
  }

  /** Deleting a missing key succeeds (S3 answers 204 either way), so vacuum can be rerun. */
  async delete(key: string): Promise<void> {
    this.check(key);
    await call(this.io, 'DeleteObject', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.io.objectKey(key) })),
    );
  }

  /** Objects under the store's prefix + `keyPrefix` that have the shape of a blob key; other objects
   *  there are skipped. */
  async *list(keyPrefix = ''): AsyncIterable<{ key: string; size: number; modified: Date }> {
    this.io.assertOpen();
    const root = this.location.prefix;
    const prefix = root + keyPrefix;
    let token: string | undefined;
    do {
      const page = await call(this.io, 'ListObjectsV2', undefined, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ContinuationToken: token,
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || !o.Key.startsWith(prefix)) continue;
        const key = o.Key.slice(root.length);
        if (tableIdOfKey(key) === null) continue;
        yield { key, size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      if (page.IsTruncated === true && token === undefined) {
        throw invalidRequest(
          `object storage listed a truncated page of s3://${this.location.bucket}/${prefix} without a continuation token`,
        );
      }
    } while (token !== undefined);
  }

  /** The "folders" directly under the store's prefix (ListObjectsV2 with Delimiter "/": common
   *  prefixes, 1000 a page) that have the shape of a table id. */
  async tableIds(): Promise<string[]> {
    this.io.assertOpen();
    const root = this.location.prefix;
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await call(this.io, 'ListObjectsV2', undefined, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: root,
            Delimiter: '/',
            MaxKeys: this.listPageSize,
            ContinuationToken: token,
          }),
        ),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const id = p.Prefix?.startsWith(root) === true ? p.Prefix.slice(root.length, -1) : '';
        if (isId(id)) out.push(id);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      if (page.IsTruncated === true && token === undefined) {
        throw invalidRequest(`object storage listed a truncated page of s3://${this.location.bucket}/${root} without a continuation token`);
      }
    } while (token !== undefined);
    return out;
  }

  /** Aborts multipart uploads under the prefix started before `olderThan`: leftovers of processes
   *  that died mid-upload (the counterpart of LocalBlobStore.sweepTempFiles; a bucket lifecycle rule
   *  "AbortIncompleteMultipartUpload" does the same on AWS). Returns how many were aborted. */
  async sweepTempFiles(olderThan: Date, mayDelete?: (key: string) => Promise<boolean>): Promise<number> {
    this.io.assertOpen();
    let removed = 0;
    let keyMarker: string | undefined, uploadIdMarker: string | undefined;
    for (;;) {
      const page = await call(this.io, 'ListMultipartUploads', undefined, () =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.location.bucket,
            Prefix: this.location.prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        ),
      );
      for (const u of page.Uploads ?? []) {
        if (u.Key === undefined || u.UploadId === undefined || u.Initiated === undefined || u.Initiated >= olderThan) continue;
        const key = u.Key.slice(this.location.prefix.length);
        // Asked after the upload was listed: a writer registers its key before it begins.
        if (mayDelete !== undefined && !(await mayDelete(key))) continue;
        await call(this.io, 'AbortMultipartUpload', key, () =>
          this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.location.bucket,
              Key: u.Key,
              UploadId: u.UploadId,
            }),
          ),
        ).then(
          () => removed++,
          () => {},
        );
      }
      const more = page.IsTruncated === true && (page.NextKeyMarker !== undefined || page.NextUploadIdMarker !== undefined);
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
      if (!more) break;
    }
    return removed;
  }

  /** Throws when the bucket cannot be reached with these credentials (readiness). */
  async ping(): Promise<void> {
    this.io.assertOpen();
    await call(this.io, 'HeadBucket', undefined, () => this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket })));
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.client.destroy();
  }

  toString(): string {
    return this.io.where;
  }
}

function option(name: string, value: number | undefined, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`S3BlobStore option ${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}
