// The part of an S3 blob store its sinks and sources share: the client, the bucket, key mapping,
// request statistics, and one way to send a command so every failure becomes a typed storage error.

import type { S3Client } from '@aws-sdk/client-s3';
import { toStorageError } from './errors.js';

/** Counters for the benchmarks and tests. `requests` counts HTTP requests sent, retries included. */
export interface S3Stats {
  requests: number;
  /** Object bytes received by ranged GETs. */
  bytesRead: number;
  /** Object bytes sent by PutObject and UploadPart. */
  bytesWritten: number;
}

export interface S3Io {
  readonly client: S3Client;
  readonly bucket: string;
  /** Where the store is, for messages; never credentials. */
  readonly where: string;
  readonly stats: S3Stats;
  /** Attempts per request of the client's retry strategy (ranged reads repeat body failures as often). */
  readonly maxAttempts: number;
  /** The object key of a blob key (the store's prefix prepended). */
  objectKey(key: string): string;
  /** Throws STORAGE_STATE once the store is closed. */
  assertOpen(): void;
}

/** Runs one SDK call, turning its failure into BlobNotFound, StorageUnavailable or STORAGE_FAILURE. */
export async function call<T>(io: S3Io, op: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStorageError(
      e,
      key === undefined ? { op, bucket: io.bucket, endpoint: io.where } : { op, bucket: io.bucket, key, endpoint: io.where },
    );
  }
}
