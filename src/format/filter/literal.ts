// Filter literals: turns a value from a query string or the JSON form into the typed value the
// evaluator compares against a column of a given type (FORMAT.md §3). Literals are coerced to the
// column's type the way PostgreSQL coerces PostgREST's untyped literals: out-of-range numbers and
// malformed text are errors that name the column, its type and the offending value.

import type { ColumnSchema, DataType, TimeUnit } from '../schema.js';
import { filterError, quote } from './ast.js';
import { daysFromCivil } from '../calendar.js';

/** A typed literal: number (ints ≤ 32 bits, floats, date days), bigint (64-bit ints, timestamp),
 *  boolean (bool) or bytes (string as UTF-8, binary). The same representation as chunk statistics. */
export type Literal = number | bigint | boolean | Uint8Array;

/**
 * A coerced literal. `between` is set when the literal lies strictly between `value` and the next
 * representable value (a timestamp literal finer than the column's unit), so comparisons can stay
 * exact instead of rounding.
 */
export interface Coerced {
  value: Literal;
  between: boolean;
}

const INT_RANGES: Partial<Record<DataType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  date: [-2147483648, 2147483647],
};
const INT64_RANGES: Partial<Record<DataType, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  timestamp: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};
const UNIT_DIGITS: Record<TimeUnit, number> = { s: 0, ms: 3, us: 6, ns: 9 };
const INT_RE = /^\s*[+-]?\d+\s*$/;
const FLOAT_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const SPECIAL_FLOATS: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  infinity: Infinity,
  '+infinity': Infinity,
  inf: Infinity,
  '+inf': Infinity,
  '-infinity': -Infinity,
  '-inf': -Infinity,
};
/** PostgreSQL's boolean spellings. */
const BOOLS = new Map<string, boolean>([
  ['true', true],
  ['t', true],
  ['yes', true],
  ['y', true],
  ['on', true],
  ['1', true],
  ['false', false],
  ['f', false],
  ['no', false],
  ['n', false],
  ['off', false],
  ['0', false],
]);
const DATE_RE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})/;
const TIME_RE = /^[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?/;
const ZONE_RE = /^([+-]?)(\d{2})(?::?(\d{2}))?$/;
const encoder = new TextEncoder();

/** Coerces one literal to the column's type; throws a FILTER error naming the column on mismatch. */
export function coerceLiteral(col: ColumnSchema, raw: string | number | boolean): Coerced {
  const fail = (why: string): never => {
    throw filterError(`filter: column ${quote(col.name)} is ${col.type}; ${show(raw)} ${why}`, { column: col.name, value: raw });
  };
  const exact = (value: Literal): Coerced => ({ value, between: false });
  switch (col.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return exact(intLiteral(col.type, raw, fail));
    case 'int64':
    case 'uint64':
      return exact(int64Literal(col.type, raw, fail));
    case 'float32':
    case 'float64':
      return exact(floatLiteral(col.type, raw, fail));
    case 'bool': {
      if (typeof raw === 'boolean') return exact(raw);
      const b = typeof raw === 'string' ? BOOLS.get(raw.trim().toLowerCase()) : undefined;
      return b === undefined ? fail('is not a boolean (expected true or false)') : exact(b);
    }
    case 'string':
      return typeof raw === 'string' ? exact(encoder.encode(raw)) : fail('is not a string');
    case 'binary': {
      if (typeof raw !== 'string') return fail('is not a base64 string');
      const bytes = raw.startsWith('\\x') ? decodeHex(raw.slice(2)) : decodeBase64(raw);
      return bytes === null ? fail('is not base64 (or \\x-prefixed hex)') : exact(bytes);
    }
    case 'date': {
      if (typeof raw === 'number') return exact(intLiteral('date', raw, fail));
      if (typeof raw !== 'string') return fail('is not a date');
      const m = DATE_RE.exec(raw.trim());
      const days = m !== null && m[0].length === raw.trim().length ? civilDays(m) : null;
      return days === null ? fail('is not a date (expected YYYY-MM-DD)') : exact(intLiteral('date', days, fail));
    }
    case 'timestamp': {
      if (typeof raw === 'number') return exact(int64Literal('timestamp', raw, fail));
      if (typeof raw !== 'string') return fail('is not a timestamp');
      const t = parseTimestamp(raw, col.unit ?? 'us');
      if (t === null) return fail('is not an ISO 8601 timestamp (expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM])');
      const [lo, hi] = INT64_RANGES.timestamp!;
      if ((t.value as bigint) < lo || (t.value as bigint) > hi) return fail(`is out of range for a timestamp in ${col.unit ?? 'us'}`);
      return t;
    }
  }
}

function show(raw: string | number | boolean): string {
  return typeof raw === 'string' ? quote(raw) : String(raw);
}

function intLiteral(type: DataType, raw: string | number | boolean, fail: (why: string) => never): number {
  let v: number;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) fail('is not an integer');
    v = raw;
  } else if (typeof raw === 'string' && INT_RE.test(raw)) {
    v = Number(raw.trim());
  } else {
    return fail('is not an integer');
  }
  const [lo, hi] = INT_RANGES[type]!;
  if (!(v >= lo && v <= hi)) fail(`is out of range [${lo}, ${hi}]`);
  return v === 0 ? 0 : v; // -0 from "-0"
}

function int64Literal(type: DataType, raw: string | number | boolean, fail: (why: string) => never): bigint {
  let v: bigint;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) fail('is not an integer');
    // A JSON number beyond 2^53 has already lost digits; insist on a string so the value is exact.
    if (!Number.isSafeInteger(raw)) fail('is not exact as a JSON number; pass 64-bit integers beyond ±2^53 as strings');
    v = BigInt(raw);
  } else if (typeof raw === 'string' && INT_RE.test(raw)) {
    v = BigInt(raw.trim());
  } else {
    return fail('is not an integer');
  }
  const [lo, hi] = INT64_RANGES[type]!;
  if (v < lo || v > hi) fail(`is out of range [${lo}, ${hi}]`);
  return v;
}

function floatLiteral(type: 'float32' | 'float64', raw: string | number | boolean, fail: (why: string) => never): number {
  let v: number;
  if (typeof raw === 'number') v = raw;
  else if (typeof raw === 'string' && FLOAT_RE.test(raw)) {
    v = Number(raw.trim());
    if (!Number.isFinite(v)) fail(`is out of range for ${type}`);
  } else if (typeof raw === 'string' && Object.hasOwn(SPECIAL_FLOATS, raw.trim().toLowerCase())) {
    v = SPECIAL_FLOATS[raw.trim().toLowerCase()]!;
  } else {
    return fail('is not a number');
  }
  if (type === 'float32') {
    const f = Math.fround(v);
    // PostgreSQL rejects a real literal that overflows rather than turning it into infinity.
    if (Number.isFinite(v) && !Number.isFinite(f)) fail('is out of range for float32');
    v = f;
  }
  return v;
}

function civilDays(m: RegExpExecArray): number | null {
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d > monthDays ? null : daysFromCivil(y, mo, d);
}

/**
 * `YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][zone]` → the instant in `unit`, zone-less taken as UTC.
 * The zone is `Z`, `UTC` or an offset `±HH[:MM]`; an offset without a sign counts as "+", because a
 * "+" in a URL query decodes to a space.
 */
export function parseTimestamp(text: string, unit: TimeUnit): Coerced | null {
  const s = text.trim();
  const dm = DATE_RE.exec(s);
  if (dm === null) return null;
  const days = civilDays(dm);
  if (days === null) return null;
  let rest = s.slice(dm[0].length);
  let seconds = 0;
  let fraction = '';
  let offset = 0;
  const tm = TIME_RE.exec(rest);
  if (tm !== null) {
    const h = Number(tm[1]),
      mi = Number(tm[2]),
      sec = Number(tm[3] ?? 0);
    if (h > 23 || mi > 59 || sec > 59) return null;
    seconds = h * 3600 + mi * 60 + sec;
    fraction = tm[4] ?? '';
    rest = rest.slice(tm[0].length).trim();
    if (rest !== '') {
      if (rest === 'Z' || rest === 'z' || rest.toUpperCase() === 'UTC') offset = 0;
      else {
        const zm = ZONE_RE.exec(rest);
        if (zm === null) return null;
        const oh = Number(zm[2]),
          om = Number(zm[3] ?? 0);
        if (oh > 23 || om > 59) return null;
        offset = (zm[1] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
      }
    }
  } else if (rest !== '') {
    return null;
  }
  const digits = UNIT_DIGITS[unit];
  const padded = fraction.padEnd(9, '0');
  const scale = 10n ** BigInt(digits);
  const whole = (BigInt(days) * 86400n + BigInt(seconds - offset)) * scale;
  const value = whole + (digits === 0 ? 0n : BigInt(padded.slice(0, digits)));
  const between = /[1-9]/.test(padded.slice(digits));
  return { value, between };
}

const B64 = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
B64['-'.charCodeAt(0)] = 62; // base64url
B64['_'.charCodeAt(0)] = 63;

/** Strict base64 (standard or URL alphabet, padding optional); null when malformed. */
export function decodeBase64(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.endsWith('==')) s = s.slice(0, -2);
  else if (s.endsWith('=')) s = s.slice(0, -1);
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0,
    bits = 0,
    o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

function decodeHex(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
