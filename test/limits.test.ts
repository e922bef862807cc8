// Limits wired into the app, in process: the server timeouts reach Node's http.Server, the rate limit
// counts per client address when the server runs without keys (the per-key form and the slow-client
// behaviour are tested against a real process in test/e2e/limits.test.ts), and the query-shape caps.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { HttpProblem } from '../src/http/errors.js';
import { checkQueryLimits, QUERY_LIMITS } from '../src/query/limits.js';

async function withApp(env: NodeJS.ProcessEnv, fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-limits-'));
  const app = await buildApp(loadConfig({ ...env, NCF_DATA_DIR: dir }), { logger: false });
  try {
    await fn(app);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('the timeouts reach the HTTP server', async () => {
  await withApp(
    { NCF_HEADERS_TIMEOUT: '7s', NCF_REQUEST_TIMEOUT: '5m', NCF_KEEP_ALIVE_TIMEOUT: '61s', NCF_IDLE_TIMEOUT: '3m' },
    async (app) => {
      assert.equal(app.server.headersTimeout, 7000);
      assert.equal(app.server.requestTimeout, 300_000);
      assert.equal(app.server.keepAliveTimeout, 61_000);
      assert.equal(app.server.timeout, 180_000);
    },
  );
  await withApp({}, async (app) => {
    assert.equal(app.server.headersTimeout, 10_000);
    assert.equal(app.server.requestTimeout, 600_000);
    assert.equal(app.server.timeout, 120_000);
  });
});

test('without keys the rate limit counts per client address; /v1 only', async () => {
  await withApp({ NCF_RATE_LIMIT: '3/min' }, async (app) => {
    const get = (ip: string) => app.inject({ method: 'GET', url: '/v1/tables', remoteAddress: ip });
    for (let i = 0; i < 3; i++) assert.equal((await get('10.0.0.1')).statusCode, 200);
    const r = await get('10.0.0.1');
    assert.equal(r.statusCode, 429);
    assert.match(r.headers['content-type'] as string, /^application\/problem\+json/);
    assert.match(r.json().detail, /more than 3 requests in 60 s from this client address \(NCF_RATE_LIMIT\)/);
    assert.ok(Number(r.headers['retry-after']) >= 1);
    assert.equal((await get('10.0.0.2')).statusCode, 200, 'another address has its own budget');
    for (let i = 0; i < 5; i++)
      assert.equal((await app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode, 200);
  });
  await withApp({}, async (app) => {
    for (let i = 0; i < 20; i++) assert.equal((await app.inject({ method: 'GET', url: '/v1/tables' })).statusCode, 200, 'off by default');
  });
});

test('multipart limits: a long field, too many fields, a second file are 413 problems', async () => {
  await withApp({}, async (app) => {
    const boundary = 'ncfBoundary7';
    const part = (name: string, value: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n` +
      `${filename ? 'Content-Type: text/csv\r\n' : ''}\r\n${value}\r\n`;
    const post = (parts: string[]) =>
      app.inject({
        method: 'POST',
        url: '/v1/tables/mp',
        payload: parts.join('') + `--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
    const file = part('file', 'a,b\n1,2\n', 'x.csv');
    assert.equal((await post([file])).statusCode, 201, 'a plain upload passes');
    await app.inject({ method: 'DELETE', url: '/v1/tables/mp' });
    const long = await post([part('schema', `{"a":"${'x'.repeat(300 * 1024)}"}`), file]);
    assert.equal(long.statusCode, 413);
    assert.match(long.json().detail, /multipart field "schema" is longer than 262144 bytes/);
    const many = await post([...Array.from({ length: 6 }, (_, i) => part(`f${i}`, 'v')), file]);
    assert.equal(many.statusCode, 413);
    assert.match(many.headers['content-type'] as string, /^application\/problem\+json/);
    const two = await post([file, part('file', 'a,b\n3,4\n', 'y.csv')]);
    assert.equal(two.statusCode, 413);
    assert.match(two.json().detail, /files limit/);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/tables/mp' })).statusCode, 404, 'nothing refused was committed');
  });
});

test('query-shape caps: the cap itself passes, one more is a 400 with limit and value', () => {
  const L = QUERY_LIMITS;
  const leaf = (i: number) => ({ column: 'a', op: 'eq' as const, value: i });
  const refuse = (q: Parameters<typeof checkQueryLimits>[0], parameter: string, value: number, limit: number) => {
    assert.throws(
      () => checkQueryLimits(q, 'where'),
      (e: unknown) => {
        assert.ok(e instanceof HttpProblem);
        assert.equal(e.status, 400);
        assert.deepEqual({ parameter: e.extra.parameter, value: e.extra.value, limit: e.extra.limit }, { parameter, value, limit });
        return true;
      },
    );
  };
  const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
  checkQueryLimits({ select: names(L.selectColumns), where: null });
  refuse({ select: names(L.selectColumns + 1), where: null }, 'select', L.selectColumns + 1, L.selectColumns);
  const list = (n: number) => ({ column: 'a', op: 'in' as const, value: Array.from({ length: n }, (_, i) => i) });
  checkQueryLimits({ select: null, where: { and: [list(L.inItems)] } });
  refuse({ select: null, where: { or: [leaf(1), { not: list(L.inItems + 1) }] } }, 'where', L.inItems + 1, L.inItems);
  const deep = (d: number) => {
    let f: any = leaf(0);
    for (let k = 1; k < d; k++) f = k % 2 ? { not: f } : { and: [f, leaf(k)] };
    return f;
  };
  checkQueryLimits({ select: null, where: deep(L.filterDepth) });
  refuse({ select: null, where: deep(L.filterDepth + 1) }, 'where', L.filterDepth + 1, L.filterDepth);
  const wide = (n: number) => ({ and: Array.from({ length: n - 1 }, (_, i) => leaf(i)) });
  checkQueryLimits({ select: null, where: wide(L.filterConditions) });
  refuse({ select: null, where: wide(L.filterConditions + 1) }, 'where', L.filterConditions + 1, L.filterConditions);
});
