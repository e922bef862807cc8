// Statistic values as JSON a person or program can read, the same way the query answers render cell
// values: strings decoded, binary as base64, 64-bit integers beyond ±2^53 as strings, dates and
// timestamps in the one text form of value-text.ts, and the float values JSON cannot carry
// (±Infinity) as strings. Used by `ncf inspect` and the service (describe, /stats).

import type { ColumnSchema } from '../format/schema.js';
import type { StatValue } from '../format/stats.js';
import { dateText, timestampText } from './value-text.js';

const decoder = new TextDecoder('utf-8', { fatal: false });
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A statistic as a JSON value; null when absent. */
export function statText(col: ColumnSchema, v: StatValue | undefined): string | number | boolean | null {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) return col.type === 'string' ? decoder.decode(v) : Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') {
    if (col.type === 'timestamp') return timestampText(v, col.unit ?? 'us', Boolean(col.timezone));
    return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  }
  if (col.type === 'date' && typeof v === 'number') return dateText(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}
