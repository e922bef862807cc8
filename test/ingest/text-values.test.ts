import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { i64 } from '../../src/ingest/int64.js';
import {
  classifyNumber,
  NUM_FLOAT,
  NUM_INT32,
  NUM_INT64,
  NUM_LOSSY,
  parseDate,
  parseFloat64,
  parseInt64,
  parsed,
  parseSmallInt,
  parseTimestamp,
} from '../../src/ingest/text-values.js';
import { days, micros, utf8 } from './util.js';

const bytes = (s: string) => utf8(s);
const i64Value = (): bigint => (BigInt(i64.hi) << 32n) | BigInt(i64.lo >>> 0);

test('parseInt64 matches BigInt over the whole int64 range and refuses beyond it', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
      const b = bytes(v.toString());
      assert.equal(parseInt64(b, 0, b.length, false), true);
      assert.equal(BigInt.asIntN(64, i64Value()), v);
    }),
    { numRuns: 300 },
  );
  for (const s of ['9223372036854775808', '-9223372036854775809', '99999999999999999999', '12a', '', '-', '1.5']) {
    const b = bytes(s);
    assert.equal(parseInt64(b, 0, b.length, false), false, s);
  }
  const max = bytes('18446744073709551615');
  assert.equal(parseInt64(max, 0, max.length, true), true);
  assert.equal(BigInt.asUintN(64, i64Value()), 18446744073709551615n);
  const over = bytes('18446744073709551616');
  assert.equal(parseInt64(over, 0, over.length, true), false);
  const lead = bytes('-0000000000000000000000042');
  assert.equal(parseInt64(lead, 0, lead.length, false), true);
  assert.equal(BigInt.asIntN(64, i64Value()), -42n);
});

test('parseSmallInt handles signs and leading zeros', () => {
  for (const [s, v] of [
    ['0', 0],
    ['-0', -0],
    ['+17', 17],
    ['007', 7],
    ['-2147483648', -2147483648],
    ['123456789012345', 123456789012345],
  ] as const) {
    const b = bytes(s);
    assert.equal(parseSmallInt(b, 0, b.length), v, s);
  }
  for (const s of ['', '-', '1x', '1234567890123456']) {
    const b = bytes(s);
    assert.ok(Number.isNaN(parseSmallInt(b, 0, b.length)), s);
  }
});

test('parseFloat64 agrees with Number() on random doubles and decimal strings', () => {
  const check = (s: string) => {
    const b = bytes(s);
    const v = parseFloat64(b, 0, b.length);
    assert.ok(parsed.floatOk, s);
    assert.ok(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`);
  };
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => check(String(d))),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 999999 }), fc.integer({ min: -30, max: 30 }), (a, f, e) => {
      check(`${a}.${f}`);
      check(`${a}.${f}e${e}`);
    }),
    { numRuns: 300 },
  );
  for (const s of ['0.1', '-0', '.5', '5.', '1e400', '-1e-400', '123456789012345678901234567890', '0.000001234', '1E+5']) check(s);
  const special = (s: string, expected: number) => {
    const b = bytes(s);
    assert.ok(Object.is(parseFloat64(b, 0, b.length), expected), s);
    assert.ok(parsed.floatOk, s);
  };
  special('NaN', NaN);
  special('nan', NaN);
  special('Infinity', Infinity);
  special('-Infinity', -Infinity);
  special('inf', Infinity);
  special('-inf', -Infinity);
  for (const s of ['', '.', 'e5', '1e', '1.2.3', '--1', 'abc', '1,5']) {
    const b = bytes(s);
    parseFloat64(b, 0, b.length);
    assert.equal(parsed.floatOk, false, s);
  }
});

test('classifyNumber: widths, leading zeros, lossy big integers', () => {
  const c = (s: string) => {
    const b = bytes(s);
    return classifyNumber(b, 0, b.length);
  };
  assert.equal(c('0'), NUM_INT32 | NUM_INT64 | NUM_FLOAT);
  assert.equal(c('-0'), NUM_INT32 | NUM_INT64 | NUM_FLOAT);
  assert.equal(c('2147483647'), NUM_INT32 | NUM_INT64 | NUM_FLOAT);
  assert.equal(c('-2147483648'), NUM_INT32 | NUM_INT64 | NUM_FLOAT);
  assert.equal(c('2147483648'), NUM_INT64 | NUM_FLOAT);
  // int64, and float64 would change the digits (…807 reads back as …808): a float column goes string.
  assert.equal(c('9223372036854775807'), NUM_INT64 | NUM_FLOAT | NUM_LOSSY);
  assert.equal(c('-9223372036854775808'), NUM_INT64 | NUM_FLOAT | NUM_LOSSY);
  assert.equal(c('9007199254740993'), NUM_INT64 | NUM_FLOAT | NUM_LOSSY);
  assert.equal(c('9007199254740992'), NUM_INT64 | NUM_FLOAT);
  assert.equal(c('9223372036854775808'), NUM_FLOAT | NUM_LOSSY);
  assert.equal(c('100000000000000000000'), NUM_FLOAT); // one significant digit: float64 is exact
  assert.equal(c('01234'), 0);
  assert.equal(c('007'), 0);
  assert.equal(c('01.5'), 0);
  assert.equal(c('0.5'), NUM_FLOAT);
  assert.equal(c('1e5'), NUM_FLOAT);
  assert.equal(c('Infinity'), NUM_FLOAT);
  assert.equal(c('12abc'), 0);
});

test('parseDate: valid calendar dates only', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => {
      const s = d.toISOString().slice(0, 10);
      if (s.startsWith('-') || s.startsWith('+')) return;
      const b = bytes(s);
      assert.equal(parseDate(b, 0, b.length), Math.floor(d.getTime() / 86_400_000));
    }),
    { numRuns: 300 },
  );
  for (const s of ['2021-02-29', '2020-13-01', '2020-00-10', '2020-04-31', '2020-1-01', '20200101', '2020-01-01x']) {
    const b = bytes(s);
    assert.ok(Number.isNaN(parseDate(b, 0, b.length)), s);
  }
  const leap = bytes('2000-02-29');
  assert.equal(parseDate(leap, 0, leap.length), days(2000, 2, 29));
});

test('parseTimestamp: separators, fractions, zones, units', () => {
  const ts = (s: string, unit: 'us' | 'ns' | 'ms' | 's' = 'us'): bigint | null => {
    const b = bytes(s);
    return parseTimestamp(b, 0, b.length, unit) ? BigInt.asIntN(64, i64Value()) : null;
  };
  assert.equal(ts('2020-01-02T03:04'), micros(2020, 1, 2, 3, 4));
  assert.equal(ts('2020-01-02 03:04:05'), micros(2020, 1, 2, 3, 4, 5));
  assert.equal(ts('2020-01-02T03:04:05.5'), micros(2020, 1, 2, 3, 4, 5, 500000));
  // Digits finer than the unit are refused (never cut), unless they are zeros.
  assert.equal(ts('2020-01-02T03:04:05.123456789'), null);
  assert.equal(parsed.finer, true);
  assert.equal(ts('2020-01-02T03:04:05.123456000'), micros(2020, 1, 2, 3, 4, 5, 123456));
  assert.equal(parsed.finer, false);
  assert.equal(ts('2020-01-02T03:04:05.123456789', 'ns'), micros(2020, 1, 2, 3, 4, 5) * 1000n + 123456789n);
  assert.equal(ts('2020-01-02T03:04:05Z'), micros(2020, 1, 2, 3, 4, 5));
  assert.equal(parsed.zoned, true);
  assert.equal(ts('2020-01-02T03:04:05+05:30'), micros(2020, 1, 2, 3, 4, 5, 0, 330));
  assert.equal(ts('2020-01-02T03:04:05-0800'), micros(2020, 1, 2, 3, 4, 5, 0, -480));
  assert.equal(ts('1900-01-01T00:00:00.000001'), micros(1900, 1, 1, 0, 0, 0, 1));
  assert.equal(ts('9999-12-31T23:59:59.999999'), micros(9999, 12, 31, 23, 59, 59, 999999));
  assert.equal(ts('0001-01-01T00:00:00', 'ms'), BigInt(new Date('0001-01-01T00:00:00Z').getTime()));
  // int64 nanoseconds reach back to 1677-09-21T00:12:43.145224192Z
  assert.equal(ts('1677-09-21T00:12:44', 'ns'), BigInt(Date.UTC(1677, 8, 21, 0, 12, 44)) * 1_000_000n);
  assert.equal(ts('1677-09-21T00:12:43', 'ns'), null);
  assert.equal(ts('2262-04-11T23:47:17', 'ns'), null);
  for (const s of [
    '2020-01-02',
    '2020-01-02T24:00',
    '2020-01-02T03:60',
    '2020-01-02T03:04:05.',
    '2020-01-02T03:04:05.1234567890',
    '2020-01-02T03:04+5',
    '2020-01-02X03:04',
    '2020-02-30T00:00',
  ]) {
    assert.equal(ts(s), null, s);
  }
  fc.assert(
    fc.property(
      fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-01-01T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 999 }),
      (d, extraUs) => {
        const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
        const s = `${iso.slice(0, 23)}${String(extraUs).padStart(3, '0')}Z`;
        assert.equal(ts(s), BigInt(d.getTime()) * 1000n + BigInt(extraUs));
      },
    ),
    { numRuns: 300 },
  );
});
