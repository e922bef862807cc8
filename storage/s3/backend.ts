// Object storage (S3 and compatibles) as a blob-store backend, named by NCF_STORAGE_URL=s3://bucket/prefix
// with the AWS_* variables (url.ts). The AWS SDK is loaded only when this backend is opened.

import type { Backend } from '../backend.js';
import { messageOf, StorageOpenError } from '../open-errors.js';
import type { BlobStore } from '../types.js';
import { s3Unavailable } from './errors.js';
import { describeS3Location, parseS3Url, S3ConfigError, type S3Location } from './url.js';

export interface S3Blobs {
  kind: 's3';
  location: S3Location;
}

export const s3Backend: Backend<S3Blobs, BlobStore> = {
  kind: 's3',
  url: {
    form: 's3://<bucket>[/<prefix>]',
    matches: (url) => url.toLowerCase().startsWith('s3://'),
    parse(url, env) {
      try {
        return { kind: 's3', location: parseS3Url(url, env) };
      } catch (e) {
        if (!(e instanceof S3ConfigError)) throw e;
        return { problems: e.problems };
      }
    },
  },
  async open(spec, _ctx) {
    const { S3BlobStore } = await import('./blob-store.js');
    const store = new S3BlobStore(spec.location);
    try {
      await store.ping();
    } catch (e) {
      await store.close();
      throw new StorageOpenError(
        'object storage',
        `${describeS3Location(spec.location)} (NCF_STORAGE_URL)`,
        messageOf(e),
        'Check that the endpoint is reachable (AWS_ENDPOINT_URL, or AWS for none), that the bucket exists, and that the credentials ' +
          '(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) may read and write it; or unset NCF_STORAGE_URL to keep files under NCF_DATA_DIR.',
        { cause: e },
      );
    }
    return store;
  },
  unavailable: s3Unavailable,
};
