// `<col>.trunc(<unit>)`: date/timestamp bucketing for time series. Each row's value becomes a bucket
// number (seconds, minutes, hours or days since the epoch, weeks since Monday 1969-12-29, months
// since year 0, or the year), hashed as a group key; only the groups' bucket numbers are turned back
// into a value of the column's type (the bucket's start). Buckets are in UTC: zone-less timestamps
// are read as UTC and a column's time zone is not applied. Weeks start on Monday (ISO 8601).

import { daysFromCivil } from '../../format/calendar.js';
import type { ColumnData } from '../../format/column.js';
import { words64, TWO_32 } from '../../format/int64.js';
import type { ColumnSchema, TimeUnit } from '../../format/schema.js';

export const TRUNC_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const;
export type TruncUnit = (typeof TRUNC_UNITS)[number];

const PER_SECOND: Record<TimeUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };
const SUB_DAY: Partial<Record<TruncUnit, number>> = { second: 1, minute: 60, hour: 3600 };
const MAX_EXACT = 2 ** 53;

/** Units a column of this type can be truncated to. */
export function truncUnitsFor(col: ColumnSchema): readonly TruncUnit[] {
  if (col.type === 'timestamp') return ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
  if (col.type === 'date') return ['day', 'week', 'month', 'year'];
  return [];
}

/** [year, month 1..12] of a day number (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m];
}

/** Bucket number of a day for the day-or-coarser units. */
function dayBucket(days: number, unit: TruncUnit): number {
  switch (unit) {
    case 'week':
      return Math.floor((days + 3) / 7);
    case 'month': {
      const [y, m] = civilFromDays(days);
      return y * 12 + m - 1;
    }
    case 'year':
      return civilFromDays(days)[0];
    default:
      return days;
  }
}

/** First day of a day-or-coarser bucket. */
function bucketDay(q: number, unit: TruncUnit): number {
  switch (unit) {
    case 'week':
      return q * 7 - 3;
    case 'month': {
      const y = Math.floor(q / 12);
      return daysFromCivil(y, q - y * 12 + 1, 1);
    }
    case 'year':
      return daysFromCivil(q, 1, 1);
    default:
      return q;
  }
}

/** floor(v / d) of a 64-bit value given as words, exact (BigInt only when |v| ≥ 2^53). */
function floorDiv64(data: BigInt64Array, w: Int32Array, i: number, d: number): number {
  const x = w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
  if (x < MAX_EXACT && x > -MAX_EXACT) {
    let q = Math.floor(x / d);
    if (q * d > x) q--;
    else if ((q + 1) * d <= x) q++;
    return q;
  }
  const big = data[i]!,
    bd = BigInt(d);
  let q = big / bd;
  if (big % bd < 0n) q -= 1n;
  return Number(q);
}

/** Bucket numbers of a batch's rows (null rows hold 0). */
export function bucketsOf(col: ColumnSchema, data: ColumnData, unit: TruncUnit, out: Float64Array): void {
  const n = data.length;
  const v = data.values;
  if (v.kind !== 'fixed') throw new Error(`trunc: column ${col.name} is not fixed-width`);
  if (col.type === 'date') {
    const days = v.data as Int32Array;
    let lastDay = NaN,
      lastQ = 0;
    for (let i = 0; i < n; i++) {
      const d = days[i]!;
      if (d !== lastDay) {
        lastDay = d;
        lastQ = dayBucket(d, unit);
      }
      out[i] = lastQ;
    }
    return;
  }
  const ts = v.data as BigInt64Array;
  const w = words64(ts);
  const perSecond = PER_SECOND[col.unit ?? 'us'];
  const sub = SUB_DAY[unit];
  const validity = data.nullCount > 0 ? data.validity : null;
  if (sub !== undefined) {
    const d = sub * perSecond;
    let q = 0,
      from = 0,
      to = 0;
    for (let i = 0; i < n; i++) {
      if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) {
        out[i] = 0;
        continue;
      }
      const x = w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
      if (!(x >= from && x < to)) {
        q = floorDiv64(ts, w, i, d);
        from = q * d;
        to = from + d;
        if (!(from > -MAX_EXACT && to < MAX_EXACT)) {
          from = 0;
          to = 0;
        }
      }
      out[i] = q;
    }
    return;
  }
  const perDay = 86400 * perSecond;
  let lastDay = NaN,
    lastQ = 0;
  // [from, to): the last day's range in column units, exact below 2^53: sorted rows skip the division.
  let from = 0,
    to = 0;
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) {
      out[i] = 0;
      continue;
    }
    const x = w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
    if (x >= from && x < to) {
      out[i] = lastQ;
      continue;
    }
    const day = floorDiv64(ts, w, i, perDay);
    if (day !== lastDay) {
      lastDay = day;
      lastQ = dayBucket(day, unit);
    }
    from = day * perDay;
    to = from + perDay;
    if (!(from > -MAX_EXACT && to < MAX_EXACT)) {
      from = 0;
      to = 0;
    }
    out[i] = lastQ;
  }
}

/** The start of bucket q as a value of the column's type: days (date) or a bigint in the column's unit. */
export function bucketStart(col: ColumnSchema, unit: TruncUnit, q: number): number | bigint {
  if (col.type === 'date') return bucketDay(q, unit);
  const perSecond = BigInt(PER_SECOND[col.unit ?? 'us']);
  const sub = SUB_DAY[unit];
  if (sub !== undefined) return BigInt(q) * BigInt(sub) * perSecond;
  return BigInt(bucketDay(q, unit)) * 86400n * perSecond;
}
