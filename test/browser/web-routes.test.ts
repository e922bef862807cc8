// The page routes over HTTP, without a browser: content types, caching, 304 on a matching ETag,
// 404 problems for unknown files (no path escapes web/), vendor bundles from node_modules, and no
// key needed even when the API has keys. Every status is checked against openapi.yaml.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, req, ROOT, startServer, type Server } from '../support/server.js';

let server: Server;

before(async () => {
  server = await startServer({ env: { NCF_API_KEYS: 'reader-secret:read' } });
});

after(async () => {
  await server?.stop();
});

describe('page routes', () => {
  test('the pages and their files, with types and caching; no key needed while /v1 wants one', async () => {
    const cases: [string, string, string, string][] = [
      ['/', 'index.html', 'text/html; charset=utf-8', 'no-cache'],
      ['/examples/dashboard', 'dashboard.html', 'text/html; charset=utf-8', 'no-cache'],
      ['/web/app.js', 'app.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/web/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/web/style.css', 'style.css', 'text/css; charset=utf-8', 'no-cache'],
    ];
    for (const [path, file, type, cache] of cases) {
      const r = await req(server, 'GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), type, path);
      assert.equal(r.headers.get('cache-control'), cache, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await r.text(), await readFile(join(ROOT, 'web', file), 'utf8'), path);
    }
    assert.equal((await req(server, 'GET', '/v1/tables')).status, 401);
  });

  test("vendor bundles are the installed packages' UMD files, cached for a day", async () => {
    const bundles: [string, string][] = [
      ['/vendor/apache-arrow.js', 'node_modules/apache-arrow/Arrow.es2015.min.js'],
      ['/vendor/chart.js', 'node_modules/chart.js/dist/chart.umd.min.js'],
    ];
    for (const [path, file] of bundles) {
      const r = await req(server, 'GET', path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(r.headers.get('cache-control'), 'public, max-age=86400');
      assert.ok(Buffer.from(await r.arrayBuffer()).equals(await readFile(join(ROOT, file))), path);
    }
  });

  // curl, not fetch: fetch marks a request carrying its own If-None-Match "Cache-Control: no-cache",
  // which rightly defeats the 304.
  test('a matching ETag is 304; a failed If-Match precondition is 412', async () => {
    for (const path of ['/', '/web/app.js', '/vendor/chart.js']) {
      const first = await api(server, 'GET', path);
      const etag = first.headers.etag;
      assert.ok(etag, `an ETag for ${path}`);
      const again = await api(server, 'GET', path, ['-H', `If-None-Match: ${etag}`]);
      assert.equal(again.status, 304, path);
      assert.equal(again.body.byteLength, 0);
    }
    const precondition = await api(server, 'GET', '/vendor/chart.js', ['-H', 'If-Match: "not-this-one"']);
    assert.equal(precondition.status, 412);
  });

  test('unknown files are 404 problems, and no name reaches outside web/', async () => {
    for (const path of [
      '/web/nope.js',
      '/web/index.html',
      '/web/..%2Fpackage.json',
      '/web/%2E%2E%2Fopenapi.yaml',
      '/web/.hidden.js',
      '/vendor/Arrow.js',
      '/vendor/..%2F..%2Fpackage.json',
    ]) {
      const r = await req(server, 'GET', path);
      const body = (await r.json()) as { detail: string };
      assertProblem({ status: r.status, headers: r.headers }, 404, body);
      assert.match(body.detail, /^no (web asset|vendor bundle) /, path);
    }
  });
});
