// openapi.yaml's `servers` entry must lead back to the server that served /openapi.json, whatever its
// PORT: Swagger UI's "Try it out" (/docs) sends requests there. Resolved as Swagger UI and every
// OpenAPI 3.1 tool resolve a relative server URL: against the document's own URL.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startServer } from '../support/server.js';

/** A port that was free a moment ago (not 8080, the old fixed address). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = createServer()
        .once('error', rej)
        .listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => res(p));
        });
    });
    if (port !== 8080) return port;
  }
}

test("/openapi.json's server is the serving server itself when PORT is set to another port", { timeout: 60_000 }, async () => {
  const port = await freePort();
  const server = await startServer({ env: { PORT: String(port), NCF_API_KEYS: 'k-admin:admin' } });
  try {
    assert.equal(new URL(server.url).port, String(port), 'the server listens on the PORT given');
    const docUrl = `${server.url}/openapi.json`;
    const doc = (await (await fetch(docUrl)).json()) as { servers?: Array<{ url: string }> };
    assert.ok(Array.isArray(doc.servers) && doc.servers.length > 0, 'the document names a server');
    for (const { url } of doc.servers) {
      const base = new URL(url, docUrl);
      assert.equal(base.origin, new URL(server.url).origin, `servers entry ${url} resolves to ${base.href}, not the serving server`);
      // "Try it out" on GET /v1/tables: the request reaches this server (401 without a key, 200 with one).
      const r = await fetch(new URL('v1/tables', base.href.endsWith('/') ? base : `${base.href}/`), {
        headers: { authorization: 'Bearer k-admin' },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { tables: [] });
    }
  } finally {
    await server.stop();
  }
});
