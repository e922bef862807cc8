import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bufferSource, fileSource } from '../../src/ingest/index.js';
import { readParquet } from '../../src/ingest/parquet.js';
import { dictionaryTable, parquetOf, withLyingDictionaryHeader, withoutArrowSchema } from './parquet-crafted.js';
import { read, rejectsWith } from './util.js';

const N = 10_000;
let dir = '';
let db: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-parquet-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`COPY (
    SELECT
      i::INTEGER AS id,
      (i * 1000003)::BIGINT * 1000 AS big,
      i / 4 AS ratio,
      CASE WHEN i % 7 = 0 THEN NULL ELSE 'name ' || i || ' ✓' END AS "full name",
      i % 2 = 0 AS even,
      DATE '2000-01-01' + (i % 400)::INTEGER AS day,
      TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1234567) AS at,
      TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_microseconds(i) AS at_utc,
      (i % 300)::SMALLINT AS small,
      ['red', 'green', 'blue'][1 + i % 3] AS colour
    FROM range(${N}) t(i)
  ) TO '${join(dir, 'x.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  await db.run(`COPY (SELECT 1::INTEGER AS a, 'x' AS b WHERE false) TO '${join(dir, 'empty.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (SELECT 1 AS ok, 1.25::DECIMAL(10,2) AS price) TO '${join(dir, 'dec.parquet')}' (FORMAT parquet)`);
});

after(async () => {
  db?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Independent expectations from the same formulas as the SQL above. */
function expectedColumns(): Record<string, unknown[]> {
  const ids = Array.from({ length: N }, (_, i) => i);
  const dayZero = Date.UTC(2000, 0, 1) / 86_400_000;
  const tsZero = BigInt(Date.UTC(2020, 0, 1)) * 1000n;
  return {
    id: ids,
    big: ids.map((i) => BigInt(i) * 1000003n * 1000n),
    ratio: ids.map((i) => i / 4),
    'full name': ids.map((i) => (i % 7 === 0 ? null : `name ${i} ✓`)),
    even: ids.map((i) => i % 2 === 0),
    day: ids.map((i) => dayZero + (i % 400)),
    at: ids.map((i) => tsZero + BigInt(i) * 1234567n),
    at_utc: ids.map((i) => tsZero + BigInt(i)),
    small: ids.map((i) => i % 300),
    colour: ids.map((i) => ['red', 'green', 'blue'][i % 3]),
  };
}

test('Parquet written by DuckDB reads back with the expected types and values', async () => {
  const r = await read('parquet', fileSource(join(dir, 'x.parquet')), { batchRows: 1000 });
  assert.deepEqual(r.types, {
    id: 'Int32',
    big: 'Int64',
    ratio: 'Float64',
    'full name': 'Utf8',
    even: 'Bool',
    day: 'Date32<DAY>',
    at: 'Timestamp<MICROSECOND>',
    at_utc: 'Timestamp<MICROSECOND, UTC>',
    small: 'Int16',
    colour: 'Utf8',
  });
  assert.ok(r.batches.length >= 10 && r.batches.every((b) => b.numRows <= 1000), `batch sizes ${r.batches.map((b) => b.numRows)}`);
  assert.deepEqual(r.cols, expectedColumns());
});

test('Parquet values agree with DuckDB reading the same file', async () => {
  const path = join(dir, 'x.parquet');
  const rows = (await db.runAndReadAll(`SELECT id, big, "full name", epoch_us("at") AS at_us FROM '${path}' ORDER BY id`)).getRows();
  const r = await read('parquet', fileSource(path));
  assert.deepEqual(
    r.cols.id,
    rows.map((x) => x[0]),
  );
  assert.deepEqual(
    r.cols.big,
    rows.map((x) => x[1]),
  );
  assert.deepEqual(
    r.cols['full name'],
    rows.map((x) => x[2]),
  );
  assert.deepEqual(
    r.cols.at,
    rows.map((x) => x[3]),
  );
});

test('Parquet from a buffer, with overrides', async () => {
  const bytes = new Uint8Array(await readFile(join(dir, 'x.parquet')));
  const r = await read('parquet', bytes, {
    schema: { id: { type: 'int64', semanticType: 'id_key' }, small: 'string', colour: { semanticType: 'categorical' } },
  });
  assert.equal(r.types.id, 'Int64');
  assert.equal(r.types.small, 'Utf8');
  assert.deepEqual(r.cols.id!.slice(0, 3), [0n, 1n, 2n]);
  assert.deepEqual(r.cols.small!.slice(298, 302), ['298', '299', '0', '1']);
  assert.equal(r.schema.fields.find((f) => f.name === 'colour')!.metadata.get('ncf.semanticType'), 'categorical');
});

test('Parquet: an empty file gives one empty batch; decimals and garbage are refused', async () => {
  const e = await read('parquet', fileSource(join(dir, 'empty.parquet')));
  assert.equal(e.batches.length, 1);
  assert.equal(e.batches[0]!.numRows, 0);
  assert.deepEqual(e.types, { a: 'Int32', b: 'Utf8' });
  await rejectsWith(read('parquet', fileSource(join(dir, 'dec.parquet'))), 'UNSUPPORTED', /column "price" has Arrow type Decimal/);
  await writeFile(join(dir, 'bad.parquet'), 'PAR1 this is not really parquet PAR1');
  await rejectsWith(read('parquet', fileSource(join(dir, 'bad.parquet'))), 'INPUT', /not a readable Parquet file/);
});

/** The MessagePorts this process holds (one per live Parquet decoding worker). */
function ports(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
}

test('Parquet: a file that makes parquet-wasm abort is INPUT, in this process too; its worker is gone', async () => {
  const before = ports();
  const bad = await withLyingDictionaryHeader(withoutArrowSchema(parquetOf(dictionaryTable(1 << 20, 4))));
  await rejectsWith(read('parquet', bad), 'INPUT', /not a readable Parquet file/);
  // The worker's abort was contained: the same process still reads Parquet.
  const ok = await read('parquet', parquetOf(dictionaryTable(16, 10)));
  assert.equal(
    ok.batches.reduce((n, b) => n + b.numRows, 0),
    10,
  );
  assert.equal(ports(), before);
});

test('Parquet: stopping early (a consumer that refuses the upload midway) terminates the worker', async () => {
  const before = ports();
  let batches = 0;
  for await (const b of readParquet(fileSource(join(dir, 'x.parquet')), { batchRows: 1000 })) {
    assert.ok(b.numRows > 0);
    assert.equal(ports(), before + 1, 'one worker while reading');
    if (++batches === 2) break;
  }
  assert.equal(ports(), before);
});

test('Parquet: a row group needing more WebAssembly memory than the budget allows is LIMIT, not an abort', async () => {
  // 300 rows × 1 MiB read as plain strings: parquet-wasm expands the chunk to ~300 MiB; a 16 MiB
  // budget caps the worker's memory at 128 MiB (2 × 16 + 2 × 16 + 64, a power of two).
  const bomb = withoutArrowSchema(parquetOf(dictionaryTable(1 << 20, 300)));
  const limits = { maxValueBytes: 4 << 20, maxBatchBytes: 16 << 20, maxDecodedBytes: 16 << 20 };
  const e = await rejectsWith(
    (async () => {
      for await (const _ of readParquet(bufferSource(bomb), { limits }));
    })(),
    'LIMIT',
    /128 MiB of memory its decoded-size budget allows \(NCF_MAX_DECODED_BYTES/,
  );
  assert.equal(e.details.limit, 'NCF_MAX_DECODED_BYTES');
});
