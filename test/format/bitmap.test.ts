import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clearTail, copyBits, countBits, firstClear, setBitsOn, sliceBits } from '../../src/format/bitmap.js';

const bit = (b: Uint8Array, i: number) => (b[i >> 3]! >> (i & 7)) & 1;

const bitmapCase = fc
  .uint8Array({ minLength: 0, maxLength: 40 })
  .chain((src) =>
    fc
      .tuple(fc.constant(src), fc.nat({ max: src.length * 8 }))
      .chain(([s, start]) => fc.tuple(fc.constant(s), fc.constant(start), fc.nat({ max: s.length * 8 - start }))),
  );

describe('bitmap', () => {
  it('copyBits copies any range to any position and keeps the other destination bits', () => {
    fc.assert(
      fc.property(bitmapCase, fc.uint8Array({ minLength: 41, maxLength: 45 }), fc.nat({ max: 20 }), ([src, start, n], dst0, dstBit) => {
        const dst = Uint8Array.from(dst0);
        copyBits(src, start, dst, dstBit, n);
        for (let i = 0; i < dst.length * 8; i++) {
          const expected = i >= dstBit && i < dstBit + n ? bit(src, start + i - dstBit) : bit(dst0, i);
          assert.equal(bit(dst, i), expected, `bit ${i}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('countBits and sliceBits agree with bit-by-bit reads', () => {
    fc.assert(
      fc.property(bitmapCase, ([src, start, n]) => {
        let count = 0;
        for (let i = start; i < start + n; i++) count += bit(src, i);
        assert.equal(countBits(src, start, n), count);
        const s = sliceBits(src, start, n);
        for (let i = 0; i < n; i++) assert.equal(bit(s, i), bit(src, start + i));
      }),
      { numRuns: 300 },
    );
  });

  it('setBitsOn sets exactly its range', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.nat({ max: 100 }), (start, n) => {
        const b = new Uint8Array(26);
        setBitsOn(b, start, n);
        for (let i = 0; i < 208; i++) assert.equal(bit(b, i), i >= start && i < start + n ? 1 : 0);
      }),
    );
  });

  it('clearTail and firstClear', () => {
    const b = new Uint8Array([0xff, 0xff]);
    clearTail(b, 11);
    assert.deepEqual(Array.from(b), [0xff, 0x07]);
    assert.equal(firstClear(b, 11), -1);
    assert.equal(firstClear(b, 12), 11);
    assert.equal(firstClear(new Uint8Array([0xff, 0xfd]), 16), 9);
  });
});
