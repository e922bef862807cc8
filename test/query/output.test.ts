// Text renderers over sliced Arrow data: Arrow JS slices value and offset buffers but not bitmaps, so
// a slice must render exactly the rows it covers, for every type; and the Arrow chunk writer's stream
// reads back whole.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import { BufferSink, NCFReader, NCFWriter, type ColumnSchema } from '../../src/index.js';
import { arrowChunks } from '../../src/query/output/arrow.js';
import { csvBatch, jsonRows, ndjsonBatch } from '../../src/query/output/text.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'i8', type: 'int8', nullable: true },
  { name: 'u32', type: 'uint32', nullable: true },
  { name: 'i64', type: 'int64', nullable: true },
  { name: 'f32', type: 'float32', nullable: true },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 'b', type: 'bool', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: true },
  { name: 'd', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', unit: 'ns', nullable: true },
];
const N = 37;

async function batch(): Promise<arrow.RecordBatch> {
  const col = <T>(f: (i: number) => T) => Array.from({ length: N }, (_, i) => (i % 5 === 3 ? null : f(i)));
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: COLUMNS });
  await w.write({
    i8: col((i) => i - 18),
    u32: col((i) => i * 100_000_000),
    i64: col((i) => 2n ** 60n * BigInt(i % 3) - BigInt(i)),
    f32: col((i) => (i === 7 ? NaN : i / 4)),
    f64: col((i) => (i === 8 ? -Infinity : i * 1.1)),
    b: col((i) => i % 2 === 0),
    s: col((i) => `s"${i},\n${'é'.repeat(i % 3)}`),
    bin: col((i) => new Uint8Array([i, 255 - i])),
    d: col((i) => new Date(Date.UTC(1969, 11, 20 + i))),
    ts: col((i) => BigInt(i) * 1_000_000_123n - 5n),
  });
  await w.close();
  const r = await NCFReader.open(sink.result!);
  const out: arrow.RecordBatch[] = [];
  for await (const b of r.scan()) out.push(b);
  assert.equal(out.length, 1);
  return out[0]!;
}

test('a slice renders exactly its rows as NDJSON, JSON and CSV, for every type', async () => {
  const b = await batch();
  const lines = ndjsonBatch(b).trimEnd().split('\n');
  const csvLines = csvBatch(b).split('\r\n');
  assert.equal(lines.length, N);
  for (const [from, to] of [
    [0, N],
    [1, 9],
    [3, 4],
    [8, 37],
    [13, 30],
    [36, 37],
  ] as const) {
    const s = b.slice(from, to);
    assert.deepEqual(ndjsonBatch(s).trimEnd().split('\n'), lines.slice(from, to), `ndjson [${from}, ${to})`);
    assert.equal(jsonRows(s, true), lines.slice(from, to).join(','));
    assert.equal(csvBatch(s), csvLines.slice(from, to).join('\r\n') + '\r\n');
    const twice = s.slice(1, Math.max(1, s.numRows - 1));
    assert.deepEqual(
      ndjsonBatch(twice)
        .split('\n')
        .filter((l) => l),
      lines.slice(from + 1, Math.max(from + 1, to - 1)),
    );
  }
  const row3 = JSON.parse(lines[4]!);
  assert.deepEqual(row3, {
    i8: -14,
    u32: 400000000,
    i64: String(2n ** 60n - 4n),
    f32: 1,
    f64: 4.4,
    b: true,
    s: 's"4,\né',
    bin: Buffer.from([4, 251]).toString('base64'),
    // A zone-less column (no timezone in COLUMNS): wall-clock text, no Z.
    d: '1969-12-24',
    ts: '1970-01-01T00:00:04.000000487',
  });
  assert.equal(JSON.parse(lines[7]!).f32, 'NaN');
  assert.equal(JSON.parse(lines[3]!).s, null);
});

test('arrowChunks: schema, every batch, end-of-stream; read back by apache-arrow', async () => {
  const b = await batch();
  async function* batches() {
    yield b.slice(0, 10);
    yield b.slice(10, N);
  }
  const parts: Buffer[] = [];
  for await (const c of arrowChunks(b.schema, batches())) parts.push(c);
  const t = arrow.tableFromIPC(Buffer.concat(parts));
  assert.equal(t.numRows, N);
  assert.equal(t.batches.length, 2);
  assert.equal(t.getChild('s')!.get(20), b.getChild('s')!.get(20));
  assert.equal(t.getChild('i64')!.get(36), b.getChild('i64')!.get(36));
  const empty: Buffer[] = [];
  for await (const c of arrowChunks(b.schema, (async function* () {})())) empty.push(c);
  const e = arrow.tableFromIPC(Buffer.concat(empty));
  assert.equal(e.numRows, 0);
  assert.equal(e.schema.fields.length, COLUMNS.length);
});
