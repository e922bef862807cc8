// The parallel CSV path (csv-parallel.ts) against the sequential reader as the oracle: the same file
// read from a path in small ranges on worker threads, and from a buffer in order (never parallel),
// must give the same schema, the same values and the same error, whatever the cuts hit.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type * as arrow from 'apache-arrow';
import { readCsv, type CsvOptions } from '../../src/ingest/csv.js';
import { bufferSource, fileSource } from '../../src/ingest/source.js';
import { NCFError } from '../../src/format/errors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-csv-par-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Ranges of ~2 KiB from any size: many cuts even in a small file. */
const PARALLEL: CsvOptions['parallel'] = { minBytes: 1, rangeBytes: 2048 };

interface Read {
  types: string[];
  rows: unknown[][];
  batches: number;
}

async function collect(batches: AsyncIterable<arrow.RecordBatch>): Promise<Read> {
  let types: string[] = [];
  const rows: unknown[][] = [];
  let n = 0;
  for await (const b of batches) {
    n++;
    types = b.schema.fields.map((f) => `${f.name}:${f.type}:${f.nullable}`);
    for (let r = 0; r < b.numRows; r++) rows.push(b.schema.fields.map((_, c) => b.getChildAt(c)!.get(r)));
  }
  return { types, rows, batches: n };
}

/** Reads `text` both ways: in parallel from a file, in order from a buffer. */
async function both(name: string, text: string | Uint8Array, opts: CsvOptions = {}): Promise<[Read | Error, Read | Error]> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const path = join(dir, name);
  await writeFile(path, bytes);
  const run = (src: Parameters<typeof readCsv>[0], o: CsvOptions) => collect(readCsv(src, o)).catch((e: Error) => e);
  return Promise.all([run(fileSource(path), { ...opts, parallel: PARALLEL }), run(bufferSource(bytes), opts)]);
}

function assertSameError(par: Read | Error, seq: Read | Error, what = ''): void {
  assert.ok(seq instanceof NCFError, `${what}: the sequential read fails`);
  assert.ok(par instanceof NCFError, `the parallel read fails too: ${String(par)}`);
  assert.equal(par.message, seq.message);
  assert.equal(par.code, seq.code);
  assert.deepEqual(par.details, seq.details);
}

function rowsOf(n: number, line: (i: number) => string, header: string): string {
  const out = [header];
  for (let i = 0; i < n; i++) out.push(line(i));
  return `${out.join('\n')}\n`;
}

const mixed = (i: number): string =>
  [
    i,
    i % 7 === 0 ? '' : `2024-01-${String(1 + (i % 28)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:00.${i % 1000}`,
    i % 3 === 0 ? 'true' : 'FALSE',
    (i * 1.25).toString(),
    i % 11 === 0 ? '' : `w${i % 13}`,
    `2020-02-${String(1 + (i % 29)).padStart(2, '0')}`,
    i * 1_000_000_007,
  ].join(',');
const MIXED_HEADER = 'id,ts,flag,price,word,day,big';

test('parallel CSV: many ranges give the schema and values of the sequential reader', async () => {
  const [par, seq] = await both('mixed.csv', rowsOf(5000, mixed, MIXED_HEADER), { batchRows: 1000 });
  assert.ok(!(par instanceof Error) && !(seq instanceof Error), String(par));
  assert.deepEqual(par.types, seq.types);
  assert.equal(par.rows.length, 5000);
  assert.deepEqual(par.rows, seq.rows);
  // Cut at range ends too: more batches than the sequential reader's 5, none over batchRows.
  assert.ok(par.batches > seq.batches, `${par.batches} batches`);
});

test('parallel CSV: quoted fields with newlines, CRLF and blank lines around the cuts', async () => {
  const line = (i: number): string =>
    i % 5 === 0 ? `${i},"multi\nline ""${i}""\r\nvalue",${i / 4}` : i % 17 === 0 ? `${i},,\r\n` : `${i},"a,b ${i}",${i / 4}`;
  const [par, seq] = await both('quoted.csv', rowsOf(4000, line, 'id,text,q').replaceAll('\n1', '\r\n1'));
  assert.ok(!(par instanceof Error) && !(seq instanceof Error), String(par));
  assert.deepEqual(par.types, seq.types);
  assert.deepEqual(par.rows, seq.rows);
});

test('parallel CSV: a cut inside a quoted field that holds whole CSV lines is not trusted', async () => {
  // Each quoted value spans several lines that look like records: cutting there and reading on as
  // if a record started would see numbers where the sequential reader sees text.
  const fake = Array.from({ length: 40 }, (_, k) => `${k},${k}`).join('\n');
  const line = (i: number): string => (i % 3 === 0 ? `${i},"${fake}"` : `${i},${i}`);
  const [par, seq] = await both('fake.csv', rowsOf(600, line, 'a,b'));
  assert.ok(!(par instanceof Error) && !(seq instanceof Error), String(par));
  assert.deepEqual(par.types, seq.types);
  assert.deepEqual(par.types, ['a:Int32:true', 'b:Utf8:true']);
  assert.deepEqual(par.rows, seq.rows);
});

test('parallel CSV: malformed input fails with the sequential reader error, at the same line', async () => {
  const good = rowsOf(3000, mixed, MIXED_HEADER);
  const lines = good.split('\n');
  const cases: [string, string | Uint8Array][] = [];
  const fewer = [...lines];
  fewer[2500] = '1,2,3';
  cases.push(['field count', fewer.join('\n')]);
  const open = [...lines];
  open[2000] = open[2000]!.replace(',w', ',"w');
  cases.push(['unclosed quote', open.join('\n')]);
  const after = [...lines];
  after[1500] = after[1500]!.replace(',w', ',"w"x');
  cases.push(['text after a closing quote', after.join('\n')]);
  const bytes = new TextEncoder().encode(good);
  const bad = bytes.slice();
  bad[bytes.length - 300] = 0xff;
  cases.push(['invalid UTF-8', bad]);
  for (const [what, text] of cases) {
    const [par, seq] = await both(`bad-${what.replaceAll(' ', '-')}.csv`, text);
    assertSameError(par, seq, what);
  }
});

test('parallel CSV: value errors under an override keep their line and column', async () => {
  const lines = rowsOf(3000, mixed, MIXED_HEADER).split('\n');
  lines[2800] = lines[2800]!.replace(/^\d+/, 'x');
  const [par, seq] = await both('override.csv', lines.join('\n'), { schema: { id: 'int32' } });
  assertSameError(par, seq);
  const [par2, seq2] = await both('notnull.csv', rowsOf(3000, mixed, MIXED_HEADER), {
    schema: { word: { type: 'string', nullable: false } },
  });
  assertSameError(par2, seq2);
});

test('parallel CSV: a timestamp override reads its zone from the values as in order', async () => {
  const line = (i: number): string => `${i},2024-03-0${1 + (i % 9)}T0${i % 10}:00:00${i < 1500 ? 'Z' : '+02:00'}`;
  for (const schema of [{ t: 'timestamp' as const }, { t: { type: 'timestamp' as const, unit: 'ms' as const } }]) {
    const [par, seq] = await both('zones.csv', rowsOf(3000, line, 'i,t'), { schema });
    assert.ok(!(par instanceof Error) && !(seq instanceof Error), String(par));
    assert.deepEqual(par.types, seq.types);
    assert.deepEqual(par.rows, seq.rows);
  }
  // A non-timestamp value late in the column: the same error either way.
  const lines = rowsOf(3000, line, 'i,t').split('\n');
  lines[2900] = '2900,soon';
  lines[100] = '100,2024-03-01T00:00:00';
  const [par, seq] = await both('zones-bad.csv', lines.join('\n'), { schema: { t: 'timestamp' } });
  assertSameError(par, seq);
});
