// Two server processes (the built service, as in production) over one PostgreSQL catalog and one
// object store (s3rver emulator): stateless replicas. Concurrent appends split across both land
// exactly once with gap-free versions; a replace racing appends has one consistent outcome and the
// losers get 409; a commit through one replica is visible through the other on the next request.
// Expectations come from what the test sent, never from the service's own counters.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../storage/keys.js';
import { startPgServer, type PgTestServer } from '../support/pg-cluster.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startServer, type Server } from '../support/server.js';

let pg: PgTestServer | undefined;
let s3: S3TestServer | undefined;
let a: Server;
let b: Server;

before(async () => {
  [pg, s3] = await Promise.all([startPgServer(), startS3Server()]);
  const db = await pg.createDatabase();
  const env = {
    NCF_CATALOG_URL: db.url,
    NCF_STORAGE_URL: `s3://${s3.bucket}/${newId()}`,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    NCF_MAX_RESPONSE_ROWS: '1000000',
  };
  [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
});

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await s3?.close();
  await pg?.stop();
});

function csv(ids: number[], header = 'id,label'): string {
  return `${header}\n${ids.map((i) => `${i},item ${i}`).join('\n')}\n`;
}

async function send(server: Server, method: string, path: string, body?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'text/csv' } }),
  });
}

async function ids(server: Server, table: string): Promise<number[]> {
  const r = await send(server, 'GET', `/v1/tables/${table}/rows?select=id`, undefined);
  assert.equal(r.status, 200);
  const text = await r.text();
  return (JSON.parse(text) as { rows: { id: number }[] }).rows.map((x) => x.id);
}

async function history(
  server: Server,
  table: string,
): Promise<{ version: number; operation: string; rowsAdded: number; rowCount: number }[]> {
  const r = await send(server, 'GET', `/v1/tables/${table}/versions`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { versions: { version: number; operation: string; rowsAdded: number; rowCount: number }[] }).versions;
}

/** A PUT whose body the test finishes later: the request (and its view of the table) starts now. */
function slowPut(
  server: Server,
  path: string,
  head: string,
  tail: string,
): { finish(): void; done: Promise<{ status: number; body: string }> } {
  let finish!: () => void;
  const gate = new Promise<void>((res) => {
    finish = res;
  });
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
      await gate;
      controller.enqueue(new TextEncoder().encode(tail));
      controller.close();
    },
  });
  const done = fetch(`${server.url}${path}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'text/csv' },
    duplex: 'half',
  } as RequestInit).then(async (r) => ({ status: r.status, body: await r.text() }));
  return { finish, done };
}

describe('two replicas over PostgreSQL + object storage', () => {
  it('50 concurrent appends split across both replicas: exact rows, gap-free versions', async () => {
    const r0 = await send(a, 'POST', '/v1/tables/events?format=csv', csv([0, 1]));
    assert.equal(r0.status, 201, await r0.text());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(i % 2 === 0 ? a : b, 'POST', '/v1/tables/events/rows?format=csv', csv([1000 + 2 * i, 1001 + 2 * i])).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        })),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.body);
    const expected = [0, 1, ...Array.from({ length: 100 }, (_, i) => 1000 + i)];
    for (const s of [a, b]) {
      const h = await history(s, 'events');
      assert.deepEqual(
        h.map((v) => v.version),
        Array.from({ length: 51 }, (_, i) => i + 1),
      );
      assert.equal(h.at(-1)!.rowCount, 102);
      assert.deepEqual(
        (await ids(s, 'events')).sort((x, y) => x - y),
        expected,
      );
    }
  });

  it('a commit through one replica is visible through the other on the next request', async () => {
    assert.equal((await send(b, 'PUT', '/v1/tables/seen?format=csv', csv([1]))).status, 201);
    for (let i = 0; i < 5; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const w = await send(writer, 'POST', '/v1/tables/seen/rows?format=csv', csv([100 + i]));
      assert.equal(w.status, 200);
      const version = w.headers.get('ncf-table-version');
      const r = await send(reader, 'GET', '/v1/tables/seen');
      assert.equal(r.headers.get('ncf-table-version'), version);
      assert.equal((await ids(reader, 'seen')).length, i + 2);
    }
  });

  it('a reader streaming a large result finishes on its version while the other replica replaces the table', async () => {
    const n = 200_000;
    assert.equal((await send(a, 'PUT', '/v1/tables/big?format=csv', csv(Array.from({ length: n }, (_, i) => i)))).status, 201);
    const r = await fetch(`${b.url}/v1/tables/big/rows?select=id`, { headers: { accept: 'application/x-ndjson' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('ncf-table-version'), '1');
    const reader = r.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done);
    const replaced = await send(a, 'PUT', '/v1/tables/big?format=csv', csv([7, 8, 9]));
    assert.equal(replaced.status, 200, await replaced.text());
    const chunks: Uint8Array[] = [first.value];
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
    }
    const got = Buffer.concat(chunks)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    assert.equal(got.length, n);
    for (let i = 0; i < n; i++) if (got[i] !== i) assert.fail(`row ${i}: expected id ${i}, got ${got[i]}`);
    assert.deepEqual(await ids(b, 'big'), [7, 8, 9]);
  });

  it('a replace that started before appends landed through the other replica loses with 409; the appends stay', async () => {
    assert.equal((await send(a, 'POST', '/v1/tables/slow?format=csv', csv([1, 2]))).status, 201);
    const put = slowPut(a, '/v1/tables/slow?format=csv', 'id,label\n500,x\n', '501,y\n');
    // The replace's request is under way (its body half sent) when the appends commit.
    await new Promise((res) => setTimeout(res, 200));
    for (const i of [10, 11, 12]) assert.equal((await send(b, 'POST', '/v1/tables/slow/rows?format=csv', csv([i]))).status, 200);
    put.finish();
    const r = await put.done;
    assert.equal(r.status, 409, r.body);
    assert.deepEqual(
      (await ids(a, 'slow')).sort((x, y) => x - y),
      [1, 2, 10, 11, 12],
    );
    assert.deepEqual(
      (await history(b, 'slow')).map((v) => v.operation),
      ['create', 'append', 'append', 'append'],
    );
    // Retried now, the replace wins; appends after it land on the new contents.
    assert.equal((await send(a, 'PUT', '/v1/tables/slow?format=csv', csv([500, 501]))).status, 200);
    assert.equal((await send(b, 'POST', '/v1/tables/slow/rows?format=csv', csv([13]))).status, 200);
    assert.deepEqual(await ids(a, 'slow'), [500, 501, 13]);
  });

  it('a replace racing appends: one consistent outcome, the losers get 409', async () => {
    const base = Array.from({ length: 10 }, (_, i) => i);
    assert.equal((await send(a, 'POST', '/v1/tables/race?format=csv', csv(base))).status, 201);
    // The replace carries more rows (takes longer to write), so appends usually land while it runs.
    const replacement = Array.from({ length: 50_000 }, (_, i) => 100_000 + i);
    const put = send(a, 'PUT', '/v1/tables/race?format=csv', csv(replacement)).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    const appends = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        send(b, 'POST', '/v1/tables/race/rows?format=csv', csv([1000 + i])).then(async (r) => ({
          id: 1000 + i,
          status: r.status,
          body: await r.text(),
        })),
      ),
    );
    const replaced = await put;
    for (const r of [replaced, ...appends]) assert.ok(r.status === 200 || r.status === 409, `${r.status} ${r.body}`);
    const landed = appends.filter((r) => r.status === 200).map((r) => r.id);
    const h = await history(b, 'race');
    assert.deepEqual(
      h.map((v) => v.version),
      Array.from({ length: h.length }, (_, i) => i + 1),
      'gap-free',
    );
    assert.equal(h.length, 1 + landed.length + (replaced.status === 200 ? 1 : 0));
    const final = (await ids(a, 'race')).sort((x, y) => x - y);
    if (replaced.status === 409) {
      // The replace lost: every append landed on the original table.
      assert.deepEqual(landed.length, 10);
      assert.deepEqual(
        final,
        [...base, ...landed].sort((x, y) => x - y),
      );
    } else {
      // The replace won: the table is its rows plus the appends committed after it, none before it.
      const at = h.findIndex((v) => v.operation === 'replace');
      const after = h.slice(at + 1).reduce((n, v) => n + v.rowsAdded, 0);
      assert.equal(final.length, replacement.length + after);
      assert.ok(final.filter((x) => x < 1000).length === 0, 'no original row survives a replace');
    }
  });
});
