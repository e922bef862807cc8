// The one error handler: a problem sent in place of an answer that failed before its first byte
// carries none of the headers that answer had set for its own body.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import { gatewayTimeout } from '../../src/http/errors.js';
import { installErrorHandling } from '../../src/http/problem.js';

test("an answer that fails before its first byte becomes a plain problem, without the answer's body headers", async () => {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  app.get('/slow', async (_req, reply) => {
    const body = new Readable({
      read() {
        this.destroy(gatewayTimeout('The query took longer than the server allows (NCF_QUERY_TIMEOUT_MS).'));
      },
    });
    return reply
      .code(200)
      .headers({ 'Content-Encoding': 'gzip', 'Content-Disposition': 'attachment; filename="t.parquet"', ETag: '"x"' })
      .send(body);
  });
  const r = await app.inject({ method: 'GET', url: '/slow' });
  assert.equal(r.statusCode, 504);
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.headers['content-disposition'], undefined);
  assert.equal(r.headers.etag, undefined);
  assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  assert.match(JSON.parse(r.body).detail, /NCF_QUERY_TIMEOUT_MS/);
  await app.close();
});
