// CORS (NCF_CORS_ORIGINS) and Cache-Control (NCF_CACHE_CONTROL, NCF_CACHE_CONTROL_VERSIONED) on a
// real server, with real Origin headers sent by curl: preflights answered before authentication,
// allowed and refused origins, the exposed headers, errors readable cross-origin, Vary: Origin kept
// on query answers, `*`, and CORS off by default.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, type Server, startServer } from '../support/server.js';

const DASH = 'https://dash.example.com';
const LOCAL = 'http://localhost:5173';
const KEY = ['-H', 'Authorization: Bearer reader-key'];

function list(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

async function upload(server: Server, key: string[] = []): Promise<void> {
  const r = await api(server, 'POST', '/v1/tables/flights', [
    ...key,
    '-H',
    'Content-Type: text/csv',
    '--data-binary',
    'origin,delay\nSFO,75\nLAX,-3\n',
  ]);
  assert.equal(r.status, 201, r.text);
}

describe('with NCF_CORS_ORIGINS listing origins', () => {
  let server: Server;
  before(async () => {
    server = await startServer({
      env: {
        NCF_CORS_ORIGINS: `${DASH}, ${LOCAL}`,
        NCF_API_KEYS: 'reader-key:read,writer-key:write',
        NCF_CACHE_CONTROL: 'private, max-age=5',
        NCF_CACHE_CONTROL_VERSIONED: 'public, max-age=31536000, immutable',
      },
    });
    await upload(server, ['-H', 'Authorization: Bearer writer-key']);
  });
  after(async () => {
    await server?.stop();
  });

  test('a preflight is answered 204 without a key, naming the methods and headers a page may use', async () => {
    const r = await api(server, 'OPTIONS', '/v1/tables/flights/query', [
      '-H',
      `Origin: ${DASH}`,
      '-H',
      'Access-Control-Request-Method: POST',
      '-H',
      'Access-Control-Request-Headers: authorization, content-type',
    ]);
    assert.equal(r.status, 204, r.text);
    assert.equal(r.headers['access-control-allow-origin'], DASH);
    for (const m of ['get', 'post', 'put', 'delete']) assert.ok(list(r.headers['access-control-allow-methods']).includes(m), m);
    for (const h of ['authorization', 'content-type', 'if-none-match'])
      assert.ok(list(r.headers['access-control-allow-headers']).includes(h), h);
    assert.equal(r.headers['access-control-max-age'], '600');
    assert.ok(list(r.headers.vary).includes('origin'));
    assert.equal(r.body.length, 0);

    const other = await api(server, 'OPTIONS', '/v1/tables', ['-H', `Origin: ${LOCAL}`, '-H', 'Access-Control-Request-Method: GET']);
    assert.equal(other.status, 204);
    assert.equal(other.headers['access-control-allow-origin'], LOCAL);
  });

  test('an origin not listed gets no Access-Control-Allow-Origin (the browser then blocks the page)', async () => {
    const pre = await api(server, 'OPTIONS', '/v1/tables', [
      '-H',
      'Origin: https://evil.example',
      '-H',
      'Access-Control-Request-Method: GET',
    ]);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    const get = await api(server, 'GET', '/v1/tables', [...KEY, '-H', 'Origin: https://dash.example.com.evil.example']);
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], undefined);
  });

  test('query answers allow the origin, expose the NCF headers, and keep Vary: Origin next to Accept', async () => {
    const r = await api(server, 'GET', '/v1/tables/flights/rows?delay=gt.0', [...KEY, '-H', `Origin: ${DASH}`]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['access-control-allow-origin'], DASH);
    assert.equal(r.headers['access-control-allow-credentials'], undefined, 'keys travel in Authorization, not cookies');
    const exposed = list(r.headers['access-control-expose-headers']);
    for (const h of ['etag', 'link', 'ncf-table-version', 'ncf-row-groups', 'content-disposition', 'x-request-id'])
      assert.ok(exposed.includes(h), `${h} in ${exposed}`);
    assert.deepEqual(list(r.headers.vary), ['accept', 'accept-encoding', 'prefer', 'origin']);
    assert.equal(r.headers['cache-control'], 'private, max-age=5');
    const pinned = await api(server, 'GET', '/v1/tables/flights/rows?version=1', [...KEY, '-H', `Origin: ${DASH}`]);
    assert.equal(pinned.headers['cache-control'], 'public, max-age=31536000, immutable');
    const hist = await api(server, 'GET', '/v1/tables/flights/columns/delay/histogram?version=1', [...KEY, '-H', `Origin: ${DASH}`]);
    assert.equal(hist.status, 200);
    assert.equal(hist.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(hist.headers['access-control-allow-origin'], DASH);
  });

  test('errors are readable cross-origin: 401 without a key, 404 for an unknown table', async () => {
    const noKey = await api(server, 'GET', '/v1/tables', ['-H', `Origin: ${DASH}`]);
    assertProblem(noKey, 401, noKey.json());
    assert.equal(noKey.headers['access-control-allow-origin'], DASH);
    assert.ok(list(noKey.headers['access-control-expose-headers']).includes('www-authenticate'));
    const missing = await api(server, 'GET', '/v1/tables/nope', [...KEY, '-H', `Origin: ${LOCAL}`]);
    assertProblem(missing, 404, missing.json());
    assert.equal(missing.headers['access-control-allow-origin'], LOCAL);
  });
});

test('NCF_CORS_ORIGINS=* allows any origin', async () => {
  const server = await startServer({ env: { NCF_CORS_ORIGINS: '*' } });
  try {
    await upload(server);
    const r = await api(server, 'GET', '/v1/tables/flights/rows', ['-H', 'Origin: https://anywhere.example']);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const pre = await api(server, 'OPTIONS', '/v1/tables/flights', [
      '-H',
      'Origin: https://anywhere.example',
      '-H',
      'Access-Control-Request-Method: PUT',
    ]);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
  } finally {
    await server.stop();
  }
});

test('CORS is off by default: no CORS headers, OPTIONS is a 404 problem', async () => {
  const server = await startServer();
  try {
    const r = await api(server, 'GET', '/v1/tables', ['-H', `Origin: ${DASH}`]);
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const pre = await api(server, 'OPTIONS', '/v1/tables', ['-H', `Origin: ${DASH}`, '-H', 'Access-Control-Request-Method: GET']);
    assertProblem(pre, 404, pre.json());
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  } finally {
    await server.stop();
  }
});

test('a bad NCF_CORS_ORIGINS or NCF_CACHE_CONTROL stops the server with a message naming it', async () => {
  const { runServerExpectExit } = await import('../support/server.js');
  const r = await runServerExpectExit({ NCF_CORS_ORIGINS: 'dash.example.com', NCF_CACHE_CONTROL: 'max-age=1\nX: y' });
  assert.notEqual(r.code, 0);
  assert.match(r.output, /NCF_CORS_ORIGINS: "dash\.example\.com" is not an origin/);
  assert.match(r.output, /NCF_CACHE_CONTROL=.*expected Cache-Control directives/);
});
