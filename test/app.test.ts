// The app in-process (Fastify inject): the OpenAPI contract (every route and status the server has
// is in openapi.yaml, and the reverse), and the error paths a real server cannot easily be driven
// into: a failing catalog (readiness), a busy catalog (503), an unexpected error (500 without details).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, routesOf } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContext, type ServiceContext } from '../src/context.js';
import { openStorage, type Storage } from '../storage/open.js';
import { CatalogBusy } from '../storage/errors.js';
import type { Catalog } from '../storage/types.js';
import { openapi } from './support/server.js';

let dir = '';
let storage: Storage;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-app-'));
  storage = await openStorage({ dataDir: dir });
});

after(async () => {
  await storage?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The real catalog with some methods replaced. */
function catalogWith(overrides: Partial<Catalog>): Catalog {
  return new Proxy(storage.catalog, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<PropertyKey, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function app(overrides: Partial<Catalog> = {}, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const ctx: ServiceContext = createContext(loadConfig({ NCF_DATA_DIR: dir, ...env }), {
    catalog: catalogWith(overrides),
    blobs: storage.blobs,
  });
  const a = await buildApp(ctx, { logger: false });
  await a.ready();
  return a;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

describe('openapi.yaml contract', () => {
  test('every route and status the server registers is documented, and every documented one is registered', async () => {
    const a = await app();
    try {
      const routes = routesOf(a);
      assert.ok(routes.length >= 10, `routes: ${routes.length}`);
      const server = new Map<string, number[]>();
      for (const r of routes) server.set(`${r.method.toLowerCase()} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`, r.statuses);
      const documented = new Map<string, number[]>();
      for (const [path, item] of Object.entries(openapi.paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!METHODS.includes(method)) continue;
          documented.set(
            `${method} ${path}`,
            Object.keys(op.responses)
              .map(Number)
              .sort((x, y) => x - y),
          );
        }
      }
      const missing = [...server.keys()].filter((k) => !documented.has(k));
      const extra = [...documented.keys()].filter((k) => !server.has(k));
      assert.deepEqual(missing, [], 'routes the server has but openapi.yaml does not document');
      assert.deepEqual(extra, [], 'routes openapi.yaml documents but the server does not have');
      for (const [k, statuses] of server) assert.deepEqual(documented.get(k), statuses, `statuses of ${k}`);
    } finally {
      await a.close();
    }
  });

  test('a route is open (config.public) exactly when openapi.yaml says it needs no key (security: [])', async () => {
    const a = await app();
    try {
      const doc = openapi as unknown as { security?: unknown[]; paths: Record<string, Record<string, { security?: unknown[] }>> };
      for (const r of routesOf(a)) {
        const op = doc.paths[r.url.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[r.method.toLowerCase()];
        assert.ok(op, `${r.method} ${r.url} is not in openapi.yaml`);
        const open = (op.security ?? doc.security ?? []).length === 0;
        assert.equal(
          r.public,
          open,
          `${r.method} ${r.url}: config.public is ${r.public}, openapi.yaml security says ${open ? 'open' : 'a key'}`,
        );
      }
    } finally {
      await a.close();
    }
  });
});

test('every $ref in openapi.yaml resolves, and every operation has an operationId and a 2xx or 3xx answer', () => {
  const refs: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === '$ref' && typeof v === 'string') refs.push(v);
        else walk(v);
      }
    }
  };
  walk(openapi);
  assert.ok(refs.length > 50);
  for (const ref of refs) {
    assert.match(ref, /^#\//, ref);
    let node: unknown = openapi;
    for (const part of ref.slice(2).split('/'))
      node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    assert.ok(node !== undefined, `unresolved ${ref}`);
  }
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, { operationId?: string; responses: Record<string, unknown> }>)) {
      if (!METHODS.includes(method)) continue;
      assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: operationId`);
      ids.add(op.operationId);
      assert.ok(
        Object.keys(op.responses).some((s) => /^[23]/.test(s)),
        `${method} ${path}: no success answer`,
      );
    }
  }
});

describe('error paths', () => {
  test('/readyz names the catalog when it does not answer', async () => {
    const a = await app({
      ping: async () => {
        throw new Error('database is locked');
      },
    });
    try {
      const r = await a.inject({ method: 'GET', url: '/readyz' });
      assert.equal(r.statusCode, 503);
      assert.match(r.headers['content-type'] as string, /^application\/problem\+json/);
      assert.deepEqual(r.json().failing, ['catalog']);
      assert.match(r.json().detail, /catalog/);
    } finally {
      await a.close();
    }
  });

  test('a busy catalog is 503 with Retry-After', async () => {
    const a = await app({
      listTables: async () => {
        throw new CatalogBusy('listTables', 5000);
      },
    });
    try {
      const r = await a.inject({ method: 'GET', url: '/v1/tables' });
      assert.equal(r.statusCode, 503);
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(r.json().status, 503);
    } finally {
      await a.close();
    }
  });

  test('an unexpected error is a 500 that reveals nothing', async () => {
    const secret = 'at /srv/secret/path.js:12 token=abc';
    const a = await app({
      getTable: async () => {
        throw new TypeError(secret);
      },
    });
    try {
      const r = await a.inject({ method: 'GET', url: '/v1/tables/anything' });
      assert.equal(r.statusCode, 500);
      const body = r.json();
      assert.deepEqual(Object.keys(body).sort(), ['detail', 'status', 'title', 'type']);
      assert.ok(!r.body.includes('secret') && !r.body.includes('TypeError'));
    } finally {
      await a.close();
    }
  });

  test('POST /query with a non-JSON body or malformed JSON is a client error, not a 500', async () => {
    const a = await app();
    try {
      let r = await a.inject({
        method: 'POST',
        url: '/v1/tables/t/query',
        headers: { 'content-type': 'application/xml' },
        payload: '<q/>',
      });
      assert.equal(r.statusCode, 415);
      assert.match(r.headers['content-type'] as string, /^application\/problem\+json/);
      r = await a.inject({
        method: 'POST',
        url: '/v1/tables/t/query',
        headers: { 'content-type': 'application/json' },
        payload: '{"limit":',
      });
      assert.equal(r.statusCode, 400);
      r = await a.inject({
        method: 'POST',
        url: '/v1/tables/t/query',
        headers: { 'content-type': 'application/json' },
        payload: `{"select":"${'x'.repeat(2 << 20)}"}`,
      });
      assert.equal(r.statusCode, 413);
    } finally {
      await a.close();
    }
  });
});
