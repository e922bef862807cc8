import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { bufferSource, fileSource, readInput } from '../../src/ingest/index.js';
import { chunkedSource, days, micros, read, rejectsWith, utf8 } from './util.js';

test('CSV inference: bool, int32, int64, float64, date, timestamp, string', async () => {
  const csv = [
    'b,i32,i64,f,mixed,d,tsz,tsn,tsmix,s',
    'true,1,1,1.5,1,2020-01-01,2020-01-01T00:00:00Z,2020-01-01 10:00,2020-01-01T00:00Z,x',
    'FALSE,-2147483648,9223372036854775807,NaN,2.5,2020-02-29,2020-01-01T01:00:00+01:00,2020-01-01T10:00:00.25,2020-01-01T00:00,y',
    'True,2147483647,-9223372036854775808,-inf,3,1999-12-31,2020-01-01 00:00:00.123456-0130,2021-06-30T23:59:59.999999,,1',
  ].join('\n');
  const r = await read('csv', csv);
  assert.deepEqual(r.types, {
    b: 'Bool',
    i32: 'Int32',
    i64: 'Int64',
    f: 'Float64',
    mixed: 'Float64',
    d: 'Date32<DAY>',
    tsz: 'Timestamp<MICROSECOND, UTC>',
    tsn: 'Timestamp<MICROSECOND>',
    tsmix: 'Utf8',
    s: 'Utf8',
  });
  assert.deepEqual(r.cols.b, [true, false, true]);
  assert.deepEqual(r.cols.i32, [1, -2147483648, 2147483647]);
  assert.deepEqual(r.cols.i64, [1n, 9223372036854775807n, -9223372036854775808n]);
  assert.ok(Number.isNaN(r.cols.f![1]));
  assert.deepEqual([r.cols.f![0], r.cols.f![2]], [1.5, -Infinity]);
  assert.deepEqual(r.cols.mixed, [1, 2.5, 3]);
  assert.deepEqual(r.cols.d, [days(2020, 1, 1), days(2020, 2, 29), days(1999, 12, 31)]);
  assert.deepEqual(r.cols.tsz, [micros(2020, 1, 1), micros(2020, 1, 1), micros(2020, 1, 1, 0, 0, 0, 123456, -90)]);
  assert.deepEqual(r.cols.tsn, [micros(2020, 1, 1, 10), micros(2020, 1, 1, 10, 0, 0, 250000), micros(2021, 6, 30, 23, 59, 59, 999999)]);
  assert.deepEqual(r.cols.tsmix, ['2020-01-01T00:00Z', '2020-01-01T00:00', null]);
  assert.deepEqual(r.cols.s, ['x', 'y', '1']);
});

test('CSV: bare dates among timestamps read as midnight', async () => {
  const r = await read('csv', 'a,b,c\n2020-01-01,2020-01-01,2020-01-01\n2020-01-02T10:00Z,2020-01-02 10:00,2020-01-03\n');
  assert.deepEqual(r.types, { a: 'Timestamp<MICROSECOND, UTC>', b: 'Timestamp<MICROSECOND>', c: 'Date32<DAY>' });
  assert.deepEqual(r.cols.a, [micros(2020, 1, 1), micros(2020, 1, 2, 10)]);
  assert.deepEqual(r.cols.b, [micros(2020, 1, 1), micros(2020, 1, 2, 10)]);
});

test('CSV: numbers with leading zeros and over-long integers stay strings', async () => {
  const csv = 'zip,code,frac,big,biground,id\n01234,007,01.5,123456789012345678901234,100000000000000000000000,0\n12345,7,1.5,1,1,-0\n';
  const r = await read('csv', csv);
  assert.deepEqual(r.types, { zip: 'Utf8', code: 'Utf8', frac: 'Utf8', big: 'Utf8', biground: 'Float64', id: 'Int32' });
  assert.deepEqual(r.cols.zip, ['01234', '12345']);
  assert.deepEqual(r.cols.code, ['007', '7']);
  assert.deepEqual(r.cols.frac, ['01.5', '1.5']);
  assert.deepEqual(r.cols.big, ['123456789012345678901234', '1']);
  assert.deepEqual(r.cols.biground, [1e23, 1]);
  assert.deepEqual(r.cols.id, [0, 0]);
});

test('CSV: int beyond int32 makes int64; int beyond int64 with few digits makes float64', async () => {
  const r = await read('csv', 'a,b,c\n1,1,1\n2147483648,10000000000000000000,9223372036854775808\n');
  assert.deepEqual(r.types, { a: 'Int64', b: 'Float64', c: 'Utf8' });
  assert.deepEqual(r.cols.a, [1n, 2147483648n]);
  assert.deepEqual(r.cols.b, [1, 1e19]);
  assert.deepEqual(r.cols.c, ['1', '9223372036854775808']); // 19 significant digits would not survive float64
});

test('CSV: header names kept verbatim, empty ones numbered, duplicates suffixed', async () => {
  const r = await read('csv', 'Flight Number,Départ ✈,,"a,b",x,x,x_2,x\n1,2,3,4,5,6,7,8\n');
  assert.deepEqual(
    r.schema.fields.map((f) => f.name),
    ['Flight Number', 'Départ ✈', 'column_3', 'a,b', 'x', 'x_3', 'x_2', 'x_4'],
  );
});

test('CSV: RFC 4180 quoting, CRLF, BOM, no final newline', async () => {
  const csv = '\uFEFFname,note,n\r\n"Smith, J","said ""hi""\r\nthen left",1\r\n"",plain,2\r\n,"",3';
  const r = await read('csv', csv);
  assert.equal(r.schema.fields[0]!.name, 'name');
  assert.deepEqual(r.cols.name, ['Smith, J', '', null]);
  assert.deepEqual(r.cols.note, ['said "hi"\r\nthen left', 'plain', '']);
  assert.deepEqual(r.cols.n, [1, 2, 3]);
});

test('CSV: empty quoted field is null in non-string columns; all-empty column is string of nulls', async () => {
  const r = await read('csv', 'a,b,c\n1,,x\n"",,y\n3,"",z\n');
  assert.deepEqual(r.types, { a: 'Int32', b: 'Utf8', c: 'Utf8' });
  assert.deepEqual(r.cols.a, [1, null, 3]);
  assert.deepEqual(r.cols.b, [null, null, '']);
});

test('CSV: blank lines are skipped and line numbers still count them', async () => {
  const r = await read('csv', 'a,b\n\n1,2\r\n\r\n3,4\n\n');
  assert.deepEqual(r.cols.a, [1, 3]);
  await rejectsWith(read('csv', 'a,b\n\n1,2\n"x\ny",2\n\n5\n'), 'INPUT', /CSV line 7: expected 2 fields \(as in the header\) but found 1/);
});

test('CSV: ragged rows name the line and the field counts', async () => {
  const e = await rejectsWith(
    read('csv', 'a,b,c\n1,2,3\n4,5,6,7\n'),
    'INPUT',
    /CSV line 3: expected 3 fields \(as in the header\) but found 4/,
  );
  assert.equal(e.details.line, 3);
  await rejectsWith(read('csv', 'a,b,c\n1,2,3\n4,5\n'), 'INPUT', /CSV line 3: expected 3 fields .* but found 2/);
  // A ragged row is found even when every column is given by the override (single pass).
  await rejectsWith(read('csv', 'a,b\n1,2\n3\n', { schema: { a: 'string', b: 'string' } }), 'INPUT', /CSV line 3/);
});

test('CSV: malformed quoting', async () => {
  await rejectsWith(read('csv', 'a,b\n"open,1\n'), 'INPUT', /CSV line 2: a quoted field is not closed/);
  await rejectsWith(read('csv', 'a,b\n"x"y,1\n'), 'INPUT', /CSV line 2: unexpected character "y" after a closing quote/);
  const r = await read('csv', 'a,b\nsay "hi",1\n'); // a quote inside an unquoted field is kept
  assert.deepEqual(r.cols.a, ['say "hi"']);
});

test('CSV: delimiter sniffed from the header, or given', async () => {
  for (const d of ['\t', ';', '|', ',']) {
    const r = await read('csv', `a${d}"b${d}c"${d}d\n1${d}x${d}2.5\n`);
    assert.deepEqual(
      r.schema.fields.map((f) => f.name),
      ['a', `b${d}c`, 'd'],
      JSON.stringify(d),
    );
    assert.deepEqual(r.cols.d, [2.5]);
  }
  const r = await read('csv', 'a;b,c\n1;2,3\n', { delimiter: ',' });
  assert.deepEqual(
    r.schema.fields.map((f) => f.name),
    ['a;b', 'c'],
  );
  const single = await read('csv', 'only\n1\n2\n');
  assert.deepEqual(single.cols.only, [1, 2]);
  await rejectsWith(read('csv', 'a\n1\n', { delimiter: '::' }), 'INPUT', /delimiter/);
});

test('CSV: empty input is an error; a header alone gives one empty batch of strings', async () => {
  await rejectsWith(read('csv', ''), 'INPUT', /empty; a header row/);
  await rejectsWith(read('csv', '\uFEFF'), 'INPUT', /empty/);
  const r = await read('csv', 'a,b\n');
  assert.equal(r.batches.length, 1);
  assert.equal(r.batches[0]!.numRows, 0);
  assert.deepEqual(r.types, { a: 'Utf8', b: 'Utf8' });
});

test('CSV: invalid UTF-8 is an INPUT error naming the line', async () => {
  const bytes = new Uint8Array([...utf8('a,b\n1,x\n2,'), 0xff, 0xfe, ...utf8('\n')]);
  await rejectsWith(read('csv', bytes), 'INPUT', /CSV line 3: the input is not valid UTF-8/);
});

test('CSV schema override: types, semantic type and description in field metadata, nullability', async () => {
  const csv = 'zip,amount,when,id\n01234,5,2020-01-01T00:00:00Z,1\n99501,7.25,2020-01-02,2\n';
  const r = await read('csv', csv, {
    schema: {
      zip: { type: 'string', semanticType: 'pii_address', description: 'US ZIP code' },
      amount: { semanticType: 'numerical' },
      when: { type: 'timestamp', unit: 'ms', timezone: 'UTC' },
      id: { type: 'int64', nullable: false },
    },
  });
  assert.deepEqual(r.types, { zip: 'Utf8', amount: 'Float64', when: 'Timestamp<MILLISECOND, UTC>', id: 'Int64' });
  const f = (n: string) => r.schema.fields.find((x) => x.name === n)!;
  assert.equal(f('zip').metadata.get('ncf.semanticType'), 'pii_address');
  assert.equal(f('zip').metadata.get('ncf.description'), 'US ZIP code');
  assert.equal(f('amount').metadata.get('ncf.semanticType'), 'numerical');
  assert.equal(f('amount').metadata.has('ncf.description'), false);
  assert.equal(f('id').nullable, false);
  assert.equal(f('zip').nullable, true);
  assert.deepEqual(r.cols.when, [BigInt(Date.UTC(2020, 0, 1)), BigInt(Date.UTC(2020, 0, 2))]);
  assert.deepEqual(r.cols.id, [1n, 2n]);
  assert.deepEqual(r.cols.zip, ['01234', '99501']);
});

test('CSV schema override: a value that does not fit is an INPUT error with line and column', async () => {
  const rows = ['delay,x', ...Array.from({ length: 1232 }, (_, i) => `${i},a`), 'abc,b'];
  const e = await rejectsWith(
    read('csv', rows.join('\n'), { schema: { delay: 'int32' } }),
    'INPUT',
    /CSV line 1234, column "delay": expected int32 \(from the schema override\) but found "abc"/,
  );
  assert.deepEqual(e.details, { line: 1234, column: 'delay' });
  await rejectsWith(read('csv', 'a\n300\n', { schema: { a: 'int8' } }), 'INPUT', /line 2, column "a": expected int8/);
  await rejectsWith(read('csv', 'a\n-1\n', { schema: { a: 'uint32' } }), 'INPUT', /expected uint32/);
  await rejectsWith(
    read('csv', 'a,b\n1,\n', { schema: { b: { nullable: false } } }),
    'INPUT',
    /line 2, column "b": empty value.*not nullable/,
  );
  await rejectsWith(read('csv', 'a\n1\n', { schema: { nope: 'int32' } }), 'SCHEMA', /"nope", which the input does not have/);
  await rejectsWith(read('csv', 'a\n1\n', { schema: { a: { unit: 'ms' } } }), 'SCHEMA', /unit and timezone apply to timestamp columns/);
});

test('CSV schema override: narrow and unsigned integer types, float32, binary, leading zeros accepted', async () => {
  const r = await read('csv', 'a,b,c,d,e,f\n007,255,18446744073709551615,1.5,xyz,-128\n', {
    schema: { a: 'int16', b: 'uint8', c: 'uint64', d: 'float32', e: 'binary', f: 'int8' },
  });
  assert.deepEqual(r.types, { a: 'Int16', b: 'Uint8', c: 'Uint64', d: 'Float32', e: 'Binary', f: 'Int8' });
  assert.deepEqual(r.cols.a, [7]);
  assert.deepEqual(r.cols.b, [255]);
  assert.deepEqual(r.cols.c, [18446744073709551615n]);
  assert.deepEqual(r.cols.d, [1.5]);
  assert.deepEqual(r.cols.e, [utf8('xyz')]);
  assert.deepEqual(r.cols.f, [-128]);
});

test('CSV: batches of batchRows rows; same values whatever the chunking', async () => {
  const lines = ['id,name,score,when'];
  for (let i = 0; i < 1200; i++)
    lines.push(`${i},"n ${i}, ""q""\n${'x'.repeat(i % 7)}",${(i * 0.25).toFixed(2)},2020-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`);
  const bytes = utf8(lines.join('\r\n'));
  const whole = await read('csv', bytes, { batchRows: 500 });
  assert.deepEqual(
    whole.batches.map((b) => b.numRows),
    [500, 500, 200],
  );
  assert.equal(whole.cols.name![3], `n 3, "q"\nxxx`);
  assert.deepEqual(
    whole.cols.id,
    Array.from({ length: 1200 }, (_, i) => i),
  );
  for (const sizes of [[1], [2, 3, 5], [7, 64], [4096]]) {
    const r = await read('csv', chunkedSource(bytes, sizes), { batchRows: 333 });
    assert.deepEqual(r.cols, whole.cols, `chunks ${sizes}`);
    assert.deepEqual(r.types, whole.types);
  }
});

test('CSV: a file source streams a large input in bounded batches', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-ingest-'));
  try {
    const n = 200_000;
    let text = 'k,v\n';
    for (let i = 0; i < n; i++) text += `${i},v${i % 13}\n`;
    await writeFile(join(dir, 'x.csv'), text);
    let rows = 0;
    let sum = 0;
    for await (const b of readInput('csv', fileSource(join(dir, 'x.csv')), { batchRows: 50_000 })) {
      assert.ok(b.numRows <= 50_000);
      rows += b.numRows;
      for (const v of b.getChild('k')!) sum += v as number;
    }
    assert.equal(rows, n);
    assert.equal(sum, (n * (n - 1)) / 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** RFC 4180 writer used as the independent side of the round-trip property. */
function toCsv(header: string[], rows: (string | bigint | null)[][], d: string): string {
  const q = (s: string) => (s === '' || /[",\t;|\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    [header.join(d), ...rows.map((r) => r.map((v) => (v === null ? '' : typeof v === 'bigint' ? v.toString() : q(v))).join(d))].join(
      '\r\n',
    ) + '\n'
  );
}

test('CSV property: random tables of strings, ints and nulls round-trip', async () => {
  const column = fc.oneof(
    fc.record({ kind: fc.constant('int' as const), gen: fc.constant(0) }),
    fc.record({ kind: fc.constant('string' as const), gen: fc.constant(0) }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(column, { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 0, max: 30 }),
      fc.constantFrom(',', '\t', ';', '|'),
      fc.boolean(),
      fc.infiniteStream(
        fc.oneof(
          fc.constant(null),
          fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
          fc.integer().map(BigInt),
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.constantFrom('"', '""', ',', '\n', '\r\n', ' ', 'a"b', 'x\ry'),
        ),
      ),
      async (cols, nRows, d, sniff, values) => {
        const header = cols.map((_, i) => `c ${i}`);
        const rows: (string | bigint | null)[][] = [];
        for (let r = 0; r < nRows; r++) {
          rows.push(
            cols.map((c) => {
              for (;;) {
                const v = values.next().value as string | bigint | null;
                if (v === null || (c.kind === 'int') === (typeof v === 'bigint')) return v;
              }
            }),
          );
        }
        const schema = Object.fromEntries(cols.flatMap((c, i) => (c.kind === 'string' ? [[header[i]!, 'string' as const]] : [])));
        const res = await read(
          'csv',
          chunkedSource(utf8(toCsv(header, rows, d)), [13, 1, 200]),
          sniff ? { schema } : { schema, delimiter: d },
        );
        cols.forEach((c, i) => {
          const got = res.cols[header[i]!]!;
          const want = rows.map((r) => r[i]!);
          assert.equal(got.length, nRows);
          if (c.kind === 'string') {
            assert.deepEqual(got, want);
          } else {
            const ints = want.filter((v) => v !== null) as bigint[];
            const type = ints.length === 0 ? 'Utf8' : ints.every((v) => v >= -2147483648n && v <= 2147483647n) ? 'Int32' : 'Int64';
            assert.equal(res.types[header[i]!], type);
            assert.deepEqual(
              got.map((v) => (v === null ? null : BigInt(v as number | bigint))),
              want,
            );
          }
        });
      },
    ),
    { numRuns: 150 },
  );
});

test('CSV: bufferSource and chunked reads of a BOM split across chunks', async () => {
  const bytes = utf8('\uFEFFa,b\n1,é\n');
  const r = await read('csv', chunkedSource(bytes, [1]));
  assert.deepEqual(
    r.schema.fields.map((f) => f.name),
    ['a', 'b'],
  );
  assert.deepEqual(r.cols.b, ['é']);
  const again = await read('csv', bufferSource(bytes));
  assert.deepEqual(again.cols, r.cols);
});

test('CSV: column arrays grow past their first size without losing values or nulls', async () => {
  const n = 5000;
  const lines = ['i,s,b,t,f'];
  for (let i = 0; i < n; i++) {
    lines.push(
      [
        i % 5 === 0 ? '' : i,
        i % 3 === 0 ? '' : `s${i}`,
        i % 4 === 0 ? '' : i % 2 === 0,
        i % 6 === 0 ? '' : `2020-01-01T00:00:${String(i % 60).padStart(2, '0')}`,
        i % 7 === 0 ? '' : i / 2,
      ].join(','),
    );
  }
  const r = await read('csv', lines.join('\n'));
  const ids = Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(
    r.cols.i,
    ids.map((i) => (i % 5 === 0 ? null : i)),
  );
  assert.deepEqual(
    r.cols.s,
    ids.map((i) => (i % 3 === 0 ? null : `s${i}`)),
  );
  assert.deepEqual(
    r.cols.b,
    ids.map((i) => (i % 4 === 0 ? null : i % 2 === 0)),
  );
  assert.deepEqual(
    r.cols.t,
    ids.map((i) => (i % 6 === 0 ? null : micros(2020, 1, 1, 0, 0, i % 60))),
  );
  assert.deepEqual(
    r.cols.f,
    ids.map((i) => (i % 7 === 0 ? null : i / 2)),
  );
});

test('CSV: nanosecond timestamps infer timestamp[ns] and keep every digit; a coarser explicit unit refuses them', async () => {
  const r = await read(
    'csv',
    't,u\n2024-01-02T03:04:05.123456789,2024-01-02T03:04:05.123456789\n2024-01-02T03:04:05,3000-01-01T00:00:00\n',
  );
  assert.deepEqual(r.types, { t: 'Timestamp<NANOSECOND>', u: 'Utf8' }); // 3000 is beyond int64 nanoseconds: text keeps both
  assert.deepEqual(r.cols.t, [
    BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n + 123_456_789n,
    BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n,
  ]);
  await rejectsWith(
    read('csv', 't\n2024-01-02T03:04:05.1\n2024-01-02T03:04:05.123456789\n', { schema: { t: { type: 'timestamp', unit: 'us' } } }),
    'INPUT',
    /CSV line 3, column "t".*finer than the column's unit, us/,
  );
});
