// installCors on a bare Fastify app: any NCF-* header a route sets is exposed to allowed origins,
// Vary keeps Origin after a route replaces it, and nothing is added for origins not listed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { installCors } from '../../src/http/cors.js';

test('NCF-* headers are exposed and Vary: Origin survives a route that sets its own Vary', async () => {
  const app = Fastify();
  await installCors(app, ['https://a.example']);
  app.get('/x', async (_req, reply) => reply.headers({ 'NCF-Something-New': '1', Vary: 'Accept' }).send('ok'));
  try {
    const allowed = await app.inject({ method: 'GET', url: '/x', headers: { origin: 'https://a.example' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://a.example');
    const exposed = String(allowed.headers['access-control-expose-headers']).split(', ');
    assert.ok(exposed.includes('ncf-something-new'), exposed.join(', '));
    assert.ok(exposed.includes('NCF-Row-Groups'));
    assert.equal(allowed.headers.vary, 'Accept, Origin');

    const other = await app.inject({ method: 'GET', url: '/x', headers: { origin: 'https://b.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    assert.ok(!String(other.headers['access-control-expose-headers']).includes('ncf-something-new'));
    assert.equal(other.headers.vary, 'Accept, Origin', 'a cache must not reuse it for another origin either');
  } finally {
    await app.close();
  }
});
