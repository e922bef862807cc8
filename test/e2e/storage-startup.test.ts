// Start-up failures of the storage dependencies, through the built server: each exits 1 with one
// line naming the dependency that failed (PostgreSQL, object storage, the data directory), where it
// is without the password, and what to check. Real failures: a closed port, a missing database, a
// missing bucket, wrong credentials, a data directory under a file.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPgServer, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { runServerExpectExit } from '../support/server.js';

let dir: string;
let pg: PgTestServer | undefined;
let s3: S3TestServer | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-startup-'));
  [pg, s3] = await Promise.all([startPgServer(), startS3Server()]);
});

after(async () => {
  await s3?.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a !== null && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

function s3Env(over: Record<string, string> = {}): Record<string, string> {
  return {
    NCF_STORAGE_URL: `s3://${s3!.bucket}/startup`,
    AWS_ENDPOINT_URL: s3!.endpoint,
    AWS_REGION: s3!.region,
    AWS_ACCESS_KEY_ID: s3!.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3!.credentials.secretAccessKey,
    NCF_DATA_DIR: join(dir, 'data'),
    ...over,
  };
}

/** Exit 1 and exactly one `ncf: cannot start:` line matching every pattern, without the secret. */
async function expectStartFailure(env: Record<string, string>, patterns: RegExp[], secret?: string): Promise<string> {
  const r = await runServerExpectExit(env);
  assert.equal(r.code, 1, r.output);
  const lines = r.output.split('\n').filter((l) => l.startsWith('ncf: cannot start:'));
  assert.equal(lines.length, 1, r.output);
  const line = lines[0]!;
  for (const p of patterns) assert.match(line, p);
  assert.doesNotMatch(line, /cannot open the storage in/, 'the data directory is not blamed for another dependency');
  if (secret !== undefined) assert.ok(!r.output.includes(secret), `the password leaked: ${r.output}`);
  return line;
}

describe('start-up errors name the failing storage dependency', () => {
  it('PostgreSQL not listening: names the catalog, its URL without the password, and how to fix it', async () => {
    const port = await closedPort();
    await expectStartFailure(
      { NCF_CATALOG_URL: `postgres://ncf:s3cr3t-pw@127.0.0.1:${port}/ncf`, NCF_DATA_DIR: join(dir, 'a') },
      [
        /the PostgreSQL catalog at postgres:\/\/ncf:\*\*\*@127\.0\.0\.1:\d+\/ncf \(NCF_CATALOG_URL\) cannot be opened/,
        /Check that PostgreSQL is running/,
        /unset NCF_CATALOG_URL/,
      ],
      's3cr3t-pw',
    );
  });

  it('PostgreSQL reachable but the database does not exist', async () => {
    const url = new URL(pg!.adminUrl);
    url.pathname = '/no_such_db';
    url.password = 'pw-not-shown';
    await expectStartFailure(
      { NCF_CATALOG_URL: url.toString(), NCF_DATA_DIR: join(dir, 'b') },
      [/the PostgreSQL catalog at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/no_such_db \(NCF_CATALOG_URL\)/, /no_such_db/],
      'pw-not-shown',
    );
  });

  it('object storage: a missing bucket is named, with the endpoint', async () => {
    await expectStartFailure(s3Env({ NCF_STORAGE_URL: 's3://no-such-bucket/x' }), [
      /the object storage at s3:\/\/no-such-bucket\/x\/? at http:\/\/127\.0\.0\.1:\d+.* \(NCF_STORAGE_URL\) cannot be opened/,
      /bucket/,
      /unset NCF_STORAGE_URL/,
    ]);
  });

  it('object storage: wrong credentials are refused, and the secret is not printed', async () => {
    await expectStartFailure(
      s3Env({ AWS_ACCESS_KEY_ID: 'NOPE', AWS_SECRET_ACCESS_KEY: 'wrong-secret-key-123' }),
      [/the object storage at s3:\/\/ncf-test\/startup/, /AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/],
      'wrong-secret-key-123',
    );
  });

  it('object storage: nothing listening at the endpoint', async () => {
    const port = await closedPort();
    await expectStartFailure(s3Env({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }), [
      new RegExp(`the object storage at s3://ncf-test/startup/? at http://127\\.0\\.0\\.1:${port}`),
      /endpoint is reachable/,
    ]);
  });

  it('a data directory that cannot be created names NCF_DATA_DIR', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    await expectStartFailure({ NCF_DATA_DIR: join(file, 'data') }, [
      new RegExp(`the data directory at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/data \\(NCF_DATA_DIR\\) cannot be opened`),
      /ENOTDIR/,
    ]);
  });
});
