// Idempotency-Key end to end (issue #10, item 6), against the built server on the embedded storage:
// a retried append, create or replace answers the first result (same status and body, plus
// Idempotent-Replayed: true) and writes nothing; another request under a used key is 422 naming the
// mismatch; a malformed key is 400; a key in flight is 409 with Retry-After and concurrent requests
// with one key commit once; keys survive a restart and do not outlive their table. Rows are counted by
// reading them back, versions from the history: never from the answers under test.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, req, startServer, tempFiles, type Server } from '../support/server.js';
import { gated, until } from './gated.js';

let server: Server;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const csv = (ids: number[]) => `id,label\n${ids.map((i) => `${i},item ${i}`).join('\n')}\n`;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** An upload through fetch: `key` in Idempotency-Key when given. */
function upload(
  s: Server,
  method: 'POST' | 'PUT',
  path: string,
  body: string | ReadableStream<Uint8Array>,
  key?: string,
  query = '',
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'text/csv' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const init = { body, headers, ...(typeof body === 'string' ? {} : { duplex: 'half' }) } as RequestInit;
  return req(s, method, path + query, init);
}

async function ids(s: Server, table: string): Promise<number[]> {
  const r = await req(s, 'GET', `/v1/tables/${table}/rows?select=id&order=id`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { rows: { id: number }[] }).rows.map((x) => x.id);
}

async function versions(s: Server, table: string): Promise<number> {
  const r = await req(s, 'GET', `/v1/tables/${table}/versions`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { versions: unknown[] }).versions.length;
}

describe('Idempotency-Key', () => {
  test('a retried append (real curl) answers the first status and body and adds nothing', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/ap', csv([1, 2]))).status, 201);
    const args = ['-H', 'content-type: text/csv', '-H', 'Idempotency-Key: 6f1c2a9e-append-1', '--data-binary', csv([3, 4, 5])];
    const first = await api(server, 'POST', '/v1/tables/ap/rows', args);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    for (let i = 0; i < 3; i++) {
      const again = await api(server, 'POST', '/v1/tables/ap/rows', args);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.headers['ncf-table-version'], first.headers['ncf-table-version']);
      assert.equal(again.text, first.text);
    }
    assert.deepEqual(await ids(server, 'ap'), [1, 2, 3, 4, 5]);
    assert.equal(await versions(server, 'ap'), 2);
    // The same rows under another key are another request: they land.
    const other = await api(server, 'POST', '/v1/tables/ap/rows', [
      '-H',
      'content-type: text/csv',
      '-H',
      'Idempotency-Key: 6f1c2a9e-append-2',
      '--data-binary',
      csv([3, 4, 5]),
    ]);
    assert.equal(other.status, 200);
    assert.deepEqual(await ids(server, 'ap'), [1, 2, 3, 3, 4, 4, 5, 5]);
  });

  test('a retried create answers 201 with its Location and body; a retried replace answers as it did', async () => {
    const first = await upload(server, 'POST', '/v1/tables/cr', csv([1, 2, 3]), 'create-key');
    const firstBody = await first.text();
    assert.equal(first.status, 201, firstBody);
    const again = await upload(server, 'POST', '/v1/tables/cr', csv([1, 2, 3]), 'create-key');
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.headers.get('location'), '/v1/tables/cr');
    assert.equal(await again.text(), firstBody);
    // Without the key the table's existence is a 409, as before.
    const exists = await upload(server, 'POST', '/v1/tables/cr', csv([1, 2, 3]));
    const existsBody = (await exists.json()) as { detail: string };
    assertProblem(exists, 409, existsBody);
    assert.match(existsBody.detail, /already exists/);

    const put = await upload(server, 'PUT', '/v1/tables/cr', csv([7, 8]), 'replace-key');
    const putBody = await put.text();
    assert.equal(put.status, 200, putBody);
    const putAgain = await upload(server, 'PUT', '/v1/tables/cr', csv([7, 8]), 'replace-key');
    assert.equal(putAgain.status, 200);
    assert.equal(putAgain.headers.get('idempotent-replayed'), 'true');
    assert.equal(await putAgain.text(), putBody);
    assert.deepEqual(await ids(server, 'cr'), [7, 8]);
    assert.equal(await versions(server, 'cr'), 2);
    // A replace that created its table answers 201 again.
    const made = await upload(server, 'PUT', '/v1/tables/cr2', csv([1]), 'replace-creates');
    assert.equal(made.status, 201);
    const madeAgain = await upload(server, 'PUT', '/v1/tables/cr2', csv([1]), 'replace-creates');
    assert.equal(madeAgain.status, 201);
    assert.equal(await madeAgain.text(), await made.text());
  });

  test('the same key with another body, schema or route is 422 naming the mismatch; nothing is written', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/mm', csv([1]))).status, 201);
    assert.equal((await upload(server, 'POST', '/v1/tables/mm/rows', csv([2]), 'k-mm')).status, 200);
    // One at a time: together they would be requests in flight with one key (409).
    const cases: Array<[string, () => Promise<Response>, string]> = [
      ['body', () => upload(server, 'POST', '/v1/tables/mm/rows', csv([3]), 'k-mm'), 'body'],
      [
        'schema',
        () => upload(server, 'POST', '/v1/tables/mm/rows', csv([2]), 'k-mm', `?schema=${encodeURIComponent('{"label":"string"}')}`),
        'options',
      ],
      ['route', () => upload(server, 'PUT', '/v1/tables/mm', csv([2]), 'k-mm'), 'operation'],
    ];
    for (const [what, send, mismatch] of cases) {
      const r = await send();
      const body = (await r.json()) as { mismatch: string; detail: string; idempotencyKey: string };
      assertProblem(r, 422, body);
      assert.equal(body.mismatch, mismatch, what);
      assert.equal(body.idempotencyKey, 'k-mm');
      assert.match(body.detail, /Idempotency-Key "k-mm"/);
    }
    assert.deepEqual(await ids(server, 'mm'), [1, 2]);
    assert.equal(await versions(server, 'mm'), 2);
  });

  test('a malformed key is a 400 problem naming the header; 255 printable characters are fine', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/bad', csv([1]))).status, 201);
    const bad = [
      ['-H', 'Idempotency-Key;'],
      ['-H', `Idempotency-Key: ${'k'.repeat(256)}`],
      ['-H', 'Idempotency-Key: caf\u00e9'],
      ['-H', 'Idempotency-Key: a\tb'],
    ];
    for (const h of bad) {
      const r = await api(server, 'POST', '/v1/tables/bad/rows', [...h, '-H', 'content-type: text/csv', '--data-binary', csv([2])]);
      const body = r.json();
      assertProblem(r, 400, body);
      assert.equal(body.parameter, 'Idempotency-Key', JSON.stringify(h));
    }
    const ok = await upload(server, 'POST', '/v1/tables/bad/rows', csv([3]), `~ ${'k'.repeat(253)}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ids(server, 'bad'), [1, 3]);
  });

  test('a request whose key is in flight is 409 with Retry-After; the first then answers and commits once', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/fl', csv([0]))).status, 201);
    const before = (await tempFiles(server)).length;
    const slow = gated(csv([1, 2]), '3,item 3\n');
    const first = upload(server, 'POST', '/v1/tables/fl/rows', slow.body, 'k-flight');
    // The first request is spooling its body: it holds the key.
    await until('the first upload is being spooled', async () => (await tempFiles(server)).length > before);
    const second = await upload(server, 'POST', '/v1/tables/fl/rows', `${csv([1, 2])}3,item 3\n`, 'k-flight');
    const problem = (await second.json()) as { detail: string };
    assertProblem(second, 409, problem);
    assert.match(problem.detail, /in progress/);
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    slow.finish();
    const r1 = await first;
    const body1 = await r1.text();
    assert.equal(r1.status, 200, body1);
    const third = await upload(server, 'POST', '/v1/tables/fl/rows', `${csv([1, 2])}3,item 3\n`, 'k-flight');
    assert.equal(third.status, 200);
    assert.equal(await third.text(), body1);
    assert.deepEqual(await ids(server, 'fl'), [0, 1, 2, 3]);
  });

  test('eight concurrent requests with one key commit exactly once; each answers that result or 409', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/cc', csv([0]))).status, 201);
    const body = csv(range(1, 200));
    const answers = await Promise.all(
      range(0, 8).map(() =>
        upload(server, 'POST', '/v1/tables/cc/rows', body, 'k-concurrent').then(async (r) => ({
          status: r.status,
          text: await r.text(),
          retryAfter: r.headers.get('retry-after'),
        })),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    assert.ok(ok.length >= 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers) {
      assert.ok(a.status === 200 || a.status === 409, `${a.status}: ${a.text}`);
      if (a.status === 409) assert.equal(a.retryAfter, '1');
      else assert.equal(a.text, ok[0]!.text);
    }
    assert.deepEqual(await ids(server, 'cc'), range(0, 201));
    assert.equal(await versions(server, 'cc'), 2);
  });

  test('a key of a dropped table does not apply to a new table of the same name', async () => {
    assert.equal((await upload(server, 'POST', '/v1/tables/dr', csv([1, 2]), 'k-drop')).status, 201);
    assert.equal((await req(server, 'DELETE', '/v1/tables/dr')).status, 204);
    const fresh = await upload(server, 'POST', '/v1/tables/dr', csv([9]), 'k-drop');
    assert.equal(fresh.status, 201);
    assert.equal(fresh.headers.get('idempotent-replayed'), null);
    assert.deepEqual(await ids(server, 'dr'), [9]);
  });
});

describe('Idempotency-Key across a restart and retention', () => {
  test('a key survives a server restart: the retry still answers the first result', async () => {
    const s = await startServer();
    const dataDir = s.dataDir;
    let t: Server | undefined;
    try {
      assert.equal((await upload(s, 'POST', '/v1/tables/rs', csv([1]))).status, 201);
      const first = await upload(s, 'POST', '/v1/tables/rs/rows', csv([2, 3]), 'k-restart');
      const text = await first.text();
      assert.equal(first.status, 200, text);
      await s.stop({ keep: true });
      t = await startServer({ dataDir });
      const again = await upload(t, 'POST', '/v1/tables/rs/rows', csv([2, 3]), 'k-restart');
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await again.text(), text);
      assert.deepEqual(await ids(t, 'rs'), [1, 2, 3]);
    } finally {
      await (t ?? s).stop();
    }
  });

  test('when vacuum has forgotten the version a key made, the retry keeps its status and says what it did', async () => {
    const s = await startServer({ env: { NCF_RETAIN_VERSIONS: '1' } });
    try {
      assert.equal((await upload(s, 'POST', '/v1/tables/vf', csv([1]))).status, 201);
      assert.equal((await upload(s, 'POST', '/v1/tables/vf/rows', csv([2]), 'k-old')).status, 200);
      assert.equal((await upload(s, 'POST', '/v1/tables/vf/rows', csv([3]))).status, 200);
      assert.equal((await req(s, 'POST', '/v1/tables/vf/vacuum')).status, 200);
      const again = await upload(s, 'POST', '/v1/tables/vf/rows', csv([2]), 'k-old');
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await again.json(), { name: 'vf', version: 2, operation: 'append', rowsAdded: 1 });
      assert.deepEqual(await ids(s, 'vf'), [1, 2, 3]);
    } finally {
      await s.stop();
    }
  });
});
