import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { NCFError } from '../../src/format/errors.js';
import { inferSchema, toColumns, type WriteInput } from '../../src/format/input.js';
import type { ColumnSchema, DataType } from '../../src/format/schema.js';
import { ALL_TYPES, readAll, sameJs, valueArb, type JsValue } from './column-ref.js';

const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof NCFError && e.code === code && re.test(e.message);
const typesOf = (input: WriteInput) => inferSchema(input).map((c) => c.type);
const col = (name: string, type: DataType, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({ name, type, nullable: true, ...extra });

function assertJs(actual: readonly JsValue[], expected: readonly JsValue[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(sameJs(actual[i]!, expected[i]!), `row ${i}: got ${String(actual[i])}, expected ${String(expected[i])}`);
  }
}

/** Reads a converted column the way a reader would, with dates in days and timestamps as bigint. */
const column = (input: WriteInput, schema: ColumnSchema[], i = 0) => {
  const out = toColumns(input, schema);
  return readAll(out.columns[i]!);
};

describe('inferSchema', () => {
  it('types JS numbers by what they need', () => {
    assert.deepEqual(typesOf({ a: [1, -5, null, 2 ** 31 - 1, -(2 ** 31)] }), ['int32']);
    assert.deepEqual(typesOf({ a: [1, 2 ** 31] }), ['int64']);
    assert.deepEqual(typesOf({ a: [1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER] }), ['int64']);
    assert.deepEqual(typesOf({ a: [1, 2 ** 53] }), ['float64']);
    assert.deepEqual(typesOf({ a: [1, 2 ** 60] }), ['float64']);
    assert.deepEqual(typesOf({ a: [1, 0.5] }), ['float64']);
    assert.deepEqual(typesOf({ a: [1, NaN] }), ['float64']);
    assert.deepEqual(typesOf({ a: [Infinity] }), ['float64']);
    assert.deepEqual(typesOf({ a: [0, -0] }), ['float64']);
  });

  it('types the other JS kinds', () => {
    const s = inferSchema({
      big: [1n, null, -(2n ** 63n)],
      ubig: [2n ** 64n - 1n, 0n],
      flag: [true, false],
      text: ['x', undefined],
      when: [new Date(0)],
      bytes: [new Uint8Array(2), Buffer.from('hi')],
      empty: [],
      nothing: [null, undefined],
    });
    assert.deepEqual(s, [
      { name: 'big', type: 'int64', nullable: true },
      { name: 'ubig', type: 'uint64', nullable: true },
      { name: 'flag', type: 'bool', nullable: true },
      { name: 'text', type: 'string', nullable: true },
      { name: 'when', type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' },
      { name: 'bytes', type: 'binary', nullable: true },
      { name: 'empty', type: 'string', nullable: true },
      { name: 'nothing', type: 'string', nullable: true },
    ]);
    assert.throws(() => inferSchema({ x: [-1n, 2n ** 63n] }), isErr('SCHEMA', /"x".*neither int64 nor uint64/));
  });

  it('gives typed-array columns their exact type', () => {
    assert.deepEqual(
      typesOf({
        a: new Int8Array(1),
        b: new Int16Array(1),
        c: new Int32Array(1),
        d: new BigInt64Array(1),
        e: new Uint8Array(1),
        f: new Uint8ClampedArray(1),
        g: new Uint16Array(1),
        h: new Uint32Array(1),
        i: new BigUint64Array(1),
        j: new Float32Array(1),
        k: new Float64Array(1),
      }),
      ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'],
    );
  });

  it('refuses a column mixing kinds, naming it, both kinds and their rows', () => {
    assert.throws(
      () => inferSchema({ 'my col': [1, null, 'two'] }),
      isErr('SCHEMA', /"my col" mixes number values \(first at row 0\) and string values \(first at row 2\)/),
    );
    assert.throws(() => inferSchema([{ a: true }, { a: 1n }]), isErr('SCHEMA', /"a" mixes boolean .* bigint/));
    assert.throws(() => inferSchema({ a: [new Date(), 5] }), isErr('SCHEMA', /Date values .* number values/));
    assert.throws(() => inferSchema({ a: [{}] }), isErr('SCHEMA', /"a" row 0: cannot store an Object/));
    assert.throws(() => inferSchema({ a: 5 } as never), isErr('SCHEMA', /"a" is 5, expected an array/));
  });

  it('collects row-object keys in first-seen order over all rows', () => {
    const s = inferSchema([{ b: 1 }, { a: 'x', b: null }, { 'c d ü': true, a: null }, {}]);
    assert.deepEqual(
      s.map((c) => [c.name, c.type]),
      [
        ['b', 'int32'],
        ['a', 'string'],
        ['c d ü', 'bool'],
      ],
    );
    assert.deepEqual(inferSchema([]), []);
    assert.throws(() => inferSchema([{ a: 1 }, null] as never), isErr('SCHEMA', /row 1 is null, expected an object/));
  });

  it('reads Arrow schemas', () => {
    const t = arrow.tableFromArrays({ n: Int32Array.from([1]), s: ['a'] });
    assert.deepEqual(
      inferSchema(t).map((c) => c.type),
      ['int32', 'string'],
    );
    assert.deepEqual(
      inferSchema(t.batches[0]!).map((c) => c.name),
      ['n', 's'],
    );
  });
});

describe('toColumns', () => {
  const schema: ColumnSchema[] = [col('id', 'int32', { nullable: false }), col('name é', 'string'), col('score', 'float64')];

  it('converts a record of columns and an array of rows alike', () => {
    const rec = toColumns({ id: [1, 2, 3], 'name é': ['a', null, 'ç'], score: [0.5, NaN, -0] }, schema);
    const rows = toColumns(
      [
        { id: 1, 'name é': 'a', score: 0.5 },
        { id: 2, score: NaN },
        { id: 3, 'name é': 'ç', score: -0 },
      ],
      schema,
    );
    for (const out of [rec, rows]) {
      assert.equal(out.length, 3);
      assertJs(readAll(out.columns[0]!), [1, 2, 3]);
      assertJs(readAll(out.columns[1]!), ['a', null, 'ç']);
      assertJs(readAll(out.columns[2]!), [0.5, NaN, -0]);
      assert.equal(out.columns[0]!.validity, null);
    }
  });

  it('fills a missing nullable column with nulls and refuses a missing non-nullable one', () => {
    const out = toColumns({ id: [1, 2] }, schema);
    assertJs(readAll(out.columns[1]!), [null, null]);
    assertJs(readAll(out.columns[2]!), [null, null]);
    assert.throws(() => toColumns({ score: [1] }, schema), isErr('SCHEMA', /"id" is not nullable but the input has no column "id"/));
    assert.throws(() => toColumns([{ score: 1 }], schema), isErr('SCHEMA', /"id" is not nullable but the input has no values/));
  });

  it('refuses extra columns, naming them', () => {
    assert.throws(
      () => toColumns({ id: [1], extra: [1] }, schema),
      isErr('SCHEMA', /input has column "extra", which is not in the schema/),
    );
    assert.throws(() => toColumns([{ id: 1 }, { id: 2, 'new one': 3 }], schema), isErr('SCHEMA', /row 1 has column "new one"/));
    const t = arrow.tableFromArrays({ id: Int32Array.from([1]), other: Int32Array.from([1]) });
    assert.throws(() => toColumns(t, schema), isErr('SCHEMA', /Arrow input has column "other"/));
  });

  it('refuses columns of different lengths and non-array columns', () => {
    assert.throws(() => toColumns({ id: [1, 2], score: [1] }, schema), isErr('SCHEMA', /"score" has 1 values but column "id" has 2/));
    assert.throws(() => toColumns({ id: 'abc' } as never, schema), isErr('SCHEMA', /"id" is "abc", expected an array/));
  });

  it('refuses nulls in a non-nullable column, naming the row', () => {
    assert.throws(() => toColumns({ id: [1, undefined, 3] }, schema), isErr('SCHEMA', /"id" is not nullable but row 1 is null/));
    const t = new arrow.Table({ id: arrow.vectorFromArray([1, 2, null], new arrow.Int32()) });
    assert.throws(() => toColumns(t, schema), isErr('SCHEMA', /"id" is not nullable but row 2 is null/));
  });

  it('range-checks integers and does not coerce between kinds', () => {
    const c = (type: DataType) => [col('v', type)];
    assert.throws(
      () => toColumns({ v: [1, 300] }, c('uint8')),
      isErr('SCHEMA', /column "v" row 1: 300 does not fit uint8 \(expected an integer in \[0, 255\]\)/),
    );
    assert.throws(() => toColumns({ v: [-1] }, c('uint32')), isErr('SCHEMA', /-1 does not fit uint32/));
    assert.throws(() => toColumns({ v: [128] }, c('int8')), isErr('SCHEMA', /128 does not fit int8/));
    assert.throws(() => toColumns({ v: [1.5] }, c('int16')), isErr('SCHEMA', /1.5 does not fit int16/));
    assert.throws(() => toColumns({ v: ['5'] }, c('int32')), isErr('SCHEMA', /"5" does not fit int32/));
    assert.throws(() => toColumns({ v: [5] }, c('string')), isErr('SCHEMA', /5 does not fit string \(expected a string\)/));
    assert.throws(() => toColumns({ v: [1] }, c('bool')), isErr('SCHEMA', /1 does not fit bool/));
    assert.throws(() => toColumns({ v: ['x'] }, c('binary')), isErr('SCHEMA', /"x" does not fit binary/));
    assert.throws(() => toColumns({ v: [2 ** 53] }, c('int64')), isErr('SCHEMA', /9007199254740992 does not fit int64 .*bigint/));
    assert.throws(() => toColumns({ v: [2n ** 63n] }, c('int64')), isErr('SCHEMA', /9223372036854775808n does not fit int64/));
    assert.throws(() => toColumns({ v: [-1n] }, c('uint64')), isErr('SCHEMA', /-1n does not fit uint64/));
    assert.throws(() => toColumns({ v: [-1] }, c('uint64')), isErr('SCHEMA', /-1 does not fit uint64/));
    assert.throws(() => toColumns({ v: [1e39] }, c('float32')), isErr('SCHEMA', /float32 range/));
    assert.throws(() => toColumns({ v: [1n] }, c('float64')), isErr('SCHEMA', /1n does not fit float64/));
    assertJs(column({ v: [127n, -128] }, c('int8')), [127, -128]);
  });

  it('keeps 64-bit integers exact, as numbers or bigints', () => {
    const values = [2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n, -1n, null];
    assertJs(column({ v: values }, [col('v', 'int64')]), values);
    assertJs(column({ v: [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -1, 0, 4294967296, -4294967297] }, [col('v', 'int64')]), [
      9007199254740991n,
      -9007199254740991n,
      -1n,
      0n,
      4294967296n,
      -4294967297n,
    ]);
    assertJs(column({ v: [2n ** 64n - 1n, Number.MAX_SAFE_INTEGER] }, [col('v', 'uint64')]), [2n ** 64n - 1n, 9007199254740991n]);
  });

  it('stores Dates as timestamps in every unit, exactly, and as whole-day dates', () => {
    const d = new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123));
    const ms = BigInt(d.getTime());
    assertJs(column({ v: [d, null] }, [col('v', 'timestamp', { unit: 'ms' })]), [ms, null]);
    assertJs(column({ v: [d] }, [col('v', 'timestamp', { unit: 'us' })]), [ms * 1000n]);
    assertJs(column({ v: [d, new Date(-1)] }, [col('v', 'timestamp', { unit: 'ns' })]), [ms * 1_000_000n, -1_000_000n]);
    const early = new Date(Date.UTC(1700, 0, 1));
    assertJs(column({ v: [early] }, [col('v', 'timestamp', { unit: 'ns' })]), [BigInt(early.getTime()) * 1_000_000n]);
    assert.throws(
      () => toColumns({ v: [new Date(Date.UTC(2300, 0, 1))] }, [col('v', 'timestamp', { unit: 'ns' })]),
      isErr('SCHEMA', /int64 range of unit ns/),
    );
    assert.throws(() => toColumns({ v: [d] }, [col('v', 'timestamp', { unit: 's' })]), isErr('SCHEMA', /whole number of seconds/));
    assertJs(column({ v: [new Date(15_000)] }, [col('v', 'timestamp', { unit: 's' })]), [15n]);
    assertJs(column({ v: [5, 6n] }, [col('v', 'timestamp', { unit: 'ns' })]), [5n, 6n]);
    assert.throws(
      () => toColumns({ v: [new Date(NaN)] }, [col('v', 'timestamp')]),
      isErr('SCHEMA', /Date\(invalid\) does not fit timestamp/),
    );
    assertJs(column({ v: [new Date(Date.UTC(1969, 11, 31)), new Date(Date.UTC(2024, 1, 29)), null] }, [col('v', 'date')]), [
      -1,
      19782,
      null,
    ]);
    assert.throws(() => toColumns({ v: [d] }, [col('v', 'date')]), isErr('SCHEMA', /midnight UTC/));
    // Integers are days (the stored form) and YYYY-MM-DD strings are dates; anything else is refused.
    assertJs(column({ v: [19782, '2024-02-29', '1969-12-31'] }, [col('v', 'date')]), [19782, 19782, -1]);
    assert.throws(() => toColumns({ v: [1.5] }, [col('v', 'date')]), isErr('SCHEMA', /1.5 does not fit date/));
    assert.throws(() => toColumns({ v: ['2024-02-30'] }, [col('v', 'date')]), isErr('SCHEMA', /does not fit date/));
  });

  it('encodes strings of any length and script', () => {
    const values = ['', 'ascii', 'x'.repeat(100), 'é', 'naïve café', '日本語', '🎉 emoji 👩‍👩‍👧', 'a'.repeat(24) + 'ü', null, '\u0000nul'];
    assertJs(column({ v: values }, [col('v', 'string')]), values);
    const rows = values.map((v) => ({ v }));
    assertJs(column(rows, [col('v', 'string')]), values);
    assert.throws(
      () => toColumns({ v: ['ok', 'bad \ud800 surrogate'] }, [col('v', 'string')]),
      isErr('SCHEMA', /row 1: .* lone surrogate/),
    );
    const big = Array.from({ length: 2000 }, (_, i) => '€'.repeat(i % 50));
    assertJs(column({ v: big }, [col('v', 'string')]), big);
  });

  it('copies binary values and bools', () => {
    const bin = [new Uint8Array([1, 2]), null, new Uint8Array(0), Buffer.from('xyz')];
    assertJs(
      column({ v: bin }, [col('v', 'binary')]),
      bin.map((b) => (b === null ? null : Uint8Array.from(b))),
    );
    const bools = [true, false, null, true, true, true, true, true, false, undefined];
    assertJs(
      column({ v: bools }, [col('v', 'bool')]),
      bools.map((b) => b ?? null),
    );
  });

  it('uses a typed array of the column layout as it is, and converts other typed arrays with checks', () => {
    const ids = BigInt64Array.from([1n, 2n ** 62n]);
    const out = toColumns({ v: ids }, [col('v', 'int64')]);
    assert.equal(out.columns[0]!.values.kind === 'fixed' && out.columns[0]!.values.data, ids);
    assertJs(column({ v: Float64Array.from([1, 2]) }, [col('v', 'int16')]), [1, 2]);
    assert.throws(() => toColumns({ v: Float64Array.from([1, 2.5]) }, [col('v', 'int16')]), isErr('SCHEMA', /row 1: 2.5/));
    assertJs(column({ v: Int32Array.from([3, -4]) }, [col('v', 'date')]), [3, -4]);
  });

  it('handles empty inputs of every shape', () => {
    const s = [col('a', 'int64'), col('b', 'string'), col('c', 'bool')];
    const t = new arrow.Table(schemaFields(s));
    for (const input of [{ a: [], b: [], c: [] }, {}, [], t] as WriteInput[]) {
      const out = toColumns(input, s);
      assert.equal(out.length, 0);
      for (const c of out.columns) {
        assert.equal(c.length, 0);
        assert.equal(c.nullCount, 0);
      }
    }
  });

  it('converts multi-chunk Arrow Tables and RecordBatches, dictionaries included', () => {
    const names = arrow.vectorFromArray(['x', null, 'y', 'x', 'ÿ'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const ids = arrow.vectorFromArray([1n, 2n ** 60n, 3n, 4n, 5n], new arrow.Int64());
    const t1 = new arrow.Table({ id: ids.slice(0, 2), name: names.slice(0, 2) });
    const t2 = new arrow.Table({ id: ids.slice(2), name: names.slice(2) });
    const t = t1.concat(t2);
    assert.equal(t.batches.length, 2);
    const s = [col('id', 'int64', { nullable: false }), col('name', 'string')];
    const out = toColumns(t, s);
    assert.equal(out.length, 5);
    assertJs(readAll(out.columns[0]!), [1n, 2n ** 60n, 3n, 4n, 5n]);
    assertJs(readAll(out.columns[1]!), ['x', null, 'y', 'x', 'ÿ']);
    const b = toColumns(t.batches[1]!, s);
    assert.equal(b.length, 3);
    assertJs(readAll(b.columns[1]!), ['y', 'x', 'ÿ']);
    assert.throws(
      () => toColumns(t, [col('id', 'int8'), col('name', 'string')]),
      isErr('SCHEMA', /"id" row 1: 1152921504606846976n does not fit int8/),
    );
    assert.throws(
      () => toColumns(t, [col('id', 'int64'), col('name', 'string'), col('more', 'bool', { nullable: false })]),
      isErr('SCHEMA', /"more" is not nullable/),
    );
  });

  it('property: random JS values of every type convert exactly, from records and from rows', () => {
    for (const type of ALL_TYPES) {
      const toJs = (v: JsValue): unknown => (v === null ? null : type === 'date' ? new Date((v as number) * 86_400_000) : v);
      fc.assert(
        fc.property(fc.array(fc.option(valueArb(type), { nil: null }), { maxLength: 80 }), (values) => {
          const s = [col('v', type)];
          const js = values.map(toJs);
          assertJs(column({ v: js }, s), values);
          assertJs(
            column(
              js.map((v) => ({ v })),
              s,
            ),
            values,
          );
        }),
        { numRuns: 50 },
      );
    }
  });
});

function schemaFields(s: ColumnSchema[]): arrow.Schema {
  const types: Partial<Record<DataType, arrow.DataType>> = { int64: new arrow.Int64(), string: new arrow.Utf8(), bool: new arrow.Bool() };
  return new arrow.Schema(s.map((c) => new arrow.Field(c.name, types[c.type]!, true)));
}
