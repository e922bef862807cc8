// The API-key matrix on a real server: every /v1 route without a key, with a wrong key, with a key of
// each scope; the operations endpoints stay open. Plus the start-up refusals (bad configuration,
// a non-loopback address without keys) with exit status 2.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, runServerExpectExit, startServer, type Server } from './server.js';
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
  server = await startServer({ env: { NCF_API_KEYS: Object.entries(KEYS).map(([s, k]) => `${k}:${s}`).join(',') } });
  const r = await api(server, 'POST', '/v1/tables/t', ['-H', `Authorization: Bearer ${KEYS.write}`, '-F', `file=@${csv}`]);
  assert.equal(r.status, 201, r.text);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Case { method: string; path: () => string; args: () => string[]; need: Scope; ok: number }
let n = 0;
const cases: Case[] = [
  { method: 'GET', path: () => '/v1/tables', args: () => [], need: 'read', ok: 200 },
  { method: 'GET', path: () => '/v1/tables/t', args: () => [], need: 'read', ok: 200 },
  { method: 'GET', path: () => '/v1/tables/t/stats', args: () => [], need: 'read', ok: 200 },
  { method: 'GET', path: () => '/v1/tables/t/versions', args: () => [], need: 'read', ok: 200 },
  { method: 'GET', path: () => '/v1/tables/t/rows?limit=1', args: () => [], need: 'read', ok: 200 },
  { method: 'POST', path: () => '/v1/tables/t/query', args: () => ['-H', 'Content-Type: application/json', '-d', '{"limit":1}'], need: 'read', ok: 200 },
  { method: 'POST', path: () => `/v1/tables/new_${++n}`, args: () => ['-F', `file=@${csv}`], need: 'write', ok: 201 },
  { method: 'POST', path: () => '/v1/tables/t/rows', args: () => ['-F', `file=@${csv}`], need: 'write', ok: 200 },
  { method: 'PUT', path: () => '/v1/tables/t', args: () => ['-F', `file=@${csv}`], need: 'admin', ok: 200 },
  { method: 'DELETE', path: () => '/v1/tables/gone', args: () => [], need: 'admin', ok: 204 },
];

describe('API keys', () => {
  for (const c of cases) {
    test(`${c.method} ${c.path().replace(/new_\d+/, 'new')} needs ${c.need}`, async () => {
      // Missing, malformed, wrong: 401 with WWW-Authenticate.
      for (const header of [null, `Basic ${Buffer.from('u:p').toString('base64')}`, 'Bearer not-a-key', `Bearer ${KEYS.admin}x`]) {
        const r = await api(server, c.method, c.path(), [...(header ? ['-H', `Authorization: ${header}`] : []), ...c.args()]);
        assertProblem(r, 401, r.json());
        assert.match(r.headers['www-authenticate'] ?? '', /^Bearer/);
        assert.ok(!r.text.includes(KEYS.admin), 'keys never appear in answers');
      }
      for (const scope of Object.keys(KEYS) as Scope[]) {
        if (c.method === 'DELETE' && RANK[scope] >= RANK[c.need]) {
          const put = await api(server, 'PUT', '/v1/tables/gone', ['-H', `Authorization: Bearer ${KEYS.admin}`, '-F', `file=@${csv}`]);
          assert.ok(put.status === 200 || put.status === 201, put.text);
        }
        const r = await api(server, c.method, c.path(), ['-H', `Authorization: Bearer ${KEYS[scope]}`, ...c.args()]);
        if (RANK[scope] < RANK[c.need]) {
          assertProblem(r, 403, r.json());
          assert.match(r.json().detail, new RegExp(`${c.need} scope`));
        } else {
          assert.equal(r.status, c.ok, `${scope} key: ${r.text}`);
        }
      }
    });
  }

  test('operations endpoints are open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      const r = await api(server, 'GET', path);
      assert.equal(r.status, 200, path);
    }
  });

  test('a refused upload creates nothing', async () => {
    const r = await api(server, 'POST', '/v1/tables/sneaky', ['-H', `Authorization: Bearer ${KEYS.read}`, '-F', `file=@${csv}`]);
    assertProblem(r, 403, r.json());
    const list = await api(server, 'GET', '/v1/tables', ['-H', `Authorization: Bearer ${KEYS.read}`]);
    assert.ok(!list.json().tables.some((t: any) => t.name === 'sneaky'));
  });

  test('unknown /v1 paths need a key too, then answer 404 problem+json', async () => {
    let r = await api(server, 'GET', '/v1/nothing');
    assertProblem(r, 401, r.json());
    r = await api(server, 'GET', '/v1/nothing', ['-H', `Authorization: Bearer ${KEYS.read}`]);
    assertProblem(r, 404, r.json());
  });
});

describe('start-up configuration', () => {
  test('a non-loopback HOST without keys is refused (exit 2) unless NCF_AUTH=none', async () => {
    const r = await runServerExpectExit({ HOST: '0.0.0.0', NCF_DATA_DIR: join(dir, 'x') });
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /HOST=0\.0\.0\.0.*NCF_API_KEYS.*NCF_AUTH=none/s);
  });

  test('every bad value is named, exit 2', async () => {
    const r = await runServerExpectExit({ PORT: 'eighty', NCF_MAX_UPLOAD_BYTES: '-5', NCF_QUERY_TIMEOUT_MS: '0', LOG_LEVEL: 'loud', NCF_API_KEYS: 'k1:superuser', NCF_DATA_DIR: join(dir, 'y') });
    assert.equal(r.code, 2, r.output);
    for (const name of ['PORT', 'NCF_MAX_UPLOAD_BYTES', 'NCF_QUERY_TIMEOUT_MS', 'LOG_LEVEL', 'NCF_API_KEYS']) assert.match(r.output, new RegExp(name));
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
