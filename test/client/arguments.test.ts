// Every public NCFClient method checks its arguments before any request (issue #14 item 8): a wrong
// table name (missing, empty, not a string, outside the server's rule), a wrong option type or a
// missing required argument is an NCFUsageError naming the method and the argument, and no request
// leaves (a fetch wrapper counts them). A real server process answers the calls that are right, so
// the same wrapper is seen to count, and the client's name rule is checked against the server's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NCFClient, NCFRequestError, NCFUsageError } from 'ncf/client';
import { startServer, type Server } from '../support/server.js';

let server: Server;
let client: NCFClient;
const sent: string[] = [];

before(async () => {
  server = await startServer({ env: { NCF_API_KEYS: 'admin-key:admin' } });
  const counting: typeof fetch = (input, init) => {
    sent.push(`${init?.method ?? 'GET'} ${String(input)}`);
    return fetch(input, init);
  };
  client = new NCFClient({ baseUrl: server.url, apiKey: 'admin-key', fetch: counting });
  await client.create('t', 'a,b\n1,x\n2,y\n', { format: 'csv' });
  sent.length = 0;
});

after(async () => {
  await server?.stop();
});

/** `call` rejects (or throws) with an NCFUsageError whose message starts `method: argument` and sends nothing. */
async function refused(method: string, argument: string, call: () => unknown): Promise<void> {
  const before = sent.length;
  await assert.rejects(
    async () => {
      const r = call();
      // scan() is an async generator: its checks run on the first next().
      if (r !== null && typeof r === 'object' && Symbol.asyncIterator in r) {
        for await (const _ of r as AsyncIterable<unknown>) {
          /* never reached */
        }
      } else await r;
    },
    (e: unknown) => {
      assert.ok(e instanceof NCFUsageError, `${method}: expected NCFUsageError, got ${String(e)}`);
      const prefix = `${method}: ${argument}`;
      assert.ok(e.message.startsWith(prefix), `"${e.message}" should start with "${prefix}"`);
      return true;
    },
  );
  assert.deepEqual(sent.slice(before), [], `${method} sent a request despite a bad ${argument}`);
}

const BAD_NAMES: unknown[] = [undefined, null, '', ' ', 'a/b', '../t', '1abc', 'a-b', 'é', 'x'.repeat(129), 42, {}, ['t']];
const data = 'a,b\n3,z\n';

describe("table names, as the server's rule has them, before any request", () => {
  const calls: Record<string, (name: unknown) => unknown> = {
    describe: (n) => client.describe(n as string),
    delete: (n) => client.delete(n as string),
    create: (n) => client.create(n as string, data, { format: 'csv' }),
    replace: (n) => client.replace(n as string, data, { format: 'csv' }),
    append: (n) => client.append(n as string, data, { format: 'csv' }),
    query: (n) => client.query(n as string),
    scan: (n) => client.scan(n as string),
    download: (n) => client.download(n as string, { format: 'csv' }),
  };
  for (const [method, call] of Object.entries(calls)) {
    test(method, async () => {
      for (const bad of BAD_NAMES) await refused(method, 'name', () => call(bad));
    });
  }

  test('each name the client refuses, the server refuses too (400), and a name at the limit passes both', async () => {
    const admin = new NCFClient({ baseUrl: server.url, apiKey: 'admin-key' });
    for (const bad of ['1abc', 'a-b', 'x'.repeat(129)]) {
      const r = await fetch(`${server.url}/v1/tables/${encodeURIComponent(bad)}`, { headers: { authorization: 'Bearer admin-key' } });
      assert.equal(r.status, 400, bad);
      await r.body?.cancel();
    }
    const longest = `_${'x'.repeat(127)}`;
    await assert.rejects(admin.describe(longest), (e: unknown) => e instanceof NCFRequestError && e.status === 404);
  });
});

describe('options and required arguments of each method', () => {
  test('list', async () => {
    await refused('list', 'options', () => client.list(null as never));
    await refused('list', 'signal', () => client.list({ signal: 'soon' as never }));
  });

  test('describe', async () => {
    await refused('describe', 'options', () => client.describe('t', 5 as never));
    for (const v of [0, -1, 1.5, '1', NaN]) await refused('describe', 'version', () => client.describe('t', { version: v as never }));
    await refused('describe', 'signal', () => client.describe('t', { signal: {} as never }));
  });

  test('delete', async () => {
    await refused('delete', 'options', () => client.delete('t', 'yes' as never));
    await refused('delete', 'signal', () => client.delete('t', { signal: 1 as never }));
  });

  for (const method of ['create', 'replace', 'append'] as const) {
    test(method, async () => {
      const call = (d: unknown, o?: unknown) => client[method]('t', d as never, o as never);
      await refused(method, 'data', () => call(undefined));
      await refused(method, 'data', () => call(null));
      await refused(method, 'options', () => call(data, 'csv'));
      await refused(method, 'schema', () => call(data, { format: 'csv', schema: '{"a":"string"}' }));
      await refused(method, 'schema', () => call(data, { format: 'csv', schema: ['a'] }));
      for (const k of ['', 'x'.repeat(256), 'é', 7])
        await refused(method, 'idempotencyKey', () => call(data, { format: 'csv', idempotencyKey: k }));
      for (const r of [-1, 1.5, '2']) await refused(method, 'retries', () => call(data, { format: 'csv', retries: r }));
      await refused(method, 'signal', () => call(data, { format: 'csv', signal: true }));
    });
  }

  for (const method of ['query', 'scan', 'download'] as const) {
    test(method, async () => {
      const call = (o: Record<string, unknown>) =>
        method === 'download' ? client.download('t', { format: 'csv', ...o } as never) : client[method]('t', o as never);
      if (method !== 'download') await refused(method, 'options', () => client[method]('t', 'a' as never));
      await refused(method, 'select', () => call({ select: 5 }));
      await refused(method, 'select[1]', () => call({ select: ['a', 5] }));
      await refused(method, 'where', () => call({ where: 'a=gt.1' }));
      await refused(method, 'order', () => call({ order: 5 }));
      await refused(method, 'order[0].column', () => call({ order: [{ desc: true }] }));
      await refused(method, 'order[0].desc', () => call({ order: [{ column: 'a', desc: 'yes' }] }));
      await refused(method, 'order[0].nulls', () => call({ order: [{ column: 'a', nulls: 'top' }] }));
      for (const [arg, bad] of [
        ['limit', -1],
        ['limit', 1.5],
        ['limit', '10'],
        ['limit', 1e13],
        ['offset', -5],
        ['offset', '0'],
      ] as const) {
        await refused(method, arg, () => call({ [arg]: bad }));
      }
      await refused(method, 'version', () => call({ version: 0 }));
      await refused(method, 'signal', () => call({ signal: 'x' }));
    });
  }

  test('download needs its options and a known format', async () => {
    await refused('download', 'options', () => client.download('t', undefined as never));
    await refused('download', 'format', () => client.download('t', {} as never));
    await refused('download', 'format', () => client.download('t', { format: 'xlsx' as never }));
  });

  test('the constructor checks apiKey and headers', () => {
    assert.throws(
      () => new NCFClient({ baseUrl: server.url, apiKey: 42 as never }),
      (e: unknown) => e instanceof NCFUsageError && /^apiKey: /.test(e.message),
    );
    assert.throws(
      () => new NCFClient({ baseUrl: server.url, headers: { 'x-n': 1 } as never }),
      (e: unknown) => e instanceof NCFUsageError && /^headers: /.test(e.message),
    );
  });
});

test('right arguments reach the server (the counter counts), each method once', async () => {
  sent.length = 0;
  const ac = new AbortController();
  assert.deepEqual(
    (await client.list({ signal: ac.signal })).map((t) => t.name),
    ['t'],
  );
  assert.equal((await client.describe('t', { version: 1 })).name, 't');
  await client.append('t', data, { format: 'csv', idempotencyKey: 'k-1', retries: 1, schema: { b: 'string' } });
  assert.equal(
    (await client.query('t', { select: ['a'], order: [{ column: 'a', desc: true, nulls: 'last' }], limit: 2, offset: 0 })).numRows,
    2,
  );
  let n = 0;
  for await (const b of client.scan('t', { where: { a: 'gt.1' }, version: 2 })) n += b.numRows;
  assert.equal(n, 2);
  assert.deepEqual((await (await client.download('t', { format: 'csv', select: 'a', order: 'a' })).text()).trim().split(/\r?\n/), [
    'a',
    '1',
    '2',
    '3',
  ]);
  await client.delete('t');
  assert.equal(sent.length, 7, sent.join('\n'));
});
