// The TypeScript client (`ncf/client`, imported by package name: the built dist through package.json
// "exports") against a real server process with API keys: every upload body kind, queries over GET
// and POST, time travel, a streamed 200k-row upload, scan() over many batches, downloads, and the
// typed errors with their problem+json members.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { NCFClient, NCFClientError, NCFNetworkError, NCFRequestError, NCFUsageError } from 'ncf/client';
import { ROOT, startServer, type Server } from '../support/server.js';

const KEYS = 'reader-key:read,writer-key:write,admin-key:admin';
let server: Server;
let dir: string;
let admin: NCFClient;
let reader: NCFClient;
let writer: NCFClient;

before(async () => {
  server = await startServer({ env: { NCF_API_KEYS: KEYS } });
  dir = await mkdtemp(join(tmpdir(), 'ncf-client-'));
  admin = new NCFClient({ baseUrl: server.url, apiKey: 'admin-key' });
  reader = new NCFClient({ baseUrl: server.url, apiKey: 'reader-key' });
  writer = new NCFClient({ baseUrl: server.url, apiKey: 'writer-key' });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function rows(t: arrow.Table): Array<Record<string, unknown>> {
  return t.toArray().map((r) => ({ ...r.toJSON() }));
}

/** Runs `fn`, expecting it to reject with an NCFRequestError; returns it. */
async function requestError(fn: () => Promise<unknown>): Promise<NCFRequestError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof NCFRequestError, `expected an NCFRequestError, got ${String(e)}`);
    assert.ok(e instanceof NCFClientError && e instanceof Error);
    return e;
  }
  assert.fail('expected the call to fail');
}

test('"ncf/client" resolves by package name through package.json "exports"', async () => {
  const out = await new Promise<string>((res, rej) => {
    execFile(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('ncf/client'); console.log(typeof m.NCFClient, typeof m.NCFRequestError, import.meta.resolve('ncf/client'));",
      ],
      { cwd: ROOT, timeout: 30_000 },
      (err, stdout, stderr) => (err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout)),
    );
  });
  const [client, error, url] = out.trim().split(' ');
  assert.equal(client, 'function');
  assert.equal(error, 'function');
  assert.ok(url!.endsWith('/dist/src/client/index.js'), url);
});

describe('uploads and reads', () => {
  test('create from a string, append a Buffer, a Blob, a Node stream and an apache-arrow Table; list and describe', async () => {
    const created = await writer.create('flights', 'origin,dest,delay\nSFO,JFK,75\nLAX,ORD,-3\n', { format: 'csv' });
    assert.equal(created.operation, 'create');
    assert.equal(created.version, 1);
    assert.equal(created.rowCount, 2);
    assert.deepEqual(
      created.columns.map((c) => [c.name, c.type]),
      [
        ['origin', 'string'],
        ['dest', 'string'],
        ['delay', 'int32'],
      ],
    );

    const ndjson = Buffer.from('{"origin":"JFK","dest":"SFO","delay":130}\n{"origin":"SFO","dest":"LAX","delay":null}\n');
    assert.equal((await writer.append('flights', ndjson, { format: 'ndjson' })).rowCount, 4);
    const blob = new Blob([JSON.stringify([{ origin: 'ORD', dest: 'SFO', delay: 12 }])], { type: 'application/json' });
    assert.equal((await writer.append('flights', blob)).rowsAdded, 1, 'a Blob says its own type');
    const stream = Readable.from(['origin,dest,delay\n', 'BOS,', 'SEA,44\n']);
    assert.equal((await writer.append('flights', stream, { format: 'csv' })).rowCount, 6);
    const table = arrow.tableFromArrays({ origin: ['DEN'], dest: ['PHX'], delay: Int32Array.from([5]) });
    const last = await writer.append('flights', table);
    assert.equal(last.version, 5);
    assert.equal(last.rowCount, 7);

    const list = await reader.list();
    assert.deepEqual(
      list.map((t) => [t.name, t.version, t.rowCount]),
      [['flights', 5, 7]],
    );
    const d = await reader.describe('flights');
    assert.equal(d.rowCount, 7);
    const stats = d.columns.find((c) => c.name === 'delay')!.stats;
    assert.deepEqual([stats.min, stats.max, stats.nullCount], [-3, 130, 1]);
    assert.equal((await reader.describe('flights', { version: 1 })).rowCount, 2);
  });

  test('replace from a Parquet file (a Blob opened from disk), with a schema override', async () => {
    const path = join(dir, 'flights.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT * FROM (VALUES ('SFO', 'JFK', 75), ('LAX', 'ORD', -3), ('JFK', 'SFO', 130)) t(origin, dest, delay)) TO '${path}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const r = await admin.replace('flights_pq', await openAsBlob(path), { format: 'parquet', schema: { delay: 'int64' } });
    assert.equal(r.operation, 'create');
    assert.equal(r.rowCount, 3);
    assert.equal(r.columns.find((c) => c.name === 'delay')!.type, 'int64');
    const again = await admin.replace('flights_pq', 'origin,delay\nX,1\n', { format: 'csv' });
    assert.equal(again.operation, 'replace');
    assert.equal(again.version, 2);
  });

  test('query: select, PostgREST filter maps over GET, filter trees over POST, both together, order, limit, offset, version', async () => {
    const late = await reader.query('flights', { select: ['origin', 'delay'], where: { delay: 'gt.60' }, order: 'delay.desc' });
    assert.deepEqual(
      late.schema.fields.map((f) => f.name),
      ['origin', 'delay'],
    );
    assert.deepEqual(rows(late), [
      { origin: 'JFK', delay: 130 },
      { origin: 'SFO', delay: 75 },
    ]);

    const tree = await reader.query('flights', {
      select: 'origin,delay',
      where: {
        or: [
          { column: 'delay', op: 'lt', value: 0 },
          { column: 'delay', op: 'is', value: null },
        ],
      },
      order: [{ column: 'origin' }],
    });
    assert.deepEqual(rows(tree), [
      { origin: 'LAX', delay: -3 },
      { origin: 'SFO', delay: null },
    ]);

    const both = await reader.query('flights', {
      select: ['origin'],
      where: [
        { origin: 'in.(SFO,JFK,LAX)', delay: ['gte.0', 'lt.100'] },
        { column: 'dest', op: 'neq', value: 'ORD' },
      ],
    });
    assert.deepEqual(rows(both), [{ origin: 'SFO' }]);

    const page = await reader.query('flights', { select: ['delay'], order: ['delay.desc.nullslast'], limit: 2, offset: 1 });
    assert.deepEqual(rows(page), [{ delay: 75 }, { delay: 44 }]);

    const v1 = await reader.query('flights', { version: 1 });
    assert.equal(v1.numRows, 2);
    const none = await reader.query('flights', { where: { delay: 'gt.1000' } });
    assert.equal(none.numRows, 0, 'an empty answer keeps its schema');
    assert.deepEqual(
      none.schema.fields.map((f) => f.name),
      ['origin', 'dest', 'delay'],
    );

    // A query string over the GET length goes as a POST body, with the same meaning.
    const many = Array.from({ length: 900 }, (_, i) => `X${String(i).padStart(4, '0')}`).concat('SFO');
    const long = await reader.query('flights', { select: ['origin'], where: { origin: `in.(${many.join(',')})` } });
    assert.deepEqual(rows(long), [{ origin: 'SFO' }, { origin: 'SFO' }]);
  });

  test('download: the answer in another format, Parquet included', async () => {
    const csv = await reader.download('flights', { format: 'csv', select: ['origin'], where: { delay: 'gt.100' } });
    assert.equal(await csv.text(), 'origin\r\nJFK\r\n');
    const pq = await reader.download('flights', { format: 'parquet', where: { column: 'delay', op: 'gt', value: 60 } });
    assert.equal(pq.headers.get('content-type'), 'application/vnd.apache.parquet');
    const bytes = Buffer.from(await pq.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1');
    assert.equal(bytes.subarray(-4).toString(), 'PAR1');
  });
});

describe('errors', () => {
  test('401 without a key or with a wrong one, 403 for a key without the scope: the problem members carried over', async () => {
    const anonymous = new NCFClient({ baseUrl: server.url });
    const e = await requestError(() => anonymous.list());
    assert.equal(e.status, 401);
    assert.equal(e.type, 'https://ncf.dev/problems/unauthorized');
    assert.equal(e.title, 'Unauthorized');
    assert.match(e.detail, /needs an API key/);
    assert.equal(e.request, 'GET /v1/tables');
    assert.equal(e.problem.status, 401);
    assert.match(e.message, /^GET \/v1\/tables: 401 Unauthorized: /);

    const wrong = await requestError(() => new NCFClient({ baseUrl: server.url, apiKey: 'nope' }).query('flights'));
    assert.equal(wrong.status, 401);
    assert.match(wrong.detail, /not valid/);

    const forbidden = await requestError(() => reader.create('t2', 'a\n1\n', { format: 'csv' }));
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.detail, /needs a key with the write scope; the key given has the read scope/);
  });

  test('404, 400, 409 and 422 problems with their extra members', async () => {
    const missing = await requestError(() => reader.describe('nope'));
    assert.equal(missing.status, 404);
    assert.equal(missing.type, 'https://ncf.dev/problems/not-found');
    assert.equal(missing.extra.table, 'nope');
    assert.match(missing.requestId ?? '', /^[0-9a-f-]{36}$/, 'the X-Request-Id of the answer');
    const version = await requestError(() => reader.query('flights', { version: 99 }));
    assert.equal(version.status, 404);
    assert.deepEqual([version.extra.version, version.extra.currentVersion], [99, 5]);

    const column = await requestError(() => reader.query('flights', { select: ['nope'] }));
    assert.equal(column.status, 400);
    assert.equal(column.extra.parameter, 'select');
    assert.deepEqual(column.extra.columns, ['origin', 'dest', 'delay']);
    const filter = await requestError(() => reader.query('flights', { where: { column: 'delay', op: 'gt', value: 'abc' } }));
    assert.equal(filter.status, 400);
    assert.equal(filter.request, 'POST /v1/tables/flights/query');

    const exists = await requestError(() => writer.create('flights', 'a\n1\n', { format: 'csv' }));
    assert.equal(exists.status, 409);
    assert.equal(exists.extra.currentVersion, 5);
    const bad = await requestError(() => writer.append('flights', 'origin,dest,delay\nA,B,notanumber\n', { format: 'csv' }));
    assert.equal(bad.status, 422);
    assert.equal(typeof bad.extra.line, 'number');
  });

  test('usage errors before any request, network errors wrapped with their cause', async () => {
    assert.throws(() => new NCFClient({ baseUrl: 'localhost:8080' }), NCFUsageError);
    await assert.rejects(
      reader.query('flights', { where: [{ delay: 'gt.1' }, { column: 'delay', op: 'lt', value: 9 }, { delay: 'between.1' }] }),
      (e: unknown) => e instanceof NCFUsageError && /^where: /.test(e.message),
    );
    await assert.rejects(writer.append('flights', 'x', { format: 'xlsx' as never }), NCFUsageError);
    await assert.rejects(writer.append('flights', 42 as never), NCFUsageError);

    const port = await new Promise<number>((res) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const down = new NCFClient({ baseUrl: `http://127.0.0.1:${port}` });
    await assert.rejects(down.list(), (e: unknown) => {
      assert.ok(e instanceof NCFNetworkError, String(e));
      assert.match(e.message, /^GET \/v1\/tables: .*ECONNREFUSED/);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(reader.list({ signal: controller.signal }), (e: unknown) => (e as Error).name === 'AbortError');
  });
});

describe('streaming', () => {
  const N = 200_000;

  test('a generated 200k-row CSV is streamed up from an async generator', async () => {
    let produced = 0;
    let pulls = 0;
    async function* csv(): AsyncGenerator<string> {
      yield 'id,name,score\n';
      for (let i = 0; i < N; i += 5000) {
        pulls++;
        let chunk = '';
        for (let j = i; j < i + 5000; j++) chunk += `${j},name-${j % 97},${(j % 1000) / 4}\n`;
        produced += 5000;
        yield chunk;
      }
    }
    const r = await writer.create('big', csv(), { format: 'csv' });
    assert.equal(produced, N);
    assert.equal(pulls, N / 5000);
    assert.equal(r.rowCount, N);
    assert.deepEqual(
      r.columns.map((c) => c.type),
      ['int32', 'string', 'float64'],
    );
    const t = await reader.query('big', { select: ['id', 'score'], where: { id: 'gte.199990' } });
    assert.equal(t.numRows, 10);
    assert.deepEqual(
      [...t.getChild('id')!],
      Array.from({ length: 10 }, (_, k) => 199_990 + k),
    );
    assert.deepEqual(
      [...t.getChild('score')!],
      Array.from({ length: 10 }, (_, k) => ((199_990 + k) % 1000) / 4),
    );
  });

  test('scan() yields the batches as they stream; breaking off stops the answer', async () => {
    for (let k = 0; k < 4; k++) {
      const lines = Array.from({ length: 1000 }, (_, j) => `${N + k * 1000 + j},extra,${k}`);
      await writer.append('big', `id,name,score\n${lines.join('\n')}\n`, { format: 'csv' });
    }
    let batches = 0,
      total = 0,
      sum = 0,
      last = -1,
      ordered = true;
    for await (const b of reader.scan('big', { select: ['id'] })) {
      batches++;
      total += b.numRows;
      const ids = b.getChild('id')!.toArray() as Int32Array;
      for (const id of ids) {
        sum += id;
        if (id !== last + 1) ordered = false;
        last = id;
      }
    }
    const all = N + 4000;
    assert.equal(total, all);
    assert.equal(sum, (all * (all - 1)) / 2);
    assert.ok(ordered, 'rows arrive in table order');
    assert.ok(batches >= 6, `expected one batch per row group (2 for the 200k upload, one per append), got ${batches}`);

    let seen = 0;
    for await (const b of reader.scan('big', { where: { id: 'gte.0' } })) {
      seen += b.numRows;
      break;
    }
    assert.ok(seen > 0 && seen < all, `read ${seen} rows before breaking off`);
    // The server is fine after the cut-off answer.
    assert.equal((await reader.query('big', { select: ['id'], limit: 3 })).numRows, 3);
  });
});
