// The client's idempotencyKey and retries options against a real server: a call made again with the
// same key answers the first result; with `retries`, a response lost after the server committed (the
// connection broke on the way back) is retried under the same generated key and adds the rows once.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { NCFClient, NCFNetworkError, NCFUsageError } from 'ncf/client';
import { startServer, type Server } from '../support/server.js';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const csv = (ids: number[]) => `id\n${ids.join('\n')}\n`;

async function ids(c: NCFClient, table: string): Promise<number[]> {
  const t = await c.query(table, { select: ['id'], order: 'id' });
  return [...t.getChild('id')!].map(Number);
}

test('the same idempotencyKey again answers the first result and adds nothing', async () => {
  const c = new NCFClient({ baseUrl: server.url });
  await c.create('ck', csv([1]), { format: 'csv' });
  const first = await c.append('ck', csv([2, 3]), { format: 'csv', idempotencyKey: 'client-key-1' });
  const again = await c.append('ck', csv([2, 3]), { format: 'csv', idempotencyKey: 'client-key-1' });
  assert.deepEqual(again, first);
  assert.deepEqual(await ids(c, 'ck'), [1, 2, 3]);
});

test('retries resend under one generated key: a response lost after the commit adds the rows once', async () => {
  const keys: string[] = [];
  let lose = 1;
  // The server answers, then the "network" loses that answer once.
  const flaky: typeof fetch = async (input, init) => {
    const h = new Headers(init?.headers);
    if (init?.method === 'POST' && String(input).endsWith('/rows')) keys.push(h.get('idempotency-key') ?? '(none)');
    const res = await fetch(input, init);
    if (init?.method === 'POST' && String(input).endsWith('/rows') && lose-- > 0) {
      await res.arrayBuffer();
      throw new TypeError('fetch failed', { cause: new Error('other side closed') });
    }
    return res;
  };
  const c = new NCFClient({ baseUrl: server.url, fetch: flaky });
  await c.create('cr', csv([1]), { format: 'csv' });
  const r = await c.append('cr', csv([2, 3]), { format: 'csv', retries: 2 });
  assert.equal(r.rowsAdded, 2);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
  assert.match(keys[0]!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(await ids(c, 'cr'), [1, 2, 3]);

  // Without retries the lost answer is the caller's NCFNetworkError (and nothing is resent).
  lose = 1;
  await assert.rejects(c.append('cr', csv([4]), { format: 'csv' }), NCFNetworkError);
  assert.deepEqual(await ids(c, 'cr'), [1, 2, 3, 4]);
});

test('retries need data that can be sent again', async () => {
  const c = new NCFClient({ baseUrl: server.url });
  await assert.rejects(c.append('cr', Readable.from([csv([5])]), { format: 'csv', retries: 1 }), NCFUsageError);
  await assert.rejects(c.append('cr', csv([5]), { format: 'csv', retries: -1 }), NCFUsageError);
});
