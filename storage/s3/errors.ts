// What an object-storage failure means for the service. The S3 client retries transient failures
// itself (standard mode); whatever still fails is sorted here into the typed storage errors:
//   missing object                      → BlobNotFound (the catalog references a file the store lacks)
//   503 SlowDown, 5xx, 429, timeouts,
//   refused or reset connections        → StorageUnavailable, 503 + Retry-After: repeat the request
//   missing bucket, denied access, other → STORAGE_FAILURE, 500: configuration, not the client's fault
// Messages name the operation, bucket, key and endpoint, never credentials.

import { BlobNotFound, StorageError, StorageUnavailable, storageFailure } from '../errors.js';
import { unavailableCode } from '../unavailable.js';

export interface S3Where {
  /** The S3 operation, e.g. GetObject. */
  op: string;
  bucket: string;
  /** The blob key (without the store's prefix), when the operation has one. */
  key?: string;
  /** Where the store is, for messages: describeS3Location(), which names the bucket. */
  endpoint: string;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  errors?: unknown[];
}

/** S3 error codes that mean "try again later". */
const TRANSIENT_CODES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TimeoutError',
  'OperationAborted',
]);

/** Socket-level failures: the store could not be reached or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

export function isAbortError(e: unknown): boolean {
  return (e as SdkError | null)?.name === 'AbortError';
}

/** True for failures worth repeating: the same ones the client's retry strategy repeats. */
export function isTransient(e: unknown): boolean {
  if (e instanceof StorageUnavailable) return true;
  if (e instanceof StorageError) return false;
  const err = e as SdkError | null;
  if (err === null || typeof err !== 'object') return false;
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (err.name !== undefined && TRANSIENT_CODES.has(err.name)) return true;
  return networkCode(err) !== undefined;
}

/** The backend's classifier (storage/guard.ts): a raw failure that reached the guard — an errno
 *  code, or a transient SDK error (503 SlowDown, 5xx, 429, timeouts) the client's retries gave up on —
 *  is "unavailable now"; the short reason names it. Typed storage errors are not raw: null. */
export function s3Unavailable(e: unknown): string | null {
  if (e instanceof StorageError) return null;
  return unavailableCode(e) ?? (isTransient(e) ? ((e as SdkError).name ?? 'transient failure') : null);
}

export function toStorageError(e: unknown, where: S3Where): Error {
  if (e instanceof StorageError) return e;
  const err = (e ?? {}) as SdkError;
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? 'Error';
  const target = `${where.op}${where.key === undefined ? '' : ` "${where.key}"`} on ${where.endpoint}`;
  const details: Record<string, unknown> = { operation: where.op, bucket: where.bucket, s3Code: name };
  if (where.key !== undefined) details.key = where.key;
  if (status !== undefined) details.s3Status = status;
  let out: StorageError;

  const net = networkCode(err);
  if (net !== undefined) {
    out = new StorageUnavailable(
      `object storage is unreachable: ${target} failed with ${net} (${err.message ?? ''})${attempts(err)}; retry later`,
      details,
    );
  } else if (isTransient(err)) {
    out = new StorageUnavailable(
      `object storage is unavailable: ${target} answered ${status ?? ''} ${name} (${err.message ?? ''})${attempts(err)}; retry later`,
      details,
    );
  } else if (name === 'NoSuchBucket' || (status === 404 && where.key === undefined && where.op !== 'AbortMultipartUpload')) {
    out = storageFailure(
      `object storage bucket "${where.bucket}" does not exist (${where.endpoint}): create it or fix NCF_STORAGE_URL (${where.op} answered ${status ?? ''} ${name})`,
      details,
    );
  } else if (where.key !== undefined && (name === 'NoSuchKey' || (name === 'NotFound' && status === 404))) {
    out = new BlobNotFound(where.key);
  } else if (status === 401 || status === 403) {
    out = storageFailure(
      `object storage refused ${target}: ${status} ${name} (${err.message ?? ''}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the region and the bucket's policy`,
      details,
    );
  } else {
    out = storageFailure(`object storage failed ${target}: ${status ?? 'no status'} ${name} (${err.message ?? String(e)})`, details);
  }
  out.cause = e;
  return out;
}

function networkCode(err: SdkError): string | undefined {
  if (err.code !== undefined && NETWORK_CODES.has(err.code)) return err.code;
  // Node's happy-eyeballs connect wraps one error per address in an AggregateError.
  for (const inner of err.errors ?? []) {
    const code = (inner as SdkError | null)?.code;
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
  }
  if (err.name === 'TimeoutError') return 'ETIMEDOUT';
  return undefined;
}

function attempts(err: SdkError): string {
  const n = err.$metadata?.attempts;
  return n !== undefined && n > 1 ? ` after ${n} attempts` : '';
}
