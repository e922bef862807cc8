// Idempotency-Key across two replicas (two server processes over one PostgreSQL catalog and one
// s3rver object store): the same keyed append sent to each at once is committed once — the commit
// transaction is the arbiter, the loser discards its file and answers the winner's result — and a
// retry through the other replica answers the first result. Rows are counted by reading them back.

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../storage/keys.js';
import { startPgServer, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { req, startServer, tempFiles, type Server } from '../support/server.js';
import { gated, until } from './gated.js';

let pg: PgTestServer | undefined;
let s3: S3TestServer | undefined;
let a: Server;
let b: Server;
const prefix = newId();

before(async () => {
  [pg, s3] = await Promise.all([startPgServer(), startS3Server()]);
  const db = await pg.createDatabase();
  const env = {
    NCF_CATALOG_URL: db.url,
    NCF_STORAGE_URL: `s3://${s3.bucket}/${prefix}`,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
});

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await s3?.close();
  await pg?.stop();
});

const csv = (ids: number[]) => `id,label\n${ids.map((i) => `${i},item ${i}`).join('\n')}\n`;

function upload(s: Server, path: string, body: string | ReadableStream<Uint8Array>, key?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'text/csv' };
  if (key !== undefined) headers['idempotency-key'] = key;
  return req(s, 'POST', path, { body, headers, ...(typeof body === 'string' ? {} : { duplex: 'half' }) } as RequestInit);
}

async function ids(s: Server, table: string): Promise<number[]> {
  const r = await req(s, 'GET', `/v1/tables/${table}/rows?select=id&order=id`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { rows: { id: number }[] }).rows.map((x) => x.id);
}

async function versionCount(s: Server, table: string): Promise<number> {
  const r = await req(s, 'GET', `/v1/tables/${table}/versions`);
  return ((await r.json()) as { versions: unknown[] }).versions.length;
}

/** Table files of the prefix in the emulator's directory (each object is a folder or file named after its key). */
async function objectCount(): Promise<number> {
  const entries = await readdir(join(s3!.directory, s3!.bucket, prefix), { recursive: true }).catch(() => [] as string[]);
  return new Set(entries.map((e) => /([^/]+\.ncf)/.exec(e)?.[1]).filter((x) => x !== undefined)).size;
}

describe('Idempotency-Key across two replicas', () => {
  test('the same keyed append sent to both replicas at once is committed once; both answer its result', async () => {
    assert.equal((await upload(a, '/v1/tables/twin', csv([0]))).status, 201);
    const expected = [0];
    for (let round = 1; round <= 4; round++) {
      const rows = [round * 10, round * 10 + 1, round * 10 + 2];
      const key = `twin-${round}-${newId()}`;
      const before = [(await tempFiles(a)).length, (await tempFiles(b)).length];
      const ga = gated(csv(rows.slice(0, 2)), `${rows[2]},item ${rows[2]}\n`);
      const gb = gated(csv(rows.slice(0, 2)), `${rows[2]},item ${rows[2]}\n`);
      const pa = upload(a, '/v1/tables/twin/rows', ga.body, key);
      const pb = upload(b, '/v1/tables/twin/rows', gb.body, key);
      // Both replicas are spooling: each looked for the key before the other committed.
      await until(
        'both replicas spool the upload',
        async () => (await tempFiles(a)).length > before[0]! && (await tempFiles(b)).length > before[1]!,
      );
      ga.finish();
      gb.finish();
      const answers = await Promise.all(
        [pa, pb].map(async (p) => {
          const r = await p;
          return { status: r.status, text: await r.text(), replayed: r.headers.get('idempotent-replayed') };
        }),
      );
      for (const x of answers) assert.equal(x.status, 200, x.text);
      assert.equal(answers[0]!.text, answers[1]!.text);
      assert.deepEqual(answers.map((x) => x.replayed).sort(), ['true', null].sort(), 'one committed, the other answered its result');
      expected.push(...rows);
      assert.deepEqual(await ids(b, 'twin'), expected);
      assert.equal(await versionCount(a, 'twin'), round + 1);
    }
    // The losers' files were discarded: one object per version.
    await until('the table has one file per version', async () => (await objectCount()) === 5, 10_000).catch(async () =>
      assert.equal(await objectCount(), 5),
    );
  });

  test('a retry through the other replica answers the first result and adds nothing', async () => {
    assert.equal((await upload(a, '/v1/tables/other', csv([1]))).status, 201);
    const first = await upload(a, '/v1/tables/other/rows', csv([2, 3]), 'k-other');
    const text = await first.text();
    assert.equal(first.status, 200, text);
    const again = await upload(b, '/v1/tables/other/rows', csv([2, 3]), 'k-other');
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await again.text(), text);
    assert.deepEqual(await ids(a, 'other'), [1, 2, 3]);
  });
});
