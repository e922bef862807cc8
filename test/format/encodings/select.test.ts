// encodeValues' choice: sensible encodings for typical shapes, smaller than plain, and an exact
// `distinct` over valid rows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Values } from '../../../src/format/column.js';
import { ByteReader } from '../../../src/format/cursor.js';
import { decodeValues, encodeAs, encodeValues } from '../../../src/format/encodings/index.js';
import type { DataType } from '../../../src/format/schema.js';
import { assertSameRows, boolValues, bytesValues, fixed, validityOf } from './helpers.js';

/** Deterministic xorshift numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const N = 20_000;

function choose(type: DataType, values: Values, n = N, validity: Uint8Array | null = null): ReturnType<typeof encodeValues> {
  const out = encodeValues(type, values, n, validity);
  const back = decodeValues(type, out.encoding, new ByteReader(out.bytes), n);
  if (validity === null) assertSameRows(back, values, n, `${type} ${out.encoding}`);
  return out;
}

const plainSize = (type: DataType, values: Values, n = N): number => encodeAs('plain', type, values, n).length;

describe('encodeValues chooses', () => {
  it('delta with width 0 for sequential ids', () => {
    const ids = new BigInt64Array(N).map((_, i) => BigInt(i) + 1_000_000_000_000n);
    const out = choose('int64', { kind: 'fixed', data: ids });
    assert.equal(out.encoding, 'delta');
    assert.equal(out.bytes.length, 17);
    assert.equal(out.bytes[16], 0, 'width 0');
    const days = fixed(
      'date',
      Array.from({ length: N }, (_, i) => 19000 - i),
    );
    assert.equal(choose('date', days).encoding, 'delta');
  });

  it('for for a small range in random order, smaller than plain', () => {
    const r = rng(1);
    const v = fixed(
      'int32',
      Array.from({ length: N }, () => 5000 + Math.floor(r() * 100)),
    );
    const out = choose('int32', v);
    assert.equal(out.encoding, 'for');
    assert.ok(out.bytes.length <= 9 + Math.ceil((N * 7) / 8), `${out.bytes.length} bytes`);
    const ts = new BigInt64Array(N).map(() => 1_700_000_000_000_000n + BigInt(Math.floor(r() * 1e6)));
    assert.equal(choose('timestamp', { kind: 'fixed', data: ts }).encoding, 'for');
  });

  it('plain for random full-range integers', () => {
    const r = rng(2);
    const v = fixed(
      'int32',
      Array.from({ length: N }, () => Math.floor(r() * 2 ** 32) - 2 ** 31),
    );
    assert.equal(choose('int32', v).encoding, 'plain');
    const w = new BigUint64Array(N).map(() => (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)));
    assert.equal(choose('uint64', { kind: 'fixed', data: w }).encoding, 'plain');
  });

  it('rle for long runs', () => {
    const v = fixed(
      'int16',
      Array.from({ length: N }, (_, i) => Math.floor(i / 1000) * 37 - 300),
    );
    const out = choose('int16', v);
    assert.equal(out.encoding, 'rle');
    assert.ok(out.bytes.length < 100, `${out.bytes.length} bytes`);
  });

  it('dict for a few large distinct integers', () => {
    const r = rng(3);
    const pool = [0n, 2n ** 60n, -(2n ** 61n), 123456789012345n, -5n];
    const v = new BigInt64Array(N).map(() => pool[Math.floor(r() * pool.length)]!);
    const out = choose('int64', { kind: 'fixed', data: v });
    assert.equal(out.encoding, 'dict');
    assert.equal(out.distinct, pool.length);
    assert.ok(out.bytes.length < N, `${out.bytes.length} bytes`);
  });

  it('dict for few distinct strings, with their exact count', () => {
    const r = rng(4);
    const pool = ['WN', 'DL', 'AA', 'UA', 'B6', 'Überlingen', ''];
    const v = bytesValues(Array.from({ length: N }, () => pool[Math.floor(r() * pool.length)]!));
    const out = choose('string', v);
    assert.equal(out.encoding, 'dict');
    assert.equal(out.distinct, pool.length);
    assert.ok(out.bytes.length < plainSize('string', v) / 4);
  });

  it('plain for unique strings', () => {
    const v = bytesValues(Array.from({ length: N }, (_, i) => `user_${i}`));
    assert.equal(choose('string', v).encoding, 'plain');
  });

  it('decimal for 2-decimal prices, smaller than plain', () => {
    const r = rng(5);
    const prices = new Float64Array(N).map(() => Math.round(r() * 100_000) / 100);
    const out = choose('float64', { kind: 'fixed', data: prices });
    assert.equal(out.encoding, 'decimal');
    assert.equal(out.bytes[0], 2, 'scale 2');
    assert.ok(out.bytes.length < (N * 8) / 3, `${out.bytes.length} bytes`);
    const f32 = new Float32Array(N).map(() => Math.round(r() * 1000) / 10);
    assert.equal(choose('float32', { kind: 'fixed', data: f32 }).encoding, 'decimal');
  });

  it('bss for random doubles', () => {
    const r = rng(6);
    const v = new Float64Array(N).map(() => r() * 1e6);
    assert.equal(choose('float64', { kind: 'fixed', data: v }).encoding, 'bss');
    const withNaN = new Float32Array(N).map((_, i) => (i % 100 === 0 ? NaN : r()));
    assert.equal(choose('float32', { kind: 'fixed', data: withNaN }).encoding, 'bss');
  });

  it('dict for low-cardinality doubles that are not short decimals', () => {
    const pool = [Math.PI, Math.E, Math.SQRT2, NaN, -0];
    const v = new Float64Array(N).map((_, i) => pool[(i * 7) % pool.length]!);
    const out = choose('float64', { kind: 'fixed', data: v });
    assert.equal(out.encoding, 'dict');
    assert.equal(out.distinct, pool.length);
  });

  it('plain for bool', () => {
    const v = boolValues(Array.from({ length: 100 }, (_, i) => i % 3 === 0));
    assert.equal(choose('bool', v, 100).encoding, 'plain');
  });

  it('something for n = 0 and n = 1 of every type', () => {
    const samples: [DataType, Values][] = [
      ['int64', fixed('int64', [5n])],
      ['uint8', fixed('uint8', [5])],
      ['float64', fixed('float64', [0.5])],
      ['float32', fixed('float32', [NaN])],
      ['string', bytesValues(['x'])],
      ['binary', bytesValues([''])],
      ['bool', boolValues([true])],
    ];
    for (const [type, v] of samples) {
      for (const n of [0, 1]) {
        const out = choose(type, v, n);
        assert.ok(out.bytes.length <= 17 + 8, `${type} n=${n}: ${out.bytes.length} bytes`);
      }
    }
  });
});

describe('encodeValues distinct', () => {
  it('counts valid rows only: a "" used only by null slots is not counted', () => {
    const items = ['a', '', 'b', 'a', '', 'b', 'a', 'b', 'a', 'b', 'a', 'a', 'b', 'b', 'a', '', 'a', 'b'];
    const valid = items.map((s) => s !== '');
    const v = bytesValues(items);
    const out = encodeValues('string', v, items.length, validityOf(valid));
    assert.equal(out.distinct, 2);
    const back = decodeValues('string', out.encoding, new ByteReader(out.bytes), items.length);
    for (let i = 0; i < items.length; i++) {
      if (!valid[i]) continue;
      const b = back as { offsets: Int32Array; data: Uint8Array };
      assert.equal(new TextDecoder().decode(b.data.subarray(b.offsets[i]!, b.offsets[i + 1]!)), items[i]);
    }
    if (out.encoding === 'dict') assert.deepEqual([...out.bytes.subarray(0, 4)], [2, 0, 0, 0], 'dictCount counts valid values');
  });

  it('dict over valid rows when the writer filled null slots with zeros', () => {
    const r = rng(7);
    const pool = [1e15, -3e15, 7e14];
    const n = 5000;
    const valid = Array.from({ length: n }, () => r() < 0.7);
    const xs = valid.map((ok) => (ok ? pool[Math.floor(r() * 3)]! : 0));
    const out = encodeValues('int64', fixed('int64', xs.map(BigInt)), n, validityOf(valid));
    assert.equal(out.encoding, 'dict');
    assert.equal(out.distinct, 3);
    const back = decodeValues('int64', out.encoding, new ByteReader(out.bytes), n) as { data: BigInt64Array };
    for (let i = 0; i < n; i++) if (valid[i]) assert.equal(back.data[i], BigInt(xs[i]!), `row ${i}`);
  });

  it('is 0 for an all-null chunk', () => {
    const n = 100;
    const none = validityOf(Array<boolean>(n).fill(false));
    assert.equal(encodeValues('string', bytesValues(Array<string>(n).fill('')), n, none).distinct, 0);
    assert.equal(encodeValues('int32', fixed('int32', Array<number>(n).fill(0)), n, none).distinct, 0);
    assert.equal(encodeValues('float64', fixed('float64', Array<number>(n).fill(0)), n, none).distinct, 0);
    assert.equal(encodeValues('bool', boolValues(Array<boolean>(n).fill(false)), n, none).distinct, 0);
  });

  it('is exact when known and absent otherwise', () => {
    const r = rng(8);
    const unique = fixed(
      'float64',
      Array.from({ length: N }, () => r()),
    );
    const out = encodeValues('float64', unique, N, null);
    assert.ok(out.distinct === undefined || out.distinct === N);
    const few = fixed(
      'uint64',
      Array.from({ length: N }, (_, i) => BigInt(i % 3) * 2n ** 63n),
    );
    const f = encodeValues('uint64', few, N, null);
    assert.ok(f.distinct === undefined || f.distinct === 2, `distinct ${f.distinct}`);
  });
});

describe('encodeValues speed', () => {
  it('selects and encodes 1M sequential int64 in well under 100 ms', () => {
    const ids = new BigInt64Array(1_000_000);
    const w = new Int32Array(ids.buffer);
    for (let i = 0; i < ids.length; i++) w[2 * i] = i;
    encodeValues('int64', { kind: 'fixed', data: ids }, ids.length, null);
    const t0 = performance.now();
    const out = encodeValues('int64', { kind: 'fixed', data: ids }, ids.length, null);
    const ms = performance.now() - t0;
    assert.equal(out.bytes.length, 17);
    assert.ok(ms < 100, `${ms.toFixed(1)} ms`);
  });
});
