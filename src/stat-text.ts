// Statistic values as JSON a person or program can read, the same way the query answers render cell
// values: strings decoded, binary as base64, 64-bit integers beyond ±2^53 as strings, dates as
// YYYY-MM-DD, timestamps as ISO 8601 in UTC with their full sub-second precision, and the float
// values JSON cannot carry (±Infinity) as strings. Used by `ncf inspect` and the service.

import type { ColumnSchema } from './format/schema.js';
import type { StatValue } from './format/stats.js';

const decoder = new TextDecoder('utf-8', { fatal: false });
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const PER_SECOND = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n } as const;
const DIGITS = { s: 0, ms: 3, us: 6, ns: 9 } as const;

/** ISO 8601 of a timestamp count in `unit` since the epoch; the raw count when out of Date's range. */
export function timestampIso(v: bigint, unit: ColumnSchema['unit'] = 'us'): string {
  const per = PER_SECOND[unit];
  let sec = v / per;
  let frac = v % per;
  if (frac < 0n) { frac += per; sec -= 1n; }
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return v.toString();
  const base = d.toISOString().slice(0, 19);
  if (frac === 0n) return `${base}Z`;
  const digits = frac.toString().padStart(DIGITS[unit], '0').replace(/0+$/, '');
  return `${base}.${digits}Z`;
}

/** Days since the epoch as YYYY-MM-DD (the number itself when out of Date's range). */
export function dateIso(days: number): string | number {
  const d = new Date(days * 86_400_000);
  return Number.isNaN(d.getTime()) ? days : d.toISOString().slice(0, 10);
}

/** A statistic as a JSON value; null when absent. */
export function statText(col: ColumnSchema, v: StatValue | undefined): string | number | boolean | null {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) return col.type === 'string' ? decoder.decode(v) : Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') {
    if (col.type === 'timestamp') return timestampIso(v, col.unit);
    return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  }
  if (col.type === 'date' && typeof v === 'number') return dateIso(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}
