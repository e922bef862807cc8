// Every encoding × every type it applies to: edge values, awkward lengths, and fast-check properties
// over random arrays, decoded bit-exactly; plus encodeValues' own choice for the same data.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Values } from '../../../src/format/column.js';
import { ByteReader } from '../../../src/format/cursor.js';
import { NCFError } from '../../../src/format/errors.js';
import { decodeValues, encodeAs, encodeValues } from '../../../src/format/encodings/index.js';
import type { DataType } from '../../../src/format/schema.js';
import {
  ALL_TYPES,
  BYTES_TYPES,
  FLOAT_TYPES,
  INT_TYPES,
  assertSameRows,
  boolValues,
  bytesArrayArb,
  bytesValues,
  encodingsFor,
  floatBitsArb,
  floatEdgeBits,
  floatsFromBits,
  intArrayArb,
  intEdges,
  roundTripAs,
  toTyped,
} from './helpers.js';

const LENGTHS = [0, 1, 7, 8, 9, 1000, 1037];

/** Cycles `pool` to length n. */
const cycle = <T>(pool: readonly T[], n: number): T[] => Array.from({ length: n }, (_, i) => pool[i % pool.length]!);

/** Checks one Values through encodeAs for each applicable encoding and through encodeValues. */
function checkAll(type: DataType, values: Values, n: number, label: string, skip: readonly string[] = []): void {
  for (const enc of encodingsFor(type)) {
    if (skip.includes(enc)) continue;
    assertSameRows(roundTripAs(enc, type, values, n), values, n, `${label} ${enc}`);
  }
  const chosen = encodeValues(type, values, n, null);
  const r = new ByteReader(chosen.bytes);
  assertSameRows(decodeValues(type, chosen.encoding, r, n), values, n, `${label} chosen ${chosen.encoding}`);
  assert.equal(r.offset, chosen.bytes.length, `${label}: chosen ${chosen.encoding} leaves bytes unread`);
}

describe('encodings round trip: integers', () => {
  for (const type of INT_TYPES) {
    it(`${type}: edge values at lengths ${LENGTHS.join(', ')}`, () => {
      const edges = intEdges(type);
      for (const n of LENGTHS) {
        checkAll(type, toTyped(type, cycle(edges, n)), n, `${type} n=${n} edges`);
        // Sorted extremes: first at min, then max: ranges and deltas of the full 64-bit width.
        const sorted = [...edges].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        checkAll(type, toTyped(type, cycle(sorted, n)), n, `${type} n=${n} sorted edges`);
        checkAll(type, toTyped(type, cycle([edges[1]!], n)), n, `${type} n=${n} constant max`);
      }
    });

    it(`${type}: random arrays (property)`, () => {
      fc.assert(
        fc.property(intArrayArb(type), (xs) => {
          checkAll(type, toTyped(type, xs), xs.length, type);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('encodes a prefix when the array is longer than n', () => {
    const v = toTyped('int32', [5n, 6n, 7n, 8n, -1n]);
    for (const enc of encodingsFor('int32')) assertSameRows(roundTripAs(enc, 'int32', v, 3), v, 3, enc);
  });
});

describe('encodings round trip: floats', () => {
  for (const type of FLOAT_TYPES) {
    it(`${type}: NaN payloads, ±0, ±Inf, subnormals at lengths ${LENGTHS.join(', ')}`, () => {
      const edges = floatEdgeBits(type);
      for (const n of LENGTHS) {
        // decimal refuses these values by design (checked in decimal.test.ts)
        checkAll(type, floatsFromBits(type, cycle(edges, n)), n, `${type} n=${n}`, n > 0 ? ['decimal'] : []);
      }
    });

    it(`${type}: random arrays (property)`, () => {
      fc.assert(
        fc.property(floatBitsArb(type), (bits) => {
          const v = floatsFromBits(type, bits);
          let decimalOk = true;
          try {
            encodeAs('decimal', type, v, bits.length);
          } catch (e) {
            assert.ok(e instanceof NCFError && e.code === 'STATE', `decimal refuses with STATE, got ${String(e)}`);
            decimalOk = false;
          }
          checkAll(type, v, bits.length, type, decimalOk ? [] : ['decimal']);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('encodings round trip: bool, string, binary', () => {
  it('bool: patterns at every length up to 40 and 1037', () => {
    for (const n of [...Array.from({ length: 41 }, (_, i) => i), 1037]) {
      checkAll('bool', boolValues(Array.from({ length: n }, (_, i) => (i * 7919) % 3 === 0)), n, `bool n=${n}`);
    }
  });

  it('bool: random bitmaps (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 300 }), (bits) => {
        checkAll('bool', boolValues(bits), bits.length, 'bool');
      }),
      { numRuns: 100 },
    );
  });

  for (const type of BYTES_TYPES) {
    it(`${type}: empty values, unicode, long values at lengths ${LENGTHS.join(', ')}`, () => {
      const pool = ['', 'a', 'héllo wörld', '日本語テキスト', '🎉👩‍👩‍👧', 'x'.repeat(300), '\u0000\uffff', ''];
      for (const n of LENGTHS) checkAll(type, bytesValues(cycle(pool, n)), n, `${type} n=${n}`);
      checkAll(type, bytesValues(cycle([''], 50)), 50, `${type} all empty`);
    });

    it(`${type}: random arrays (property)`, () => {
      fc.assert(
        fc.property(bytesArrayArb(), (items) => {
          checkAll(type, bytesValues(items), items.length, type);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('bytes values whose offsets do not start at 0 (a slice)', () => {
    const full = bytesValues(['skip', 'me', 'abc', '', 'de']) as { kind: 'bytes'; offsets: Int32Array; data: Uint8Array };
    const slice: Values = { kind: 'bytes', offsets: full.offsets.subarray(2), data: full.data };
    const expected = bytesValues(['abc', '', 'de']);
    for (const enc of ['plain', 'dict'] as const) assertSameRows(roundTripAs(enc, 'string', slice, 3), expected, 3, enc);
    const chosen = encodeValues('string', slice, 3, null);
    assertSameRows(decodeValues('string', chosen.encoding, new ByteReader(chosen.bytes), 3), expected, 3, 'chosen');
  });
});

describe('encodings: misuse', () => {
  it('encodeAs refuses an encoding that does not apply to the type with STATE', () => {
    const isState = (e: unknown): boolean => e instanceof NCFError && e.code === 'STATE';
    const samples: Record<string, Values> = {
      int: toTyped('int32', [1n]),
      float: floatsFromBits('float64', [0x3ff0000000000000n]),
      bool: boolValues([true]),
      bytes: bytesValues(['a']),
    };
    for (const type of ALL_TYPES) {
      const v = INT_TYPES.includes(type as never)
        ? toTyped(type, [1n])
        : type === 'float32'
          ? floatsFromBits('float32', [0x3f800000n])
          : type === 'float64'
            ? samples.float!
            : type === 'bool'
              ? samples.bool!
              : samples.bytes!;
      for (const enc of ['plain', 'dict', 'rle', 'for', 'delta', 'bss', 'decimal'] as const) {
        if (encodingsFor(type).includes(enc)) continue;
        assert.throws(() => encodeAs(enc, type, v, 1), isState, `${enc} on ${type}`);
      }
    }
  });

  it('refuses values of the wrong kind or too few values with STATE', () => {
    const isState = (e: unknown): boolean => e instanceof NCFError && e.code === 'STATE';
    assert.throws(() => encodeValues('int64', toTyped('int32', [1n]), 1, null), isState);
    assert.throws(() => encodeValues('int32', { kind: 'fixed', data: new Float32Array(1) }, 1, null), isState);
    assert.throws(() => encodeAs('for', 'uint64', { kind: 'fixed', data: new BigInt64Array(1) }, 1), isState);
    assert.throws(() => encodeValues('string', toTyped('int32', [1n]), 1, null), isState);
    assert.throws(() => encodeValues('int32', toTyped('int32', [1n]), 2, null), isState);
    assert.throws(() => encodeAs('plain', 'bool', boolValues([true]), 9), isState);
  });

  it('decodeValues refuses an unknown encoding name with UNSUPPORTED', () => {
    assert.throws(
      () => decodeValues('int32', 'zigzag' as never, new ByteReader(new Uint8Array(8)), 1),
      (e: unknown) => e instanceof NCFError && e.code === 'UNSUPPORTED' && /zigzag/.test(e.message),
    );
  });
});
