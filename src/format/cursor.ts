// Explicit byte cursors: every encoder writes through a ByteWriter and every decoder reads through a
// ByteReader whose reads are bounds-checked, so a lying length becomes a CORRUPT_FILE error, never an
// out-of-range read or a huge allocation.

import { check } from './errors.js';

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset: number;
  /** What is being read, for error messages ("chunk 3 of column delay", ...). */
  readonly what: string;

  constructor(bytes: Uint8Array, what = 'buffer', offset = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.what = what;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    check(
      Number.isSafeInteger(n) && n >= 0 && n <= this.remaining,
      `${this.what}: needs ${n} bytes at offset ${this.offset} but only ${this.remaining} remain`,
    );
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A copy of the next n bytes in a fresh, 8-byte aligned buffer (for typed-array views). */
  takeAligned(n: number): Uint8Array {
    const src = this.take(n);
    const out = new Uint8Array(new ArrayBuffer((n + 7) & ~7), 0, n);
    out.set(src);
    return out;
  }
}

/** A growable byte buffer with little-endian writers. */
export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  offset = 0;

  constructor(initial = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initial));
    this.view = new DataView(this.bytes.buffer);
  }

  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.offset));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.offset++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.offset, v, true);
    this.offset += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.offset, v, true);
    this.offset += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.offset, v, true);
    this.offset += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.offset, v, true);
    this.offset += 8;
  }

  write(src: Uint8Array): void {
    this.ensure(src.length);
    this.bytes.set(src, this.offset);
    this.offset += src.length;
  }

  /** Reserves n bytes and returns a view of them for the caller to fill in place. */
  reserve(n: number): Uint8Array {
    this.ensure(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.offset);
  }
}

/** Views a fixed-width typed array's memory as bytes (no copy). */
export function asBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
