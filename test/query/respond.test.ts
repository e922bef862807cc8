// Answer bodies without HTTP: Arrow IPC read back by apache-arrow and flechette (also when empty),
// the JSON page with its next link, NDJSON, CSV, gzip/br/zstd (and when not to compress), ETags, and abort/timeout behaviour.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import * as arrow from 'apache-arrow';
import { tableFromIPC } from '@uwdata/flechette';
import { Decompressor } from 'zstd-napi';
import { HttpProblem } from '../../src/http/errors.js';
import type { ColumnSchema } from '../../src/index.js';
import { type CompressionSettings, MIN_COMPRESS_BYTES } from '../../src/query/content-coding.js';
import type { ContentCoding, Format } from '../../src/query/negotiate.js';
import { parseRowsQuery } from '../../src/query/params.js';
import { planQuery } from '../../src/query/plan.js';
import { answerQuery, matchesETag, planLimit, queryETag } from '../../src/query/respond.js';
import { writeTable, type TestTable } from './tables.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'name', type: 'string', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'at', type: 'timestamp', unit: 'ms', timezone: 'UTC', nullable: true },
];
const N = 250;
let dir: string;
let table: TestTable;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-respond-'));
  const ids = Array.from({ length: N }, (_, i) => BigInt(i) + (i === 7 ? 2n ** 60n : 0n));
  const part = (from: number, to: number) => ({
    id: ids.slice(from, to),
    name: ids.slice(from, to).map((_, k) => ((from + k) % 5 === 0 ? null : `n,"${from + k}"`)),
    day: ids.slice(from, to).map((_, k) => new Date(Date.UTC(2024, 0, 1 + ((from + k) % 30)))),
    at: ids.slice(from, to).map((_, k) => BigInt(Date.UTC(2024, 0, 1) + (from + k) * 1000)),
  });
  table = await writeTable(dir, COLUMNS, [part(0, 100), part(100, 250)], 32);
});

after(async () => {
  await table.close();
  await rm(dir, { recursive: true, force: true });
});

async function bodyBytes(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function answer(
  query: string,
  format: Format,
  opts: { coding?: ContentCoding; compression?: CompressionSettings; max?: number; signal?: AbortSignal } = {},
) {
  const q = parseRowsQuery(query);
  const max = opts.max ?? 100;
  const plan = await planQuery(table.version, { ...q.spec, limit: planLimit(q.spec, format, max) }, table.open);
  const a = await answerQuery({
    plan,
    spec: q.spec,
    format,
    csvSafe: q.csvSafe,
    coding: opts.coding ?? 'identity',
    compression: opts.compression,
    maxResponseRows: max,
    signal: opts.signal ?? new AbortController().signal,
    nextLink: (shown) => `next:${q.spec.offset + shown}`,
  });
  return { plan, headers: a.headers, bytes: await bodyBytes(a.body) };
}

test('arrow: a stream apache-arrow and flechette both read', async () => {
  const { headers, bytes } = await answer('select=id,name,day,at', 'arrow');
  assert.equal(headers['Content-Type'], 'application/vnd.apache.arrow.stream');
  const t = arrow.tableFromIPC(bytes);
  assert.equal(t.numRows, N);
  assert.equal(t.getChild('id')!.get(7), 2n ** 60n + 7n);
  assert.equal(t.getChild('name')!.get(0), null);
  assert.equal(t.getChild('name')!.get(1), 'n,"1"');
  const f = tableFromIPC(bytes, { useBigInt: true });
  assert.equal(f.numRows, N);
  assert.deepEqual(
    f.schema.fields.map((x) => x.name),
    ['id', 'name', 'day', 'at'],
  );
  assert.equal(f.getChild('id').at(249), 249n);
  assert.equal(f.getChild('name').at(3), 'n,"3"');
});

test('arrow: an empty result is a schema-only stream', async () => {
  const { bytes } = await answer('id=lt.0&select=name', 'arrow');
  const t = arrow.tableFromIPC(bytes);
  assert.equal(t.numRows, 0);
  assert.deepEqual(
    t.schema.fields.map((x) => x.name),
    ['name'],
  );
  const f = tableFromIPC(bytes);
  assert.equal(f.numRows, 0);
  assert.deepEqual(
    f.schema.fields.map((x) => x.name),
    ['name'],
  );
});

test('json: page capped with a next link; int64 beyond 2^53 as strings, dates and timestamps as text', async () => {
  const { headers, bytes } = await answer('select=id,day,at', 'json', { max: 10 });
  assert.equal(headers['Content-Type'], 'application/json; charset=utf-8');
  const doc = JSON.parse(bytes.toString());
  assert.deepEqual(doc.columns, [
    { name: 'id', type: 'int64' },
    { name: 'day', type: 'date' },
    { name: 'at', type: 'timestamp' },
  ]);
  assert.equal(doc.rowCount, 10);
  assert.equal(doc.rows.length, 10);
  assert.equal(doc.next, 'next:10');
  assert.equal(doc.rows[7].id, String(2n ** 60n + 7n));
  assert.equal(doc.rows[6].id, 6);
  assert.equal(doc.rows[2].day, '2024-01-03');
  assert.equal(doc.rows[2].at, '2024-01-01T00:00:02.000Z');
});

test('json: no next link when the rows end within the page or the limit is reached', async () => {
  const end = JSON.parse((await answer('offset=245', 'json', { max: 10 })).bytes.toString());
  assert.equal(end.rowCount, 5);
  assert.equal(end.next, null);
  const exact = JSON.parse((await answer('offset=240', 'json', { max: 10 })).bytes.toString());
  assert.equal(exact.rowCount, 10);
  assert.equal(exact.next, null);
  const limited = JSON.parse((await answer('limit=10', 'json', { max: 10 })).bytes.toString());
  assert.equal(limited.next, null);
  const more = JSON.parse((await answer('limit=11', 'json', { max: 10 })).bytes.toString());
  assert.equal(more.rowCount, 10);
  assert.equal(more.next, 'next:10');
  const empty = JSON.parse((await answer('id=lt.0', 'json')).bytes.toString());
  assert.deepEqual([empty.rows, empty.rowCount, empty.next], [[], 0, null]);
});

test('ndjson and csv stream every row, csvSafe guards formulas', async () => {
  const nd = (await answer('select=id,name', 'ndjson')).bytes
    .toString()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(nd.length, N);
  assert.deepEqual(nd[1], { id: 1, name: 'n,"1"' });
  const csv = (await answer('select=id,name&limit=3', 'csv')).bytes.toString();
  assert.equal(csv, 'id,name\r\n0,\r\n1,"n,""1"""\r\n2,"n,""2"""\r\n');
});

test('gzip and br bodies decompress to the identity body', async () => {
  const plain = (await answer('', 'ndjson')).bytes;
  const gz = await answer('', 'ndjson', { coding: 'gzip' });
  assert.equal(gz.headers['Content-Encoding'], 'gzip');
  assert.deepEqual(zlib.gunzipSync(gz.bytes), plain);
  const br = await answer('', 'ndjson', { coding: 'br' });
  assert.equal(br.headers['Content-Encoding'], 'br');
  assert.deepEqual(zlib.brotliDecompressSync(br.bytes), plain);
  const arrowGz = await answer('', 'arrow', { coding: 'gzip' });
  assert.equal(arrow.tableFromIPC(zlib.gunzipSync(arrowGz.bytes)).numRows, N);
});

test('zstd bodies decompress to the identity body; small answers and Parquet stay identity; off is off', async () => {
  for (const format of ['ndjson', 'arrow', 'csv', 'json'] as const) {
    const plain = (await answer('', format)).bytes;
    assert.ok(plain.length >= MIN_COMPRESS_BYTES, `${format}: the fixture must be worth compressing`);
    const z = await answer('', format, { coding: 'zstd' });
    assert.equal(z.headers['Content-Encoding'], 'zstd', format);
    assert.deepEqual(new Decompressor().decompress(z.bytes), plain, format);
    assert.ok(z.bytes.length < plain.length, format);
  }
  // Below MIN_COMPRESS_BYTES the body goes as it is, whatever the client takes.
  const small = await answer('select=id&limit=2', 'ndjson', { coding: 'zstd' });
  assert.equal(small.headers['Content-Encoding'], undefined);
  assert.ok(small.bytes.length < MIN_COMPRESS_BYTES);
  assert.equal(small.bytes.toString(), '{"id":0}\n{"id":1}\n');
  // Parquet is compact already: never content-coded.
  const pq = await answer('', 'parquet', { coding: 'zstd' });
  assert.equal(pq.headers['Content-Encoding'], undefined);
  assert.equal(pq.bytes.subarray(0, 4).toString(), 'PAR1');
  const off = await answer('', 'ndjson', { coding: 'zstd', compression: { mode: 'off', zstdLevel: 1 } });
  assert.equal(off.headers['Content-Encoding'], undefined);
  assert.deepEqual(off.bytes, (await answer('', 'ndjson')).bytes);
});

test('etag: stable for the same query and version, different otherwise; If-None-Match matching', async () => {
  const q = parseRowsQuery('id=gt.5&select=id').spec;
  const plan = await planQuery(table.version, q, table.open);
  const e1 = queryETag(plan, q, 'json', false, 100);
  assert.equal(queryETag(plan, parseRowsQuery('select=id&id=gt.5').spec, 'json', false, 100), e1);
  assert.notEqual(queryETag(plan, q, 'csv', false, 100), e1);
  assert.notEqual(queryETag(plan, parseRowsQuery('id=gt.6&select=id').spec, 'json', false, 100), e1);
  assert.notEqual(queryETag({ ...plan, version: { ...plan.version, version: 2 } }, q, 'json', false, 100), e1);
  assert.ok(matchesETag(e1, e1));
  assert.ok(matchesETag(`"x", ${e1.replace(/^W\//, '')}`, e1));
  assert.ok(matchesETag('*', e1));
  assert.ok(!matchesETag('"other"', e1));
  assert.ok(!matchesETag(undefined, e1));
});

test('a timeout before the first batch is a 504; an abort after it cuts the stream', async () => {
  await assert.rejects(answer('', 'json', { signal: AbortSignal.abort(new DOMException('slow', 'TimeoutError')) }), (e: unknown) => {
    assert.ok(e instanceof HttpProblem);
    assert.equal(e.status, 504);
    return true;
  });
  const q = parseRowsQuery('');
  const plan = await planQuery(table.version, q.spec, table.open);
  const ac = new AbortController();
  const a = await answerQuery({
    plan,
    spec: q.spec,
    format: 'ndjson',
    csvSafe: false,
    coding: 'identity',
    maxResponseRows: 10,
    signal: ac.signal,
    nextLink: () => '',
  });
  ac.abort(new Error('client left'));
  await assert.rejects(bodyBytes(a.body), /client left/);
});
