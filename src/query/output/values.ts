// Per-column value renderers for text outputs (JSON, NDJSON, CSV), reading Arrow buffers directly.
// JSON rules: int64/uint64 beyond ±2^53 become strings (JS clients would silently round them), dates
// are "YYYY-MM-DD", timestamps ISO 8601 (UTC "Z" when the column has a zone or is zone-less), binary
// is base64, NaN and ±Infinity (not JSON) become strings.

import * as arrow from 'apache-arrow';

export type Render = (i: number) => string;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function isNull(data: arrow.Data, i: number): boolean {
  const bm = data.nullBitmap;
  if (data.nullCount === 0 || !bm || bm.length === 0) return false;
  const j = data.offset + i;
  return (bm[j >>> 3]! & (1 << (j & 7))) === 0;
}

function quoteJson(s: string): string {
  return JSON.stringify(s);
}

/** Microseconds-per-unit for Arrow TimeUnit values 0..3 (s, ms, us, ns) expressed as divisors to ms. */
function timestampToIso(v: bigint, unit: arrow.TimeUnit): string {
  let ms: number, subMs = '';
  switch (unit) {
    case arrow.TimeUnit.SECOND: ms = Number(v) * 1000; break;
    case arrow.TimeUnit.MILLISECOND: ms = Number(v); break;
    case arrow.TimeUnit.MICROSECOND: {
      const q = v / 1000n, r = v % 1000n;
      const adj = r < 0n ? 1n : 0n;
      ms = Number(q - adj);
      const us = Number(r < 0n ? r + 1000n : r);
      if (us !== 0) subMs = String(us).padStart(3, '0');
      break;
    }
    default: {
      const q = v / 1000000n, r = v % 1000000n;
      const adj = r < 0n ? 1n : 0n;
      ms = Number(q - adj);
      const ns = Number(r < 0n ? r + 1000000n : r);
      if (ns !== 0) subMs = String(ns).padStart(6, '0').replace(/0+$/, '');
    }
  }
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(v);
  const iso = d.toISOString();
  return subMs ? `${iso.slice(0, -1)}${subMs}Z` : iso;
}

function dateToIso(days: number): string {
  const d = new Date(days * 86400000);
  return Number.isNaN(d.getTime()) ? String(days) : d.toISOString().slice(0, 10);
}

/** Renders value i of `data` as a JSON literal ("null" for nulls). */
export function jsonRenderer(data: arrow.Data): Render {
  const plain = plainRenderer(data, true);
  return (i) => (isNull(data, i) ? 'null' : plain(i));
}

/** Renders value i as CSV field text ("" for nulls), quoted when needed. With `safe`, cells starting
 *  with = + - @ are prefixed with ' so spreadsheets do not run them as formulas. */
export function csvRenderer(data: arrow.Data, safe = false): Render {
  const plain = plainRenderer(data, false);
  const isText = arrow.DataType.isUtf8(data.type) || arrow.DataType.isBinary(data.type);
  return (i) => {
    if (isNull(data, i)) return '';
    let s = plain(i);
    if (isText) {
      if (safe && s.length > 0 && '=+-@\t\r'.includes(s[0]!)) s = `'${s}`;
      if (s === '' || /[",\r\n]/.test(s) || s.trimStart() !== s) s = `"${s.replace(/"/g, '""')}"`;
    }
    return s;
  };
}

// Arrow JS slices a Data by advancing `offset` and taking subarrays of the value and offset buffers,
// but not of bitmaps: values and valueOffsets are indexed by i, validity and bool bits by offset + i.
function plainRenderer(data: arrow.Data, json: boolean): Render {
  const type = data.type;
  const off = data.offset;
  if (arrow.DataType.isUtf8(type)) {
    const offsets = data.valueOffsets as Int32Array, bytes = data.values as Uint8Array;
    // Buffer#toString decodes a range without making a subarray per value (TextDecoder needs one).
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return (i) => {
      const s = buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
      return json ? quoteJson(s) : s;
    };
  }
  if (arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array, bytes = data.values as Uint8Array;
    return (i) => {
      const s = Buffer.from(bytes.buffer, bytes.byteOffset + offsets[i]!, offsets[i + 1]! - offsets[i]!).toString('base64');
      return json ? `"${s}"` : s;
    };
  }
  if (arrow.DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    return (i) => ((bits[(off + i) >>> 3]! & (1 << ((off + i) & 7))) !== 0 ? 'true' : 'false');
  }
  if (arrow.DataType.isDate(type)) {
    const v = data.values as Int32Array;
    return (i) => (json ? `"${dateToIso(v[i]!)}"` : dateToIso(v[i]!));
  }
  if (arrow.DataType.isTimestamp(type)) {
    const v = data.values as BigInt64Array;
    const unit = (type as arrow.Timestamp).unit;
    return (i) => (json ? `"${timestampToIso(v[i]!, unit)}"` : timestampToIso(v[i]!, unit));
  }
  if (arrow.DataType.isInt(type) && (type as arrow.Int).bitWidth === 64) {
    const v = data.values as BigInt64Array | BigUint64Array;
    return (i) => {
      const x = v[i]!;
      const s = x.toString();
      return json && (x > MAX_SAFE || x < -MAX_SAFE) ? `"${s}"` : s;
    };
  }
  if (arrow.DataType.isFloat(type)) {
    const v = data.values as Float64Array | Float32Array;
    return (i) => {
      const x = v[i]!;
      if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : String(x);
      const s = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
      return json ? `"${s}"` : s;
    };
  }
  const v = data.values as Int32Array;
  return (i) => String(v[i]!);
}

/** Every value of `data` as a plain JS value by the same rules (for small answers built as objects:
 *  histogram edges, distinct values). */
export function jsonValues(data: arrow.Data): unknown[] {
  const render = jsonRenderer(data);
  const out: unknown[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = JSON.parse(render(i));
  return out;
}
