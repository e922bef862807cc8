import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ColumnBuilder, concatColumns, nullColumn } from '../../src/format/column-builder.js';
import type { ColumnData } from '../../src/format/column.js';
import { NCFError } from '../../src/format/errors.js';
import type { ColumnSchema, DataType } from '../../src/format/schema.js';
import { ALL_TYPES, columnArb, makeColumn, readAll, readColumn, sameJs, type JsValue } from './column-ref.js';

const col = (type: DataType, nullable = true): ColumnSchema => ({ name: 'c ü', type, nullable });

function assertValues(actual: ColumnData, expected: readonly JsValue[]): void {
  assert.equal(actual.length, expected.length);
  const got = readAll(actual);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(sameJs(got[i]!, expected[i]!), `row ${i}: got ${String(got[i])}, expected ${String(expected[i])}`);
  }
  const nulls = expected.filter((v) => v === null).length;
  assert.equal(actual.nullCount, nulls);
  if (nulls === 0) assert.equal(actual.validity, null);
}

/** Checks the normalisation finish() promises for null slots. */
function assertNormalised(d: ColumnData): void {
  const isNull = (i: number) => d.validity !== null && (d.validity[i >> 3]! & (1 << (i & 7))) === 0;
  const v = d.values;
  if (v.kind === 'bytes') {
    for (let i = 0; i < d.length; i++) if (isNull(i)) assert.equal(v.offsets[i + 1], v.offsets[i], `null row ${i} has bytes`);
    assert.equal(v.offsets[0], 0);
    assert.equal(v.data.length, v.offsets[d.length]);
  } else if (v.kind === 'bool') {
    for (let i = 0; i < d.length; i++) if (isNull(i)) assert.equal((v.data[i >> 3]! >> (i & 7)) & 1, 0);
  } else {
    const w = v.data.BYTES_PER_ELEMENT;
    const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, d.length * w);
    const word = (i: number) => Buffer.from(bytes.subarray(i * w, (i + 1) * w)).toString('hex');
    let first = -1;
    for (let i = 0; i < d.length; i++)
      if (!isNull(i)) {
        first = i;
        break;
      }
    for (let i = 0; i < d.length; i++) {
      if (!isNull(i)) continue;
      const expected = first < 0 ? '00'.repeat(w) : i < first ? word(first) : word(i - 1);
      assert.equal(word(i), expected, `null row ${i}`);
    }
  }
  if (d.validity !== null && d.length % 8 !== 0)
    assert.equal(d.validity[d.validity.length - 1]! >> (d.length % 8), 0, 'stray validity bits');
}

describe('ColumnBuilder', () => {
  it('appends ranges of every type and hands back their concatenation', () => {
    const samples: Record<DataType, JsValue[]> = {
      int8: [1, -128, null, 127, 5],
      int16: [-32768, null, 32767, 0, 1],
      int32: [null, -(2 ** 31), 2 ** 31 - 1, 7, 8],
      int64: [2n ** 62n + 1n, null, -(2n ** 63n), 2n ** 53n + 1n, 0n],
      uint8: [255, 0, null, 3, 4],
      uint16: [65535, null, 0, 1, 2],
      uint32: [2 ** 32 - 1, 0, null, 1, 2],
      uint64: [2n ** 64n - 1n, null, 0n, 2n ** 60n, 1n],
      float32: [1.5, -0, NaN, null, Infinity],
      float64: [-0, NaN, null, 1e300, -Infinity],
      bool: [true, false, null, true, true],
      string: ['héllo', '', null, '日本語 🎉', 'x'],
      binary: [new Uint8Array([0, 255]), null, new Uint8Array(0), new Uint8Array([1]), new Uint8Array([2, 3])],
      date: [0, -719162, null, 2932896, 19000],
      timestamp: [-(2n ** 63n), 2n ** 63n - 1n, null, 1_700_000_000_000_000n, 0n],
    };
    for (const type of ALL_TYPES) {
      const values = samples[type];
      const src = makeColumn(type, values, 3);
      const b = new ColumnBuilder(col(type), 2);
      b.append(src, 3, 5);
      b.append(src, 0, 0);
      b.append(src, 1, 4);
      b.append(src, 0, 5);
      assert.equal(b.length, 10);
      const expected = [...values.slice(3, 5), ...values.slice(1, 4), ...values];
      assert.equal(b.nullCount, expected.filter((v) => v === null).length);
      const out = b.finish();
      assert.equal(out.type, type);
      assertValues(out, expected);
      assertNormalised(out);
      assert.equal(b.length, 0);
      assert.equal(b.nullCount, 0);
    }
  });

  it('fills fixed null slots with the previous valid value, leading ones with the first, and all-null with 0', () => {
    const b = new ColumnBuilder(col('int32'));
    b.append(makeColumn('int32', [null, null, 5, null, 6, null, null]), 0, 7);
    assert.deepEqual(Array.from((b.finish().values as { data: Int32Array }).data), [5, 5, 5, 5, 6, 6, 6]);
    const all = new ColumnBuilder(col('float64'));
    all.append(makeColumn('float64', [null, null, null]), 0, 3);
    const out = all.finish();
    assert.equal(out.nullCount, 3);
    assert.deepEqual(Array.from((out.values as { data: Float64Array }).data), [0, 0, 0]);
  });

  it('keeps float bits exactly, NaN payloads included, in values and in filled null slots', () => {
    const src = makeColumn('float64', [1, 2, null, 4]);
    const words = new Uint32Array((src.values as { data: Float64Array }).data.buffer);
    words[0] = 0x00000001;
    words[1] = 0x7ff00000; // a signalling NaN with payload 1
    words[6] = 0;
    words[7] = 0x80000000; // -0
    const b = new ColumnBuilder(col('float64'));
    b.append(src, 0, 4);
    b.append(makeColumn('float64', [null]), 0, 1);
    const out = b.finish();
    const got = new Uint32Array(
      (out.values as { data: Float64Array }).data.buffer,
      (out.values as { data: Float64Array }).data.byteOffset,
      10,
    );
    assert.deepEqual(Array.from(got), [1, 0x7ff00000, 0, 0x40000000, 0, 0x40000000, 0, 0x80000000, 0, 0x80000000]);
  });

  it('drops the bytes under null string slots, however long they were in the source', () => {
    const src = makeColumn('string', ['ab', null, 'cd', null, null, 'e'], 5);
    assert.equal(src.values.kind === 'bytes' && src.values.data.length, 20);
    const b = new ColumnBuilder(col('string'));
    b.append(src, 1, 6);
    b.append(src, 0, 2);
    const out = b.finish();
    assertValues(out, [null, 'cd', null, null, 'e', 'ab', null]);
    assertNormalised(out);
    assert.equal(out.values.kind === 'bytes' && new TextDecoder().decode(out.values.data), 'cdeab');
  });

  it('clears bool bits under null slots', () => {
    const src = makeColumn('bool', [true, null, true, null, null, true, true, true, null, true]);
    (src.values as { data: Uint8Array }).data.fill(0xff); // set bits under the nulls, as Arrow may
    const b = new ColumnBuilder(col('bool'));
    b.append(src, 1, 10);
    b.append(src, 0, 2);
    const out = b.finish();
    assertValues(out, [null, true, null, null, true, true, true, null, true, true, null]);
    assertNormalised(out);
  });

  it('copies validity and bool bits from unaligned starts into unaligned positions', () => {
    const n = 67;
    const values: JsValue[] = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 3 === 0));
    const src = makeColumn('bool', values);
    const b = new ColumnBuilder(col('bool'));
    const cuts = [0, 3, 4, 13, 14, 30, 41, 42, 63, 67];
    for (let k = 1; k < cuts.length; k++) b.append(src, cuts[k - 1]!, cuts[k]!);
    b.append(src, 5, 22);
    const out = b.finish();
    assertValues(out, [...values, ...values.slice(5, 22)]);
    assertNormalised(out);
  });

  it('allocates validity only when a null arrives, marking earlier rows valid', () => {
    const b = new ColumnBuilder(col('int16'), 4);
    b.append(makeColumn('int16', [1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, 9);
    b.append(makeColumn('int16', [null, 10]), 0, 2);
    const out = b.finish();
    assertValues(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, null, 10]);
    b.append(makeColumn('int16', [1, 2]), 0, 2);
    assert.equal(b.finish().validity, null);
  });

  it('refuses nulls in a non-nullable column at finish, then works again', () => {
    const b = new ColumnBuilder(col('string', false));
    b.append(makeColumn('string', ['a', 'b', null, 'c']), 0, 4);
    assert.throws(
      () => b.finish(),
      (e: unknown) => e instanceof NCFError && e.code === 'SCHEMA' && /"c ü" is not nullable/.test(e.message) && /row 2/.test(e.message),
    );
    assert.equal(b.length, 0);
    b.append(makeColumn('string', ['a', null]), 0, 1);
    assertValues(b.finish(), ['a']);
  });

  it('refuses data of another type and ranges outside the data', () => {
    const b = new ColumnBuilder(col('int32'));
    assert.throws(
      () => b.append(makeColumn('int64', [1n]), 0, 1),
      (e: unknown) => e instanceof NCFError && e.code === 'SCHEMA' && /int64.*int32/.test(e.message),
    );
    assert.throws(
      () => b.append(makeColumn('int32', [1]), 0, 2),
      (e: unknown) => e instanceof NCFError && e.code === 'STATE',
    );
    assert.throws(
      () => b.append(makeColumn('int32', [1]), 1, 0),
      (e: unknown) => e instanceof NCFError && e.code === 'STATE',
    );
  });

  it('gives each finished group its own memory', () => {
    const b = new ColumnBuilder(col('string'));
    b.append(makeColumn('string', ['one', 'two']), 0, 2);
    const first = b.finish();
    b.append(makeColumn('string', ['three', 'four', 'five']), 0, 3);
    const second = b.finish();
    assertValues(first, ['one', 'two']);
    assertValues(second, ['three', 'four', 'five']);
  });

  it('finishes empty', () => {
    for (const type of ALL_TYPES) {
      const out = new ColumnBuilder(col(type)).finish();
      assert.equal(out.length, 0);
      assert.equal(out.nullCount, 0);
      assert.equal(out.validity, null);
      if (out.values.kind === 'bytes') assert.deepEqual(Array.from(out.values.offsets), [0]);
    }
  });

  it('reports the bytes it buffers', () => {
    const b = new ColumnBuilder(col('string'));
    assert.equal(b.byteSize, 4);
    b.append(makeColumn('string', ['abcd', 'efgh']), 0, 2);
    assert.equal(b.byteSize, 3 * 4 + 8);
    const f = new ColumnBuilder(col('float64'));
    f.append(makeColumn('float64', [1, null, 3]), 0, 3);
    assert.equal(f.byteSize, 24 + 1);
  });

  it('property: random columns of every type with nulls, appended in random pieces', () => {
    for (const type of ALL_TYPES) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(columnArb(type, 60), fc.nat(), fc.nat(), fc.nat({ max: 6 })), { minLength: 1, maxLength: 5 }),
          fc.boolean(),
          (pieces, hasNullBytes) => {
            const b = new ColumnBuilder(col(type), 1);
            const expected: JsValue[] = [];
            for (const [values, x, y, nb] of pieces) {
              const src = makeColumn(type, values, hasNullBytes ? nb : 0);
              const start = values.length === 0 ? 0 : x % (values.length + 1);
              const end = start + (values.length === 0 ? 0 : y % (values.length - start + 1));
              b.append(src, start, end);
              expected.push(...values.slice(start, end));
            }
            assert.equal(b.length, expected.length);
            const out = b.finish();
            assertValues(out, expected);
            assertNormalised(out);
          },
        ),
        { numRuns: 100 },
      );
    }
  });
});

describe('nullColumn and concatColumns', () => {
  it('makes all-null columns of every type', () => {
    for (const type of ALL_TYPES) {
      const c = nullColumn(type, 11);
      assert.equal(c.nullCount, 11);
      assert.deepEqual(readAll(c), new Array(11).fill(null));
      assert.equal(nullColumn(type, 0).validity, null);
    }
  });

  it('joins parts, returning a single part as it is', () => {
    const a = makeColumn('string', ['x', null]);
    assert.equal(concatColumns(col('string'), [a]), a);
    const joined = concatColumns(col('string'), [a, makeColumn('string', ['y'])]);
    assertValues(joined, ['x', null, 'y']);
    assert.equal(readColumn(joined, 2), 'y');
  });
});
