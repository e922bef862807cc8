// Configuration from the environment: defaults, sizes, keys, and one clear message per bad value.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: 127.0.0.1:8080, ./data, no keys, 10 GiB uploads, 10000 JSON rows, 30 s queries, info', () => {
  const c = loadConfig({});
  assert.deepEqual(c, {
    host: '127.0.0.1',
    port: 8080,
    dataDir: resolve('data'),
    apiKeys: null,
    authNone: false,
    maxUploadBytes: 10 * 1024 ** 3,
    maxResponseRows: 10_000,
    queryTimeoutMs: 30_000,
    logLevel: 'info',
    maxValueBytes: 16 * 1024 ** 2,
    maxBatchBytes: 64 * 1024 ** 2,
    maxDecodedBytes: 256 * 1024 ** 2,
    maxDecodedRatio: 100,
    // Embedded storage, typed by backend kind: the folder and the SQLite file under the data dir.
    blobs: { kind: 'local', dir: resolve('data', 'files') },
    catalog: { kind: 'sqlite', path: resolve('data', 'catalog.sqlite') },
    retainVersions: 10,
    orphanGraceMs: 3_600_000,
    corsOrigins: null,
    cacheControl: 'private, no-cache',
    cacheControlVersioned: 'private, max-age=3600',
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 600_000,
    keepAliveTimeoutMs: 72_000,
    idleTimeoutMs: 120_000,
    rateLimit: null,
    compression: { mode: 'auto', zstdLevel: 1 },
  });
});

test('timeouts and the rate limit: durations, "n/window", and one message per bad value', () => {
  const c = loadConfig({
    NCF_HEADERS_TIMEOUT: '5s',
    NCF_REQUEST_TIMEOUT: '1h',
    NCF_KEEP_ALIVE_TIMEOUT: '30',
    NCF_IDLE_TIMEOUT: '0',
    NCF_RATE_LIMIT: '600/min',
  });
  assert.equal(c.headersTimeoutMs, 5000);
  assert.equal(c.requestTimeoutMs, 3_600_000);
  assert.equal(c.keepAliveTimeoutMs, 30_000);
  assert.equal(c.idleTimeoutMs, 0);
  assert.deepEqual(c.rateLimit, { max: 600, windowMs: 60_000 });
  assert.deepEqual(loadConfig({ NCF_RATE_LIMIT: '20/s' }).rateLimit, { max: 20, windowMs: 1000 });
  assert.deepEqual(loadConfig({ NCF_RATE_LIMIT: '1000 / 15m' }).rateLimit, { max: 1000, windowMs: 900_000 });
  assert.deepEqual(loadConfig({ NCF_RATE_LIMIT: '5000/hour' }).rateLimit, { max: 5000, windowMs: 3_600_000 });
  assert.equal(loadConfig({ NCF_RATE_LIMIT: 'off' }).rateLimit, null);
  const p = problems({
    NCF_HEADERS_TIMEOUT: '0',
    NCF_REQUEST_TIMEOUT: 'forever',
    NCF_KEEP_ALIVE_TIMEOUT: '2h',
    NCF_IDLE_TIMEOUT: '-1',
    NCF_RATE_LIMIT: '600 per minute',
  });
  assert.equal(p.length, 5, p.join('\n'));
  for (const name of ['NCF_HEADERS_TIMEOUT', 'NCF_REQUEST_TIMEOUT', 'NCF_KEEP_ALIVE_TIMEOUT', 'NCF_IDLE_TIMEOUT', 'NCF_RATE_LIMIT']) {
    assert.equal(p.filter((m) => m.startsWith(`${name}=`)).length, 1, `${name} in\n${p.join('\n')}`);
  }
  assert.match(p.find((m) => m.startsWith('NCF_HEADERS_TIMEOUT='))!, /at least 1000 ms/);
  assert.match(p.find((m) => m.startsWith('NCF_RATE_LIMIT='))!, /600\/min, 20\/s/);
  for (const bad of ['0/min', '10/0s', '10/fortnight', '10']) assert.equal(problems({ NCF_RATE_LIMIT: bad }).length, 1, bad);
  assert.match(
    problems({ NCF_HEADERS_TIMEOUT: '2m', NCF_REQUEST_TIMEOUT: '1m' })[0]!,
    /NCF_HEADERS_TIMEOUT .* is longer than NCF_REQUEST_TIMEOUT/,
  );
  assert.equal(
    loadConfig({ NCF_QUERY_TIMEOUT_MS: '600000' }).idleTimeoutMs,
    600_000,
    'an unset idle timeout follows a longer query timeout',
  );
});

test('scale-out settings: catalog and storage URLs, retention and orphan grace', () => {
  const c = loadConfig({
    NCF_CATALOG_URL: 'postgresql://ncf:secret@db:5432/ncf',
    NCF_STORAGE_URL: 's3://tables/ncf',
    AWS_ENDPOINT_URL: 'http://minio:9000',
    AWS_ACCESS_KEY_ID: 'a',
    AWS_SECRET_ACCESS_KEY: 'b',
    NCF_RETAIN_VERSIONS: '3',
    NCF_ORPHAN_GRACE: '15m',
  });
  assert.deepEqual(c.catalog, { kind: 'postgres', url: 'postgresql://ncf:secret@db:5432/ncf' });
  assert.equal(c.blobs.kind, 's3');
  const location = c.blobs.kind === 's3' ? c.blobs.location : null;
  assert.equal(location?.bucket, 'tables');
  assert.equal(location?.prefix, 'ncf/');
  assert.equal(location?.endpoint, 'http://minio:9000');
  assert.equal(c.retainVersions, 3);
  assert.equal(c.orphanGraceMs, 15 * 60_000);
  assert.equal(loadConfig({ NCF_ORPHAN_GRACE: '90' }).orphanGraceMs, 90_000);
  assert.equal(loadConfig({ NCF_ORPHAN_GRACE: '2d' }).orphanGraceMs, 2 * 86_400_000);
  assert.deepEqual(loadConfig({ NCF_CATALOG_URL: 'postgres://u@localhost/x' }).catalog, {
    kind: 'postgres',
    url: 'postgres://u@localhost/x',
  });
  const p = problems({
    NCF_CATALOG_URL: 'mysql://u:hunter2@h/db',
    NCF_STORAGE_URL: 'gs://b/p',
    NCF_RETAIN_VERSIONS: '0',
    NCF_ORPHAN_GRACE: 'soon',
  });
  assert.equal(p.length, 4, p.join('\n'));
  assert.ok(
    p.every((m) => !m.includes('hunter2')),
    'the catalog URL may hold a password: never echoed',
  );
  for (const name of ['NCF_CATALOG_URL', 'NCF_STORAGE_URL', 'NCF_RETAIN_VERSIONS', 'NCF_ORPHAN_GRACE']) {
    assert.equal(p.filter((m) => m.startsWith(name)).length, 1, `${name} in\n${p.join('\n')}`);
  }
  assert.ok(problems({ NCF_STORAGE_URL: 's3://B!/x' }).some((m) => m.startsWith('NCF_STORAGE_URL')));
});

test('values and byte sizes with suffixes', () => {
  const c = loadConfig({
    PORT: '0',
    HOST: 'localhost',
    NCF_DATA_DIR: '/tmp/x',
    NCF_MAX_UPLOAD_BYTES: '512M',
    NCF_MAX_RESPONSE_ROWS: '5',
    NCF_QUERY_TIMEOUT_MS: '100',
    LOG_LEVEL: 'WARN',
  });
  assert.equal(c.port, 0);
  assert.equal(c.host, 'localhost');
  assert.equal(c.dataDir, '/tmp/x');
  assert.equal(c.maxUploadBytes, 512 * 1024 * 1024);
  assert.equal(loadConfig({ NCF_MAX_UPLOAD_BYTES: '2GiB' }).maxUploadBytes, 2 * 1024 ** 3);
  assert.equal(loadConfig({ NCF_MAX_UPLOAD_BYTES: '1000' }).maxUploadBytes, 1000);
  assert.equal(c.maxResponseRows, 5);
  assert.equal(c.queryTimeoutMs, 100);
  assert.equal(c.logLevel, 'warn');
});

test('every bad value gets its own message naming the variable', () => {
  const p = problems({
    PORT: '70000',
    NCF_MAX_UPLOAD_BYTES: '10X',
    NCF_MAX_RESPONSE_ROWS: '0',
    NCF_QUERY_TIMEOUT_MS: 'soon',
    LOG_LEVEL: 'chatty',
    NCF_AUTH: 'maybe',
  });
  assert.equal(p.length, 6, p.join('\n'));
  for (const name of ['PORT', 'NCF_MAX_UPLOAD_BYTES', 'NCF_MAX_RESPONSE_ROWS', 'NCF_QUERY_TIMEOUT_MS', 'LOG_LEVEL', 'NCF_AUTH']) {
    assert.equal(p.filter((m) => m.startsWith(`${name}=`)).length, 1, `${name} in\n${p.join('\n')}`);
  }
  assert.match(p.find((m) => m.startsWith('PORT='))!, /from 0 to 65535/);
  assert.equal(problems({ NCF_MAX_RESPONSE_ROWS: '2.5' }).length, 1);
});

test('API keys: scopes, and errors that never echo a key', () => {
  const c = loadConfig({ NCF_API_KEYS: 'key1:read, key2:write,key3:ADMIN' });
  assert.deepEqual(
    [...c.apiKeys!],
    [
      ['key1', 'read'],
      ['key2', 'write'],
      ['key3', 'admin'],
    ],
  );
  const p = problems({ NCF_API_KEYS: 'topsecret:root,k2:read,k2:write,nocolon' });
  assert.equal(p.length, 3, p.join('\n'));
  assert.ok(p.every((m) => !m.includes('topsecret') && !m.includes('k2')));
  assert.match(p[0]!, /entry 1/);
  assert.match(p[1]!, /entry 3 repeats/);
  assert.deepEqual(parseApiKeys(' , ', 'X').problems, ['X: no keys given']);
});

test('keys from a file; an unreadable file is reported; both sources at once is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-config-'));
  try {
    const file = join(dir, 'keys');
    await writeFile(file, '# comment\nalpha:read\n\nbeta:admin\n');
    assert.deepEqual(
      [...loadConfig({ NCF_API_KEYS_FILE: file }).apiKeys!],
      [
        ['alpha', 'read'],
        ['beta', 'admin'],
      ],
    );
    assert.match(problems({ NCF_API_KEYS_FILE: join(dir, 'none') })[0]!, /NCF_API_KEYS_FILE=.*cannot read it \(ENOENT\)/);
    assert.match(problems({ NCF_API_KEYS_FILE: file, NCF_API_KEYS: 'a:read' })[0]!, /both set/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a non-loopback address needs keys or an explicit NCF_AUTH=none', () => {
  assert.match(problems({ HOST: '0.0.0.0' })[0]!, /not a loopback address/);
  assert.match(problems({ HOST: '10.1.2.3' })[0]!, /NCF_AUTH=none/);
  assert.equal(loadConfig({ HOST: '0.0.0.0', NCF_API_KEYS: 'k:read' }).apiKeys!.size, 1);
  const open = loadConfig({ HOST: '0.0.0.0', NCF_AUTH: 'none' });
  assert.equal(open.authNone, true);
  assert.equal(open.apiKeys, null);
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(loadConfig({ HOST: host }).host, host);
  assert.match(problems({ NCF_AUTH: 'none', NCF_API_KEYS: 'k:read' })[0]!, /NCF_AUTH=none/);
});

test('CORS origins and Cache-Control: parsed, normalized, one message per bad value', () => {
  assert.equal(loadConfig({ NCF_CORS_ORIGINS: '*' }).corsOrigins, '*');
  assert.deepEqual(
    loadConfig({ NCF_CORS_ORIGINS: ' https://Dash.Example.com/ , http://localhost:5173,https://dash.example.com' }).corsOrigins,
    ['https://dash.example.com', 'http://localhost:5173'],
  );
  assert.equal(loadConfig({ NCF_CORS_ORIGINS: ' ' }).corsOrigins, null);
  const bad = problems({ NCF_CORS_ORIGINS: 'https://ok.example, dash.example.com, https://x.example/app, ftp://x.example, *' });
  assert.equal(bad.length, 4, bad.join('\n'));
  for (const item of ['dash.example.com', 'https://x.example/app', 'ftp://x.example']) {
    assert.ok(
      bad.some((m) => m.startsWith(`NCF_CORS_ORIGINS: ${JSON.stringify(item)} is not an origin`)),
      `${item} in\n${bad.join('\n')}`,
    );
  }
  assert.ok(
    bad.some((m) => /"\*" allows every origin and cannot be combined/.test(m)),
    bad.join('\n'),
  );

  const c = loadConfig({ NCF_CACHE_CONTROL: 'public,max-age=60', NCF_CACHE_CONTROL_VERSIONED: 'public, max-age=31536000, immutable' });
  assert.equal(c.cacheControl, 'public, max-age=60');
  assert.equal(c.cacheControlVersioned, 'public, max-age=31536000, immutable');
  const p = problems({ NCF_CACHE_CONTROL: 'max-age=60\r\nSet-Cookie: x=1', NCF_CACHE_CONTROL_VERSIONED: 'max age' });
  assert.equal(p.length, 2, p.join('\n'));
  assert.match(p[0]!, /^NCF_CACHE_CONTROL=".*": expected Cache-Control directives/);
  assert.match(p[1]!, /^NCF_CACHE_CONTROL_VERSIONED="max age": expected Cache-Control directives/);
});

test('NCF_COMPRESSION and NCF_COMPRESSION_LEVEL', () => {
  assert.deepEqual(loadConfig({ NCF_COMPRESSION: 'off' }).compression, { mode: 'off', zstdLevel: 1 });
  assert.deepEqual(loadConfig({ NCF_COMPRESSION: ' AUTO ', NCF_COMPRESSION_LEVEL: '3' }).compression, { mode: 'auto', zstdLevel: 3 });
  assert.match(problems({ NCF_COMPRESSION: 'brotli' }).join('\n'), /NCF_COMPRESSION="brotli": expected "auto" .* or "off"/);
  assert.match(problems({ NCF_COMPRESSION_LEVEL: '0' }).join('\n'), /NCF_COMPRESSION_LEVEL/);
  assert.match(problems({ NCF_COMPRESSION_LEVEL: '20' }).join('\n'), /NCF_COMPRESSION_LEVEL/);
});
