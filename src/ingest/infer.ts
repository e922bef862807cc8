// Column type inference for text values (CSV fields). Each value is classified into the set of types
// it could be read as; a column keeps the intersection over all its non-empty values and finally
// takes the first type left in the order bool → int32 → int64 → float64 → date → timestamp → string.
// Timestamps are UTC-zoned when every one had a zone, zone-less when none did, strings when mixed;
// bare dates among timestamps are read as midnight and do not count for or against a zone. Their
// unit is microseconds, or nanoseconds when a value has nonzero digits below the microsecond.

import type { DataType, TimeUnit } from '../format/schema.js';
import { i64 } from './int64.js';
import { NUM_FLOAT, NUM_INT32, NUM_INT64, NUM_LOSSY, classifyNumber, parseBool, parseDate, parseTimestamp, parsed } from './text-values.js';

// Candidate bits (what a value can be) and flags (facts that decide between variants).
export const T_BOOL = 1;
export const T_INT32 = 2;
export const T_INT64 = 4;
export const T_FLOAT = 8;
export const T_DATE = 16;
export const T_TS = 32;
export const T_ALL = 63;
const F_LOSSY = 64;
export const F_ZONED = 128;
export const F_NAIVE = 256;
/** A timestamp with nonzero digits below the microsecond, and one outside the nanosecond range. */
export const F_NS = 512;
export const F_NOT_NS = 1024;
/** Microseconds int64 nanoseconds reach either side of the epoch (about 292 years), a little less. */
const NS_SPAN_US = 9_223_372_036_854_000;

/** Candidate bits and flags for one non-empty value. */
export function classify(buf: Uint8Array, s: number, e: number): number {
  const c = buf[s]!;
  if (c >= 48 && c <= 57) {
    const sep = buf[s + 4];
    // YYYY-MM-DD or YYYY/MM/DD.
    if (e - s >= 10 && (sep === 45 || sep === 47) && buf[s + 7] === sep) {
      // A bare date also fits a timestamp column (as midnight) without voting on the zone.
      if (e - s === 10) return parseDate(buf, s, e) === parseDate(buf, s, e) ? T_DATE | T_TS : 0;
      if (parseTimestamp(buf, s, e, 'us')) {
        // Whether the value also fits nanoseconds (int64 ns spans 1677-09-21 .. 2262-04-11).
        const us = i64.hi * 4294967296 + (i64.lo >>> 0);
        return T_TS | (parsed.zoned ? F_ZONED : F_NAIVE) | (Math.abs(us) < NS_SPAN_US ? 0 : F_NOT_NS);
      }
      // Finer than microseconds: a nanosecond column keeps every digit.
      if (!parsed.finer || !parseTimestamp(buf, s, e, 'ns')) return 0;
      return T_TS | F_NS | (parsed.zoned ? F_ZONED : F_NAIVE);
    }
    return numberBits(buf, s, e);
  }
  if (c === 43 || c === 45 || c === 46) return numberBits(buf, s, e);
  const l = c | 0x20;
  if (l === 116 || l === 102) return parseBool(buf, s, e) >= 0 ? T_BOOL : 0;
  if (l === 110 || l === 105) return numberBits(buf, s, e);
  return 0;
}

function numberBits(buf: Uint8Array, s: number, e: number): number {
  const n = classifyNumber(buf, s, e);
  return (n & NUM_INT32 ? T_INT32 : 0) | (n & NUM_INT64 ? T_INT64 : 0) | (n & NUM_FLOAT ? T_FLOAT : 0) | (n & NUM_LOSSY ? F_LOSSY : 0);
}

/** Inference state of one column: candidate bits left, flags seen, and whether any value was seen. */
export class ColumnInference {
  cand = T_ALL;
  flags = 0;
  seen = false;

  /** False once only string is left (callers stop classifying the column). */
  get open(): boolean {
    return this.cand !== 0;
  }

  add(bits: number): void {
    this.seen = true;
    this.cand &= bits;
    this.flags |= bits;
  }

  result(): { type: DataType; unit?: TimeUnit; timezone?: string } {
    const c = this.cand;
    if (!this.seen || c === 0) return { type: 'string' };
    if (c & T_BOOL) return { type: 'bool' };
    if (c & T_INT32) return { type: 'int32' };
    if (c & T_INT64) return { type: 'int64' };
    if (c & T_FLOAT) return this.flags & F_LOSSY ? { type: 'string' } : { type: 'float64' };
    if (c & T_DATE) return { type: 'date' };
    return timestampType(this.flags);
  }

  /** Whether the timestamps seen carried a zone (for a column typed timestamp by an override). */
  zone(): ValueZone {
    return valueZone(this.flags);
  }
}

/** What the timestamp values of a column said about their zone: all had one (Z or an offset), none
 *  did, both kinds occurred, or no value voted (only bare dates, or no value at all). */
export type ValueZone = 'zoned' | 'naive' | 'mixed' | 'none';

export function valueZone(flags: number): ValueZone {
  const zoned = (flags & F_ZONED) !== 0,
    naive = (flags & F_NAIVE) !== 0;
  return zoned ? (naive ? 'mixed' : 'zoned') : naive ? 'naive' : 'none';
}

/** The type of a column whose values are all timestamps (or bare dates, as midnight), from their
 *  flags: UTC-zoned when every timestamp had a zone, zone-less when none did, string when mixed. */
export function timestampType(flags: number): { type: DataType; unit?: TimeUnit; timezone?: string } {
  const zone = valueZone(flags);
  if (zone === 'mixed') return { type: 'string' };
  // Nanoseconds when some value needs them, unless another lies outside their range: then the
  // column stays text rather than losing digits or dates.
  const ns = (flags & F_NS) !== 0;
  if (ns && (flags & F_NOT_NS) !== 0) return { type: 'string' };
  const unit = ns ? ('ns' as const) : ('us' as const);
  return zone === 'zoned' ? { type: 'timestamp', unit, timezone: 'UTC' } : { type: 'timestamp', unit };
}
