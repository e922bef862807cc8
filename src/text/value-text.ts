// The one text form of dates and timestamps, used by every text answer: rows as JSON, NDJSON and CSV
// (query/output/values.ts), describe and /stats (stat-text.ts), histogram edges and distinct values
// (through values.ts), `ncf inspect`. The browse page carries a copy in web/value-text.js, which
// test/value-text.test.ts holds to this one on many values. The rules (docs/QUERY.md, "Value text"):
//   date       YYYY-MM-DD
//   timestamp  YYYY-MM-DDTHH:MM:SS, then exactly the digits of the stored unit (s none, ms 3, us 6,
//              ns 9), then `Z` when the column has a time zone (its values are UTC instants) and
//              nothing when it is zone-less (wall-clock time, no zone known).
// Years 0000–9999 have four digits; others ISO 8601's expanded form, a sign and at least six digits
// (as Date#toISOString writes them). Every int32 day and int64 count is rendered exactly: the civil
// date comes from integer arithmetic, not from Date, whose range is only ±10^8 days.

export type TimeUnitName = 's' | 'ms' | 'us' | 'ns';

const PER_SECOND: Record<TimeUnitName, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n };
const DIGITS: Record<TimeUnitName, number> = { s: 0, ms: 3, us: 6, ns: 9 };

function pad(n: bigint | number, width: number): string {
  return String(n).padStart(width, '0');
}

function yearText(y: bigint): string {
  if (y >= 0n && y <= 9999n) return pad(y, 4);
  return (y < 0n ? '-' : '+') + pad(y < 0n ? -y : y, 6);
}

/** Year, month, day of `days` since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
 *  civil_from_days, in BigInt so that any int64 count of seconds converts exactly). */
function civil(days: bigint): [bigint, bigint, bigint] {
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  return [yoe + era * 400n + (m <= 2n ? 1n : 0n), m, d];
}

function dayText(days: bigint): string {
  const [y, m, d] = civil(days);
  return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** A date column's value (days since the epoch) as YYYY-MM-DD. */
export function dateText(days: number): string {
  return dayText(BigInt(days));
}

/** A timestamp column's value (a count of `unit` since the epoch) as ISO 8601, exact to the unit;
 *  with `Z` when the column is zoned. */
export function timestampText(count: bigint, unit: TimeUnitName, zoned: boolean): string {
  const per = PER_SECOND[unit];
  let sec = count / per;
  let frac = count % per;
  if (frac < 0n) {
    frac += per;
    sec -= 1n;
  }
  let day = sec / 86400n;
  let s = sec % 86400n;
  if (s < 0n) {
    s += 86400n;
    day -= 1n;
  }
  const time = `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}`;
  const fraction = DIGITS[unit] === 0 ? '' : `.${pad(frac, DIGITS[unit])}`;
  return `${dayText(day)}T${time}${fraction}${zoned ? 'Z' : ''}`;
}

/** Arrow's TimeUnit enum (SECOND 0, MILLISECOND 1, MICROSECOND 2, NANOSECOND 3) as a unit name. */
export const ARROW_UNITS: readonly TimeUnitName[] = ['s', 'ms', 'us', 'ns'];
