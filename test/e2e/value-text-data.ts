// A table of every date/timestamp flavour (issue #14 item 4): a date column and timestamps in s, ms,
// us and ns, each zoned (timezone "UTC") and zone-less, holding the same instants cut to the unit.
// The expected text of each value is built here from its parts (date, time of day, nanoseconds),
// by the rule docs/QUERY.md states — not by the formatter under test.

import * as arrow from 'apache-arrow';

export const UNITS = ['s', 'ms', 'us', 'ns'] as const;
type Unit = (typeof UNITS)[number];
const ARROW_UNIT: Record<Unit, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND,
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
};
const PER_SECOND: Record<Unit, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n };
const DIGITS: Record<Unit, number> = { s: 0, ms: 3, us: 6, ns: 9 };

/** Instants as (whole second in UTC, nanoseconds past it); null is a null row. */
const INSTANTS: Array<[string, number] | null> = [
  ['2001-01-01T00:01:00', 0], // the example: whole minute, every unit pads its digits
  ['2024-02-29T23:59:59', 123_456_789], // sub-millisecond digits that ms/us cut and ns keeps
  ['1969-12-31T23:59:59', 500_000_001], // before the epoch, with a fraction
  null,
  ['2262-04-11T23:47:16', 854_775_807], // the last instant an int64 of ns holds
  ['1999-12-31T00:00:01', 1_000], // a single microsecond
];
const DAYS = ['2001-01-01', '1969-12-31', null, '2262-04-11', '0001-01-01', '9999-12-31', '1999-12-31'];

export const COLUMNS = ['d', ...UNITS.flatMap((u) => [`${u}_utc`, `${u}_local`])];

function count(unit: Unit, [whole, nanos]: [string, number]): bigint {
  const sec = BigInt(Date.parse(`${whole}Z`) / 1000);
  return sec * PER_SECOND[unit] + BigInt(nanos) / (1_000_000_000n / PER_SECOND[unit]);
}

function text(unit: Unit, zoned: boolean, [whole, nanos]: [string, number]): string {
  const frac = DIGITS[unit] === 0 ? '' : `.${String(nanos).padStart(9, '0').slice(0, DIGITS[unit])}`;
  return `${whole}${frac}${zoned ? 'Z' : ''}`;
}

/** The table as Arrow IPC (stream) and, per column, each row's expected text (null for nulls). */
export function valueTextTable(): { ipc: Uint8Array; expected: Record<string, Array<string | null>> } {
  const rows = Math.max(INSTANTS.length, DAYS.length);
  const vectors: Record<string, arrow.Vector> = {};
  const expected: Record<string, Array<string | null>> = {};
  const day = (i: number) => DAYS[i % DAYS.length] ?? null;
  // The day count goes straight into the buffer (vectorFromArray would take epoch milliseconds).
  vectors.d = arrow.makeVector(
    arrow.makeData({
      type: new arrow.DateDay(),
      length: rows,
      nullCount: DAYS.filter((x) => x === null).length,
      nullBitmap: bitmap(Array.from({ length: rows }, (_, i) => day(i) !== null)),
      data: Int32Array.from({ length: rows }, (_, i) => {
        const d = day(i);
        return d === null ? 0 : Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000);
      }),
    }),
  );
  expected.d = Array.from({ length: rows }, (_, i) => day(i));
  const instant = (i: number) => INSTANTS[i % INSTANTS.length] ?? null;
  const valid = Array.from({ length: rows }, (_, i) => instant(i) !== null);
  for (const unit of UNITS) {
    for (const zoned of [true, false]) {
      const name = `${unit}_${zoned ? 'utc' : 'local'}`;
      vectors[name] = arrow.makeVector(
        arrow.makeData({
          type: new arrow.Timestamp(ARROW_UNIT[unit], zoned ? 'UTC' : null),
          length: rows,
          nullCount: valid.filter((v) => !v).length,
          nullBitmap: bitmap(valid),
          data: BigInt64Array.from({ length: rows }, (_, i) => {
            const t = instant(i);
            return t === null ? 0n : count(unit, t);
          }),
        }),
      );
      expected[name] = Array.from({ length: rows }, (_, i) => {
        const t = instant(i);
        return t === null ? null : text(unit, zoned, t);
      });
    }
  }
  return { ipc: arrow.tableToIPC(new arrow.Table(vectors), 'stream'), expected };
}

function bitmap(valid: boolean[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(valid.length / 8));
  valid.forEach((v, i) => {
    if (v) out[i >>> 3]! |= 1 << (i & 7);
  });
  return out;
}

/** Smallest and largest expected text of a column (same-width ISO text within a column, years
 *  0001–9999: text order is time order). */
export function textRange(values: Array<string | null>): [string, string] {
  const v = values.filter((x): x is string => x !== null).sort();
  return [v[0]!, v[v.length - 1]!];
}
