// Per-column value renderers for text outputs (JSON, NDJSON, CSV), reading Arrow buffers directly.
// JSON rules: int64/uint64 beyond ±2^53 become strings (JS clients would silently round them), dates
// and timestamps as value-text.ts writes them (exact to the unit, `Z` only for zoned columns), binary
// is base64, NaN and ±Infinity (not JSON) become strings.

import * as arrow from 'apache-arrow';
import { ARROW_UNITS, dateText, timestampText } from '../../text/value-text.js';

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

/** Renders value i of `data` as a JSON literal ("null" for nulls). */
export function jsonRenderer(data: arrow.Data): Render {
  const plain = plainRenderer(data, true);
  return (i) => (isNull(data, i) ? 'null' : plain(i));
}

/** A cell a spreadsheet may run as a formula (OWASP "CSV Injection"): one whose first character
 *  after any leading whitespace or control characters (space, tab, CR, LF, NBSP, BOM, …) is = + - @
 *  or their fullwidth forms, which spreadsheets skip the blanks before or fold to ASCII; and, as
 *  OWASP lists them too, any cell starting with tab or CR. */
const FORMULA_LIKE = /^[\t\r]|^[\s\x00-\x1f\x7f]*[=+\-@\uff1d\uff0b\uff0d\uff20]/;

/** `s` made safe to open in a spreadsheet: prefixed with ' when it looks like a formula. */
export function csvSafeText(s: string): string {
  return FORMULA_LIKE.test(s) ? `'${s}` : s;
}

/** `s` as one CSV field: quoted when empty, when it holds a quote, comma or line break, or when it
 *  starts with whitespace (readers may trim it). */
export function csvField(s: string): string {
  return s === '' || /[",\r\n]/.test(s) || s.trimStart() !== s ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Renders value i as CSV field text ("" for nulls), quoted when needed. With `safe`, text cells a
 *  spreadsheet would run as formulas are prefixed with ' (csvSafeText). */
export function csvRenderer(data: arrow.Data, safe = false): Render {
  const plain = plainRenderer(data, false);
  const isText = arrow.DataType.isUtf8(data.type) || arrow.DataType.isBinary(data.type);
  return (i) => {
    if (isNull(data, i)) return '';
    const s = plain(i);
    return isText ? csvField(safe ? csvSafeText(s) : s) : s;
  };
}

/** Text and binary values longer than this many bytes are rendered in pieces (Cells.pieces). */
export const LARGE_VALUE_BYTES = 64 * 1024;

/** A column's values as text: `render(i)` for ordinary values; `pieces(i)` is non-null for a value
 *  too large to render as one string, and yields its text in pieces of about LARGE_VALUE_BYTES. */
export interface Cells {
  render: Render;
  pieces(i: number): Iterable<string> | null;
}

const NO_PIECES = (): null => null;

/** The byte range of value i of a text or binary column, or null for other types. */
function varBytes(data: arrow.Data): { buf: Buffer; offsets: Int32Array } | null {
  if (!arrow.DataType.isUtf8(data.type) && !arrow.DataType.isBinary(data.type)) return null;
  const bytes = data.values as Uint8Array;
  return { buf: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), offsets: data.valueOffsets as Int32Array };
}

/** UTF-8 text of bytes [a, b) decoded in pieces split before a non-continuation byte, so each piece
 *  decodes exactly as that part of the whole would. */
function* utf8Pieces(buf: Buffer, a: number, b: number): Generator<string> {
  while (a < b) {
    let e = Math.min(b, a + LARGE_VALUE_BYTES);
    while (e < b && e > a + 1 && (buf[e]! & 0xc0) === 0x80) e--;
    yield buf.toString('utf8', a, e);
    a = e;
  }
}

/** Base64 of bytes [a, b) in pieces of whole 3-byte groups, so the pieces join to the whole's base64. */
function* base64Pieces(buf: Buffer, a: number, b: number): Generator<string> {
  const step = LARGE_VALUE_BYTES - (LARGE_VALUE_BYTES % 3);
  for (; a < b; a += step) yield buf.toString('base64', a, Math.min(b, a + step));
}

function* quotedPieces(pieces: Iterable<string>): Generator<string> {
  yield '"';
  yield* pieces;
  yield '"';
}

function* guardedPieces(guard: boolean, pieces: Iterable<string>): Generator<string> {
  if (guard) yield "'";
  yield* pieces;
}

function* jsonStringPieces(text: Iterable<string>): Generator<string> {
  yield '"';
  for (const t of text) yield JSON.stringify(t).slice(1, -1);
  yield '"';
}

/** Value i of `data` as JSON ("null" for nulls), large text and binary values in pieces. */
export function jsonCells(data: arrow.Data): Cells {
  const render = jsonRenderer(data);
  const v = varBytes(data);
  if (v === null) return { render, pieces: NO_PIECES };
  const { buf, offsets } = v;
  const text = arrow.DataType.isUtf8(data.type);
  return {
    render,
    pieces: (i) => {
      const a = offsets[i]!,
        b = offsets[i + 1]!;
      if (b - a <= LARGE_VALUE_BYTES || isNull(data, i)) return null;
      return text ? jsonStringPieces(utf8Pieces(buf, a, b)) : quotedPieces(base64Pieces(buf, a, b));
    },
  };
}

/** Value i of `data` as CSV field text, large text and binary values in pieces (quoted, doubled
 *  quotes, and with `safe` the formula guard, decided on the whole value as csvRenderer does). */
export function csvCells(data: arrow.Data, safe = false): Cells {
  const render = csvRenderer(data, safe);
  const v = varBytes(data);
  if (v === null) return { render, pieces: NO_PIECES };
  const { buf, offsets } = v;
  const text = arrow.DataType.isUtf8(data.type);
  return {
    render,
    pieces: (i) => {
      const a = offsets[i]!,
        b = offsets[i + 1]!;
      if (b - a <= LARGE_VALUE_BYTES || isNull(data, i)) return null;
      // Base64 holds no quote, comma or blank; its first character may be + (a formula to a spreadsheet).
      if (!text) return guardedPieces(safe && buf[a]! >> 2 === 62, base64Pieces(buf, a, b));
      return csvTextPieces(buf, a, b, safe);
    },
  };
}

function* csvTextPieces(buf: Buffer, a: number, b: number, safe: boolean): Generator<string> {
  // The decisions csvField and csvSafeText take on the whole value, taken on its bytes: the value's
  // start (blanks, then the first character) and whether it holds a quote, comma or line break.
  let end = Math.min(b, firstNonBlank(buf, a, b) + 64);
  let head = buf.toString('utf8', a, end);
  // Blanks beyond ASCII (NBSP, ideographic space) may run on: read on until a visible character.
  while (end < b && /^[\s\x00-\x1f\x7f]*.?$/u.test(head)) {
    end = Math.min(b, end + LARGE_VALUE_BYTES);
    head = buf.toString('utf8', a, end);
  }
  const guard = safe && csvSafeText(head) !== head;
  // A guarded value starts with its ' prefix, so only its leading blanks no longer force quotes.
  const quoted = hasCsvSpecial(buf, a, b) || (!guard && head.trimStart() !== head);
  if (quoted) yield '"';
  if (guard) yield "'";
  for (const t of utf8Pieces(buf, a, b)) yield quoted ? t.replace(/"/g, '""') : t;
  if (quoted) yield '"';
}

/** Index of the first byte in [a, b) that is not ASCII blank or control (b when none). */
function firstNonBlank(buf: Buffer, a: number, b: number): number {
  let k = a;
  while (k < b && (buf[k]! <= 0x20 || buf[k] === 0x7f)) k++;
  return k;
}

function hasCsvSpecial(buf: Buffer, a: number, b: number): boolean {
  const part = buf.subarray(a, b);
  return part.includes(0x22) || part.includes(0x2c) || part.includes(0x0d) || part.includes(0x0a);
}

// Arrow JS slices a Data by advancing `offset` and taking subarrays of the value and offset buffers,
// but not of bitmaps: values and valueOffsets are indexed by i, validity and bool bits by offset + i.
function plainRenderer(data: arrow.Data, json: boolean): Render {
  const type = data.type;
  const off = data.offset;
  if (arrow.DataType.isUtf8(type)) {
    const offsets = data.valueOffsets as Int32Array,
      bytes = data.values as Uint8Array;
    // Buffer#toString decodes a range without making a subarray per value (TextDecoder needs one).
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return (i) => {
      const s = buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
      return json ? quoteJson(s) : s;
    };
  }
  if (arrow.DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array,
      bytes = data.values as Uint8Array;
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
    return (i) => (json ? `"${dateText(v[i]!)}"` : dateText(v[i]!));
  }
  if (arrow.DataType.isTimestamp(type)) {
    const v = data.values as BigInt64Array;
    const unit = ARROW_UNITS[(type as arrow.Timestamp).unit]!;
    const zoned = Boolean((type as arrow.Timestamp).timezone);
    return (i) => (json ? `"${timestampText(v[i]!, unit, zoned)}"` : timestampText(v[i]!, unit, zoned));
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
