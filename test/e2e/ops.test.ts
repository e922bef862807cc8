// Operations end to end: health, readiness (503 naming a failing dependency), Prometheus metrics,
// the OpenAPI document and Swagger UI, problem+json for unknown routes, request ids and what the
// logs may not contain, and a graceful shutdown that lets an in-flight upload finish.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, assertProblem, curl, openapi, startServer, type Server } from '../support/server.js';
import { flights, toCsv } from './fixtures.js';

let server: Server;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-ops-'));
  server = await startServer();
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('operations endpoints', () => {
  test('/healthz and /readyz answer 200', async () => {
    let r = await api(server, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'ok' });
    r = await api(server, 'GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'ready', checks: { catalog: 'ok', storage: 'ok' } });
  });

  test('/readyz is 503 naming storage when the file store is unreachable', async () => {
    const files = join(server.dataDir, 'files');
    await rename(files, `${files}.away`);
    try {
      const r = await api(server, 'GET', '/readyz');
      assertProblem(r, 503, r.json());
      assert.deepEqual(r.json().failing, ['storage']);
      assert.ok(r.headers['retry-after']);
    } finally {
      await rename(`${files}.away`, files);
    }
    assert.equal((await api(server, 'GET', '/readyz')).status, 200);
  });

  test('/metrics is Prometheus text with requests, latency, uploads and scans', async () => {
    const csv = join(dir, 'm.csv');
    await writeFile(csv, toCsv(flights(300)));
    assert.equal((await api(server, 'POST', '/v1/tables/m', ['-F', `file=@${csv}`])).status, 201);
    assert.equal((await api(server, 'GET', '/v1/tables/m/rows?delay=gt.0')).status, 200);
    assert.equal((await api(server, 'GET', '/v1/tables/missing')).status, 404);
    const r = await api(server, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    const text = r.text;
    assert.match(text, /^# TYPE ncf_http_requests_total counter$/m);
    assert.match(text, /^ncf_http_requests_total\{method="POST",route="\/v1\/tables\/:name",status="201"\} 1$/m);
    assert.match(text, /^ncf_http_requests_total\{method="GET",route="\/v1\/tables\/:name",status="404"\} 1$/m);
    assert.match(text, /^ncf_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/tables\/:name\/rows"\} 1$/m);
    assert.match(text, /^ncf_uploads_total\{format="csv",operation="create",outcome="ok"\} 1$/m);
    assert.match(text, /^ncf_upload_rows_total 300$/m);
    const scanned = Number(/^ncf_rows_scanned_total (\d+)$/m.exec(text)?.[1]);
    assert.ok(scanned >= 1, `rows scanned: ${scanned}`);
    // Every sample line is "name{labels} value".
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      assert.match(line, /^[a-z_]+(\{[^}]*\})? [-+0-9.eEInf]+$/, line);
    }
  });

  test('/openapi.json is openapi.yaml; /docs serves Swagger UI and its assets', async () => {
    let r = await api(server, 'GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), JSON.parse(JSON.stringify(openapi)));
    assert.equal(r.json().openapi, '3.1.0');
    r = await api(server, 'GET', '/docs');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type']!, /^text\/html/);
    assert.match(r.text, /SwaggerUIBundle\(/);
    for (const src of r.text.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)) {
      const asset = await api(server, 'GET', src[1]!);
      assert.equal(asset.status, 200, src[1]);
      assert.ok(asset.body.length > 0);
    }
    r = await api(server, 'GET', '/docs/..%2Fpackage.json');
    assertProblem(r, 404, r.json());
    r = await api(server, 'GET', '/docs/oauth2-redirect.html');
    assertProblem(r, 404, r.json());
  });

  test('unknown routes are 404 problem+json; every answer carries a request id, echoed when given', async () => {
    let r = await api(server, 'GET', '/nope');
    assertProblem(r, 404, r.json());
    assert.match(r.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
    r = await api(server, 'PATCH', '/v1/tables/x');
    assertProblem(r, 404, r.json());
    r = await curl(['-H', 'X-Request-Id: trace-abc.123', `${server.url}/healthz`]);
    assert.equal(r.headers['x-request-id'], 'trace-abc.123');
    assert.match(server.output(), /"reqId":"trace-abc\.123"/);
  });

  test('logs never hold the Authorization header, query values or row data', async () => {
    const csv = join(dir, 'secret.csv');
    await writeFile(csv, 'name,code\nzebra-unique-value,1\n');
    await api(server, 'POST', '/v1/tables/secrets', ['-H', 'Authorization: Bearer very-secret-token-xyz', '-F', `file=@${csv}`]);
    await api(server, 'GET', '/v1/tables/secrets/rows?name=eq.zebra-filter-value', ['-H', 'Authorization: Bearer very-secret-token-xyz']);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a\n1\nmango-bad-value\n');
    await api(server, 'POST', `/v1/tables/badlog?schema=${encodeURIComponent('{"a":"int32"}')}`, ['-F', `file=@${bad}`]);
    const out = server.output();
    for (const secret of ['very-secret-token-xyz', 'zebra-unique-value', 'zebra-filter-value', 'mango-bad-value'])
      assert.ok(!out.includes(secret), `log contains ${secret}`);
    assert.match(out, /"route":"\/v1\/tables\/:name\/rows"/);
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM lets an in-flight upload finish and commit, then exits 0; a restart sees the table', async () => {
    const s = await startServer();
    const big = join(dir, 'slow.csv');
    await writeFile(big, toCsv(flights(30_000)));
    const child = spawn('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--limit-rate',
      '400K',
      '-F',
      `file=@${big}`,
      `${s.url}/v1/tables/slow`,
    ]);
    let code = '';
    child.stdout.setEncoding('utf8').on('data', (x: string) => {
      code += x;
    });
    await new Promise((r) => setTimeout(r, 500));
    s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // Stopped accepting: a new connection is refused (or answered 503 while closing).
    const late = await fetch(`${s.url}/healthz`).then(
      (x) => x.status,
      () => 'refused',
    );
    assert.ok(late === 'refused' || late === 503, String(late));
    await new Promise((r) => child.once('exit', r));
    assert.equal(code, '201');
    assert.equal(await s.exited, 0);
    await s.stop({ keep: true });
    assert.match(s.output(), /SIGTERM: shutting down/);
    const again = await startServer({ dataDir: s.dataDir });
    try {
      const r = await api(again, 'GET', '/v1/tables/slow');
      assert.equal(r.status, 200);
      assert.equal(r.json().rowCount, 30_000);
    } finally {
      await again.stop();
      await rm(s.dataDir, { recursive: true, force: true });
    }
  });
});
