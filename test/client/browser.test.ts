// The client in a real browser (Debian's Chromium through playwright-core), calling the service
// from another origin: a page served on one port loads the built client (dist/src/client) and
// apache-arrow's browser build through an import map, and talks to the server on another port with
// NCF_CORS_ORIGINS naming the page's origin, so every call goes through the browser's CORS checks
// (preflights for Authorization and JSON bodies, exposed headers). A page on an origin not listed is
// blocked, which the client reports as a network error.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../browser/browser.js';
import { ROOT, startServer, type Server } from '../support/server.js';

const IMPORTS = {
  'ncf/client': '/dist/src/client/index.js',
  'apache-arrow': '/node_modules/apache-arrow/Arrow.dom.mjs',
  flatbuffers: '/node_modules/flatbuffers/mjs/flatbuffers.js',
  'json-with-bigint': '/node_modules/json-with-bigint/json-with-bigint.js',
  tslib: '/node_modules/tslib/tslib.es6.mjs',
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>client</title>
<script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script>
<script type="module">import('ncf/client').then((m) => { window.ncf = m; document.title = 'ready'; }, (e) => { document.title = 'failed: ' + e; });</script>`;
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };

let pages: HttpServer;
let pagePort = 0;
let server: Server;
let browser: Browser;

/** Serves the page and, read-only, the files the import map names (dist/ and node_modules/ only). */
function servePages(): Promise<HttpServer> {
  const s = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?', 1)[0]!);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!(file.startsWith(join(ROOT, 'dist') + '/') || file.startsWith(join(ROOT, 'node_modules') + '/'))) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (b) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((res) => s.listen(0, '127.0.0.1', () => res(s)));
}

/** Waits for the page's module to load; its error, when it fails, is the assertion's message. */
async function loaded(page: import('playwright-core').Page): Promise<void> {
  await page.waitForFunction(() => document.title !== 'client');
  assert.equal(await page.title(), 'ready');
}

before(async () => {
  pages = await servePages();
  pagePort = (pages.address() as { port: number }).port;
  server = await startServer({ env: { NCF_CORS_ORIGINS: `http://127.0.0.1:${pagePort}`, NCF_API_KEYS: 'page-key:admin' } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((res) => pages?.close(res));
});

test('from an allowed origin: upload, query, scan, download and typed errors in the browser', async () => {
  const { page, errors } = await openPage(browser);
  await page.goto(`http://127.0.0.1:${pagePort}/`);
  await loaded(page);
  const out = await page.evaluate(async (baseUrl) => {
    const { NCFClient, NCFRequestError } = (window as unknown as { ncf: typeof import('ncf/client') }).ncf;
    const ncf = new NCFClient({ baseUrl, apiKey: 'page-key' });
    const created = await ncf.create('flights', 'origin,delay\nSFO,75\nLAX,-3\nJFK,130\n', { format: 'csv' });
    await ncf.append('flights', new Blob(['{"origin":"ORD","delay":12}\n'], { type: 'application/x-ndjson' }));
    const late = await ncf.query('flights', { select: ['origin', 'delay'], where: { delay: 'gt.60' }, order: 'delay.desc' });
    const tree = await ncf.query('flights', { select: ['origin'], where: { column: 'delay', op: 'lt', value: 0 } });
    let batches = 0,
      rows = 0;
    for await (const b of ncf.scan('flights')) {
      batches++;
      rows += b.numRows;
    }
    const pq = await ncf.download('flights', { format: 'parquet' });
    const bytes = new Uint8Array(await pq.arrayBuffer());
    let missing = null;
    try {
      await ncf.describe('nope');
    } catch (e) {
      if (e instanceof NCFRequestError) missing = { status: e.status, table: e.extra.table, requestId: e.requestId };
    }
    return {
      version: created.version,
      late: late.toArray().map((r) => r.toJSON()),
      tree: tree.toArray().map((r) => r.toJSON()),
      batches,
      rows,
      parquet: [pq.headers.get('content-disposition'), String.fromCharCode(...bytes.subarray(0, 4))],
      missing,
    };
  }, server.url);
  assert.deepEqual(
    errors.filter((e) => !/404 \(Not Found\)/.test(e)),
    [],
  );
  assert.equal(out.version, 1);
  assert.deepEqual(out.late, [
    { origin: 'JFK', delay: 130 },
    { origin: 'SFO', delay: 75 },
  ]);
  assert.deepEqual(out.tree, [{ origin: 'LAX' }]);
  assert.deepEqual([out.batches >= 2, out.rows], [true, 4]);
  assert.deepEqual(out.parquet, ['attachment; filename="flights-v2.parquet"', 'PAR1'], 'Content-Disposition is exposed to the page');
  assert.equal(out.missing?.status, 404);
  assert.equal(out.missing?.table, 'nope');
  assert.match(String(out.missing?.requestId), /^[0-9a-f-]{36}$/, 'X-Request-Id is exposed to the page');
});

test('from an origin not listed, the browser blocks the call and the client says so', async () => {
  const { page } = await openPage(browser);
  // localhost and 127.0.0.1 are different origins.
  await page.goto(`http://localhost:${pagePort}/`);
  await loaded(page);
  const out = await page.evaluate(async (baseUrl) => {
    const { NCFClient, NCFNetworkError } = (window as unknown as { ncf: typeof import('ncf/client') }).ncf;
    try {
      await new NCFClient({ baseUrl, apiKey: 'page-key' }).list();
      return 'not blocked';
    } catch (e) {
      return e instanceof NCFNetworkError ? `NCFNetworkError: ${(e as Error).message}` : String(e);
    }
  }, server.url);
  assert.match(out, /^NCFNetworkError: GET \/v1\/tables: /);
});
