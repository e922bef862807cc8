// The scaled-out storage on the real products, in containers (testcontainers): PostgreSQL and MinIO
// started in Docker run the same catalog contract and blob contract as the temp cluster and the
// s3rver emulator, plus a short upload + query through the built server using both. Where no
// container engine can be found (this file asks testcontainers, which probes DOCKER_HOST, the
// Docker socket, Podman, ...), the file reports one skipped test saying so and why; the same
// coverage then comes from the emulator-based tests (catalog-postgres, blob-s3, query-s3-pg), which
// never skip. testcontainers is imported only here and only lazily (~0.4 s), so other test files
// do not pay for it.
//
// Images can be overridden with NCF_TEST_PG_IMAGE and NCF_TEST_MINIO_IMAGE (e.g. a local mirror).

import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { S3BlobStore } from '../../storage/s3/blob-store.js';
import { openPostgresCatalog } from '../../storage/postgres/catalog.js';
import { newId } from '../../storage/keys.js';
import { startServer } from '../support/server.js';
import { blobStoreContract } from './blob-contract.js';
import { catalogContract } from './catalog-contract.js';

const PG_IMAGE = process.env.NCF_TEST_PG_IMAGE || 'postgres:16-alpine';
const MINIO_IMAGE = process.env.NCF_TEST_MINIO_IMAGE || 'minio/minio:RELEASE.2024-08-03T04-33-23Z';
const BUCKET = 'ncf-containers';
const REGION = 'us-east-1';

/** Null when a container engine answers; else why not (testcontainers' own message). */
async function noEngine(): Promise<string | null> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

interface Containers {
  pgUrl: string;
  minio: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

let started: Promise<Containers> | undefined;
/** Both containers, started once for the file on first use, the bucket created. */
function containers(): Promise<Containers> {
  started ??= (async () => {
    const [{ PostgreSqlContainer }, { MinioContainer }] = await Promise.all([
      import('@testcontainers/postgresql'),
      import('@testcontainers/minio'),
    ]);
    const [pg, minio] = await Promise.all([new PostgreSqlContainer(PG_IMAGE).start(), new MinioContainer(MINIO_IMAGE).start()]);
    const creds = { accessKeyId: minio.getUsername(), secretAccessKey: minio.getPassword() };
    const endpoint = minio.getConnectionUrl();
    const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: creds });
    try {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    } finally {
      client.destroy();
    }
    return {
      pgUrl: pg.getConnectionUri(),
      minio: { endpoint, ...creds },
      async stop() {
        await Promise.allSettled([pg.stop(), minio.stop()]);
      },
    };
  })();
  return started;
}

const missing = await noEngine();

if (missing !== null) {
  test('PostgreSQL and MinIO in containers (testcontainers)', (t) => {
    const reason = `no Docker engine: ${missing}`;
    process.stdout.write(
      `containers.test.ts: ${reason}; the PostgreSQL and MinIO container tests were skipped (the s3rver and temp-cluster tests cover the same contracts)\n`,
    );
    t.skip(reason);
  });
} else {
  after(async () => {
    if (started) await (await started.catch(() => null))?.stop();
  });

  catalogContract(`PostgreSQL container (${PG_IMAGE})`, async () => {
    const { pgUrl } = await containers();
    const schema = `c_${newId().toLowerCase()}`;
    return {
      open: () => openPostgresCatalog(pgUrl, { schema }),
      destroy: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  });

  blobStoreContract(`MinIO container (${MINIO_IMAGE})`, async () => {
    const { minio } = await containers();
    const prefix = `contract-${newId()}/`;
    return {
      open: async () =>
        new S3BlobStore({
          bucket: BUCKET,
          prefix,
          region: REGION,
          endpoint: minio.endpoint,
          forcePathStyle: true,
          credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
        }),
      destroy: async () => {},
    };
  });

  describe('the server on PostgreSQL + MinIO containers', () => {
    it('an upload is queryable, with pruning, and lands in the containers', async () => {
      const { pgUrl, minio } = await containers();
      const server = await startServer({
        env: {
          NCF_CATALOG_URL: pgUrl,
          NCF_STORAGE_URL: `s3://${BUCKET}/e2e-${newId()}`,
          AWS_ENDPOINT_URL: minio.endpoint,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: minio.accessKeyId,
          AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
        },
      });
      try {
        const n = 200_000;
        const csv = `id,label\n${Array.from({ length: n }, (_, i) => `${i},row ${i % 97}`).join('\n')}\n`;
        const put = await fetch(`${server.url}/v1/tables/c?format=csv`, {
          method: 'PUT',
          body: csv,
          headers: { 'content-type': 'text/csv' },
        });
        assert.equal(put.status, 201, await put.text());
        const r = await fetch(`${server.url}/v1/tables/c/rows?id=gte.199990&select=id,label`);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('ncf-row-groups'), '1/2');
        const doc = (await r.json()) as { rows: { id: number; label: string }[] };
        assert.deepEqual(
          doc.rows,
          Array.from({ length: 10 }, (_, k) => ({ id: 199_990 + k, label: `row ${(199_990 + k) % 97}` })),
        );
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 200, await ready.text());
      } finally {
        await server.stop();
      }
    });
  });
}
