import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pack32, pack64, packedLength, unpack32, unpack64 } from '../../src/format/bitpack.js';
import { NCFError } from '../../src/format/errors.js';
import { refPack } from './encodings/helpers.js';

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;

/** Int32Array holding the values (w ≤ 32) as their 32-bit patterns. */
function words32(values: readonly bigint[]): Int32Array {
  return Int32Array.from(values, (v) => Number(BigInt.asIntN(32, v)));
}

/** Int32Array of (lo, hi) pairs for 64-bit values. */
function pairs(values: readonly bigint[]): Int32Array {
  const out = new Int32Array(values.length * 2);
  values.forEach((v, i) => {
    out[2 * i] = Number(BigInt.asIntN(32, v));
    out[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
  });
  return out;
}

function fromPairs(p: Int32Array, start: number, count: number): bigint[] {
  return Array.from({ length: count }, (_, i) => (BigInt(p[2 * (start + i) + 1]! >>> 0) << 32n) | BigInt(p[2 * (start + i)]! >>> 0));
}

const valuesOfWidth = (w: number, maxLength = 150): fc.Arbitrary<bigint[]> =>
  fc.array(w === 0 ? fc.constant(0n) : fc.oneof(fc.bigInt({ min: 0n, max: mask(w) }), fc.constant(mask(w)), fc.constant(0n)), {
    maxLength,
  });

describe('bitpack', () => {
  it('packedLength is ceil(count·w/8)', () => {
    assert.equal(packedLength(0, 64), 0);
    assert.equal(packedLength(9, 0), 0);
    assert.equal(packedLength(1, 1), 1);
    assert.equal(packedLength(8, 1), 1);
    assert.equal(packedLength(9, 1), 2);
    assert.equal(packedLength(3, 7), 3);
    assert.equal(packedLength(2 ** 31, 64), 2 ** 34);
  });

  it('packs the spec example LSB first', () => {
    // values 1, 2, 3 at width 3: bits 001 010 011 → stream 1,0,0, 0,1,0, 1,1,0 → bytes 0b11010001, 0b0
    const dst = new Uint8Array(packedLength(3, 3));
    pack32(Int32Array.from([1, 2, 3]), 0, 3, 3, dst);
    assert.deepEqual([...dst], [0b11010001, 0b0]);
  });

  for (let w = 0; w <= 32; w++) {
    it(`pack32/unpack32 at width ${w} match the reference packer`, () => {
      fc.assert(
        fc.property(valuesOfWidth(w), (vals) => {
          const dst = new Uint8Array(packedLength(vals.length, w));
          pack32(words32(vals), 0, vals.length, w, dst);
          assert.deepEqual([...dst], [...refPack(vals, w)]);
          const out = new Int32Array(vals.length + 3).fill(-7);
          unpack32(dst, vals.length, w, out, 2);
          assert.deepEqual(
            [...out.subarray(2, 2 + vals.length)].map((x) => BigInt(x >>> 0)),
            vals,
          );
          assert.equal(out[0], -7);
          assert.equal(out[1], -7);
        }),
        { numRuns: 40 },
      );
    });
  }

  for (let w = 0; w <= 64; w += w < 30 ? 7 : 1) {
    it(`pack64/unpack64 at width ${w} match the reference packer`, () => {
      fc.assert(
        fc.property(valuesOfWidth(w), fc.nat({ max: 3 }), (vals, start) => {
          const src = new Int32Array(2 * (vals.length + start));
          src.set(pairs(vals), 2 * start);
          const dst = new Uint8Array(packedLength(vals.length, w));
          pack64(src, start, vals.length, w, dst);
          assert.deepEqual([...dst], [...refPack(vals, w)]);
          const out = new Int32Array(2 * (vals.length + 1)).fill(-1);
          unpack64(dst, vals.length, w, out, 1);
          assert.deepEqual(fromPairs(out, 1, vals.length), vals);
        }),
        { numRuns: 30 },
      );
    });
  }

  it('unpack32 keeps the low 32 bits of values wider than 32 bits', () => {
    for (const w of [33, 40, 63, 64]) {
      const vals = [mask(w), 0n, 0x1_2345_6789n & mask(w), 5n];
      const out = new Int32Array(vals.length);
      unpack32(refPack(vals, w), vals.length, w, out);
      assert.deepEqual(
        [...out].map((x) => BigInt(x >>> 0)),
        vals.map((v) => v & 0xffffffffn),
        `width ${w}`,
      );
    }
  });

  it('unpack32 with stride 2 writes every other element', () => {
    const vals = [1n, 200n, 3n];
    const out = new Int32Array(6).fill(9);
    unpack32(refPack(vals, 8), 3, 8, out, 0, 2);
    assert.deepEqual([...out], [1, 9, 200, 9, 3, 9]);
  });

  it('rejects widths above 64 and a wrong packed length with NCFError', () => {
    assert.throws(() => unpack32(new Uint8Array(100), 1, 65, new Int32Array(1)), NCFError);
    assert.throws(() => unpack64(new Uint8Array(100), 1, 65, new Int32Array(2)), NCFError);
    assert.throws(() => unpack32(new Uint8Array(3), 4, 7, new Int32Array(4)), NCFError);
    assert.throws(() => unpack64(new Uint8Array(3), 1, 40, new Int32Array(2)), NCFError);
  });
});
