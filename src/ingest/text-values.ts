// Byte-level parsers for the text forms of values (CSV fields; JSON strings under a schema override):
// booleans, integers, floats, dates and timestamps, read straight from UTF-8 bytes with no string
// or object allocated on the common paths. Each parser reports failure instead of throwing, so the
// same code serves type inference (does this value fit?) and parsing (what is it?).

import { setDigits, setScaled } from './int64.js';
import { daysFromCivil } from '../format/calendar.js';

/** Side results of the last call: parseFloat64 returns NaN both for "NaN" and for failure, so
 *  `floatOk` tells them apart, and clears `exact` when the text was an integer the double does not
 *  equal (9007199254740993); parseTimestamp sets `zoned` when the value carried Z or an offset, and
 *  `finer` when it failed only because its fraction has nonzero digits finer than the unit. */
export const parsed = { floatOk: false, exact: true, zoned: false, finer: false };

/** Why an integer is refused by a float column: rounding it would change the number silently. */
export const INEXACT = ' (an integer float64 would round; declare the column int64, uint64 or string)';

const ZERO = 48;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Lower-cases an ASCII letter. */
function lc(c: number): number {
  return c | 0x20;
}

/** 1 for true, 0 for false (ASCII case-insensitive), -1 for anything else. */
export function parseBool(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 4 && lc(buf[s]!) === 116 && lc(buf[s + 1]!) === 114 && lc(buf[s + 2]!) === 117 && lc(buf[s + 3]!) === 101) return 1;
  if (
    n === 5 &&
    lc(buf[s]!) === 102 &&
    lc(buf[s + 1]!) === 97 &&
    lc(buf[s + 2]!) === 108 &&
    lc(buf[s + 3]!) === 115 &&
    lc(buf[s + 4]!) === 101
  )
    return 0;
  return -1;
}

// Shape bits from classifyNumber: what a value could be read as during inference.
export const NUM_INT32 = 1;
export const NUM_INT64 = 2;
export const NUM_FLOAT = 4;
/** An integer float64 would change (9007199254740993 reads back as ...992; see keptByFloat64). */
export const NUM_LOSSY = 8;

const INT64_MAX_DIGITS = [57, 50, 50, 51, 51, 55, 50, 48, 51, 54, 56, 53, 52, 55, 55, 53, 56, 48, 55]; // "9223372036854775807"

/** Compares 19 digits at buf[s] with int64's limit; `negative` allows one more. */
function fitsInt64Digits(buf: Uint8Array, s: number, negative: boolean): boolean {
  for (let i = 0; i < 19; i++) {
    const d = buf[s + i]!;
    const lim = i === 18 && negative ? 56 : INT64_MAX_DIGITS[i]!;
    if (d !== lim) return d < lim;
  }
  return true;
}

/**
 * Inference shape of a number: integer (no leading zeros, except exactly 0) with the widths it fits,
 * or float64 syntax (decimal, exponent, NaN/Infinity/inf). 0 when the text is not a number as
 * inference defines it, e.g. "007" or "01.5", which stay strings to keep their digits.
 */
export function classifyNumber(buf: Uint8Array, s: number, e: number): number {
  let p = s;
  let c = buf[p]!;
  const negative = c === MINUS;
  if (negative || c === PLUS) c = buf[++p]!;
  if (p >= e) return 0;
  if (isDigit(c)) {
    const intStart = p;
    while (p < e && isDigit(buf[p]!)) p++;
    const intDigits = p - intStart;
    if (intDigits > 1 && c === ZERO) return 0;
    if (p === e) {
      if (intDigits <= 9) return NUM_INT32 | NUM_INT64 | NUM_FLOAT;
      if (intDigits === 10) {
        let v = 0;
        for (let i = intStart; i < e; i++) v = v * 10 + (buf[i]! - ZERO);
        return v <= (negative ? 2147483648 : 2147483647) ? NUM_INT32 | NUM_INT64 | NUM_FLOAT : NUM_INT64 | NUM_FLOAT;
      }
      const lossy = intDigits > 15 && !keptByFloat64(buf, intStart, e) ? NUM_LOSSY : 0;
      if (intDigits < 19 || (intDigits === 19 && fitsInt64Digits(buf, intStart, negative))) return NUM_INT64 | NUM_FLOAT | lossy;
      return NUM_FLOAT | lossy;
    }
    return floatTail(buf, p, e) ? NUM_FLOAT : 0;
  }
  if (c === DOT) {
    if (p + 1 >= e || !isDigit(buf[p + 1]!)) return 0;
    return floatTail(buf, p, e) ? NUM_FLOAT : 0;
  }
  return special(buf, p, e) !== 0 ? NUM_FLOAT : 0;
}

/**
 * Whether float64 keeps the integer of digits buf[s, e) (no sign, no leading zero): the double
 * nearest to it, written in its shortest form, denotes the same number. True for every integer of
 * at most 15 significant digits (1e23 written out in full stays 1e+23); false for 9007199254740993
 * (it would read back as ...992). Allocates only for integers of 16+ significant digits.
 */
export function keptByFloat64(buf: Uint8Array, s: number, e: number): boolean {
  let end = e;
  while (end > s + 1 && buf[end - 1] === ZERO) end--;
  if (end - s <= 15) return true;
  const text = ascii(buf, s, e);
  const v = Number(text);
  if (!Number.isFinite(v)) return false;
  // toExponential() without digits is the shortest form that reads back as v: "9.007199254740992e+15"
  const m = /^(\d)(?:\.(\d+))?e\+(\d+)$/.exec(v.toExponential());
  if (!m || Number(m[3]) !== e - s - 1) return false;
  return m[1]! + (m[2] ?? '') === ascii(buf, s, end);
}

/** Checks the part after the integer digits: [.digits][e[sign]digits]. */
function floatTail(buf: Uint8Array, p: number, e: number): boolean {
  if (buf[p] === DOT) {
    p++;
    while (p < e && isDigit(buf[p]!)) p++;
  }
  if (p < e && lc(buf[p]!) === 101) {
    p++;
    if (p < e && (buf[p] === PLUS || buf[p] === MINUS)) p++;
    if (p >= e || !isDigit(buf[p]!)) return false;
    while (p < e && isDigit(buf[p]!)) p++;
  }
  return p === e;
}

/** NaN/Infinity spellings after the sign: 1 = nan, 2 = inf or infinity, 0 = neither. */
function special(buf: Uint8Array, p: number, e: number): number {
  const n = e - p;
  if (n === 3) {
    const a = lc(buf[p]!),
      b = lc(buf[p + 1]!),
      c = lc(buf[p + 2]!);
    if (a === 110 && b === 97 && c === 110) return 1;
    if (a === 105 && b === 110 && c === 102) return 2;
    return 0;
  }
  if (n === 8) {
    const word = 'infinity';
    for (let i = 0; i < 8; i++) if (lc(buf[p + i]!) !== word.charCodeAt(i)) return 0;
    return 2;
  }
  return 0;
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

function ascii(buf: Uint8Array, s: number, e: number): string {
  return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
}

/**
 * Parses a float64 (any number syntax classifyNumber accepts, and leading zeros too); NaN marks
 * failure, so "NaN" itself is told apart by `parsed.floatOk`. Uses the exact fast path (at most 15
 * significant digits, power of ten at most 22) and falls back to Number() otherwise.
 */
export function parseFloat64(buf: Uint8Array, s: number, e: number): number {
  parsed.floatOk = false;
  parsed.exact = true;
  let p = s;
  let c = buf[p]!;
  const negative = c === MINUS;
  if (negative || c === PLUS) c = buf[++p]!;
  if (p >= e) return NaN;
  if (!isDigit(c) && c !== DOT) {
    const sp = special(buf, p, e);
    if (sp === 0) return NaN;
    parsed.floatOk = true;
    return sp === 1 ? NaN : negative ? -Infinity : Infinity;
  }
  let mant = 0;
  let digits = 0; // significant digits in mant
  let scale = 0; // power of ten to apply
  let any = false;
  while (p < e && isDigit((c = buf[p]!))) {
    any = true;
    if (digits < 16) {
      if (mant !== 0 || c !== ZERO) {
        mant = mant * 10 + (c - ZERO);
        digits++;
      }
    } else scale++;
    p++;
  }
  if (p < e && buf[p] === DOT) {
    p++;
    while (p < e && isDigit((c = buf[p]!))) {
      any = true;
      if (digits < 16) {
        if (mant !== 0 || c !== ZERO) {
          mant = mant * 10 + (c - ZERO);
          digits++;
        }
        scale--;
      }
      p++;
    }
  }
  if (!any) return NaN;
  const integer = p === e; // no fraction, no exponent
  if (p < e && lc(buf[p]!) === 101) {
    p++;
    let expNeg = false;
    if (p < e && (buf[p] === PLUS || buf[p] === MINUS)) expNeg = buf[p++] === MINUS;
    if (p >= e) return NaN;
    let exp = 0;
    while (p < e && isDigit((c = buf[p]!))) {
      if (exp < 100000) exp = exp * 10 + (c - ZERO);
      p++;
    }
    scale += expNeg ? -exp : exp;
  }
  if (p !== e) return NaN;
  parsed.floatOk = true;
  let v: number;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    v = scale >= 0 ? mant * POW10[scale]! : mant / POW10[-scale]!;
  } else if (mant === 0) {
    v = 0;
  } else {
    const from = negative || buf[s] === PLUS ? s + 1 : s;
    v = Number(ascii(buf, from, e));
    // Rare path (an integer of 16+ significant digits): would the double change its digits?
    if (integer && digits + scale > 15) {
      let q = from;
      while (q < e - 1 && buf[q] === ZERO) q++;
      parsed.exact = keptByFloat64(buf, q, e);
    }
  }
  return negative ? -v : v;
}

/**
 * Parses an integer with optional sign and any leading zeros (an explicit integer type accepts them).
 * Returns the value when it has at most 15 significant digits, else NaN (callers narrowing to 32 bits
 * or fewer treat that as out of range; 64-bit callers use parseInt64).
 */
export function parseSmallInt(buf: Uint8Array, s: number, e: number): number {
  let p = s;
  const c = buf[p];
  const negative = c === MINUS;
  if (negative || c === PLUS) p++;
  if (p >= e) return NaN;
  while (p < e - 1 && buf[p] === ZERO) p++;
  if (e - p > 15) return NaN;
  let v = 0;
  for (; p < e; p++) {
    const d = buf[p]! - ZERO;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Parses an int64 (or uint64) into the i64 registers; false when not an integer or out of range. */
export function parseInt64(buf: Uint8Array, s: number, e: number, unsigned: boolean): boolean {
  let p = s;
  const c = buf[p];
  const negative = c === MINUS;
  if (negative || c === PLUS) p++;
  if (p >= e) return false;
  for (let q = p; q < e; q++) if (!isDigit(buf[q]!)) return false;
  while (p < e - 1 && buf[p] === ZERO) p++;
  return setDigits(buf, p, e, negative, unsigned);
}

function two(buf: Uint8Array, p: number): number {
  const a = buf[p]! - ZERO,
    b = buf[p + 1]! - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const SLASH = 47;

/** Whether c separates a date's fields: '-' (ISO) or '/' (YYYY/MM/DD, which DuckDB's CSV sniffer
 *  also reads as a date; docs/INGEST.md). */
function isDateSep(c: number | undefined): boolean {
  return c === MINUS || c === SLASH;
}

/** Days since the epoch for YYYY-MM-DD or YYYY/MM/DD (one separator throughout) at buf[s]
 *  (10 bytes read, not checked for what follows); NaN if invalid. */
function datePrefix(buf: Uint8Array, s: number, e: number): number {
  const sep = buf[s + 4];
  if (e - s < 10 || !isDateSep(sep) || buf[s + 7] !== sep) return NaN;
  const y1 = two(buf, s),
    y2 = two(buf, s + 2),
    m = two(buf, s + 5),
    d = two(buf, s + 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1) return NaN;
  const y = y1 * 100 + y2;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > MONTH_DAYS[m]! + (leap ? 1 : 0)) return NaN;
  return daysFromCivil(y, m, d);
}

/** YYYY-MM-DD (or YYYY/MM/DD; a valid calendar date) as days since 1970-01-01; NaN when not one. */
export function parseDate(buf: Uint8Array, s: number, e: number): number {
  return e - s === 10 ? datePrefix(buf, s, e) : NaN;
}

/** Units per second and the fraction digits each unit keeps. */
export const UNIT_SCALE = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 } as const;
const UNIT_DIGITS = { s: 0, ms: 3, us: 6, ns: 9 } as const;
export type Unit = keyof typeof UNIT_SCALE;

/** Why a timestamp is refused by a column of a coarser unit. */
export function finerThan(unit: Unit): string {
  return ` (its fraction has digits finer than the column's unit, ${unit}, which would be cut; the column needs a finer unit or the value fewer digits)`;
}

/**
 * YYYY-MM-DD[T| ]HH:MM[:SS[.fraction (1-9 digits)]][Z|±HH:MM|±HHMM] (the date also as YYYY/MM/DD)
 * into the i64 registers as `unit`
 * since the epoch, UTC (offsets applied). False when the text is not such a timestamp, does not fit
 * int64, or has nonzero fraction digits finer than the unit (then `parsed.finer` is set).
 */
export function parseTimestamp(buf: Uint8Array, s: number, e: number, unit: Unit): boolean {
  parsed.finer = false;
  if (e - s < 16) return false;
  const days = datePrefix(buf, s, e);
  if (days !== days) return false;
  const sep = buf[s + 10];
  if (sep !== 84 && sep !== 116 && sep !== 32) return false; // T t space
  const hh = two(buf, s + 11),
    mi = two(buf, s + 14);
  if (buf[s + 13] !== 58 || hh < 0 || hh > 23 || mi < 0 || mi > 59) return false;
  let p = s + 16;
  let ss = 0;
  let frac = 0;
  if (p < e && buf[p] === 58) {
    if (e - p < 3) return false;
    ss = two(buf, p + 1);
    if (ss < 0 || ss > 59) return false;
    p += 3;
    if (p < e && buf[p] === DOT) {
      p++;
      const start = p;
      const keep = UNIT_DIGITS[unit];
      while (p < e && isDigit(buf[p]!)) {
        if (p - start < keep) frac = frac * 10 + (buf[p]! - ZERO);
        p++;
      }
      const n = p - start;
      if (n === 0 || n > 9) return false;
      for (let k = n; k < keep; k++) frac *= 10;
      // Digits finer than the unit are refused unless zeros: a timestamp is never cut silently.
      for (let q = start + keep; q < p; q++) {
        if (buf[q] !== ZERO) {
          parsed.finer = true;
          return false;
        }
      }
    }
  }
  let offset = 0;
  parsed.zoned = false;
  if (p < e) {
    const z = buf[p]!;
    if ((z === 90 || z === 122) && p + 1 === e) {
      parsed.zoned = true;
    } else if (z === PLUS || z === MINUS) {
      const oh = two(buf, p + 1);
      let om: number;
      if (e - p === 6 && buf[p + 3] === 58) om = two(buf, p + 4);
      else if (e - p === 5) om = two(buf, p + 3);
      else return false;
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
      offset = (oh * 3600 + om * 60) * (z === MINUS ? -1 : 1);
      parsed.zoned = true;
    } else return false;
  }
  const seconds = days * 86400 + hh * 3600 + mi * 60 + ss - offset;
  return setScaled(seconds, UNIT_SCALE[unit], frac);
}
