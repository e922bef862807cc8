// The Parquet answer writer (src/query/output/parquet.ts) without HTTP: files read back by
// parquet-wasm, second-unit timestamps widened to milliseconds (sliced batches included), one chunk
// per row group, empty answers, and a failing or abandoned scan ending the writer instead of hanging.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { PARQUET_ROW_GROUP_ROWS, parquetChunks, parquetSchema } from '../../src/query/output/parquet.js';

async function* from(batches: arrow.RecordBatch[]): AsyncGenerator<arrow.RecordBatch> {
  yield* batches;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

function readBack(bytes: Uint8Array): arrow.Table {
  return arrow.tableFromIPC(readParquet(bytes).intoIPCStream());
}

test('values round-trip; second timestamps become milliseconds, from sliced batches with nulls', async () => {
  const secs = [0, null, 1_700_000_000, -86_400, null, 42].map((s) => (s === null ? null : s * 1000));
  const t = new arrow.Table({
    id: arrow.vectorFromArray([1, 2, 3, 4, 5, 6], new arrow.Int32()),
    ts: arrow.vectorFromArray(secs, new arrow.Timestamp(arrow.TimeUnit.SECOND, 'UTC')),
    s: arrow.vectorFromArray(['a', null, 'c', 'd', 'e', null], new arrow.Utf8()),
  });
  const batch = t.batches[0]!;
  // Slices keep the parent's validity bitmap with an offset: the conversion must honour it.
  const parts = [batch.slice(0, 1), batch.slice(1, 4), batch.slice(4, 6)];
  assert.equal(parquetSchema(t.schema).fields[1]!.type.toString(), 'Timestamp<MILLISECOND, UTC>');
  const { bytes } = await collect(parquetChunks(t.schema, from(parts)));
  const back = readBack(bytes);
  assert.deepEqual([...back.getChild('id')!], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...back.getChild('s')!], ['a', null, 'c', 'd', 'e', null]);
  const ts = back.getChild('ts')!;
  assert.equal((ts.type as arrow.Timestamp).unit, arrow.TimeUnit.MILLISECOND);
  assert.deepEqual(
    [...ts].map((v) => (v === null ? null : Number(v))),
    secs,
  );
});

test('one chunk per row group, then the footer; an empty answer is a file with the schema', async () => {
  const n = PARQUET_ROW_GROUP_ROWS * 2 + 10;
  const ids = new Int32Array(n).map((_, i) => i);
  const t = arrow.tableFromArrays({ id: ids });
  const batches = [0, 100_000, 200_000].map((at) => t.batches[0]!.slice(at, Math.min(n, at + 100_000)));
  const { bytes, chunks } = await collect(parquetChunks(t.schema, from(batches)));
  assert.ok(chunks >= 3, `chunks: ${chunks}`);
  const back = readBack(bytes);
  assert.equal(back.numRows, n);
  assert.equal(back.getChild('id')!.get(n - 1), n - 1);

  const empty = await collect(parquetChunks(t.schema, from([])));
  const e = readBack(empty.bytes);
  assert.equal(e.numRows, 0);
  assert.deepEqual(
    e.schema.fields.map((f) => f.name),
    ['id'],
  );
});

test('a scan that fails rejects the writer; a reader that stops early ends the scan', async () => {
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), true)]);
  const one = arrow.tableFromArrays({ id: Int32Array.from([1, 2, 3]) }).batches[0]!;
  async function* failing(): AsyncGenerator<arrow.RecordBatch> {
    yield new arrow.RecordBatch(schema, one.data);
    throw new Error('the scan broke');
  }
  await assert.rejects(collect(parquetChunks(schema, failing())), /the scan broke/);

  // Incompressible values: each row group is far larger than the writer's 8 KiB output buffer.
  const big = arrow.tableFromArrays({ id: new Int32Array(PARQUET_ROW_GROUP_ROWS).map((_, i) => Math.imul(i, 2654435761)) }).batches[0]!;
  let stopped = false,
    produced = 0;
  async function* endless(): AsyncGenerator<arrow.RecordBatch> {
    try {
      for (;;) {
        produced++;
        yield new arrow.RecordBatch(schema, big.data);
      }
    } finally {
      stopped = true;
    }
  }
  for await (const chunk of parquetChunks(schema, endless())) {
    assert.ok(chunk.length > 0);
    break;
  }
  assert.ok(stopped, 'the scan was returned');
  assert.ok(produced < 5, `the writer pulled ${produced} batches for one row group`);
});
