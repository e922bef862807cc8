// Every spelling of every route needs its key (issue #10, case 1). The router decodes percent-
// encodings, so /%761/tables IS /v1/tables to it; authentication once tested the raw URL for a /v1
// prefix and let such spellings through (200 with rows, appends, deletes). Here every operation of
// openapi.yaml that needs a key (derived from the document: a new route is covered without editing
// this file) is requested under many spellings — percent-encoded characters (lower- and upper-case
// hex), encoded and double-encoded slashes, dot segments (plain and encoded), double slashes, case
// changes, trailing slashes, a path parameter — against a real server with NCF_API_KEYS, through a
// client that sends the path verbatim:
//   - without a key every one is 401 problem+json;
//   - with a key of too low a scope, 403 under every spelling the router maps to the route; a
//     spelling that reaches another route or none may instead get that route's 400/404 problem (a
//     write key on POST /v1/tables/victim%2Fcompact reaches "create" with an invalid name), never 2xx;
//   - an oracle that the spellings are real: with a read key, the ones the router maps to the route
//     answer exactly what the plain spelling answers, the others 400/404 (403: a POST reaching no
//     route needs write) — so the 401s above are the
//     key check, not a missing route;
//   - nothing was written or deleted by any of them.
// Plus NCF_RATE_LIMIT: the 4th request is 429 whatever its spelling, and spelled requests count.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertProblem, openapi, startServer, type Server } from '../support/server.js';
import { rawExchange, rawRequest, type RawResponse } from './raw-http.js';

const KEYS = { read: 'pv-read-key-Qw3', write: 'pv-write-key-Er5', admin: 'pv-admin-key-Ty7' } as const;
type Scope = keyof typeof KEYS;
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };
const auth = (scope: Scope) => ({ authorization: `Bearer ${KEYS[scope]}` });
const VICTIM_CSV = 'id,delay\n1,5\n2,7\n';

// --- the operations, from openapi.yaml -----------------------------------------------------------------

interface Op {
  method: string;
  template: string;
  scope: Scope;
  body: { type: string; data: string } | null;
}

const doc = openapi as unknown as {
  security?: Record<string, string[]>[];
  paths: Record<
    string,
    Record<string, { security?: Record<string, string[]>[]; requestBody?: { $ref?: string; content?: Record<string, unknown> } }>
  >;
};
const ops: Op[] = [];
for (const [template, item] of Object.entries(doc.paths)) {
  for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
    const op = item[method];
    if (!op) continue;
    const security = op.security ?? doc.security ?? [];
    if (security.length === 0) continue; // open: operations endpoints and pages
    const scope = security.flatMap((r) => Object.values(r).flat())[0] as Scope;
    const rb = op.requestBody;
    const body = !rb
      ? null
      : rb.content && Object.keys(rb.content).every((t) => t === 'application/json')
        ? { type: 'application/json', data: '{"limit":1}' }
        : { type: 'text/csv', data: 'id,delay\n9,9\n' };
    ops.push({ method: method.toUpperCase(), template, scope, body });
  }
}

/** Path parameters: the victim table and one of its columns. */
const PARAMS: Record<string, string> = { name: 'victim', column: 'delay' };

function concrete(template: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, p: string) => {
    assert.ok(Object.hasOwn(PARAMS, p), `openapi.yaml has a path parameter {${p}}: give it a value in PARAMS`);
    return PARAMS[p]!;
  });
}

// --- the spellings -------------------------------------------------------------------------------------

interface Variant {
  kind: string;
  path: string /** the router maps it to the same route and values */;
  same: boolean;
}

const hex = (c: string, upper: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${upper ? h.toUpperCase() : h}`;
};

/** Spellings of `path` a client can send; `same` says whether the router reads them as `path`. */
export function variants(path: string): Variant[] {
  const out: Variant[] = [];
  const add = (kind: string, p: string, same: boolean) => {
    if (p !== path && !out.some((v) => v.path === p)) out.push({ kind, path: p, same });
  };
  const chars = [...path];
  // Percent-encoding one character at a time (the first eight that are not slashes), both hex cases.
  const positions = chars
    .map((c, i) => [c, i] as const)
    .filter(([c]) => c !== '/')
    .slice(0, 8);
  for (const [c, i] of positions) {
    for (const upper of [false, true]) add(`'${c}' encoded`, path.slice(0, i) + hex(c, upper) + path.slice(i + 1), true);
  }
  const segs = path.slice(1).split('/');
  add('first segment encoded', `/${[...segs[0]!].map((c) => hex(c, false)).join('')}/${segs.slice(1).join('/')}`.replace(/\/$/, ''), true);
  add(
    'every character encoded',
    path.replace(/[^/]/g, (c) => hex(c, true)),
    true,
  );
  // Slashes encoded (the router keeps %2F as data), and a double-encoded first character.
  chars.forEach((c, i) => {
    if (c === '/' && i > 0) for (const e of ['%2F', '%2f']) add(`slash ${i} as ${e}`, path.slice(0, i) + e + path.slice(i + 1), false);
  });
  add('double-encoded first character', `/%25${hex(path[1]!, false).slice(1)}${path.slice(2)}`, false);
  // Dot segments and empty segments at every boundary.
  for (let k = 0; k <= segs.length; k++) {
    const at = (...mid: string[]) => `/${[...segs.slice(0, k), ...mid, ...segs.slice(k)].join('/')}`;
    add(`/./ at ${k}`, at('.'), false);
    add(`/x/../ at ${k}`, at('x', '..'), false);
    add(`/%2e/ at ${k}`, at('%2e'), false);
    add(`/x/%2E%2E/ at ${k}`, at('x', '%2E%2E'), false);
    // (an empty last segment is the trailing slash, below)
    if (k < segs.length) add(`// at ${k}`, at(''), false);
    if (k < segs.length) add(`${segs[k]}/../${segs[k]}`, at(segs[k]!, '..'), false);
  }
  add('leading //', `/${path}`, false);
  // Case.
  add('upper case', path.toUpperCase(), false);
  segs.forEach((_s, i) =>
    add(`segment ${i} capitalised`, `/${segs.map((x, j) => (j === i ? x[0]!.toUpperCase() + x.slice(1) : x)).join('/')}`, false),
  );
  // Trailing slashes (the router ignores one), a ;parameter, a backslash.
  add('trailing slash', `${path}/`, true);
  add('two trailing slashes', `${path}//`, false);
  add(';parameter', `${path};x=1`, false);
  add('backslash', `${path}\\`, false);
  return out;
}

// --- helpers -------------------------------------------------------------------------------------------

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function send(server: Server, op: Op, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(
    server.url,
    op.method,
    path,
    op.body ? { headers: { ...headers, 'content-type': op.body.type }, body: op.body.data } : { headers },
  );
}

function problemOf(r: RawResponse, status: number, what: string): any {
  let body: any;
  try {
    body = r.json();
  } catch {
    assert.fail(`${what}: ${r.status}, not JSON: ${r.text.slice(0, 200)}`);
  }
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assertProblem(r, status, body);
  return body;
}

// --- the suite -----------------------------------------------------------------------------------------

let server: Server;
let victimBefore = '';

before(async () => {
  server = await startServer({
    env: {
      NCF_API_KEYS: Object.entries(KEYS)
        .map(([s, k]) => `${k}:${s}`)
        .join(','),
    },
  });
  const r = await rawRequest(server.url, 'PUT', '/v1/tables/victim', {
    headers: { ...auth('admin'), 'content-type': 'text/csv' },
    body: VICTIM_CSV,
  });
  assert.equal(r.status, 201, r.text);
  victimBefore = (await rawRequest(server.url, 'GET', '/v1/tables/victim/rows', { headers: auth('read') })).text;
});

after(async () => {
  await server?.stop();
});

describe('every spelling of every keyed route of openapi.yaml', () => {
  test('the client sends each spelling verbatim (checked at a plain socket)', async () => {
    const seen: string[] = [];
    const listener = net.createServer((sock) => {
      sock.once('data', (d: Buffer) => {
        seen.push(d.toString('latin1').split('\r\n', 1)[0]!);
        sock.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
      const sample = variants('/v1/tables/victim/rows');
      for (const v of sample) await rawRequest(base, 'GET', v.path);
      assert.deepEqual(
        seen,
        sample.map((v) => `GET ${v.path} HTTP/1.1`),
      );
    } finally {
      listener.close();
    }
  });

  test('the document has the keyed operations, and the spellings are many', () => {
    assert.ok(ops.length >= 12, `${ops.length} keyed operations in openapi.yaml`);
    const v = variants('/v1/tables/victim/rows');
    assert.ok(v.length >= 40, `${v.length} spellings`);
    for (const kind of ["'v' encoded", 'slash 3 as %2F', '/x/../ at 2', 'upper case', 'trailing slash', '// at 1']) {
      assert.ok(
        v.some((x) => x.kind === kind),
        kind,
      );
    }
  });

  test('without a key: 401 problem+json for every operation under every spelling', async (t) => {
    const jobs = ops.flatMap((op) => {
      const path = concrete(op.template);
      return [{ kind: 'plain', path, same: true }, ...variants(path)].map((v) => ({ op, v }));
    });
    let sent = 0;
    await pool(jobs, 8, async ({ op, v }) => {
      // Without a key everywhere; with a made-up key on the spellings that reach the route.
      const variants: Record<string, string>[] = v.same ? [{}, { authorization: 'Bearer not-a-key' }] : [{}];
      for (const headers of variants) {
        sent++;
        const r = await send(server, op, v.path, headers);
        problemOf(r, 401, `${op.method} ${v.path} (${op.template}, ${v.kind})`);
        assert.match(r.headers['www-authenticate'] ?? '', /^Bearer/);
      }
    });
    t.diagnostic(`${jobs.length} operation×spelling pairs: ${sent} requests without a key or with a made-up one, all 401`);
  });

  test("a key of too low a scope: 403 under every spelling of the route; other routes' 400/404 at most, never 2xx", async (t) => {
    const jobs = ops.flatMap((op) => {
      const path = concrete(op.template);
      const low = (Object.keys(KEYS) as Scope[]).filter((s) => RANK[s] < RANK[op.scope]);
      return low.flatMap((scope) => [{ kind: 'plain', path, same: true }, ...variants(path)].map((v) => ({ op, v, scope })));
    });
    assert.ok(jobs.length > 0);
    let forbidden = 0;
    await pool(jobs, 8, async ({ op, v, scope }) => {
      const r = await send(server, op, v.path, auth(scope));
      const what = `${scope} key: ${op.method} ${v.path} (${op.template}, ${v.kind})`;
      if (!v.same && (r.status === 400 || r.status === 404)) {
        problemOf(r, r.status, what);
        return;
      }
      const body = problemOf(r, 403, what);
      assert.match(body.detail, /needs a key with the (write|admin) scope/);
      forbidden++;
    });
    t.diagnostic(
      `${jobs.length} wrong-scope requests: ${forbidden} × 403, ${jobs.length - forbidden} × 400/404 (spellings that reach another route or none)`,
    );
    assert.ok(forbidden > jobs.length / 2);
  });

  test('the oracle: spellings the router maps to the route answer as the plain one with a read key; the others reach nothing (400/404, 403 for a POST)', async (t) => {
    const readOps = ops.filter((op) => op.scope === 'read');
    assert.ok(readOps.length >= 5);
    let same = 0;
    let other = 0;
    for (const op of readOps) {
      const path = concrete(op.template);
      const plain = await send(server, op, path, auth('read'));
      assert.equal(plain.status, 200, `${op.method} ${path}: ${plain.text.slice(0, 200)}`);
      await pool(variants(path), 8, async (v) => {
        const r = await send(server, op, v.path, auth('read'));
        if (v.same) {
          assert.equal(r.status, 200, `${op.method} ${v.path} (${v.kind}) should reach the route: ${r.status} ${r.text.slice(0, 200)}`);
          assert.equal(r.text, plain.text, `${op.method} ${v.path} (${v.kind}) answers what ${path} answers`);
          same++;
        } else {
          // A POST that reaches no route needs what a POST needs (write): a read key gets 403 there.
          const refused = [400, 404, ...(op.method === 'GET' ? [] : [403])];
          assert.ok(refused.includes(r.status), `${op.method} ${v.path} (${v.kind}) reaches no route: ${r.status} ${r.text.slice(0, 200)}`);
          problemOf(r, r.status, `${op.method} ${v.path}`);
          other++;
        }
      });
    }
    t.diagnostic(`read key: ${same} spellings reach their route (same answer as plain), ${other} reach none (400/404)`);
    assert.ok(same >= 10 * readOps.length, 'percent-encoded spellings do reach the routes, so the 401s above are the key check');
  });

  test('nothing was created, appended to or deleted by the spelled requests', async () => {
    const rows = await rawRequest(server.url, 'GET', '/v1/tables/victim/rows', { headers: auth('read') });
    assert.equal(rows.status, 200);
    assert.equal(rows.text, victimBefore);
    const list = (await rawRequest(server.url, 'GET', '/v1/tables', { headers: auth('read') })).json();
    assert.deepEqual(
      list.tables.map((x: { name: string }) => x.name),
      ['victim'],
    );
    const versions = (await rawRequest(server.url, 'GET', '/v1/tables/victim/versions', { headers: auth('read') })).json();
    assert.equal(versions.versions.length, 1, JSON.stringify(versions));
  });

  test('paths that are not valid percent-encoding or not valid HTTP are 400 problem+json, with or without a key (they name no route)', async () => {
    for (const path of ['/v1/tables/victim/rows%ZZ', '/%7/tables', '/v1/tables/%C0%AE%C0%AE/rows%']) {
      for (const headers of [{}, auth('admin')]) {
        const r = await rawRequest(server.url, 'GET', path, { headers });
        const body = problemOf(r, 400, path);
        assert.equal(body.code, 'FST_ERR_BAD_URL');
      }
    }
    // Bytes Node's HTTP parser refuses in the request target (a raw é, a tab): refused before routing.
    for (const target of [Buffer.from('/v1/tables/vict\xc3\xa9m/rows', 'latin1'), Buffer.from('/v1/tables\t/victim')]) {
      const raw = await rawExchange(server.url, Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
      assert.match(raw.toString('latin1'), /^HTTP\/1\.1 400 [\s\S]*application\/problem\+json[\s\S]*"code":"HPE_INVALID_URL"/);
    }
  });
});

describe('NCF_RATE_LIMIT under spellings', () => {
  let limited: Server;
  before(async () => {
    limited = await startServer({
      env: {
        NCF_API_KEYS: Object.entries(KEYS)
          .map(([s, k]) => `${k}:${s}`)
          .join(','),
        NCF_RATE_LIMIT: '3/min',
      },
    });
  });
  after(async () => {
    await limited?.stop();
  });

  test('after 3 requests the 4th is 429 whatever its spelling, and spelled requests use the budget too', async () => {
    const get = (path: string, scope: Scope) => rawRequest(limited.url, 'GET', path, { headers: auth(scope) });
    // read key: 3 plain, then every spelling of the list is refused.
    for (let i = 0; i < 3; i++) assert.equal((await get('/v1/tables', 'read')).status, 200);
    const spellings = [{ kind: 'plain', path: '/v1/tables', same: true }, ...variants('/v1/tables')];
    for (const v of spellings) {
      const r = await get(v.path, 'read');
      const body = problemOf(r, 429, `read key, 4th+ request as ${v.path} (${v.kind})`);
      assert.match(body.detail, /NCF_RATE_LIMIT/);
      assert.ok(Number(r.headers['retry-after']) >= 1);
    }
    // write key: 3 spelled requests (/%761/tables, /v%31/tables, /v1/tables/) use its budget; then the plain one is 429.
    for (const p of ['/%761/tables', '/v%31/tables', '/v1/tables/']) assert.equal((await get(p, 'write')).status, 200, p);
    problemOf(await get('/v1/tables', 'write'), 429, 'write key after 3 spelled requests');
    // The operations endpoints are never limited.
    for (let i = 0; i < 5; i++) assert.equal((await rawRequest(limited.url, 'GET', '/healthz')).status, 200);
  });
});
