import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkedSource, days, read, rejectsWith, utf8 } from './util.js';

test('NDJSON typing: keys in first-seen order, one type per key', async () => {
  const text = [
    '{"b":true,"i":1,"big":1,"f":1,"s":"x","o":{"k":[1,2]},"mix":1}',
    '',
    '   ',
    '{"i":-2147483648,"big":3000000000,"f":2.5,"s":"y","o":[1,"a"],"mix":"two","b":false,"late":null}',
    '{"i":null,"big":-9007199254740991,"f":1e300,"mix":true,"late":"z"}\r',
  ].join('\n');
  const r = await read('ndjson', text);
  assert.deepEqual(
    r.schema.fields.map((f) => f.name),
    ['b', 'i', 'big', 'f', 's', 'o', 'mix', 'late'],
  );
  assert.deepEqual(r.types, { b: 'Bool', i: 'Int32', big: 'Int64', f: 'Float64', s: 'Utf8', o: 'Utf8', mix: 'Utf8', late: 'Utf8' });
  assert.deepEqual(r.cols.b, [true, false, null]);
  assert.deepEqual(r.cols.i, [1, -2147483648, null]);
  assert.deepEqual(r.cols.big, [1n, 3000000000n, -9007199254740991n]);
  assert.deepEqual(r.cols.f, [1, 2.5, 1e300]);
  assert.deepEqual(r.cols.s, ['x', 'y', null]);
  assert.deepEqual(r.cols.o, ['{"k":[1,2]}', '[1,"a"]', null]);
  assert.deepEqual(r.cols.mix, ['1', 'two', 'true']);
  assert.deepEqual(r.cols.late, [null, null, 'z']);
});

test('NDJSON: integers beyond 2^53 stay exact int64; all-null keys are strings', async () => {
  const r = await read('ndjson', '{"a":9007199254740993,"n":null}\n{"a":1}\n');
  assert.deepEqual(r.types, { a: 'Int64', n: 'Utf8' });
  assert.deepEqual(r.cols.a, [9007199254740993n, 1n]);
  assert.deepEqual(r.cols.n, [null, null]);
});

test('NDJSON: an integer float64 would round makes a float column string; beyond int64 too', async () => {
  const r = await read(
    'ndjson',
    '{"f":9007199254740993,"g":9007199254740992,"h":-9223372036854775809,"i":1e20,"s":"12345678901234567","x":{"y":[12345678901234567890]}}\n{"f":1.5,"g":1.5,"h":1,"i":1}\n',
  );
  assert.deepEqual(r.types, { f: 'Utf8', g: 'Float64', h: 'Utf8', i: 'Float64', s: 'Utf8', x: 'Utf8' });
  assert.deepEqual(r.cols.f, ['9007199254740993', '1.5']);
  assert.deepEqual(r.cols.g, [9007199254740992, 1.5]);
  assert.deepEqual(r.cols.h, ['-9223372036854775809', '1']);
  assert.deepEqual(r.cols.x, ['{"y":[12345678901234567890]}', null]);
  await rejectsWith(
    read('ndjson', '{"f":9007199254740993}\n', { schema: { f: 'float64' } }),
    'INPUT',
    /line 1, column "f".*float64 would round/,
  );
});

test('NDJSON errors name the line', async () => {
  await rejectsWith(read('ndjson', '{"a":1}\n\n{"a":2,}\n'), 'INPUT', /NDJSON line 3: invalid JSON/);
  await rejectsWith(read('ndjson', '{"a":1}\n[1,2]\n'), 'INPUT', /NDJSON line 2: expected a JSON object but found an array/);
  await rejectsWith(read('ndjson', '{"a":1}\n"s"\n'), 'INPUT', /NDJSON line 2: expected a JSON object but found a string/);
  await rejectsWith(read('ndjson', new Uint8Array([...utf8('{"a":"'), 0xc3, 0x28, ...utf8('"}\n')])), 'INPUT', /not valid UTF-8/);
});

test('NDJSON schema override: strings parsed into dates, timestamps and ints; metadata kept', async () => {
  const text =
    '{"day":"2024-05-01","at":"2024-05-01T12:00:00Z","zip":"01234","n":5}\n{"day":null,"at":"2024-05-02 00:00:00+02:00","zip":"99999","n":6}\n';
  const r = await read('ndjson', text, {
    schema: {
      day: 'date',
      at: { type: 'timestamp', timezone: 'UTC' },
      zip: { type: 'int32', semanticType: 'pii_address' },
      n: { type: 'string', description: 'count' },
    },
  });
  assert.deepEqual(r.types, { day: 'Date32<DAY>', at: 'Timestamp<MICROSECOND, UTC>', zip: 'Int32', n: 'Utf8' });
  assert.deepEqual(r.cols.day, [days(2024, 5, 1), null]);
  assert.deepEqual(r.cols.at, [BigInt(Date.UTC(2024, 4, 1, 12)) * 1000n, BigInt(Date.UTC(2024, 4, 1, 22)) * 1000n]);
  assert.deepEqual(r.cols.zip, [1234, 99999]);
  assert.deepEqual(r.cols.n, ['5', '6']);
  assert.equal(r.schema.fields[2]!.metadata.get('ncf.semanticType'), 'pii_address');
  assert.equal(r.schema.fields[3]!.metadata.get('ncf.description'), 'count');
  const e = await rejectsWith(
    read('ndjson', '{"a":1}\n{"a":"x"}\n', { schema: { a: 'int64' } }),
    'INPUT',
    /NDJSON line 2, column "a": expected int64 \(from the schema override\) but found "x"/,
  );
  assert.deepEqual(e.details, { line: 2, column: 'a' });
  await rejectsWith(
    read('ndjson', '{"a":1}\n{"b":2}\n', { schema: { a: { nullable: false } } }),
    'INPUT',
    /line 2, column "a": null or missing/,
  );
  await rejectsWith(read('ndjson', '{"a":1.5}\n', { schema: { a: 'int32' } }), 'INPUT', /expected int32/);
  await rejectsWith(read('ndjson', '{"a":1}\n', { schema: { b: 'int32' } }), 'SCHEMA', /"b", which the input does not have/);
});

test('NDJSON: batches and chunking', async () => {
  const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: i, name: `n${i} ✓`, v: i % 3 === 0 ? null : i / 4 }));
  const bytes = utf8(lines.join('\n'));
  const whole = await read('ndjson', bytes, { batchRows: 300 });
  assert.deepEqual(
    whole.batches.map((b) => b.numRows),
    [300, 300, 300, 100],
  );
  assert.deepEqual(
    whole.cols.id,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(
    whole.cols.v,
    Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? null : i / 4)),
  );
  const chunked = await read('ndjson', chunkedSource(bytes, [1, 7, 333]), { batchRows: 300 });
  assert.deepEqual(chunked.cols, whole.cols);
});

test('NDJSON: input without any key is an INPUT error; a BOM is skipped', async () => {
  await rejectsWith(read('ndjson', '\n\n'), 'INPUT', /no keys in any object/);
  await rejectsWith(read('ndjson', '{}\n{}'), 'INPUT', /no keys/);
  const r = await read('ndjson', '\uFEFF{"a":1}\n');
  assert.deepEqual(r.cols, { a: [1] });
});

test('NDJSON: column arrays grow past their first size without losing values or nulls', async () => {
  const n = 5000;
  const ids = Array.from({ length: n }, (_, i) => i);
  const text = ids
    .map((i) =>
      JSON.stringify({ ...(i % 5 ? { i } : {}), s: i % 3 ? `s${i}` : null, b: i % 4 ? i % 2 === 0 : null, big: i % 6 ? i * 1e6 : null }),
    )
    .join('\n');
  const r = await read('ndjson', text);
  assert.deepEqual(r.types, { i: 'Int32', s: 'Utf8', b: 'Bool', big: 'Int64' });
  assert.deepEqual(
    r.cols.i,
    ids.map((i) => (i % 5 ? i : null)),
  );
  assert.deepEqual(
    r.cols.s,
    ids.map((i) => (i % 3 ? `s${i}` : null)),
  );
  assert.deepEqual(
    r.cols.b,
    ids.map((i) => (i % 4 ? i % 2 === 0 : null)),
  );
  assert.deepEqual(
    r.cols.big,
    ids.map((i) => (i % 6 ? BigInt(i) * 1_000_000n : null)),
  );
});
