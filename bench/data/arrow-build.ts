// Builds apache-arrow vectors straight from typed arrays (values, validity bitmaps, UTF-8 offsets and
// bytes), so generating a million-row table never goes through per-row JS objects.

import * as arrow from 'apache-arrow';

/** A validity bitmap (Arrow layout, LSB first) with every row valid until `setNull` is called. */
export class Validity {
  readonly bits: Uint8Array;
  nulls = 0;

  constructor(readonly length: number) {
    this.bits = new Uint8Array(Math.ceil(length / 8)).fill(0xff);
  }

  setNull(i: number): void {
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }

  /** The props Arrow's makeData wants: no bitmap at all when nothing is null. */
  props(): { nullCount: number; nullBitmap?: Uint8Array } {
    return this.nulls === 0 ? { nullCount: 0 } : { nullCount: this.nulls, nullBitmap: this.bits };
  }
}

/** Appends UTF-8 values into one growing byte buffer plus an Int32 offsets array. */
export class Utf8Builder {
  private bytes: Uint8Array;
  private pos = 0;
  private row = 0;
  private readonly offsets: Int32Array;
  readonly validity: Validity;

  constructor(
    readonly length: number,
    expectedBytesPerValue = 16,
  ) {
    this.offsets = new Int32Array(length + 1);
    this.bytes = new Uint8Array(Math.max(1024, length * expectedBytesPerValue));
    this.validity = new Validity(length);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.pos + extra) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  appendBytes(src: Uint8Array): void {
    const n = src.length;
    this.ensure(n);
    if (n > 32) {
      this.bytes.set(src, this.pos);
    } else {
      const bytes = this.bytes; // short values: a loop beats TypedArray.set's call overhead
      for (let k = 0; k < n; k++) bytes[this.pos + k] = src[k]!;
    }
    this.pos += n;
  }

  appendByte(b: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = b;
  }

  /** Appends the decimal digits of a non-negative integer without creating a string. */
  appendUint(v: number): void {
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    this.ensure(digits);
    for (let k = digits - 1; k >= 0; k--) {
      this.bytes[this.pos + k] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.pos += digits;
  }

  /** Closes the current value (whatever was appended since the last end). */
  endValue(): void {
    this.offsets[++this.row] = this.pos;
  }

  appendNull(): void {
    this.validity.setNull(this.row);
    this.offsets[++this.row] = this.pos;
  }

  finish(): arrow.Vector<arrow.Utf8> {
    if (this.row !== this.length) throw new Error(`bench: Utf8Builder filled ${this.row} of ${this.length} rows`);
    return arrow.makeVector(
      arrow.makeData({
        type: new arrow.Utf8(),
        length: this.length,
        valueOffsets: this.offsets,
        data: this.bytes.subarray(0, this.pos),
        ...this.validity.props(),
      }),
    );
  }
}

/** Writes a non-negative integer below 2^53 into slot i of an int64 buffer, without a BigInt. */
export function setInt64(words: Uint32Array, i: number, v: number): void {
  words[2 * i] = v % 4294967296;
  words[2 * i + 1] = Math.floor(v / 4294967296);
}

export function int64Vector(values: BigInt64Array): arrow.Vector<arrow.Int64> {
  return arrow.makeVector(arrow.makeData({ type: new arrow.Int64(), length: values.length, data: values, nullCount: 0 }));
}

export function float64Vector(values: Float64Array): arrow.Vector<arrow.Float64> {
  return arrow.makeVector(arrow.makeData({ type: new arrow.Float64(), length: values.length, data: values, nullCount: 0 }));
}

export function int32Vector(values: Int32Array, validity?: Validity): arrow.Vector<arrow.Int32> {
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.Int32(),
      length: values.length,
      data: values,
      ...(validity ? validity.props() : { nullCount: 0 }),
    }),
  );
}

export function timestampUsVector(values: BigInt64Array): arrow.Vector<arrow.TimestampMicrosecond> {
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.TimestampMicrosecond(),
      length: values.length,
      data: values,
      nullCount: 0,
    }),
  );
}

/** A bool column from a bitmap of values (Arrow layout, LSB first). */
export function boolVector(bits: Uint8Array, length: number): arrow.Vector<arrow.Bool> {
  return arrow.makeVector(arrow.makeData({ type: new arrow.Bool(), length, data: bits, nullCount: 0 }));
}
