// The entropy coder (src/format/entropy): round trips over every shape of code stream, the size
// against order-0 entropy computed here independently, the does-not-pay cases, and the estimate.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Codes, decodeCodes, encodeCodes, estimateCodes } from '../../../src/format/entropy/index.js';
import { Prng } from '../../support/prng.js';
import { entropyOf, typed, zipfCodes } from '../../support/code-streams.js';

function roundTrip(codes: Codes): Uint8Array {
  const bytes = encodeCodes(codes);
  assert.ok(bytes, 'encodable');
  const back = decodeCodes(bytes);
  assert.equal(back.length, codes.length);
  assert.deepEqual(Array.from(back), Array.from(codes));
  return bytes;
}

describe('entropy coder round trips', () => {
  it('random streams of any length, alphabet and skew', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 70000 }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.integer(),
        (n, k, s, seed) => {
          const codes = zipfCodes(n, k, s, seed);
          const max = codes.reduce((a, b) => Math.max(a, b), 0);
          const t = typed(codes, max);
          const distinct = new Set(codes).size;
          const bytes = encodeCodes(t);
          if (distinct > 1 << 15) return assert.equal(bytes, null);
          roundTrip(t);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('arbitrary arrays of each width', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (a) => void roundTrip(a)));
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 500 }), (a) => void roundTrip(Uint16Array.from(a))));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: (1 << 20) - 1 }), { maxLength: 300 }), (a) => void roundTrip(Uint32Array.from(a))),
    );
  });

  it('empty, length 1, all equal', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Uint8Array.of(7));
    roundTrip(Uint16Array.of(65535));
    const same = roundTrip(new Uint16Array(100_000).fill(300));
    assert.ok(same.length < 20, `all-equal stream is ${same.length} bytes`);
  });

  it('all distinct, up to the 2^15 codes a table holds', () => {
    const perm = (n: number): Uint16Array => {
      const a = Uint16Array.from({ length: n }, (_, i) => i);
      const rng = new Prng(n);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.u32() % (i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    roundTrip(perm(1000));
    roundTrip(perm(1 << 15));
    assert.equal(encodeCodes(perm((1 << 15) + 1)), null, 'more distinct codes than table slots');
    assert.equal(estimateCodes(perm(1 << 15)).pays, false, 'uniform codes do not pay');
  });

  it('alphabet 2^16: codes up to 65535 in a Uint16Array', () => {
    const codes = zipfCodes(200_000, 1 << 16, 1.3, 5);
    for (let i = 0; i < codes.length; i += 1000) codes[i] = 65535;
    const t = Uint16Array.from(codes);
    assert.ok(new Set(t).size <= 1 << 15);
    const bytes = roundTrip(t);
    assert.ok(decodeCodes(bytes) instanceof Uint16Array);
  });

  it('correlated then not: a run of one code, then random codes', () => {
    const codes = new Uint8Array(50_000);
    const rng = new Prng(3);
    for (let i = 25_000; i < codes.length; i++) codes[i] = rng.u32() & 0xff;
    roundTrip(codes);
  });

  it('decodes into a caller-given array, and refuses one that cannot hold the codes', () => {
    const codes = Uint8Array.from({ length: 1001 }, (_, i) => (i * i) % 13);
    const bytes = encodeCodes(codes)!;
    const out = new Uint32Array(1001);
    assert.equal(decodeCodes(bytes, { out }), out);
    assert.deepEqual(Array.from(out), Array.from(codes));
    assert.throws(() => decodeCodes(bytes, { out: new Uint32Array(1000) }), { code: 'CORRUPT_FILE' });
    assert.throws(() => decodeCodes(bytes, { maxCount: 1000 }), { code: 'CORRUPT_FILE' });
    const wide = encodeCodes(Uint16Array.of(1, 300, 1))!;
    assert.throws(() => decodeCodes(wide, { out: new Uint8Array(3) }), { code: 'CORRUPT_FILE' });
  });
});

describe('entropy coder size', () => {
  const cases: [string, Uint32Array][] = [
    ['Zipf 1.1 over 230 codes', zipfCodes(200_000, 230, 1.1, 1)],
    ['Zipf 0.7 over 443 codes', zipfCodes(200_000, 443, 0.7, 2)],
    ['Zipf 1.5 over 20 codes', zipfCodes(100_000, 20, 1.5, 3)],
    ['Zipf 1.2 over 4000 codes', zipfCodes(500_000, 4000, 1.2, 4)],
    ['two codes, 10% / 90%', Uint32Array.from({ length: 100_000 }, (_, i) => (i % 10 === 0 ? 1 : 0))],
    ['two codes, 1% / 99%', Uint32Array.from({ length: 1_000_000 }, (_, i) => (i % 100 === 0 ? 1 : 0))],
  ];
  for (const [name, codes] of cases) {
    it(`${name}: within 3% of order-0 entropy, and estimated within 0.5%`, () => {
      const t = typed(
        codes,
        codes.reduce((a, b) => Math.max(a, b), 0),
      );
      const bytes = roundTrip(t);
      const entropy = entropyOf(codes) / 8;
      assert.ok(bytes.length <= entropy * 1.03, `${bytes.length} bytes vs entropy ${entropy.toFixed(0)}`);
      const est = estimateCodes(t);
      assert.ok(Math.abs(est.codedBytes - bytes.length) <= bytes.length * 0.005 + 8, `estimate ${est.codedBytes} vs ${bytes.length}`);
      assert.ok(Math.abs(est.entropyBytes - entropy) < 1e-6 * entropy + 1e-9);
    });
  }

  it('the estimate says does-not-pay for near-uniform codes and pays for skewed ones', () => {
    const rng = new Prng(9);
    const uniform = Uint8Array.from({ length: 100_000 }, () => rng.u32() % 200);
    assert.equal(estimateCodes(uniform).pays, false);
    assert.equal(estimateCodes(Uint8Array.from(zipfCodes(100_000, 200, 1.1, 1))).pays, true);
    assert.equal(estimateCodes(new Uint8Array(0)).pays, false);
    const skewed = Uint8Array.from(zipfCodes(100_000, 200, 1.1, 1));
    const coded = encodeCodes(skewed)!.length;
    assert.equal(estimateCodes(skewed, { baselineBytes: coded }).pays, false, 'must beat the baseline by minGain');
    assert.equal(estimateCodes(skewed, { baselineBytes: coded * 1.1 }).pays, true);
    assert.equal(estimateCodes(skewed, { baselineBytes: coded * 1.1, minGain: 0.2 }).pays, false);
    assert.equal(estimateCodes(Uint32Array.of(1 << 25, 0)).pays, false, 'alphabet too large to count');
  });
});
