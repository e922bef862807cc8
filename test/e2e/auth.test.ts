// The API-key matrix on a real server, derived from openapi.yaml (not a hand list): every operation
// of every path — without a key, with another scheme, with wrong keys, with the key somewhere the
// server does not read it (X-API-Key, a cookie, ?api_key=), and with a key of each scope against the
// scope its `security` requirement names; the operations endpoints (security: []) answer without one.
// Plus the start-up refusals (bad configuration, a non-loopback address without keys), exit status 2.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { api, assertProblem, curl, ROOT, runServerExpectExit, startServer, type Server } from '../support/server.js';
import { flights, toCsv } from './fixtures.js';

const KEYS = { read: 'read-key-0001', write: 'write-key-0002', admin: 'admin-key-0003' } as const;
type Scope = keyof typeof KEYS;
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

let server: Server;
let dir = '';
let csv = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-auth-'));
  csv = join(dir, 'f.csv');
  await writeFile(csv, toCsv(flights(10)));
  server = await startServer({
    env: {
      NCF_API_KEYS: Object.entries(KEYS)
        .map(([s, k]) => `${k}:${s}`)
        .join(','),
    },
  });
  const r = await api(server, 'POST', '/v1/tables/t', ['-H', `Authorization: Bearer ${KEYS.write}`, '-F', `file=@${csv}`]);
  assert.equal(r.status, 201, r.text);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

// --- the matrix, derived from openapi.yaml ------------------------------------------------------------

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Param {
  name: string;
  in: string;
  example?: unknown;
  schema?: { enum?: unknown[]; example?: unknown };
}
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: (Param | { $ref: string })[];
  requestBody?: { $ref?: string; content?: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
}
const doc = parseYaml(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')) as {
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, unknown>>;
  components: { parameters: Record<string, Param>; requestBodies: Record<string, { content: Record<string, { example?: unknown }> }> };
};

function deref<T>(x: T | { $ref: string }, table: Record<string, T>): T {
  if (typeof x === 'object' && x !== null && '$ref' in x) return table[(x as { $ref: string }).$ref.split('/').pop()!]!;
  return x as T;
}

interface MatrixOp {
  method: string;
  template: string;
  id: string;
  /** null: an open endpoint (security: []). */
  scope: Scope | null;
  params: Param[];
  body: { content: Record<string, { example?: unknown }> } | null;
  success: number[];
  /** An operation that cannot answer 404 for {name} makes the table: it gets an unused name. */
  creates: boolean;
}

const ops: MatrixOp[] = [];
for (const [template, item] of Object.entries(doc.paths)) {
  const shared = ((item.parameters ?? []) as (Param | { $ref: string })[]).map((p) => deref(p, doc.components.parameters));
  for (const method of HTTP_METHODS) {
    const op = item[method] as Operation | undefined;
    if (!op) continue;
    const security = op.security ?? doc.security ?? [];
    const scopes = security.flatMap((req) => Object.values(req).flat());
    const params = [...shared, ...(op.parameters ?? []).map((p) => deref(p, doc.components.parameters))];
    const codes = Object.keys(op.responses).map(Number);
    ops.push({
      method: method.toUpperCase(),
      template,
      id: op.operationId ?? `${method} ${template}`,
      scope: security.length === 0 ? null : (scopes[0] as Scope),
      params,
      body: op.requestBody
        ? op.requestBody.$ref
          ? deref(op.requestBody as { $ref: string }, doc.components.requestBodies)
          : (op.requestBody as { content: Record<string, { example?: unknown }> })
        : null,
      success: codes.filter((c) => c >= 200 && c < 400),
      creates: template.includes('{name}') && !codes.includes(404),
    });
  }
}

let fresh = 0;

/** A concrete request for an operation: path parameters from a new table (or an unused name for
 *  operations that create one), enum values or examples; the body from the document's media types. */
async function requestFor(op: MatrixOp): Promise<{ path: string; args: string[] }> {
  const name = `m_${++fresh}`;
  if (op.template.includes('{name}') && !op.creates) {
    const put = await api(server, 'PUT', `/v1/tables/${name}`, ['-H', `Authorization: Bearer ${KEYS.admin}`, '-F', `file=@${csv}`]);
    assert.equal(put.status, 201, put.text);
  }
  let path = op.template;
  for (const p of op.params.filter((q) => q.in === 'path')) {
    const value = p.name === 'name' ? name : (p.schema?.enum?.[0] ?? p.example ?? p.schema?.example);
    assert.ok(value !== undefined, `openapi.yaml: ${op.method} ${op.template}: parameter {${p.name}} has no enum or example to test with`);
    path = path.replace(`{${p.name}}`, encodeURIComponent(String(value)));
  }
  const args: string[] = [];
  if (op.body) {
    if (op.body.content['multipart/form-data']) args.push('-F', `file=@${csv}`);
    else if (op.body.content['application/json'])
      args.push('-H', 'Content-Type: application/json', '-d', JSON.stringify(op.body.content['application/json'].example ?? {}));
    else assert.fail(`${op.id}: no request body this test knows how to send (${Object.keys(op.body.content).join(', ')})`);
  }
  return { path, args };
}

describe('API keys, for every operation in openapi.yaml', () => {
  test('the document lists the operations and says which scope each /v1 one needs', () => {
    assert.ok(ops.length >= 20, `${ops.length} operations`);
    for (const op of ops) {
      if (op.template === '/v1' || op.template.startsWith('/v1/')) {
        assert.ok(
          op.scope !== null && op.scope in RANK,
          `openapi.yaml: ${op.method} ${op.template} must name its key scope: security: [{ apiKey: [read|write|admin] }]`,
        );
      } else {
        assert.equal(op.scope, null, `${op.method} ${op.template} is an operations endpoint: security: []`);
      }
      assert.ok(op.success.length > 0, `${op.id} documents no success status`);
    }
  });

  for (const op of ops) {
    test(`${op.method} ${op.template} (${op.id}) ${op.scope ? `needs ${op.scope}` : 'is open'}`, async () => {
      if (op.scope === null) {
        const { path, args } = await requestFor(op);
        const r = await api(server, op.method, path, args);
        assert.ok(op.success.includes(r.status), `${op.method} ${path} without a key: ${r.status} ${r.text.slice(0, 300)}`);
        return;
      }
      // Missing, another scheme, wrong keys, keys where this server does not read them: 401.
      const refused: string[][] = [
        [],
        ['-H', `Authorization: Basic ${Buffer.from(`u:${KEYS.admin}`).toString('base64')}`],
        ['-H', 'Authorization: Bearer not-a-key'],
        ['-H', `Authorization: Bearer ${KEYS.admin}x`],
        ['-H', `Authorization: Bearer ${KEYS.admin.slice(0, -1)}`],
        ['-H', `Authorization: ${KEYS.admin}`],
        ['-H', `X-API-Key: ${KEYS.admin}`],
        ['-H', `Cookie: ncf_key=${KEYS.admin}`],
      ];
      for (const header of refused) {
        const { path, args } = await requestFor(op);
        const r = await api(server, op.method, path, [...header, ...args]);
        assertProblem(r, 401, r.json());
        assert.match(r.headers['www-authenticate'] ?? '', /^Bearer/);
        assert.ok(!r.text.includes(KEYS.admin), 'keys never appear in answers');
      }
      const { path: inQuery, args: queryArgs } = await requestFor(op);
      const q = await api(server, op.method, `${inQuery}${inQuery.includes('?') ? '&' : '?'}api_key=${KEYS.admin}`, queryArgs);
      assertProblem(q, 401, q.json());
      for (const scope of Object.keys(KEYS) as Scope[]) {
        const { path, args } = await requestFor(op);
        const r = await api(server, op.method, path, ['-H', `Authorization: Bearer ${KEYS[scope]}`, ...args]);
        if (RANK[scope] < RANK[op.scope]) {
          assertProblem(r, 403, r.json());
          assert.match(r.json().detail, new RegExp(`${op.scope} scope`));
        } else {
          assert.ok(op.success.includes(r.status), `${scope} key on ${op.method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
        }
      }
    });
  }
});

describe('API keys', () => {
  test('a refused upload creates nothing', async () => {
    const r = await api(server, 'POST', '/v1/tables/sneaky', ['-H', `Authorization: Bearer ${KEYS.read}`, '-F', `file=@${csv}`]);
    assertProblem(r, 403, r.json());
    const list = await api(server, 'GET', '/v1/tables', ['-H', `Authorization: Bearer ${KEYS.read}`]);
    assert.ok(!list.json().tables.some((t: any) => t.name === 'sneaky'));
  });

  test('unknown paths need a key too, /v1 or not (deny by default), then answer 404 problem+json', async () => {
    for (const path of ['/v1/nothing', '/nothing', '/V1/tables', '/healthz/x']) {
      let r = await api(server, 'GET', path);
      assertProblem(r, 401, r.json());
      r = await api(server, 'GET', path, ['-H', `Authorization: Bearer ${KEYS.read}`]);
      assertProblem(r, 404, r.json());
    }
  });

  test('without keys, unknown paths stay 404 problem+json', async () => {
    const open = await startServer();
    try {
      for (const path of ['/v1/nothing', '/nothing', '/V1/tables', '/v1/./tables']) {
        const r = await curl(['--path-as-is', `${open.url}${path}`]);
        assertProblem(r, 404, r.json());
      }
      assert.equal((await curl(['--path-as-is', `${open.url}/%761/tables`])).status, 200);
    } finally {
      await open.stop();
    }
  });
});

describe('start-up configuration', () => {
  test('a non-loopback HOST without keys is refused (exit 2) unless NCF_AUTH=none', async () => {
    const r = await runServerExpectExit({ HOST: '0.0.0.0', NCF_DATA_DIR: join(dir, 'x') });
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /HOST=0\.0\.0\.0.*NCF_API_KEYS.*NCF_AUTH=none/s);
  });

  test('every bad value is named, exit 2', async () => {
    const r = await runServerExpectExit({
      PORT: 'eighty',
      NCF_MAX_UPLOAD_BYTES: '-5',
      NCF_QUERY_TIMEOUT_MS: '0',
      LOG_LEVEL: 'loud',
      NCF_API_KEYS: 'k1:superuser',
      NCF_DATA_DIR: join(dir, 'y'),
    });
    assert.equal(r.code, 2, r.output);
    for (const name of ['PORT', 'NCF_MAX_UPLOAD_BYTES', 'NCF_QUERY_TIMEOUT_MS', 'LOG_LEVEL', 'NCF_API_KEYS'])
      assert.match(r.output, new RegExp(name));
    assert.ok(!r.output.includes('k1:'), 'keys are not echoed');
  });

  test('keys from NCF_API_KEYS_FILE work', async () => {
    const file = join(dir, 'keys.txt');
    await writeFile(file, '# service keys\nfile-read-key:read\n');
    const s = await startServer({ env: { NCF_API_KEYS_FILE: file } });
    try {
      assert.equal((await api(s, 'GET', '/v1/tables')).status, 401);
      assert.equal((await api(s, 'GET', '/v1/tables', ['-H', 'Authorization: Bearer file-read-key'])).status, 200);
    } finally {
      await s.stop();
    }
  });
});
