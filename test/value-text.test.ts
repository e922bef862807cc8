// The one text form of dates and timestamps (src/text/value-text.ts) against independent oracles — Date's
// own ISO text where Date reaches, a days-from-civil count by 400-year cycles beyond — and the page's
// copy (web/value-text.js) against the server's on many values of every unit, zoned and zone-less.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateText, timestampText, type TimeUnitName } from '../src/text/value-text.js';
// @ts-expect-error: a plain ES module of the page, without type declarations
import * as page from '../web/value-text.js';

const UNITS: TimeUnitName[] = ['s', 'ms', 'us', 'ns'];
const PER_MS: Record<TimeUnitName, bigint> = { s: 1n, ms: 1n, us: 1000n, ns: 1_000_000n };
const INT64_MIN = -(2n ** 63n),
  INT64_MAX = 2n ** 63n - 1n;

/** A deterministic generator (mulberry32) so a failure names a reproducible value. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt64(r: () => number): bigint {
  const hi = BigInt(Math.floor(r() * 2 ** 32)),
    lo = BigInt(Math.floor(r() * 2 ** 32));
  const v = BigInt.asIntN(64, (hi << 32n) | lo);
  // Half the values at a random magnitude, so that small and mid-range counts are tried too.
  return r() < 0.5 ? v : v >> BigInt(Math.floor(r() * 64));
}

/** Days since 1970-01-01 of a YYYY-MM-DD text (any year), by Date.UTC on the year moved into
 *  Date's range by whole 400-year cycles (146097 days each). */
function daysOf(text: string): bigint {
  const m = /^([+-]\d{6,}|\d{4})-(\d{2})-(\d{2})$/.exec(text);
  assert.ok(m, `not a date: ${text}`);
  const y = BigInt(m[1]!);
  const cycles = (y - 2000n) / 400n - (y < 2000n && (y - 2000n) % 400n !== 0n ? 1n : 0n);
  const y0 = Number(y - cycles * 400n);
  const utc = new Date(0);
  utc.setUTCFullYear(y0, Number(m[2]) - 1, Number(m[3]));
  assert.equal(utc.getUTCDate(), Number(m[3]), `no such day: ${text}`);
  return BigInt(Math.round(utc.getTime() / 86_400_000)) + cycles * 146097n;
}

test('within Date range, timestamps print as Date#toISOString plus the unit’s exact digits', () => {
  const r = rng(14);
  const MAX_MS = 8_640_000_000_000_000;
  for (let k = 0; k < 20_000; k++) {
    const ms = BigInt(Math.floor((r() * 2 - 1) * MAX_MS));
    for (const unit of UNITS) {
      const sub = unit === 's' ? 0n : BigInt(Math.floor(r() * Number(PER_MS[unit])));
      const count = unit === 's' ? ms / 1000n - (ms < 0n && ms % 1000n !== 0n ? 1n : 0n) : ms * PER_MS[unit] + sub;
      const msOf = unit === 's' ? count * 1000n : ms;
      const iso = new Date(Number(msOf)).toISOString();
      const head = iso.slice(0, iso.indexOf('.'));
      const frac = {
        s: '',
        ms: `.${iso.slice(-4, -1)}`,
        us: `.${iso.slice(-4, -1)}${String(sub).padStart(3, '0')}`,
        ns: `.${iso.slice(-4, -1)}${String(sub).padStart(6, '0')}`,
      }[unit];
      assert.equal(timestampText(count, unit, true), `${head}${frac}Z`, `${count} ${unit}`);
      assert.equal(timestampText(count, unit, false), `${head}${frac}`, `${count} ${unit} zone-less`);
    }
  }
});

test('every int32 day and int64 count prints a real calendar day that counts back to the value', () => {
  const r = rng(10);
  const days = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 100_000_000, -100_000_000, 2932896, -719528, -719529];
  for (let k = 0; k < 5000; k++) days.push(Math.floor((r() * 2 - 1) * 2 ** 31));
  for (const d of days) assert.equal(daysOf(dateText(d)), BigInt(d), `day ${d} → ${dateText(d)}`);
  const counts = [INT64_MIN, INT64_MAX, -1n, 0n];
  for (let k = 0; k < 5000; k++) counts.push(randomInt64(r));
  for (const c of counts) {
    for (const unit of UNITS) {
      const text = timestampText(c, unit, false);
      const m = /^(.+)T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
      assert.ok(m, text);
      assert.equal((m[5] ?? '').length, { s: 0, ms: 3, us: 6, ns: 9 }[unit], text);
      const per = PER_MS[unit] * (unit === 's' ? 1n : 1000n);
      const back = (daysOf(m[1]!) * 86400n + BigInt(m[2]!) * 3600n + BigInt(m[3]!) * 60n + BigInt(m[4]!)) * per + BigInt(m[5] ?? '0');
      assert.equal(back, c, `${c} ${unit} → ${text}`);
    }
  }
});

test('the page’s copy (web/value-text.js) answers as the server’s formatter on many values', () => {
  const r = rng(7);
  let compared = 0;
  for (let k = 0; k < 20_000; k++) {
    const c = randomInt64(r);
    for (const unit of UNITS) {
      for (const zoned of [true, false]) {
        assert.equal(page.timestampText(c, unit, zoned), timestampText(c, unit, zoned), `${c} ${unit} ${zoned}`);
        compared++;
      }
    }
    const d = Math.floor((r() * 2 - 1) * 2 ** 31);
    assert.equal(page.dateText(d), dateText(d), `day ${d}`);
  }
  for (const c of [INT64_MIN, INT64_MAX, 0n, -1n])
    for (const unit of UNITS) assert.equal(page.timestampText(c, unit, true), timestampText(c, unit, true));
  assert.deepEqual(page.ARROW_UNITS, ['s', 'ms', 'us', 'ns']);
  assert.ok(compared >= 160_000);
});
