// Decoding untrusted bytes (src/format/entropy): every flip, truncation and extension of an encoded
// stream either decodes to exactly the original codes or throws CORRUPT_FILE, never different codes,
// never another error, never a hang.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { type Codes, decodeCodes, encodeCodes } from '../../../src/format/entropy/index.js';
import { NCFError } from '../../../src/format/errors.js';
import { Prng } from '../../support/prng.js';
import { zipfCodes } from '../../support/code-streams.js';

/** Decodes as a chunk reader would (it knows the row count) and checks the promise. */
function exactOrCorrupt(bytes: Uint8Array, original: Codes): 'same' | 'corrupt' {
  let back: Codes;
  try {
    back = decodeCodes(bytes, { maxCount: original.length });
  } catch (e) {
    assert.ok(e instanceof NCFError && e.code === 'CORRUPT_FILE', `unexpected error: ${e}`);
    return 'corrupt';
  }
  assert.deepEqual(Array.from(back), Array.from(original), 'a mutated stream decoded to different codes');
  return 'same';
}

const streams: [string, Codes][] = [
  ['skewed u8', Uint8Array.from(zipfCodes(3000, 200, 1.1, 1))],
  ['skewed u16', Uint16Array.from(zipfCodes(2001, 5000, 1.3, 2))],
  ['two codes', Uint8Array.from({ length: 999 }, (_, i) => (i % 7 === 0 ? 1 : 0))],
  ['one code', new Uint8Array(50).fill(3)],
  ['short', Uint8Array.of(1, 2, 3)],
  ['empty', new Uint8Array(0)],
];

describe('entropy-coded streams under mutation', () => {
  for (const [name, codes] of streams) {
    const bytes = encodeCodes(codes)!;

    it(`${name}: every single-bit flip`, () => {
      let corrupt = 0;
      for (let k = 0; k < bytes.length * 8; k++) {
        const m = bytes.slice();
        m[k >> 3]! ^= 1 << (k & 7);
        if (exactOrCorrupt(m, codes) === 'corrupt') corrupt++;
      }
      assert.ok(corrupt > 0);
    });

    it(`${name}: every truncation, and extensions`, () => {
      for (let len = 0; len < bytes.length; len++) assert.equal(exactOrCorrupt(bytes.subarray(0, len), codes), 'corrupt');
      for (const extra of [[0], [0, 0], [0xff, 0xff, 0xff]])
        assert.equal(exactOrCorrupt(Uint8Array.from([...bytes, ...extra]), codes), 'corrupt');
    });
  }

  it('random multi-byte mutations of random streams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 2, max: 3000 }),
        fc.integer(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (n, k, seed, edits) => {
          const codes = Uint16Array.from(zipfCodes(n, k, 1.2, seed));
          const m = encodeCodes(codes)!.slice();
          for (const [at, xor] of edits) m[at % m.length]! ^= xor;
          exactOrCorrupt(m, codes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("resealed mutations (CRC recomputed, so the decoder's own checks face them): refused or well-formed, never a crash", () => {
    for (const [, codes] of streams) {
      const bytes = encodeCodes(codes)!;
      for (let k = 0; k < (bytes.length - 4) * 8; k++) {
        const m = bytes.slice();
        m[k >> 3]! ^= 1 << (k & 7);
        try {
          const back = decodeCodes(reseal(m), { maxCount: codes.length });
          assert.ok(back.length <= codes.length);
        } catch (e) {
          assert.ok(e instanceof NCFError && e.code === 'CORRUPT_FILE', `unexpected error: ${e}`);
        }
      }
    }
  });

  it('lying headers behind a valid CRC: huge counts and alphabets, bad scales, tables that do not sum, states out of range', () => {
    const rng = new Prng(4);
    const codes = Uint8Array.from({ length: 500 }, () => (rng.u32() % 5 === 0 ? rng.u32() % 20 : 0));
    const bytes = encodeCodes(codes)!;
    const withU32 = (at: number, v: number): Uint8Array => {
      const m = bytes.slice();
      view(m).setUint32(at, v, true);
      return reseal(m);
    };
    const refused = (m: Uint8Array, why: string): void => assert.throws(() => decodeCodes(m), { code: 'CORRUPT_FILE' }, why);
    decodeCodes(reseal(bytes.slice())); // the helper itself keeps a valid stream valid
    refused(withU32(0, 0xffffffff), 'count beyond 2^31 − 1');
    refused(withU32(0, 10_000_000), 'count beyond what the words can hold');
    refused(withU32(4, 0xffffffff), 'alphabet the table does not cover');
    const one = encodeCodes(new Uint8Array(10).fill(2))!;
    view(one).setUint32(0, (1 << 24) + 1, true);
    refused(reseal(one), 'a one-code stream asking for more codes than a row group holds');
    view(one).setUint32(0, 1 << 24, true);
    assert.equal(decodeCodes(reseal(one)).length, 1 << 24, 'a one-code stream is only bounded by the count limit');
    refused(withU32(4, 0), 'codes without an alphabet');
    const at = (i: number, v: number): Uint8Array => {
      const m = bytes.slice();
      m[i] = v;
      return reseal(m);
    };
    refused(at(8, 16), 'scale above 15');
    refused(at(8, bytes[8]! - 1), 'table no longer sums to 2^scale');
    refused(at(9, 0x80), 'a varint running into the next field');
    // The four states follow the table; the table of this stream ends where its frequencies sum to 2^scale.
    const statesAt = tableEnd(bytes);
    refused(withU32(statesAt, 5), 'a state below 2^15');
    refused(withU32(statesAt + 4, 0x80000000), 'a state at or above 2^31');
    refused(withU32(statesAt + 16, 0), 'fewer words than stored');
    refused(withU32(statesAt + 16, 0xffff), 'more words than the bytes hold');
  });
});

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Recomputes the trailing CRC-32 (zlib's, computed here independently of the module). */
function reseal(m: Uint8Array): Uint8Array {
  view(m).setUint32(m.length - 4, crc32(m.subarray(0, m.length - 4)) >>> 0, true);
  return m;
}

/** Offset just after the frequency list, parsed here from the FORMAT.md layout. */
function tableEnd(bytes: Uint8Array): number {
  const alphabet = view(bytes).getUint32(4, true);
  let o = 9;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[o++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  for (let s = 0; s < alphabet; ) {
    const f = varint();
    s += f === 0 ? varint() + 1 : 1;
  }
  return o;
}
