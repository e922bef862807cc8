// The growable per-column buffers the writer fills between row groups. Appends are typed-array
// copies (no per-value objects); finish() hands the buffers over as ColumnData with null slots
// normalised so that encoders see cheap, deterministic values there (FORMAT.md §4).

import { clearTail, copyBits, countBits, firstClear, setBitsOn } from './bitmap.js';
import { allocFixed, bitmapBytes, type ColumnData, type FixedArray } from './column.js';
import { NCFError } from './errors.js';
import { byteWidthOf, physicalOf, type ColumnSchema, type DataType } from './schema.js';

const DEFAULT_CAPACITY = 1024;
/** String and binary offsets are Int32 (Arrow's Utf8/Binary), so one buffered group holds < 2 GiB. */
const MAX_BYTES = 0x7fffffff;
const EMPTY_BYTES = new Uint8Array(0);

/** Growable per-column buffer (doubling typed arrays, no per-value objects). */
export class ColumnBuilder {
  private readonly col: ColumnSchema;
  private readonly kind: 'fixed' | 'bool' | 'bytes';
  private readonly width: number;
  private readonly initialCapacity: number;
  /** Sizes for the next allocation: the previous group's, so steady state is one allocation per group. */
  private rowHint: number;
  private byteHint = 0;
  private cap = 0;
  private len = 0;
  private nulls = 0;
  private validity: Uint8Array | null = null;
  private fixed: FixedArray | null = null;
  /** Byte view of `fixed`, so appends copy bytes: bit-exact for NaN payloads, no BigInt per value. */
  private fixedBytes: Uint8Array = EMPTY_BYTES;
  private bits: Uint8Array = EMPTY_BYTES;
  private offsets: Int32Array | null = null;
  private bytes: Uint8Array = EMPTY_BYTES;
  private byteLen = 0;

  constructor(col: ColumnSchema, initialCapacity = DEFAULT_CAPACITY) {
    this.col = col;
    const p = physicalOf(col.type);
    this.kind = p === 'bool' ? 'bool' : p === 'bytes' ? 'bytes' : 'fixed';
    this.width = byteWidthOf(col.type);
    this.initialCapacity = Math.max(1, Math.floor(initialCapacity));
    this.rowHint = this.initialCapacity;
  }

  get length(): number {
    return this.len;
  }
  get nullCount(): number {
    return this.nulls;
  }

  /** Approximate bytes buffered (used, not allocated): values, offsets, string bytes and validity. */
  get byteSize(): number {
    const n = this.len;
    const validity = this.validity === null ? 0 : bitmapBytes(n);
    if (this.kind === 'fixed') return n * this.width + validity;
    if (this.kind === 'bool') return bitmapBytes(n) + validity;
    return (n + 1) * 4 + this.byteLen + validity;
  }

  /** Appends rows [start, end) of a ColumnData of the same type. */
  append(data: ColumnData, start: number, end: number): void {
    if (data.type !== this.col.type || data.values.kind !== this.kind) {
      throw new NCFError('SCHEMA', `ncf: column "${this.col.name}": cannot append ${data.type} data to a ${this.col.type} column`, {
        column: this.col.name,
      });
    }
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= data.length)) {
      throw new NCFError(
        'STATE',
        `ncf: column "${this.col.name}": append range [${start}, ${end}) is outside the data's ${data.length} rows`,
        { column: this.col.name },
      );
    }
    const n = end - start;
    if (n === 0) return;
    this.ensureRows(n);
    const at = this.len;
    const sv = data.validity;
    let srcNulls = 0;
    if (sv !== null && data.nullCount > 0) {
      srcNulls = start === 0 && end === data.length ? data.nullCount : n - countBits(sv, start, n);
    }
    if (srcNulls > 0) {
      if (this.validity === null) {
        this.validity = new Uint8Array(bitmapBytes(this.cap));
        setBitsOn(this.validity, 0, at);
      }
      copyBits(sv!, start, this.validity, at, n);
    } else if (this.validity !== null) {
      setBitsOn(this.validity, at, n);
    }
    const v = data.values;
    if (v.kind === 'fixed') {
      const w = this.width;
      if (v.data.BYTES_PER_ELEMENT !== w) {
        throw new NCFError(
          'SCHEMA',
          `ncf: column "${this.col.name}": ${data.type} values must be ${w}-byte elements, got ${v.data.BYTES_PER_ELEMENT}`,
          { column: this.col.name },
        );
      }
      this.fixedBytes.set(new Uint8Array(v.data.buffer, v.data.byteOffset + start * w, n * w), at * w);
    } else if (v.kind === 'bool') {
      copyBits(v.data, start, this.bits, at, n);
    } else {
      this.appendBytes(v.offsets, v.data, srcNulls > 0 ? sv : null, start, n);
    }
    this.len = at + n;
    this.nulls += srcNulls;
  }

  /** Copies the byte range of rows [start, start+n) and rebases their offsets in one loop; when the
   *  range has nulls, bytes under null slots are dropped so that every null slot has length 0. */
  private appendBytes(off: Int32Array, src: Uint8Array, validity: Uint8Array | null, start: number, n: number): void {
    const b0 = off[start]!;
    const b1 = off[start + n]!;
    if (!(b0 >= 0 && b0 <= b1 && b1 <= src.length)) {
      throw new NCFError(
        'SCHEMA',
        `ncf: column "${this.col.name}": offsets [${b0}, ${b1}] of rows [${start}, ${start + n}) lie outside the ${src.length} data bytes`,
        { column: this.col.name },
      );
    }
    this.ensureBytes(b1 - b0);
    const dst = this.offsets!;
    const at = this.len;
    const shift = this.byteLen - b0;
    if (validity === null) {
      this.bytes.set(src.subarray(b0, b1), this.byteLen);
      for (let i = 1; i <= n; i++) dst[at + i] = off[start + i]! + shift;
      this.byteLen += b1 - b0;
      return;
    }
    let runFrom = b0;
    let pos = this.byteLen;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const s = start + i;
      const a = off[s]!;
      const b = off[s + 1]!;
      if (b !== a && ((validity[s >>> 3]! >>> (s & 7)) & 1) === 0) {
        this.bytes.set(src.subarray(runFrom, a), pos);
        pos += a - runFrom;
        runFrom = b;
        dropped += b - a;
      }
      dst[at + i + 1] = b + shift - dropped;
    }
    this.bytes.set(src.subarray(runFrom, b1), pos);
    this.byteLen = pos + (b1 - runFrom);
  }

  /** Returns the accumulated ColumnData and resets the builder. The result owns the buffers (no
   *  copy); the builder allocates fresh ones, sized like this group, on its next append. Null slots
   *  are normalised: fixed-width slots repeat the previous valid value (the first valid value for
   *  leading nulls, 0 when all are null), bytes slots are empty, bool slots are 0. */
  finish(): ColumnData {
    const n = this.len;
    const nullCount = this.nulls;
    const type: DataType = this.col.type;
    let validity: Uint8Array | null = null;
    if (nullCount > 0) {
      validity = this.validity!.subarray(0, bitmapBytes(n));
      clearTail(validity, n);
      if (!this.col.nullable) {
        const row = firstClear(validity, n);
        this.reset();
        throw new NCFError(
          'SCHEMA',
          `ncf: column "${this.col.name}" is not nullable but has ${nullCount} null(s), the first at buffered row ${row}`,
          { column: this.col.name, row },
        );
      }
    }
    let out: ColumnData;
    if (this.kind === 'fixed') {
      const values = this.fixed === null ? allocFixed(type, 0) : this.fixed.subarray(0, n);
      if (validity !== null) fillNullSlots(values, validity, n);
      out = { type, length: n, nullCount, validity, values: { kind: 'fixed', data: values } };
    } else if (this.kind === 'bool') {
      const bits = this.bits.subarray(0, bitmapBytes(n));
      clearTail(bits, n);
      if (validity !== null) for (let b = 0; b < bits.length; b++) bits[b]! &= validity[b]!;
      out = { type, length: n, nullCount, validity, values: { kind: 'bool', data: bits } };
    } else {
      const offsets = this.offsets === null ? new Int32Array(1) : this.offsets.subarray(0, n + 1);
      out = { type, length: n, nullCount, validity, values: { kind: 'bytes', offsets, data: this.bytes.subarray(0, this.byteLen) } };
    }
    this.reset();
    return out;
  }

  /** Drops the buffers (they belong to the finished ColumnData now) and remembers their sizes. */
  private reset(): void {
    this.rowHint = Math.max(this.initialCapacity, this.len);
    this.byteHint = this.byteLen;
    this.cap = 0;
    this.len = 0;
    this.nulls = 0;
    this.validity = null;
    this.fixed = null;
    this.fixedBytes = EMPTY_BYTES;
    this.bits = EMPTY_BYTES;
    this.offsets = null;
    this.bytes = EMPTY_BYTES;
    this.byteLen = 0;
  }

  private ensureRows(n: number): void {
    const need = this.len + n;
    if (need <= this.cap) return;
    const cap = Math.max(this.cap * 2, this.rowHint, need);
    const len = this.len;
    if (this.kind === 'fixed') {
      const next = allocFixed(this.col.type, cap);
      const nextBytes = new Uint8Array(next.buffer, next.byteOffset, next.byteLength);
      nextBytes.set(this.fixedBytes.subarray(0, len * this.width));
      this.fixed = next;
      this.fixedBytes = nextBytes;
    } else if (this.kind === 'bool') {
      this.bits = grow(this.bits, bitmapBytes(cap), bitmapBytes(len));
    } else {
      const next = new Int32Array(cap + 1);
      if (this.offsets !== null) next.set(this.offsets.subarray(0, len + 1));
      this.offsets = next;
    }
    if (this.validity !== null) this.validity = grow(this.validity, bitmapBytes(cap), bitmapBytes(len));
    this.cap = cap;
  }

  private ensureBytes(n: number): void {
    const need = this.byteLen + n;
    if (need > MAX_BYTES) {
      throw new NCFError(
        'LIMIT',
        `ncf: column "${this.col.name}": a row group's ${this.col.type} values would take ${need} bytes; at most ${MAX_BYTES} fit (use smaller rowGroupRows)`,
        { column: this.col.name },
      );
    }
    if (need <= this.bytes.length) return;
    const size = Math.min(MAX_BYTES, Math.max(this.bytes.length * 2, this.byteHint, need, 1024));
    this.bytes = grow(this.bytes, size, this.byteLen);
  }
}

function grow(buf: Uint8Array, size: number, used: number): Uint8Array {
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}

/** Fills each null slot with the previous valid value (leading ones with the first valid value),
 *  copying through integer views so float payloads stay bit-exact and no BigInt is created. */
function fillNullSlots(values: FixedArray, validity: Uint8Array, n: number): void {
  const w = values.BYTES_PER_ELEMENT;
  const per = w === 8 ? 2 : 1;
  const words =
    w === 1
      ? new Uint8Array(values.buffer, values.byteOffset, n)
      : w === 2
        ? new Uint16Array(values.buffer, values.byteOffset, n)
        : new Uint32Array(values.buffer, values.byteOffset, n * per);
  let first = -1;
  for (let b = 0, e = bitmapBytes(n); b < e && first < 0; b++) {
    const v = validity[b]!;
    if (v !== 0) first = (b << 3) + 31 - Math.clz32(v & -v);
  }
  if (first < 0 || first >= n) {
    words.fill(0);
    return;
  }
  for (let i = 0; i < first; i++) copyWord(words, per, first, i);
  for (let b = first >>> 3, e = bitmapBytes(n); b < e; b++) {
    const v = validity[b]!;
    if (v === 0xff) continue;
    for (let k = 0; k < 8; k++) {
      const i = (b << 3) + k;
      if (i >= n) break;
      if (i > first && ((v >>> k) & 1) === 0) copyWord(words, per, i - 1, i);
    }
  }
}

function copyWord(words: Uint8Array | Uint16Array | Uint32Array, per: number, from: number, to: number): void {
  if (per === 1) {
    words[to] = words[from]!;
    return;
  }
  words[2 * to] = words[2 * from]!;
  words[2 * to + 1] = words[2 * from + 1]!;
}

/** `n` null rows of `type` (zeroed values, all-zero validity). */
export function nullColumn(type: DataType, n: number): ColumnData {
  const validity = n > 0 ? new Uint8Array(bitmapBytes(n)) : null;
  const p = physicalOf(type);
  const values =
    p === 'bool'
      ? { kind: 'bool' as const, data: new Uint8Array(bitmapBytes(n)) }
      : p === 'bytes'
        ? { kind: 'bytes' as const, offsets: new Int32Array(n + 1), data: new Uint8Array(0) }
        : { kind: 'fixed' as const, data: allocFixed(type, n) };
  return { type, length: n, nullCount: n, validity, values };
}

/** Joins ColumnData parts of one column into one (the only part itself when there is one). */
export function concatColumns(col: ColumnSchema, parts: readonly ColumnData[]): ColumnData {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const b = new ColumnBuilder(col, Math.max(1, total));
  for (const p of parts) b.append(p, 0, p.length);
  return b.finish();
}
