// The object store's classification of raw failures (storage/s3/errors.ts s3Unavailable, the guard's
// classifier for the s3 backend): what the S3 client raises after its retries — a refused connection
// (real, from the SDK), throttling and 5xx answers — is "unavailable now"; a missing key, denied access,
// a typed storage error or a bug is not.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobNotFound, StorageUnavailable } from '../../storage/errors.js';
import { s3Unavailable } from '../../storage/s3/errors.js';

const sdk = (name: string, status: number) =>
  Object.assign(new Error(`${name} answer`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

test('a refused connection, raised by the SDK itself, is unavailable', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  try {
    const e = await client.send(new HeadBucketCommand({ Bucket: 'b' })).then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    );
    assert.equal(s3Unavailable(e), 'ECONNREFUSED', String(e));
  } finally {
    client.destroy();
  }
});

test('throttling and server errors are unavailable, named; client errors and typed errors are not', () => {
  assert.equal(s3Unavailable(sdk('SlowDown', 503)), 'SlowDown');
  assert.equal(s3Unavailable(sdk('InternalError', 500)), 'InternalError');
  assert.equal(s3Unavailable(sdk('TooManyRequestsException', 429)), 'TooManyRequestsException');
  assert.equal(s3Unavailable(sdk('NoSuchKey', 404)), null);
  assert.equal(s3Unavailable(sdk('AccessDenied', 403)), null);
  assert.equal(s3Unavailable(new BlobNotFound('t/f.ncf')), null, 'typed errors are the blob store’s answer already');
  assert.equal(s3Unavailable(new StorageUnavailable('already typed')), null);
  assert.equal(s3Unavailable(new TypeError('a bug')), null);
});
