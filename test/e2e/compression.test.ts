// Compressed query answers from a real server (issue #13, "compression that pays"): a browser's
// Accept-Encoding gets zstd, whose body the zstd command line tool decodes to the identity answer
// byte for byte; q-values, `identity` and `*;q=0` are honoured; Parquet and small answers are never
// compressed; the request log line says which coding was used; NCF_COMPRESSION=off turns it off.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { api, type Server, startServer } from '../support/server.js';
import { uploadTrips, writeTrips } from './query-data.js';

const BROWSER = 'Accept-Encoding: gzip, deflate, br, zstd';
const ROWS = '/v1/tables/trips/rows';

/** The zstd tool's decoding of `bytes` (an oracle independent of the server's zstd binding). */
function unzstd(bytes: Buffer): Buffer {
  const r = spawnSync('zstd', ['-d', '-c', '-q'], { input: bytes, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `zstd -d failed: ${r.stderr?.toString()}`);
  return r.stdout;
}

let dir: string;
let files: string[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-compression-'));
  files = await writeTrips(dir, [[0, 20_000]]);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('NCF_COMPRESSION=auto (default)', () => {
  let server: Server;
  before(async () => {
    server = await startServer();
    await uploadTrips(server, 'trips', files);
  });
  after(async () => {
    await server?.stop();
  });

  for (const format of ['arrow', 'ndjson', 'csv', 'json'] as const) {
    test(`${format}: browser headers get zstd, decoding to the identity body byte for byte`, async () => {
      const path = `${ROWS}?format=${format}`;
      const plain = await api(server, 'GET', path, ['-H', 'Accept-Encoding: identity']);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      const z = await api(server, 'GET', path, ['-H', BROWSER]);
      assert.equal(z.status, 200);
      assert.equal(z.headers['content-encoding'], 'zstd');
      assert.match(z.headers.vary ?? '', /Accept-Encoding/);
      assert.ok(z.body.length < plain.body.length / 2, `${format}: ${z.body.length} compressed bytes of ${plain.body.length}`);
      assert.ok(unzstd(z.body).equals(plain.body), `${format}: the decoded zstd body differs from the identity body`);
    });
  }

  test('q-values, identity and *;q=0 are honoured', async () => {
    const path = `${ROWS}?format=ndjson`;
    const plain = (await api(server, 'GET', path)).body;
    const cases: [string, string | undefined, (b: Buffer) => Buffer][] = [
      ['zstd;q=0, gzip, deflate, br', 'br', zlib.brotliDecompressSync],
      ['gzip;q=1, br;q=0.5, zstd;q=0.1', 'gzip', zlib.gunzipSync],
      ['zstd;q=0.5, br;q=0.9', 'br', zlib.brotliDecompressSync],
      ['*', 'zstd', unzstd],
      ['*;q=0', undefined, (b) => b],
      ['*;q=0, gzip', 'gzip', zlib.gunzipSync],
      ['identity', undefined, (b) => b],
      ['deflate', undefined, (b) => b],
    ];
    for (const [header, want, decode] of cases) {
      const r = await api(server, 'GET', path, ['-H', `Accept-Encoding: ${header}`]);
      assert.equal(r.status, 200, header);
      assert.equal(r.headers['content-encoding'], want, header);
      assert.ok(decode(r.body).equals(plain), `${header}: the decoded body differs from the identity body`);
    }
  });

  test('Parquet is never compressed; a small answer is not either', async () => {
    const pq = await api(server, 'GET', `${ROWS}?format=parquet`, ['-H', BROWSER]);
    assert.equal(pq.status, 200);
    assert.equal(pq.headers['content-encoding'], undefined);
    assert.equal(pq.body.subarray(0, 4).toString(), 'PAR1');
    const plainPq = await api(server, 'GET', `${ROWS}?format=parquet`, ['-H', 'Accept-Encoding: identity']);
    assert.equal(pq.body.length, plainPq.body.length);
    const small = await api(server, 'GET', `${ROWS}?select=id&limit=3&format=ndjson`, ['-H', BROWSER]);
    assert.equal(small.status, 200);
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.text, '{"id":0}\n{"id":1}\n{"id":2}\n');
  });

  test('the request log line names the coding', async () => {
    await api(server, 'GET', `${ROWS}?format=csv&select=id`, ['-H', BROWSER, '-H', 'X-Request-Id: compression-log-1']);
    const line = server
      .output()
      .split('\n')
      .find((l) => l.includes('compression-log-1') && l.includes('"msg":"request"'));
    assert.ok(line, 'no request log line for the request');
    assert.equal(JSON.parse(line).contentEncoding, 'zstd');
  });
});

describe('NCF_COMPRESSION=off', () => {
  let server: Server;
  before(async () => {
    server = await startServer({ env: { NCF_COMPRESSION: 'off' } });
    await uploadTrips(server, 'trips', files);
  });
  after(async () => {
    await server?.stop();
  });

  test('browser headers get the identity body', async () => {
    for (const format of ['arrow', 'ndjson']) {
      const path = `${ROWS}?format=${format}`;
      const plain = await api(server, 'GET', path, ['-H', 'Accept-Encoding: identity']);
      const r = await api(server, 'GET', path, ['-H', BROWSER]);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], undefined);
      assert.ok(r.body.equals(plain.body));
    }
  });
});
