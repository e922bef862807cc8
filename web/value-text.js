// The one text form of dates and timestamps, for the page: a copy of src/text/value-text.ts (the page is
// plain ES modules and cannot import the server's TypeScript). test/value-text.test.ts holds the two
// to the same answer on many values. Rules: docs/QUERY.md, "Value text".

const PER_SECOND = { s: 1n, ms: 1000n, us: 1000000n, ns: 1000000000n };
const DIGITS = { s: 0, ms: 3, us: 6, ns: 9 };

function pad(n, width) {
  return String(n).padStart(width, '0');
}

function yearText(y) {
  if (y >= 0n && y <= 9999n) return pad(y, 4);
  return (y < 0n ? '-' : '+') + pad(y < 0n ? -y : y, 6);
}

/** Year, month, day of `days` since 1970-01-01, proleptic Gregorian (civil_from_days, in BigInt). */
function civil(days) {
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

function dayText(days) {
  const [y, m, d] = civil(days);
  return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** A date (days since the epoch) as YYYY-MM-DD. */
export function dateText(days) {
  return dayText(BigInt(days));
}

/** A timestamp (a bigint count of `unit` since the epoch) as ISO 8601, exact to the unit; `Z` when zoned. */
export function timestampText(count, unit, zoned) {
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

/** Arrow's TimeUnit enum (SECOND 0 … NANOSECOND 3) as a unit name. */
export const ARROW_UNITS = ['s', 'ms', 'us', 'ns'];
