// Test helpers for the value encodings: building Values from plain JS data, bit-exact comparison,
// an independent BigInt reference bit packer (FORMAT.md §5.1), and fast-check arbitraries per type.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocFixed, type Values } from '../../../src/format/column.js';
import type { Encoding } from '../../../src/format/encodings/index.js';
import { ByteReader } from '../../../src/format/cursor.js';
import { decodeValues, encodeAs } from '../../../src/format/encodings/index.js';
import type { DataType } from '../../../src/format/schema.js';

export const INT_TYPES = [
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'date',
  'timestamp',
] as const satisfies readonly DataType[];
export const FLOAT_TYPES = ['float32', 'float64'] as const satisfies readonly DataType[];
export const BYTES_TYPES = ['string', 'binary'] as const satisfies readonly DataType[];
export const ALL_TYPES: readonly DataType[] = [...INT_TYPES, ...FLOAT_TYPES, 'bool', ...BYTES_TYPES];

/** The encodings FORMAT.md §5 allows for a type (its table, restated independently of the code). */
export function encodingsFor(type: DataType): Encoding[] {
  if ((INT_TYPES as readonly string[]).includes(type)) return ['plain', 'dict', 'rle', 'for', 'delta'];
  if ((FLOAT_TYPES as readonly string[]).includes(type)) return ['plain', 'dict', 'bss', 'decimal'];
  if (type === 'bool') return ['plain'];
  return ['plain', 'dict', 'fsst'];
}

/** Inclusive bounds of an integer type, as bigints. */
export function intRange(type: DataType): [bigint, bigint] {
  switch (type) {
    case 'int8':
      return [-128n, 127n];
    case 'int16':
      return [-32768n, 32767n];
    case 'int32':
    case 'date':
      return [-(2n ** 31n), 2n ** 31n - 1n];
    case 'int64':
    case 'timestamp':
      return [-(2n ** 63n), 2n ** 63n - 1n];
    case 'uint8':
      return [0n, 255n];
    case 'uint16':
      return [0n, 65535n];
    case 'uint32':
      return [0n, 2n ** 32n - 1n];
    case 'uint64':
      return [0n, 2n ** 64n - 1n];
    default:
      throw new Error(`${type} is not an integer type`);
  }
}

export function is64(type: DataType): boolean {
  return type === 'int64' || type === 'uint64' || type === 'timestamp';
}

/** Fixed-width Values from numbers or bigints (64-bit types take bigints). */
export function fixed(type: DataType, xs: ArrayLike<number | bigint>): Values {
  const a = allocFixed(type, xs.length);
  for (let i = 0; i < xs.length; i++) (a as unknown as (number | bigint)[])[i] = xs[i]!;
  return { kind: 'fixed', data: a };
}

/** Float Values from raw IEEE bit patterns (keeps NaN payloads exactly). */
export function floatsFromBits(type: 'float32' | 'float64', bits: ArrayLike<bigint>): Values {
  if (type === 'float32') {
    const u = new Uint32Array(bits.length);
    for (let i = 0; i < bits.length; i++) u[i] = Number(bits[i]!);
    return { kind: 'fixed', data: new Float32Array(u.buffer) };
  }
  const u = new BigUint64Array(bits.length);
  for (let i = 0; i < bits.length; i++) u[i] = bits[i]!;
  return { kind: 'fixed', data: new Float64Array(u.buffer) };
}

export function bytesValues(items: readonly (string | Uint8Array)[]): Values {
  const enc = new TextEncoder();
  const parts = items.map((x) => (typeof x === 'string' ? enc.encode(x) : x));
  const offsets = new Int32Array(parts.length + 1);
  let total = 0;
  parts.forEach((p, i) => {
    total += p.length;
    offsets[i + 1] = total;
  });
  const data = new Uint8Array(total);
  parts.forEach((p, i) => data.set(p, offsets[i]));
  return { kind: 'bytes', offsets, data };
}

export function boolValues(bits: readonly boolean[]): Values {
  const data = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, i) => {
    if (b) data[i >> 3]! |= 1 << (i & 7);
  });
  return { kind: 'bool', data };
}

export function validityOf(valid: readonly boolean[]): Uint8Array {
  const v = boolValues(valid);
  return (v as { data: Uint8Array }).data;
}

/** Row i of a Values as comparable bytes (fixed: its little-endian bytes; bool: one byte; bytes: the slice). */
export function rowBytes(v: Values, i: number): number[] {
  if (v.kind === 'bool') return [(v.data[i >> 3]! >> (i & 7)) & 1];
  if (v.kind === 'bytes') return [...v.data.subarray(v.offsets[i]!, v.offsets[i + 1]!)];
  const w = v.data.BYTES_PER_ELEMENT;
  return [...new Uint8Array(v.data.buffer, v.data.byteOffset + i * w, w)];
}

/** Asserts two Values hold bit-identical rows [0, n). */
export function assertSameRows(actual: Values, expected: Values, n: number, label = ''): void {
  assert.equal(actual.kind, expected.kind, `${label}: kind`);
  if (actual.kind === 'fixed' && expected.kind === 'fixed') {
    assert.equal(actual.data.constructor, expected.data.constructor, `${label}: array class`);
    assert.ok(actual.data.length >= n, `${label}: length ${actual.data.length} < ${n}`);
    assert.equal(actual.data.byteOffset % actual.data.BYTES_PER_ELEMENT, 0, `${label}: misaligned`);
  }
  if (actual.kind === 'bytes') {
    assert.equal(actual.offsets.length, n + 1, `${label}: offsets length`);
    assert.equal(actual.offsets[0], 0, `${label}: offsets start at 0`);
  }
  for (let i = 0; i < n; i++) assert.deepEqual(rowBytes(actual, i), rowBytes(expected, i), `${label}: row ${i}`);
}

/** Encodes with one encoding, decodes, checks the reader consumed exactly the payload. */
export function roundTripAs(encoding: Encoding, type: DataType, values: Values, n: number): Values {
  const bytes = encodeAs(encoding, type, values, n);
  const r = new ByteReader(bytes, 'test payload');
  const out = decodeValues(type, encoding, r, n);
  assert.equal(r.offset, bytes.length, `${encoding}/${type}: decoder consumed ${r.offset} of ${bytes.length} bytes`);
  return out;
}

/** Reference LSB-first bit packing with BigInt (FORMAT.md §5.1), independent of src/format/bitpack.ts. */
export function refPack(values: readonly bigint[], w: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * w) / 8));
  let bit = 0;
  for (const v of values) {
    for (let b = 0; b < w; b++, bit++) {
      if ((v >> BigInt(b)) & 1n) out[bit >> 3]! |= 1 << (bit & 7);
    }
  }
  return out;
}

/** Little-endian bytes of a 64-bit two's-complement word. */
export function le64(v: bigint): number[] {
  const x = BigInt.asUintN(64, v);
  return Array.from({ length: 8 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
}

export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Edge values of every integer type, plus a few ordinary ones. */
export function intEdges(type: DataType): bigint[] {
  const [lo, hi] = intRange(type);
  const out = new Set<bigint>([lo, hi, 0n, 1n, lo + 1n, hi - 1n, (lo + hi) / 2n]);
  if (lo < 0n) out.add(-1n);
  return [...out];
}

export function toTyped(type: DataType, xs: readonly bigint[]): Values {
  return fixed(type, is64(type) ? xs : xs.map(Number));
}

/** Float bit patterns worth testing: NaNs with payloads, ±0, ±Inf, subnormals, extremes. */
export function floatEdgeBits(type: 'float32' | 'float64'): bigint[] {
  if (type === 'float32') {
    return [
      0x7fc00000n,
      0x7f800001n,
      0xffc00001n,
      0x7fbfffffn,
      0x00000000n,
      0x80000000n,
      0x7f800000n,
      0xff800000n,
      0x00000001n,
      0x807fffffn,
      0x7f7fffffn,
      0xff7fffffn,
      0x3f800000n,
      0x3dcccccdn,
    ];
  }
  return [
    0x7ff8000000000000n,
    0x7ff0000000000001n,
    0xfff8000000000123n,
    0x7ff7ffffffffffffn,
    0n,
    0x8000000000000000n,
    0x7ff0000000000000n,
    0xfff0000000000000n,
    1n,
    0x800fffffffffffffn,
    0x7fefffffffffffffn,
    0xffefffffffffffffn,
    0x3ff0000000000000n,
    0x3fb999999999999an,
  ];
}

/** fast-check arbitrary of integer arrays of a type, mixing random, small-range, sorted and repetitive shapes. */
export function intArrayArb(type: DataType, maxLength = 200): fc.Arbitrary<bigint[]> {
  const [lo, hi] = intRange(type);
  const any = fc.bigInt({ min: lo, max: hi });
  const clamp = (x: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
  return fc.oneof(
    fc.array(any, { maxLength }),
    fc.tuple(any, fc.array(fc.bigInt({ min: 0n, max: 300n }), { maxLength })).map(([b, ds]) => ds.map((d) => clamp(b + d))),
    fc.tuple(any, fc.array(fc.bigInt({ min: -3n, max: 20n }), { maxLength })).map(([b, ds]) => {
      let x = b;
      return ds.map((d) => (x = clamp(x + d)));
    }),
    fc
      .tuple(fc.array(any, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength }))
      .map(([pool, ix]) => ix.map((i) => pool[i % pool.length]!)),
    fc
      .tuple(any, fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 30 }))
      .map(([b, runs]) => runs.flatMap((r, k) => Array(r).fill(clamp(b + BigInt(k))) as bigint[])),
  );
}

/** fast-check arbitrary of float bit patterns: any bits, ordinary doubles, short decimals, a few repeated values. */
export function floatBitsArb(type: 'float32' | 'float64', maxLength = 200): fc.Arbitrary<bigint[]> {
  const bitsOf = (x: number): bigint => {
    if (type === 'float32') return BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);
    return new BigUint64Array(new Float64Array([x]).buffer)[0]!;
  };
  const anyBits = type === 'float32' ? fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }) : fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  const decimal = fc
    .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 4 }))
    .map(([m, e]) => bitsOf(m / 10 ** e));
  return fc.oneof(
    fc.array(anyBits, { maxLength }),
    fc.array(fc.double().map(bitsOf), { maxLength }),
    fc.array(decimal, { maxLength }),
    fc
      .tuple(fc.array(fc.oneof(anyBits, decimal), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength }))
      .map(([pool, ix]) => ix.map((i) => pool[i % pool.length]!)),
  );
}

/** fast-check arbitrary of byte strings (unicode text, raw bytes, empties, repeats). */
export function bytesArrayArb(maxLength = 100): fc.Arbitrary<(string | Uint8Array)[]> {
  const item = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.uint8Array({ maxLength: 40 }), fc.constant(''));
  return fc.oneof(
    fc.array(item, { maxLength }),
    fc
      .tuple(fc.array(item, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength }))
      .map(([pool, ix]) => ix.map((i) => pool[i % pool.length]!)),
  );
}
