// Hostile payloads (FORMAT.md §9 item 5): truncation at every length, random byte flips and absurd
// counts only ever raise NCFError, and fail before allocating what the payload cannot justify.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Values } from '../../../src/format/column.js';
import type { Encoding } from '../../../src/format/encodings/index.js';
import { ByteReader } from '../../../src/format/cursor.js';
import { NCFError } from '../../../src/format/errors.js';
import { decodeValues, encodeAs } from '../../../src/format/encodings/index.js';
import type { DataType } from '../../../src/format/schema.js';
import { bytesValues, encodingsFor, fixed, le32, le64, toTyped } from './helpers.js';

const PLAIN = 0,
  DICT = 1,
  RLE = 2,
  FOR = 3;

const isCorrupt = (e: unknown): boolean => e instanceof NCFError && e.code === 'CORRUPT_FILE';
const isNCF = (e: unknown): boolean => e instanceof NCFError;

function decode(type: DataType, enc: Encoding, bytes: ArrayLike<number>, n: number): Values {
  return decodeValues(type, enc, new ByteReader(Uint8Array.from(bytes), 'hostile payload'), n);
}

/** Decoding either succeeds with n values or throws an NCFError — nothing else. */
function decodeOrNCF(type: DataType, enc: Encoding, bytes: Uint8Array, n: number): void {
  try {
    const v = decodeValues(type, enc, new ByteReader(bytes, 'flipped payload'), n);
    if (v.kind === 'bytes') assert.equal(v.offsets.length, n + 1);
    else if (v.kind === 'fixed') assert.equal(v.data.length, n);
  } catch (e) {
    if (!(e instanceof NCFError)) throw new Error(`${enc}/${type}: non-NCFError ${String(e)}`, { cause: e });
  }
}

/** Small payloads of every encoding over a few types. */
function samples(): { type: DataType; enc: Encoding; bytes: Uint8Array; n: number }[] {
  const out: { type: DataType; enc: Encoding; bytes: Uint8Array; n: number }[] = [];
  const ints: [DataType, Values][] = [
    ['int8', fixed('int8', [1, 1, -128, 127, 5, 5, 5, 0, 3])],
    ['uint32', fixed('uint32', [4294967295, 7, 7, 7, 0, 1, 2, 3, 9])],
    ['int64', toTyped('int64', [-(2n ** 63n), 1n, 1n, 1n, 2n ** 63n - 1n, 40n, 41n, 42n, 42n])],
    ['timestamp', toTyped('timestamp', [10n, 20n, 30n, 40n, 55n, 60n, 70n, 70n, 70n])],
  ];
  for (const [type, v] of ints) for (const enc of encodingsFor(type)) out.push({ type, enc, bytes: encodeAs(enc, type, v, 9), n: 9 });
  const f = fixed('float64', [1.5, 2.25, -3, 1.5, 0.01, 2.25, 1.5, 7, 8]);
  for (const enc of encodingsFor('float64')) out.push({ type: 'float64', enc, bytes: encodeAs(enc, 'float64', f, 9), n: 9 });
  const f32 = fixed('float32', [1.5, 2.5, 1.5]);
  for (const enc of encodingsFor('float32')) out.push({ type: 'float32', enc, bytes: encodeAs(enc, 'float32', f32, 3), n: 3 });
  const s = bytesValues(['ab', '', 'ab', 'héllo', 'x', 'ab', '', 'zz', 'x']);
  for (const enc of ['plain', 'dict'] as const) out.push({ type: 'string', enc, bytes: encodeAs(enc, 'string', s, 9), n: 9 });
  out.push({ type: 'bool', enc: 'plain', bytes: Uint8Array.of(0xff, 0x01), n: 9 });
  return out;
}

describe('hostile payloads', () => {
  it('truncation at every length throws NCFError', () => {
    for (const { type, enc, bytes, n } of samples()) {
      decode(type, enc, bytes, n); // the full payload is fine
      for (let len = 0; len < bytes.length; len++) {
        assert.throws(() => decode(type, enc, bytes.subarray(0, len), n), isCorrupt, `${enc}/${type} cut at ${len} of ${bytes.length}`);
      }
    }
  });

  it('random byte flips only ever throw NCFError (property)', () => {
    const all = samples();
    fc.assert(
      fc.property(
        fc.nat({ max: all.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (k, flips) => {
          const { type, enc, bytes, n } = all[k]!;
          const copy = bytes.slice();
          for (const [at, x] of flips) copy[at % copy.length]! ^= x;
          decodeOrNCF(type, enc, copy, n);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('every single-byte value at every position only ever throws NCFError', () => {
    for (const { type, enc, bytes, n } of samples()) {
      for (let at = 0; at < bytes.length; at++) {
        for (const x of [0x00, 0x01, 0x07, 0x40, 0x41, 0x7f, 0x80, 0xff]) {
          const copy = bytes.slice();
          copy[at] = x;
          decodeOrNCF(type, enc, copy, n);
        }
      }
    }
  });

  it('absurd counts fail before allocating', () => {
    // dictCount 2^32 − 1 with a few bytes left
    assert.throws(() => decode('int64', 'dict', [...le32(0xffffffff), FOR, ...le64(0n), 0, 0, 0], 10), isCorrupt);
    // dictCount larger than n
    assert.throws(() => decode('int32', 'dict', [...le32(11), FOR, ...le64(0n), 0], 10), isCorrupt);
    // runCount 2^32 − 1
    assert.throws(() => decode('int32', 'rle', [...le32(0xffffffff), FOR, ...le64(0n), 0], 10), isCorrupt);
    // string lengths summing far beyond the payload (2^32 − 1 each)
    assert.throws(() => decode('string', 'plain', [FOR, ...le64(0xffffffffn), 0], 1000), isCorrupt);
    // string lengths summing to ≥ 2^31 even if bytes were there
    assert.throws(() => decode('binary', 'plain', [FOR, ...le64(0x40000000n), 0, 0], 2), isCorrupt);
    // huge n with a tiny payload: plain/for/delta/bss check the payload before allocating n values
    const big = 2 ** 30;
    assert.throws(() => decode('int64', 'plain', [1, 2, 3], big), isCorrupt);
    assert.throws(() => decode('int64', 'for', [...le64(0n), 64], big), isCorrupt);
    assert.throws(() => decode('int64', 'delta', [...le64(0n), ...le64(0n), 64], big), isCorrupt);
    assert.throws(() => decode('float64', 'bss', [1, 2, 3], big), isCorrupt);
    assert.throws(() => decode('bool', 'plain', [1], big), isCorrupt);
  });

  it('rejects widths above what the type allows', () => {
    assert.throws(() => decode('int64', 'for', [...le64(0n), 65], 1), isCorrupt);
    assert.throws(() => decode('int32', 'for', [...le64(0n), 33, 0, 0, 0, 0, 0], 1), isCorrupt);
    assert.throws(() => decode('uint8', 'for', [...le64(0n), 9, 0, 0], 1), isCorrupt);
    assert.throws(() => decode('int64', 'delta', [...le64(0n), ...le64(0n), 65, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2), isCorrupt);
    assert.throws(() => decode('int32', 'delta', [...le64(0n), ...le64(0n), 34, 0, 0, 0, 0, 0], 2), isCorrupt);
    // 33 bits is legal for a 32-bit delta (FORMAT.md §5.6 differences on the 64-bit extension)
    decode('int32', 'delta', [...le64(0n), ...le64(0n), 33, 0, 0, 0, 0, 0], 2);
  });

  it('rejects out-of-range dict indices, bad run lengths and bad decimal scales', () => {
    const dictOf2 = [...le32(2), PLAIN, ...le32(7), ...le32(9)];
    assert.throws(() => decode('int32', 'dict', [...dictOf2, PLAIN, ...le32(0), ...le32(2)], 2), isCorrupt);
    assert.throws(() => decode('string', 'dict', [...le32(1), PLAIN, PLAIN, ...le32(1), 0x61, PLAIN, ...le32(5)], 1), isCorrupt);
    assert.throws(() => decode('int32', 'dict', [...le32(0), PLAIN, PLAIN, ...le32(0)], 1), isCorrupt);
    const runVals = [...le32(2), PLAIN, ...le32(7), ...le32(9)];
    assert.throws(() => decode('int32', 'rle', [...runVals, PLAIN, ...le32(0), ...le32(3)], 3), isCorrupt, 'run of length 0');
    assert.throws(() => decode('int32', 'rle', [...runVals, PLAIN, ...le32(1), ...le32(1)], 3), isCorrupt, 'runs cover too few rows');
    assert.throws(() => decode('int32', 'rle', [...runVals, PLAIN, ...le32(2), ...le32(2)], 3), isCorrupt, 'runs cover too many rows');
    assert.throws(() => decode('int32', 'rle', [...runVals, PLAIN, ...le32(0xffffffff), ...le32(4)], 3), isCorrupt, 'huge run');
    assert.throws(() => decode('float64', 'decimal', [19, PLAIN, ...le64(1n)], 1), isCorrupt);
  });

  it('rejects nesting deeper than 3 and encodings that do not fit the nested type', () => {
    // dict → dict → dict → dict: the fourth level is refused
    const leaf = [PLAIN, ...le32(5)];
    const idx0 = [PLAIN, ...le32(0)];
    const level3 = [...le32(1), ...leaf, ...idx0];
    const level2 = [...le32(1), DICT, ...level3, ...idx0];
    const level1 = [...le32(1), DICT, ...level2, ...idx0];
    assert.deepEqual([...(decode('int32', 'dict', level1, 1) as { data: Int32Array }).data], [5]);
    const level0 = [...le32(1), DICT, ...level1, ...idx0];
    assert.throws(
      () => decode('int32', 'dict', level0, 1),
      (e: unknown) => isCorrupt(e) && /depth 4/.test((e as Error).message),
    );
    // bss is not an integer encoding: refused for uint32 lengths
    assert.throws(() => decode('string', 'plain', [5, 0, 0, 0, 0], 1), isCorrupt);
    // decimal/bss/for on the wrong top-level type
    assert.throws(() => decode('string', 'for', [...le64(0n), 0], 1), isCorrupt);
    assert.throws(() => decode('bool', 'dict', [...le32(1)], 1), isCorrupt);
  });

  it('an unknown nested encoding index is UNSUPPORTED and names it', () => {
    for (const index of [8, 200, 255]) {
      assert.throws(
        () => decode('string', 'plain', [index, 0, 0, 0, 0], 1),
        (e: unknown) => e instanceof NCFError && e.code === 'UNSUPPORTED' && e.message.includes(String(index)),
      );
    }
    assert.throws(() => decode('int32', 'rle', [...le32(1), RLE], 1), isNCF);
  });
});
