import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import {
  arrowDataToColumn,
  columnsToRecordBatch,
  columnToArrowData,
  META_DESCRIPTION,
  META_SEMANTIC,
  schemaFromArrow,
  schemaToArrow,
} from '../../src/format/arrow.js';
import { ColumnBuilder } from '../../src/format/column-builder.js';
import { NCFError } from '../../src/format/errors.js';
import { toColumns } from '../../src/format/input.js';
import type { ColumnSchema, DataType } from '../../src/format/schema.js';
import { ALL_TYPES, columnArb, makeArrowData, makeColumn, readAll, readArrow, readColumn, sameJs, type JsValue } from './column-ref.js';

const col = (type: DataType, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({ name: 'a col', type, nullable: true, ...extra });
const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof NCFError && e.code === code && re.test(e.message);

function assertJs(actual: readonly JsValue[], expected: readonly JsValue[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(sameJs(actual[i]!, expected[i]!), `row ${i}: got ${String(actual[i])}, expected ${String(expected[i])}`);
  }
}

const readArrowAll = (d: arrow.Data) => Array.from({ length: d.length }, (_, i) => readArrow(d, i));

const SAMPLES: Record<DataType, JsValue[]> = {
  int8: [1, -128, null, 127, 5, 6, 7, 8, null, 10, 11],
  int16: [-32768, null, 32767, 0, 1, 2, 3, 4, 5, null, 6],
  int32: [null, -(2 ** 31), 2 ** 31 - 1, 7, 8, 9, 10, 11, 12, 13, null],
  int64: [2n ** 62n + 1n, null, -(2n ** 63n), 2n ** 53n + 1n, 0n, 1n, 2n, 3n, 4n, null, 9007199254740993n],
  uint8: [255, 0, null, 3, 4, 5, 6, 7, 8, 9, 10],
  uint16: [65535, null, 0, 1, 2, 3, 4, 5, 6, 7, 8],
  uint32: [2 ** 32 - 1, 0, null, 1, 2, 3, 4, 5, 6, 7, 8],
  uint64: [2n ** 64n - 1n, null, 0n, 2n ** 60n, 1n, 2n, 3n, 4n, 5n, 6n, 7n],
  float32: [1.5, -0, NaN, null, Infinity, 2, 3, 4, 5, 6, -7.25],
  float64: [-0, NaN, null, 1e300, -Infinity, 5e-324, 1, 2, 3, 4, 0.1],
  bool: [true, false, null, true, true, false, false, true, null, true, false],
  string: ['héllo', '', null, '日本語 🎉', 'x', 'y', 'z', 'long string '.repeat(5), null, 'a', 'b'],
  binary: [
    new Uint8Array([0, 255]),
    null,
    new Uint8Array(0),
    new Uint8Array([1]),
    new Uint8Array([2, 3]),
    null,
    new Uint8Array([4]),
    new Uint8Array([5]),
    new Uint8Array([6]),
    new Uint8Array([7]),
    new Uint8Array([8]),
  ],
  date: [0, -719162, null, 2932896, 19000, 1, 2, 3, 4, null, -1],
  timestamp: [-(2n ** 63n), 2n ** 63n - 1n, null, 1_700_000_000_000_000n, 0n, 1n, 2n, 3n, 4n, null, -1n],
};

describe('schemaToArrow / schemaFromArrow', () => {
  it('round trip names, types, nullability, units, zones and metadata', () => {
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'int64', nullable: false, semanticType: 'id_key' },
      { name: 'e-mail address ✉', type: 'string', nullable: true, semanticType: 'pii_email', description: 'where to write' },
      { name: 'at', type: 'timestamp', nullable: true, unit: 'ns', timezone: 'Europe/Paris' },
      { name: 'local', type: 'timestamp', nullable: true, unit: 's' },
      ...ALL_TYPES.filter((t) => t !== 'timestamp').map((t): ColumnSchema => ({ name: `c ${t}`, type: t, nullable: t !== 'bool' })),
    ];
    const s = schemaToArrow(columns, 'trips');
    assert.equal(s.metadata.get('ncf.table'), 'trips');
    assert.equal(s.fields[1]!.metadata.get(META_SEMANTIC), 'pii_email');
    assert.equal(s.fields[1]!.metadata.get(META_DESCRIPTION), 'where to write');
    assert.equal(s.fields[0]!.nullable, false);
    assert.ok(arrow.DataType.isTimestamp(s.fields[2]!.type) && s.fields[2]!.type.unit === arrow.TimeUnit.NANOSECOND);
    assert.deepEqual(schemaFromArrow(s), columns);
    // Through Arrow IPC, as another Arrow reader would see it.
    const ipc = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(s)));
    assert.deepEqual(schemaFromArrow(ipc.schema), columns);
  });

  it('refuses duplicate field names and types NCF cannot hold', () => {
    const dup = new arrow.Schema([new arrow.Field('x', new arrow.Int32()), new arrow.Field('x', new arrow.Utf8())]);
    assert.throws(() => schemaFromArrow(dup), isErr('SCHEMA', /two fields named "x"/));
    const list = new arrow.Schema([new arrow.Field('l', new arrow.List(new arrow.Field('i', new arrow.Int32())))]);
    assert.throws(() => schemaFromArrow(list), isErr('UNSUPPORTED', /"l"/));
  });
});

describe('columnToArrowData', () => {
  it('wraps the ColumnData buffers without copying, for every type', () => {
    for (const type of ALL_TYPES) {
      const c = makeColumn(type, SAMPLES[type]);
      const d = columnToArrowData(col(type), c);
      assert.equal(d.length, c.length);
      assert.equal(d.nullCount, c.nullCount);
      assertJs(readArrowAll(d), SAMPLES[type]);
      const v = c.values;
      const own = v.kind === 'bytes' ? v.data : v.data;
      assert.equal((d.values as Uint8Array).buffer, own.buffer, `${type} values copied`);
      if (v.kind === 'bytes') assert.equal(d.valueOffsets, v.offsets);
      if (c.validity !== null) assert.equal(d.nullBitmap!.buffer, c.validity.buffer);
    }
  });

  it('refuses data of another type than the column', () => {
    assert.throws(() => columnToArrowData(col('int32'), makeColumn('int64', [1n])), isErr('SCHEMA', /int32.*int64/));
  });
});

describe('arrowDataToColumn', () => {
  it('reads every type, sliced at offsets that are not multiples of 8', () => {
    for (const type of ALL_TYPES) {
      const whole = makeArrowData(type, SAMPLES[type], 2);
      for (const [start, len] of [
        [0, 11],
        [3, 8],
        [1, 0],
        [9, 2],
        [8, 3],
      ] as const) {
        const d = whole.slice(start, len);
        const c = arrowDataToColumn(d, col(type));
        assert.equal(c.type, type);
        assert.equal(c.length, len);
        const expected = SAMPLES[type].slice(start, start + len);
        assertJs(readAll(c), expected);
        assertJs(readArrowAll(d), expected); // the reference agrees with apache-arrow's own reading
        assert.equal(c.nullCount, expected.filter((v) => v === null).length);
        if (c.values.kind === 'bytes') assert.equal(c.values.offsets[0], 0);
      }
    }
  });

  it('is a view of Arrow buffers when the types agree', () => {
    const d = makeArrowData('float64', [1, 2, null, 4]).slice(1, 3);
    const c = arrowDataToColumn(d, col('float64'));
    assert.equal(c.values.kind === 'fixed' && c.values.data.buffer, (d.values as Float64Array).buffer);
    const s = makeArrowData('string', ['ab', 'cd']);
    const cs = arrowDataToColumn(s, col('string'));
    assert.equal(cs.values.kind === 'bytes' && cs.values.data.buffer, (s.values as Uint8Array).buffer);
  });

  it('reads vectors built by apache-arrow itself, including dictionaries and multi-chunk ones', () => {
    const cases: Array<[JsValue[], arrow.DataType, DataType]> = [
      [[1, null, 3, -4, 5, 6, 7, 8, 9, 10], new arrow.Int32(), 'int32'],
      [[0.5, null, NaN, -0, 1e-310], new arrow.Float64(), 'float64'],
      [[true, null, false, true, true, false, true, false, true, null], new arrow.Bool(), 'bool'],
      [['x', null, 'ÿ', '', '🎉🎉'], new arrow.Utf8(), 'string'],
      [['b', 'a', null, 'b', 'c', 'a', 'a', null, 'c', 'b', 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), 'string'],
      [['b', 'a', null, 'b'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Uint8()), 'string'],
      [[3, 1, null, 3, 3], new arrow.Dictionary(new arrow.Int16(), new arrow.Int8()), 'int16'],
    ];
    for (const [values, type, ncf] of cases) {
      const vec = arrow.vectorFromArray(values, type);
      const chunked = vec.slice(0, 4).concat(vec.slice(4));
      for (const v of [vec, vec.slice(1), vec.slice(3, values.length - 1), chunked]) {
        const parts = v.data.map((d) => readAll(arrowDataToColumn(d, col(ncf))));
        assertJs(
          parts.flat(),
          Array.from(v, (x) => x as JsValue),
        );
      }
    }
  });

  it('decodes dictionaries whose entries are null and whose indexes are 64-bit', () => {
    const dict = arrow.makeVector(makeArrowData('string', ['p', null, 'q']));
    // Arrow's typings allow only 8–32-bit keys, but IPC files from other writers may hold 64-bit ones.
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int64() as never) as arrow.Dictionary;
    const validity = new Uint8Array([0b1011]);
    const d = arrow.makeData({
      type,
      data: BigInt64Array.from([2n, 0n, 99n, 1n]) as never,
      length: 4,
      nullBitmap: validity,
      dictionary: dict,
    });
    const c = arrowDataToColumn(d, col('string'));
    assertJs(readAll(c), ['q', 'p', null, null]);
    assert.equal(c.nullCount, 2);
    assert.equal(validity[0], 0b1011, 'the input bitmap was modified');
    const bad = arrow.makeData({ type, data: BigInt64Array.from([5n]) as never, length: 1, dictionary: dict });
    assert.throws(() => arrowDataToColumn(bad, col('string')), isErr('INPUT', /dictionary index 5 is outside the 3/));
  });

  it('converts 64-bit string and binary offsets, sliced', () => {
    const bytes = new TextEncoder().encode('abcdéfg');
    const offsets = BigInt64Array.from([0n, 1n, 3n, 3n, 6n, 8n]);
    const nullBitmap = new Uint8Array([0b11011]);
    const lu = arrow.makeData({ type: new arrow.LargeUtf8(), valueOffsets: offsets, data: bytes, nullBitmap });
    assertJs(readAll(arrowDataToColumn(lu, col('string'))), ['a', 'bc', null, 'dé', 'fg']);
    const sliced = lu.slice(1, 3);
    const c = arrowDataToColumn(sliced, col('string'));
    assertJs(readAll(c), ['bc', null, 'dé']);
    assert.equal(c.values.kind === 'bytes' && c.values.offsets[0], 0);
    const lb = arrow.makeData({ type: new arrow.LargeBinary(), valueOffsets: offsets, data: bytes });
    assertJs(readAll(arrowDataToColumn(lb.slice(3, 2), col('binary'))), [bytes.slice(3, 6), bytes.slice(6, 8)]);
    const huge = arrow.makeData({
      type: new arrow.LargeUtf8(),
      valueOffsets: BigInt64Array.from([0n, 2n ** 31n]),
      data: new Uint8Array(0),
    });
    assert.throws(() => arrowDataToColumn(huge, col('string')), isErr('LIMIT', /2147483648 bytes/));
  });

  it('converts Date64 to days only when whole', () => {
    const day = 86_400_000n;
    const d = arrow.makeData({
      type: new arrow.DateMillisecond(),
      data: BigInt64Array.from([0n, -3n * day, 7n, 19000n * day]),
      nullBitmap: new Uint8Array([0b1011]),
    });
    assertJs(readAll(arrowDataToColumn(d, col('date'))), [0, -3, null, 19000]);
    assertJs(readAll(arrowDataToColumn(d.slice(3, 1), col('date'))), [19000]);
    const partial = arrow.makeData({ type: new arrow.DateMillisecond(), data: BigInt64Array.from([day, day + 7n]) });
    assert.throws(
      () => arrowDataToColumn(partial, col('date')),
      isErr('SCHEMA', /row 1: Date64 value 86400007 ms is not a whole number of days/),
    );
    // A Date64 also fills a timestamp column, as milliseconds.
    assertJs(readAll(arrowDataToColumn(d, col('timestamp', { unit: 's' }))), [0n, -3n * 86400n, null, 19000n * 86400n]);
  });

  it('widens half floats to float32 exactly', () => {
    const halves = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x3555, 0x7e00]);
    const d = arrow.makeData({ type: new arrow.Float16(), data: halves });
    // 0x3555: exponent 13, mantissa 0x155 → (1 + 341/1024)·2^(13−15)
    const expected = [1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, Infinity, -Infinity, -0, (1 + 341 / 1024) / 4, NaN];
    assertJs(readAll(arrowDataToColumn(d, col('float32'))), expected);
    assertJs(readAll(arrowDataToColumn(d.slice(1, 2), col('float64'))), [-2, 2 ** -24]);
  });

  it('converts timestamp units only when exact', () => {
    const ts = (unit: arrow.TimeUnit, v: bigint[]) => arrow.makeData({ type: new arrow.Timestamp(unit), data: BigInt64Array.from(v) });
    assertJs(readAll(arrowDataToColumn(ts(arrow.TimeUnit.SECOND, [1n, -2n]), col('timestamp', { unit: 'us' }))), [1_000_000n, -2_000_000n]);
    assertJs(readAll(arrowDataToColumn(ts(arrow.TimeUnit.NANOSECOND, [5000n, -7000n]), col('timestamp', { unit: 'us' }))), [5n, -7n]);
    assert.throws(
      () => arrowDataToColumn(ts(arrow.TimeUnit.NANOSECOND, [5000n, 5001n]), col('timestamp', { unit: 'us' })),
      isErr('SCHEMA', /row 1: timestamp 5001 ns is not a whole number of us/),
    );
    assert.throws(
      () => arrowDataToColumn(ts(arrow.TimeUnit.SECOND, [2n ** 62n]), col('timestamp', { unit: 'ms' })),
      isErr('SCHEMA', /overflows int64/),
    );
    // A null slot holding an inexact value is not an error.
    const withNull = arrow.makeData({
      type: new arrow.Timestamp(arrow.TimeUnit.NANOSECOND),
      data: BigInt64Array.from([3n, 4000n]),
      nullBitmap: new Uint8Array([2]),
    });
    assertJs(readAll(arrowDataToColumn(withNull, col('timestamp', { unit: 'us' }))), [null, 4n]);
  });

  it('turns a Null column into nulls of the column type', () => {
    const d = arrow.makeData({ type: new arrow.Null(), length: 3 });
    const c = arrowDataToColumn(d, col('string'));
    assertJs(readAll(c), [null, null, null]);
  });

  it('converts between numeric types when every value fits, and refuses other types', () => {
    const f = makeArrowData('float64', [1, -2, null, 3e9]);
    assertJs(readAll(arrowDataToColumn(f.slice(0, 3), col('int32'))), [1, -2, null]);
    assertJs(readAll(arrowDataToColumn(f, col('int64'))), [1n, -2n, null, 3000000000n]);
    assert.throws(() => arrowDataToColumn(f, col('int32')), isErr('SCHEMA', /row 3: 3000000000 does not fit int32/));
    assert.throws(() => arrowDataToColumn(makeArrowData('float64', [0.5]), col('int8')), isErr('SCHEMA', /0.5 does not fit int8/));
    assertJs(readAll(arrowDataToColumn(makeArrowData('int8', [-1, 2]), col('float32'))), [-1, 2]);
    assert.throws(
      () => arrowDataToColumn(makeArrowData('string', ['1']), col('int32')),
      isErr('SCHEMA', /Arrow type Utf8 cannot be stored as int32/),
    );
    assert.throws(
      () => arrowDataToColumn(makeArrowData('binary', [new Uint8Array(1)]), col('string')),
      isErr('SCHEMA', /Binary cannot be stored as string/),
    );
    assertJs(readAll(arrowDataToColumn(makeArrowData('string', ['hi']), col('binary'))), [new Uint8Array([104, 105])]);
    assert.throws(() => arrowDataToColumn(makeArrowData('int32', [1]), col('date')), isErr('SCHEMA', /Int32 cannot be stored as date/));
  });

  it('property: random columns of every type, sliced, through the builder in pieces and back to Arrow', () => {
    for (const type of ALL_TYPES) {
      fc.assert(
        fc.property(
          columnArb(type, 120),
          fc.nat(),
          fc.nat(),
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.nat({ max: 4 }),
          (values, a, b, cuts, nullBytes) => {
            const start = a % (values.length + 1);
            const len = b % (values.length - start + 1);
            const d = makeArrowData(type, values, nullBytes).slice(start, len);
            const c = arrowDataToColumn(d, col(type));
            const builder = new ColumnBuilder(col(type), 1);
            const points = [0, ...cuts.map((x) => x % (len + 1)).sort((p, q) => p - q), len];
            for (let k = 1; k < points.length; k++) builder.append(c, points[k - 1]!, points[k]!);
            const out = columnToArrowData(col(type), builder.finish());
            const expected = values.slice(start, start + len);
            assertJs(readArrowAll(out), expected);
            assert.equal(out.nullCount, expected.filter((v) => v === null).length);
          },
        ),
        { numRuns: 80 },
      );
    }
  });
});

describe('columnsToRecordBatch', () => {
  it('round trips a multi-chunk Arrow table through toColumns and builders', () => {
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'value', type: 'float64', nullable: true },
      { name: 'name', type: 'string', nullable: true },
      { name: 'when', type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' },
      { name: 'day', type: 'date', nullable: true },
      { name: 'flag', type: 'bool', nullable: true },
    ];
    const schema = schemaToArrow(columns, 't');
    const batch = (from: number, n: number) => {
      const pick = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, k) => f(from + k));
      const data = [
        makeArrowData(
          'int64',
          pick((i) => BigInt(i) * 3_000_000_000_000n),
        ),
        makeArrowData(
          'float64',
          pick((i) => (i % 7 === 0 ? null : i % 5 === 0 ? NaN : i / 3)),
        ),
        makeArrowData(
          'string',
          pick((i) => (i % 4 === 0 ? null : `név ${i}`)),
          3,
        ),
        arrow.makeData({ type: schema.fields[3]!.type, data: BigInt64Array.from(pick((i) => BigInt(i) * 1_000_001n)) }),
        makeArrowData(
          'date',
          pick((i) => (i % 3 === 0 ? null : i - 50)),
        ),
        makeArrowData(
          'bool',
          pick((i) => (i % 6 === 0 ? null : i % 2 === 0)),
        ),
      ];
      return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, children: data }));
    };
    const table = new arrow.Table([batch(0, 13), batch(13, 1), batch(14, 0), batch(14, 29)]);
    const { length, columns: data } = toColumns(table, columns);
    assert.equal(length, 43);
    const builders = columns.map((c) => new ColumnBuilder(c));
    const rg = [0, 5, 17, 43];
    const batches: arrow.RecordBatch[] = [];
    for (let k = 1; k < rg.length; k++) {
      data.forEach((d, i) => builders[i]!.append(d, rg[k - 1]!, rg[k]!));
      batches.push(
        columnsToRecordBatch(
          schema,
          columns,
          builders.map((b) => b.finish()),
          rg[k]! - rg[k - 1]!,
        ),
      );
    }
    const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(batches)));
    assert.equal(back.numRows, table.numRows);
    for (let i = 0; i < columns.length; i++) {
      const want = table.getChildAt(i)!;
      const got = back.getChildAt(i)!;
      for (let r = 0; r < table.numRows; r++) {
        assert.ok(sameJs(got.get(r) as JsValue, want.get(r) as JsValue), `column ${columns[i]!.name} row ${r}`);
      }
    }
    assert.deepEqual(
      back.toArray().map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))),
      table.toArray().map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))),
    );
    // Raw 64-bit timestamps survive exactly (get() rounds them to milliseconds).
    assert.deepEqual(
      back.getChildAt(3)!.data.flatMap((d) => Array.from(d.values as BigInt64Array)),
      table.getChildAt(3)!.data.flatMap((d) => Array.from(d.values as BigInt64Array)),
    );
  });

  it('checks column counts and lengths', () => {
    const cols = [col('int32')];
    const schema = schemaToArrow(cols);
    assert.throws(() => columnsToRecordBatch(schema, cols, [makeColumn('int32', [1, 2])], 3), isErr('STATE', /2 rows, expected 3/));
    assert.throws(() => columnsToRecordBatch(schema, cols, [], 0), isErr('STATE', /one column per field/));
    const rb = columnsToRecordBatch(schema, cols, [makeColumn('int32', [])], 0);
    assert.equal(rb.numRows, 0);
    assert.equal(readColumn(makeColumn('int32', [4]), 0), 4);
  });
});
