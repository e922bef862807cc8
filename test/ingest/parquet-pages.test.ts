// The Thrift compact reader and the page-header parser behind Parquet batch planning: field-id
// deltas and long-form ids, unknown fields skipped, truncated input reported as such, garbage an
// INPUT error, and planning from a real file's dictionary page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { NCFError } from '../../src/format/errors.js';
import { parsePageHeader, planBatches } from '../../src/ingest/parquet-pages.js';
import { readStruct, ThriftError } from '../../src/ingest/thrift-compact.js';

/** Zigzag varint of a non-negative or negative safe integer (independent of the reader). */
function zz(n: number): number[] {
  let u = n >= 0 ? 2 * n : -2 * n - 1;
  const out: number[] = [];
  do {
    out.push((u % 128) | (u >= 128 ? 0x80 : 0));
    u = Math.floor(u / 128);
  } while (u > 0);
  return out;
}

// PageHeader { 1: type i32, 2: uncompressed i32, 3: compressed i32, 7: DictionaryPageHeader { 1: num_values } }
const I32 = 5,
  STRUCT = 12;
function header(type: number, un: number, comp: number): number[] {
  return [0x10 | I32, ...zz(type), 0x10 | I32, ...zz(un), 0x10 | I32, ...zz(comp), 0x40 | STRUCT, 0x10 | I32, ...zz(1), 0, 0];
}

test('a dictionary page header: type and sizes, the nested struct skipped', () => {
  assert.deepEqual(parsePageHeader(new Uint8Array(header(2, 1048580, 61))), { type: 2, uncompressedSize: 1048580, compressedSize: 61 });
});

test('long-form field ids, unknown fields of every type and field order do not matter', () => {
  const all = new Uint8Array([
    0x30 | I32,
    ...zz(77), // 3: compressed (delta 3)
    0x08,
    ...zz(100),
    3,
    0x61,
    0x62,
    0x63, // 100: binary, long-form id
    0x19,
    0x36,
    ...zz(1),
    ...zz(-5),
    ...zz(1 << 30), // 101: list<i64> of 3
    0x1b,
    2,
    0x85,
    1,
    0x61,
    ...zz(9),
    1,
    0x62,
    ...zz(8), // 102: map<binary, i32> of 2
    0x17,
    0,
    0,
    0,
    0,
    0,
    0,
    0xf0,
    0x3f, // 103: double 1.0
    0x11, // 104: true
    0x05,
    ...zz(2),
    ...zz(4096), // 2: uncompressed, long-form id
    0x05,
    ...zz(1),
    ...zz(0), // 1: type DATA_PAGE, long-form id
    0,
  ]);
  assert.deepEqual(parsePageHeader(all), { type: 0, uncompressedSize: 4096, compressedSize: 77 });
  const s = readStruct(all).value;
  assert.deepEqual(s.get(101), [1n, -5n, BigInt(1 << 30)]);
  assert.equal((s.get(102) as Map<unknown, unknown>).size, 2);
  assert.equal(s.get(103), 1);
  assert.equal(s.get(104), true);
  assert.equal(readStruct(all).end, all.length);
});

test('a truncated header is "not enough bytes" (undefined) at every cut, never an exception or a wrong answer', () => {
  const full = header(2, 123456, 789);
  for (let n = 0; n < full.length; n++) {
    assert.equal(parsePageHeader(new Uint8Array(full.slice(0, n))), undefined, `cut at ${n}`);
  }
});

test('garbage is an INPUT error: unknown types, bad sizes, over-long varints, absurd lengths, deep nesting', () => {
  const cases: number[][] = [
    [0x1d, 0], // type 13: unknown
    header(9, 10, 10), // page type 9
    header(2, -1, 10), // negative size
    [0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], // varint of an i32 longer than 5 bytes
    [0x18, 0xff, 0xff, 0xff, 0xff, 0x0f, 0], // binary of 2^32-1 bytes: too large, not allocated
    [0x15, ...zz(2), 0], // sizes missing
    [...Array(40).fill(0x1c), ...Array(40).fill(0)], // structs nested 40 deep
  ];
  for (const c of cases) {
    const buf = new Uint8Array(c);
    let r: unknown;
    try {
      r = parsePageHeader(buf);
    } catch (e) {
      r = e;
    }
    if (r === undefined) {
      // Only a length claim past the buffer may read as truncated; it must say so.
      assert.throws(
        () => readStruct(buf),
        (e: unknown) => e instanceof ThriftError && e.truncated,
        JSON.stringify(c),
      );
      continue;
    }
    assert.ok(r instanceof NCFError && r.code === 'INPUT', `${JSON.stringify(c)} → ${String(r)}`);
  }
  // Random bytes: always an answer or an INPUT error, quickly.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const buf = new Uint8Array(1 + (i % 64)).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    try {
      parsePageHeader(buf);
    } catch (e) {
      assert.ok(e instanceof NCFError && e.code === 'INPUT', String(e));
    }
  }
});

test('planning reads the dictionary page: a 1 MiB entry gives batches of maxBatchBytes / 1 MiB rows; small entries keep the default', async () => {
  const MiB = 1 << 20;
  const props = () =>
    new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression.ZSTD)
      .setDictionaryPageSizeLimit(64 * MiB)
      .build();
  const big = arrow.tableFromArrays({ s: Array.from({ length: 20 }, () => 'x'.repeat(MiB)) });
  const small = arrow.tableFromArrays({
    s: Array.from({ length: 1000 }, (_, i) => `v${i % 7}`),
    n: Float64Array.from({ length: 1000 }, (_, i) => i),
  });
  const limits = { maxValueBytes: 16 * MiB, maxBatchBytes: 16 * MiB, maxDecodedBytes: 64 * MiB };
  const bigPlan = await planBatches(
    new Blob([pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(big, 'stream')), props())]),
    limits,
    65536,
  );
  assert.deepEqual(
    bigPlan.map((p) => [p.rowGroups, p.batchRows]),
    [[[0], 15]],
  );
  const smallPlan = await planBatches(
    new Blob([pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(small, 'stream')), props())]),
    limits,
    65536,
  );
  assert.deepEqual(
    smallPlan.map((p) => [p.rowGroups, p.batchRows]),
    [[[0], 65536]],
  );
  // A dictionary page larger than the upload's whole budget is refused before decoding.
  await assert.rejects(
    planBatches(
      new Blob([pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(big, 'stream')), props())]),
      { ...limits, maxDecodedBytes: MiB / 2 },
      65536,
    ),
    (e: unknown) => e instanceof NCFError && e.code === 'LIMIT',
  );
});
