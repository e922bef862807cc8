// Dates and timestamps in JSON strings and CSV fields: which strings infer date or timestamp, the
// rule per column (one other value → string), and the zone (issue #14 items 2 and 3).
// docs/INGEST.md states these rules; DuckDB checks the CSV layouts in csv-temporal-duckdb.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as arrow from 'apache-arrow';
import { days, micros, read, rejectsWith } from './util.js';

const rowsJson = (col: string, values: unknown[]): string => JSON.stringify(values.map((v) => ({ [col]: v })));
const rowsNdjson = (col: string, values: unknown[]): string => values.map((v) => JSON.stringify({ [col]: v })).join('\n');
// A second column, so an empty field is a null and not a blank (skipped) line.
const rowsCsv = (col: string, values: string[]): string => `${col},k\n${values.map((v, i) => `${v},${i}`).join('\n')}\n`;

test('JSON and NDJSON strings infer date and timestamp as CSV fields do', async () => {
  const values = {
    d: ['1970-01-01', null, '2024/02/29'],
    tz: ['2000-01-01T08:00:00.000Z', '2000-01-01 09:00:00+01:00', '2000-01-02T00:00:00-0130'],
    naive: ['2015/01/01 01:00:00', '2015-01-01T01:00:00.5', '2015-01-01 01:00'],
    ns: ['2020-01-01T00:00:00.123456789', '2020-01-01T00:00:00'],
  };
  const expected = {
    d: { type: 'Date32<DAY>', values: [days(1970, 1, 1), null, days(2024, 2, 29)] },
    tz: { type: 'Timestamp<MICROSECOND, UTC>', values: [micros(2000, 1, 1, 8), micros(2000, 1, 1, 8), micros(2000, 1, 2, 1, 30)] },
    naive: { type: 'Timestamp<MICROSECOND>', values: [micros(2015, 1, 1, 1), micros(2015, 1, 1, 1, 0, 0, 500000), micros(2015, 1, 1, 1)] },
    ns: { type: 'Timestamp<NANOSECOND>', values: [micros(2020, 1, 1) * 1000n + 123456789n, micros(2020, 1, 1) * 1000n] },
  };
  for (const [col, vals] of Object.entries(values)) {
    const e = expected[col as keyof typeof expected];
    const csv = rowsCsv(
      col,
      vals.map((v) => v ?? ''),
    );
    for (const [format, text] of [
      ['json', rowsJson(col, vals)],
      ['ndjson', rowsNdjson(col, vals)],
      ['csv', csv],
    ] as const) {
      const r = await read(format, text);
      assert.equal(r.types[col], e.type, `${format} ${col}`);
      assert.deepEqual(r.cols[col], e.values, `${format} ${col}`);
    }
  }
});

test('one value that is not a date or timestamp keeps the whole column string', async () => {
  const cases: unknown[][] = [
    ['2020-01-01', 'soon'],
    ['2020-01-01', '2020-02-30'], // not a calendar date
    ['2020-01-01T10:00:00', '2020-01-01T25:00:00'],
    ['2020-01-01', 20200101], // a JSON number among date strings
    ['2020-01-01T00:00:00Z', '2020-01-01T00:00:00'], // zoned and zone-less mixed
    ['2020-01-01', '2020/01/01 10:00:00.', '2020-01-01'],
    ['01/02/2015', '12/31/2015'], // month first: ambiguous, never a date
    ['15-01-01'], // two-digit year
  ];
  for (const vals of cases) {
    for (const format of ['json', 'ndjson'] as const) {
      const r = await read(format, format === 'json' ? rowsJson('a', vals) : rowsNdjson('a', vals));
      assert.equal(r.types.a, 'Utf8', `${format} ${JSON.stringify(vals)}`);
      assert.deepEqual(
        r.cols.a,
        vals.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      );
    }
    if (vals.every((v) => typeof v === 'string')) {
      const r = await read('csv', rowsCsv('a', vals as string[]));
      assert.equal(r.types.a, 'Utf8', `csv ${JSON.stringify(vals)}`);
    }
  }
});

test('JSON: bare dates among timestamps read as midnight, as in CSV', async () => {
  const r = await read('json', rowsJson('a', ['2020-01-01', '2020-01-02T10:00Z']));
  assert.equal(r.types.a, 'Timestamp<MICROSECOND, UTC>');
  assert.deepEqual(r.cols.a, [micros(2020, 1, 1), micros(2020, 1, 2, 10)]);
});

test('a string of digits, a date-like prefix or a long text stays a string in JSON', async () => {
  const r = await read(
    'ndjson',
    '{"zip":"01234","n":"123","p":"2020-01-01 and more","long":"2020-01-01T00:00:00.000000000000000000000000000000000000000000000000Z"}\n',
  );
  assert.deepEqual(r.types, { zip: 'Utf8', n: 'Utf8', p: 'Utf8', long: 'Utf8' });
});

test('a timestamp override takes its zone from the values: UTC when they carry one, none when not (issue #14 item 3)', async () => {
  const zoned = ['2000-01-01T08:00:00.000Z', '2000-01-01T10:00:00+02:00', '2000-01-03'];
  const naive = ['2000-01-01T08:00:00.000', '2000-01-03'];
  for (const [format, mk] of [
    ['json', rowsJson],
    ['ndjson', rowsNdjson],
    ['csv', (c: string, v: unknown[]) => rowsCsv(c, v as string[])],
  ] as const) {
    const z = await read(format, mk('t', zoned), { schema: { t: 'timestamp' } });
    assert.equal(z.types.t, 'Timestamp<MICROSECOND, UTC>', `${format} zoned`);
    assert.deepEqual(z.cols.t, [micros(2000, 1, 1, 8), micros(2000, 1, 1, 8), micros(2000, 1, 3)]);
    const n = await read(format, mk('t', naive), { schema: { t: { type: 'timestamp', unit: 'ms' } } });
    assert.equal(n.types.t, 'Timestamp<MILLISECOND>', `${format} naive`);
    assert.deepEqual(n.cols.t, [micros(2000, 1, 1, 8) / 1000n, micros(2000, 1, 3) / 1000n]);
    // A timezone given in the override wins; mixed values are then accepted (zone-less as UTC).
    const given = await read(format, mk('t', [...zoned, ...naive]), { schema: { t: { type: 'timestamp', timezone: '+05:00' } } });
    assert.equal(given.types.t, 'Timestamp<MICROSECOND, +05:00>');
    // Without one, a mix of zoned and zone-less values is refused rather than stored with a guessed zone.
    await rejectsWith(
      read(format, mk('t', [...zoned, ...naive]), { schema: { t: 'timestamp' } }),
      'INPUT',
      /column "t": some timestamps carry a zone .* and some do not/,
    );
  }
});

test('a date override reads YYYY/MM/DD too', async () => {
  const r = await read('csv', 'd\n2024/02/29\n2024-03-01\n', { schema: { d: 'date' } });
  assert.deepEqual(r.cols.d, [days(2024, 2, 29), days(2024, 3, 1)]);
  await rejectsWith(read('csv', 'd\n2024/02-29\n', { schema: { d: 'date' } }), 'INPUT', /expected date/);
});

test('a timestamp override on a zoned Arrow column keeps the zone; a zone-less one stays zone-less', async () => {
  const col = (type: arrow.TimestampMillisecond) =>
    arrow.makeVector(arrow.makeData({ type, length: 2, data: BigInt64Array.from([0n, 1000n]) }));
  const t = new arrow.Table({ z: col(new arrow.TimestampMillisecond('UTC')), n: col(new arrow.TimestampMillisecond()) });
  const ms = { type: 'timestamp', unit: 'ms' } as const;
  const r = await read('arrow', arrow.tableToIPC(t, 'stream'), { schema: { z: ms, n: ms } });
  assert.deepEqual(r.types, { z: 'Timestamp<MILLISECOND, UTC>', n: 'Timestamp<MILLISECOND>' });
  assert.deepEqual(r.cols.z, [0n, 1000n]);
});
