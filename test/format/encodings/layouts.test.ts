// Byte layouts of FORMAT.md §5.2–§5.8, checked against payloads written out by hand from the spec:
// encoders must produce them where the layout is fully determined, decoders must read them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader } from '../../../src/format/cursor.js';
import { decodeValues, encodeAs } from '../../../src/format/encodings/index.js';
import type { Encoding } from '../../../src/format/encodings/index.js';
import type { DataType } from '../../../src/format/schema.js';
import { assertSameRows, boolValues, bytesValues, fixed, floatsFromBits, le32, le64, refPack, toTyped } from './helpers.js';

const PLAIN = 0,
  DICT = 1,
  RLE = 2,
  FOR = 3,
  DELTA = 4,
  BSS = 5;

function decodeAll(type: DataType, enc: Encoding, bytes: number[], n: number): ReturnType<typeof decodeValues> {
  const r = new ByteReader(Uint8Array.from(bytes), 'hand-made payload');
  const out = decodeValues(type, enc, r, n);
  assert.equal(r.offset, bytes.length, 'decoder consumed the whole payload');
  return out;
}

/** Plain uint32 nested block. */
const plainU32 = (xs: number[]): number[] => [PLAIN, ...xs.flatMap(le32)];

describe('§5.2 plain', () => {
  it('fixed-width values are their little-endian bytes', () => {
    assert.deepEqual([...encodeAs('plain', 'int16', fixed('int16', [1, -2]), 2)], [1, 0, 0xfe, 0xff]);
    assert.deepEqual([...encodeAs('plain', 'uint64', fixed('uint64', [2n ** 64n - 1n]), 1)], le64(-1n));
    assert.deepEqual([...encodeAs('plain', 'float32', floatsFromBits('float32', [0x7fc00001n]), 1)], [1, 0, 0xc0, 0x7f]);
  });

  it('bool is an LSB-first bitmap of ceil(n/8) bytes', () => {
    const v = boolValues([true, false, true, true, false, false, false, false, true]);
    assert.deepEqual([...encodeAs('plain', 'bool', v, 9)], [0b00001101, 0b1]);
    assertSameRows(decodeAll('bool', 'plain', [0b00001101, 0b1], 9), v, 9);
  });

  it('strings are a nested uint32 lengths block then the bytes', () => {
    const payload = [...plainU32([1, 0, 3]), 0x61, 0x62, 0x63, 0x64];
    assertSameRows(decodeAll('string', 'plain', payload, 3), bytesValues(['a', '', 'bcd']), 3);
    // Whatever encoding the writer picks for the lengths, the bytes follow them.
    const out = encodeAs('plain', 'binary', bytesValues([Uint8Array.of(9, 8), Uint8Array.of(7)]), 2);
    assert.deepEqual([...out.subarray(out.length - 3)], [9, 8, 7]);
  });
});

describe('§5.3 dict', () => {
  it('reads dictCount, the dictionary block and the indices block', () => {
    const payload = [
      ...le32(2),
      PLAIN,
      ...plainU32([1, 2]),
      0x61,
      0x62,
      0x63, // dictionary "a", "bc" as a plain string block
      ...plainU32([1, 0, 1, 1]),
    ];
    assertSameRows(decodeAll('string', 'dict', payload, 4), bytesValues(['bc', 'a', 'bc', 'bc']), 4);
  });

  it('writes dictCount = number of distinct values', () => {
    const out = encodeAs('dict', 'int64', toTyped('int64', [5n, -1n, 5n, 5n, 2n ** 62n]), 5);
    assert.deepEqual([...out.subarray(0, 4)], le32(3));
  });
});

describe('§5.4 rle', () => {
  it('reads runCount, run values and run lengths', () => {
    const payload = [...le32(2), PLAIN, 3, 0xff, ...plainU32([3, 2])];
    assertSameRows(decodeAll('int8', 'rle', payload, 5), fixed('int8', [3, 3, 3, -1, -1]), 5);
  });

  it('writes runCount = number of runs', () => {
    const out = encodeAs('rle', 'uint16', fixed('uint16', [7, 7, 9, 9, 9, 7]), 6);
    assert.deepEqual([...out.subarray(0, 4)], le32(3));
  });
});

describe('§5.5 for', () => {
  it('is ref (8 bytes, sign-extended min), width, packed value − ref', () => {
    assert.deepEqual([...encodeAs('for', 'int32', fixed('int32', [10, 12, 11]), 3)], [...le64(10n), 2, 0b011000]);
    assert.deepEqual([...encodeAs('for', 'int16', fixed('int16', [-5, -3]), 2)], [...le64(-5n), 2, 0b1000]);
    // uint32 zero-extends: range 2^32 − 1 needs 32 bits
    assert.deepEqual(
      [...encodeAs('for', 'uint32', fixed('uint32', [4294967295, 0]), 2)],
      [...le64(0n), 32, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
    );
    // int64 extremes: range 2^64 − 1 needs 64 bits
    const ext = [-(2n ** 63n), 2n ** 63n - 1n];
    assert.deepEqual([...encodeAs('for', 'int64', toTyped('int64', ext), 2)], [...le64(ext[0]!), 64, ...le64(0n), ...le64(-1n)]);
  });

  it('constant columns pack to width 0', () => {
    assert.deepEqual([...encodeAs('for', 'timestamp', toTyped('timestamp', [9n, 9n, 9n]), 3)], [...le64(9n), 0]);
    assertSameRows(decodeAll('date', 'for', [...le64(-3n), 0], 4), fixed('date', [-3, -3, -3, -3]), 4);
  });

  it('decodes modulo 2^64 (ref + value wraps)', () => {
    const payload = [...le64(2n ** 64n - 2n), 2, ...refPack([0n, 1n, 2n, 3n], 2)];
    assertSameRows(decodeAll('uint64', 'for', payload, 4), toTyped('uint64', [2n ** 64n - 2n, 2n ** 64n - 1n, 0n, 1n]), 4);
  });
});

describe('§5.6 delta', () => {
  it('is first, minDelta, width, packed d − minDelta', () => {
    const out = encodeAs('delta', 'int64', toTyped('int64', [5n, 7n, 9n, 10n]), 4);
    assert.deepEqual([...out], [...le64(5n), ...le64(1n), 1, 0b011]);
  });

  it('sequences pack to width 0 and n ≤ 1 has no packed part', () => {
    assert.deepEqual([...encodeAs('delta', 'int32', fixed('int32', [-1, -4, -7]), 3)], [...le64(-1n), ...le64(-3n), 0]);
    assert.deepEqual([...encodeAs('delta', 'int32', fixed('int32', [42]), 1)], [...le64(42n), ...le64(0n), 0]);
    assert.deepEqual([...encodeAs('delta', 'int32', fixed('int32', []), 0)], [...le64(0n), ...le64(0n), 0]);
  });

  it('differences are taken on the 64-bit extension and compared as signed', () => {
    // uint32 4294967295 → 0: d = −(2^32 − 1), zero-extended values
    assert.deepEqual(
      [...encodeAs('delta', 'uint32', fixed('uint32', [4294967295, 0]), 2)],
      [...le64(4294967295n), ...le64(-(2n ** 32n - 1n)), 0],
    );
    // int32 extremes need 33 bits: d ∈ {2^32 − 1, −(2^32 − 1)}
    const out = encodeAs('delta', 'int32', fixed('int32', [-(2 ** 31), 2 ** 31 - 1, -(2 ** 31)]), 3);
    assert.deepEqual([...out], [...le64(-(2n ** 31n)), ...le64(-(2n ** 32n - 1n)), 33, ...refPack([2n ** 33n - 2n, 0n], 33)]);
    assertSameRows(decodeAll('int32', 'delta', [...out], 3), fixed('int32', [-(2 ** 31), 2 ** 31 - 1, -(2 ** 31)]), 3);
  });

  it('decodes hand-made payloads, including 64-bit wrap-around', () => {
    const payload = [...le64(2n ** 63n - 2n), ...le64(1n), 1, 0b10];
    assertSameRows(decodeAll('int64', 'delta', payload, 3), toTyped('int64', [2n ** 63n - 2n, 2n ** 63n - 1n, -(2n ** 63n) + 1n]), 3);
  });
});

describe('§5.7 bss', () => {
  it('stream k holds byte k of every value', () => {
    const v = floatsFromBits('float32', [0x3f800000n, 0x40000000n]); // 1.0, 2.0
    assert.deepEqual([...encodeAs('bss', 'float32', v, 2)], [0, 0, 0, 0, 0x80, 0, 0x3f, 0x40]);
    assertSameRows(decodeAll('float32', 'bss', [0, 0, 0, 0, 0x80, 0, 0x3f, 0x40], 2), v, 2);
    const d = floatsFromBits('float64', [0x0102030405060708n]);
    assert.deepEqual([...encodeAs('bss', 'float64', d, 1)], [8, 7, 6, 5, 4, 3, 2, 1]);
  });
});

describe('§5.8 decimal', () => {
  it('is the smallest round-tripping scale and a nested int64 block of mantissas', () => {
    const v = floatsFromBits(
      'float64',
      [1.25, -0.5, 3].map((x) => new BigUint64Array(new Float64Array([x]).buffer)[0]!),
    );
    const out = encodeAs('decimal', 'float64', v, 3);
    assert.equal(out[0], 2, 'scale');
    const m = decodeValues('int64', ['plain', 'dict', 'rle', 'for', 'delta'][out[1]!] as Encoding, new ByteReader(out, 'm', 2), 3);
    assertSameRows(m, toTyped('int64', [125n, -50n, 300n]), 3, 'mantissas');
  });

  it('decodes m / 10^e, float32 rounded to single', () => {
    const payload = [1, PLAIN, ...le64(1n), ...le64(-7n)];
    const f32 = decodeAll('float32', 'decimal', payload, 2);
    assert.deepEqual([...(f32 as { data: Float32Array }).data], [Math.fround(0.1), Math.fround(-0.7)]);
    const f64 = decodeAll('float64', 'decimal', [3, DELTA, ...le64(1234n), ...le64(1n), 0], 3);
    assert.deepEqual([...(f64 as { data: Float64Array }).data], [1.234, 1.235, 1.236]);
  });

  it('uses a nested encoding index byte from the ENCODINGS table', () => {
    // The FOR/RLE/DICT/BSS indices are part of the file format; a mantissa block may use any of them.
    const viaFor = decodeAll('float64', 'decimal', [0, FOR, ...le64(5n), 0], 2);
    assert.deepEqual([...(viaFor as { data: Float64Array }).data], [5, 5]);
    const viaRle = decodeAll('float64', 'decimal', [0, RLE, ...le32(1), PLAIN, ...le64(2n), ...plainU32([2])], 2);
    assert.deepEqual([...(viaRle as { data: Float64Array }).data], [2, 2]);
    const viaDict = decodeAll('float64', 'decimal', [0, DICT, ...le32(1), PLAIN, ...le64(4n), ...plainU32([0, 0])], 2);
    assert.deepEqual([...(viaDict as { data: Float64Array }).data], [4, 4]);
    assert.equal(BSS, 5);
  });
});
