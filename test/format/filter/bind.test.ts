import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindFilter, filterColumnIndexes, parseWhereArg, type BoundFilter, type Filter } from '../../../src/format/filter/index.js';
import { NCFError } from '../../../src/format/errors.js';
import type { ColumnSchema, DataType } from '../../../src/format/schema.js';

const TYPES: DataType[] = [
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'bool',
  'string',
  'binary',
  'date',
  'timestamp',
];
const schema: ColumnSchema[] = [
  ...TYPES.map((type): ColumnSchema => ({ name: type, type, nullable: true })),
  { name: 'ts_s', type: 'timestamp', nullable: true, unit: 's' },
  { name: 'ts_ms', type: 'timestamp', nullable: true, unit: 'ms' },
  { name: 'ts_ns', type: 'timestamp', nullable: true, unit: 'ns', timezone: 'Europe/Paris' },
  { name: 'my col', type: 'int32', nullable: true },
];

const bind = (f: Filter | string): BoundFilter => bindFilter(typeof f === 'string' ? parseWhereArg(f) : f, schema);
/** The literal a single comparison binds to. */
const lit = (where: string | Filter): unknown => {
  const b = bind(where);
  assert.equal(b.kind, 'compare');
  return (b as { value: unknown }).value;
};

function bindFails(f: Filter | string, message: string, code = 'FILTER'): void {
  assert.throws(
    () => bind(f),
    (e: unknown) => {
      assert.ok(e instanceof NCFError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    },
  );
}

describe('bindFilter: columns', () => {
  it('resolves names to indexes, including names with spaces', () => {
    const b = bind({
      and: [
        { column: 'my col', op: 'eq', value: 1 },
        { column: 'int8', op: 'is', value: null },
      ],
    });
    assert.deepEqual(filterColumnIndexes(b), [0, 18]);
    assert.deepEqual(filterColumnIndexes(bind('or=(string.eq.a,int8.gt.1,string.lt.b)')), [0, 11]);
  });

  it('reports an unknown column with the closest name', () => {
    bindFails('flaot64=eq.1', 'ncf: filter: unknown column "flaot64"; did you mean "float64"?', 'UNKNOWN_COLUMN');
    bindFails('STRING=eq.1', 'ncf: filter: unknown column "STRING"; did you mean "string"?', 'UNKNOWN_COLUMN');
    bindFails('mycol=eq.1', 'ncf: filter: unknown column "mycol"; did you mean "my col"?', 'UNKNOWN_COLUMN');
    assert.throws(
      () => bind('zzzzzz=eq.1'),
      (e: NCFError) =>
        e.code === 'UNKNOWN_COLUMN' &&
        e.details.column === 'zzzzzz' &&
        e.message.startsWith('ncf: filter: unknown column "zzzzzz"; the table has "int8", "int16"'),
    );
  });

  it('checks limits and shapes of hand-built trees', () => {
    let deep: Filter = { column: 'int8', op: 'eq', value: 1 };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    assert.throws(() => bind(deep), { code: 'FILTER', message: /nests deeper than 32 levels/ });
    assert.throws(() => bind({ and: [] }), { code: 'FILTER', message: /non-empty array/ });
    assert.throws(() => bind({ column: 'int8', op: 'in', value: new Array(10_001).fill(1) }), {
      code: 'FILTER',
      message: /limit is 10000/,
    });
    assert.throws(() => bind({ column: 'int8', op: 'zz', value: 1 } as never), { code: 'FILTER', message: /unknown operator "zz"/ });
    assert.throws(() => bind({ column: 'int8', op: 'eq', value: null } as never), { code: 'FILTER', message: /use "is" to test for null/ });
    assert.throws(() => bind(5 as never), { code: 'FILTER', message: /expected an object/ });
  });
});

describe('bindFilter: literals', () => {
  it('integers: range-checked, no fractions, blanks allowed, 64-bit as BigInt', () => {
    assert.equal(lit('int8=eq.-128'), -128);
    assert.equal(lit('int8=eq. 127 '), 127);
    assert.equal(lit('uint32=eq.4294967295'), 4294967295);
    assert.equal(lit({ column: 'int16', op: 'eq', value: -32768 }), -32768);
    assert.ok(Object.is(lit('int32=eq.-0'), 0));
    assert.equal(lit('int64=eq.-9223372036854775808'), -(2n ** 63n));
    assert.equal(lit('uint64=eq.18446744073709551615'), 2n ** 64n - 1n);
    assert.equal(lit({ column: 'int64', op: 'eq', value: 2 ** 53 - 1 }), 2n ** 53n - 1n);
    bindFails('int8=eq.128', 'ncf: filter: column "int8" is int8; "128" is out of range [-128, 127]');
    bindFails('uint8=eq.-1', 'ncf: filter: column "uint8" is uint8; "-1" is out of range [0, 255]');
    bindFails('int32=gt.abc', 'ncf: filter: column "int32" is int32; "abc" is not an integer');
    bindFails('int32=gt.1.5', 'ncf: filter: column "int32" is int32; "1.5" is not an integer');
    bindFails('int32=gt.1e3', 'ncf: filter: column "int32" is int32; "1e3" is not an integer');
    bindFails('int32=gt.', 'ncf: filter: column "int32" is int32; "" is not an integer');
    bindFails({ column: 'int32', op: 'eq', value: 1.5 }, 'ncf: filter: column "int32" is int32; 1.5 is not an integer');
    bindFails({ column: 'int32', op: 'eq', value: true }, 'ncf: filter: column "int32" is int32; true is not an integer');
    bindFails(
      'int64=eq.9223372036854775808',
      'ncf: filter: column "int64" is int64; "9223372036854775808" is out of range [-9223372036854775808, 9223372036854775807]',
    );
    bindFails('uint64=eq.-1', 'ncf: filter: column "uint64" is uint64; "-1" is out of range [0, 18446744073709551615]');
    bindFails(
      { column: 'int64', op: 'eq', value: 2 ** 60 },
      'ncf: filter: column "int64" is int64; 1152921504606847000 is not exact as a JSON number; pass 64-bit integers beyond ±2^53 as strings',
    );
  });

  it('floats: decimal, exponent, NaN and infinities; float32 rounds and rejects overflow', () => {
    assert.equal(lit('float64=eq.1e-3'), 0.001);
    assert.equal(lit('float64=eq.-.5'), -0.5);
    assert.ok(Number.isNaN(lit('float64=eq.NaN') as number));
    assert.equal(lit('float64=eq.-Infinity'), -Infinity);
    assert.equal(lit('float64=eq.inf'), Infinity);
    assert.ok(Object.is(lit('float64=eq.-0'), -0));
    assert.equal(lit('float32=eq.0.1'), Math.fround(0.1));
    assert.equal(lit({ column: 'float32', op: 'eq', value: 0.1 }), Math.fround(0.1));
    bindFails('float64=eq.1e400', 'ncf: filter: column "float64" is float64; "1e400" is out of range for float64');
    bindFails('float32=eq.1e39', 'ncf: filter: column "float32" is float32; "1e39" is out of range for float32');
    bindFails('float64=eq.0x10', 'ncf: filter: column "float64" is float64; "0x10" is not a number');
    bindFails('float64=eq.abc', 'ncf: filter: column "float64" is float64; "abc" is not a number');
  });

  it('bool, string, binary', () => {
    assert.equal(lit('bool=eq.true'), true);
    assert.equal(lit('bool=eq.F'), false);
    assert.equal(lit({ column: 'bool', op: 'eq', value: false }), false);
    bindFails('bool=eq.maybe', 'ncf: filter: column "bool" is bool; "maybe" is not a boolean (expected true or false)');
    bindFails('bool=eq.constructor', 'ncf: filter: column "bool" is bool; "constructor" is not a boolean (expected true or false)');
    assert.deepEqual(lit('string=eq.日本 é😀'), new Uint8Array(Buffer.from('日本 é😀', 'utf8')));
    bindFails({ column: 'string', op: 'eq', value: 5 }, 'ncf: filter: column "string" is string; 5 is not a string');
    const bytes = new Uint8Array([0, 1, 250, 251, 255, 62, 63]);
    assert.deepEqual(lit(`binary=eq.${Buffer.from(bytes).toString('base64')}`), bytes);
    assert.deepEqual(lit(`binary=eq.${Buffer.from(bytes).toString('base64url')}`), bytes);
    assert.deepEqual(lit('binary=eq.\\x00ff10'), new Uint8Array([0, 255, 16]));
    assert.deepEqual(lit('binary=eq.'), new Uint8Array(0));
    bindFails('binary=eq.a', 'ncf: filter: column "binary" is binary; "a" is not base64 (or \\x-prefixed hex)');
    bindFails('binary=eq.ab$=', 'ncf: filter: column "binary" is binary; "ab$=" is not base64 (or \\x-prefixed hex)');
  });

  it('dates: YYYY-MM-DD to days since the epoch, validated', () => {
    const days = (y: number, m: number, d: number): number => {
      const t = new Date(0);
      t.setUTCFullYear(y, m - 1, d);
      return Math.round(t.getTime() / 86_400_000);
    };
    assert.equal(lit('date=eq.1970-01-01'), 0);
    assert.equal(lit('date=eq.2024-02-29'), days(2024, 2, 29));
    assert.equal(lit('date=eq.1969-12-31'), -1);
    assert.equal(lit('date=eq.0001-01-01'), days(1, 1, 1));
    assert.equal(lit('date=eq.-0001-03-01'), days(-1, 3, 1));
    assert.equal(lit({ column: 'date', op: 'eq', value: 19000 }), 19000);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-00-10', '2024-1-1', '2024-01-01T00:00', 'today']) {
      bindFails(`date=eq.${bad}`, `ncf: filter: column "date" is date; "${bad}" is not a date (expected YYYY-MM-DD)`);
    }
  });

  it('timestamps: ISO 8601 with optional zone, to the column unit; zone-less is UTC', () => {
    const ms = Date.UTC(2024, 0, 2, 3, 4, 5);
    assert.equal(lit('timestamp=eq.2024-01-02T03:04:05Z'), BigInt(ms) * 1000n);
    assert.equal(lit('timestamp=eq.2024-01-02 03:04:05'), BigInt(ms) * 1000n);
    assert.equal(lit('timestamp=eq.2024-01-02T03:04:05.123456'), BigInt(ms) * 1000n + 123456n);
    assert.equal(lit('timestamp=eq.2024-01-02T05:04:05+02:00'), BigInt(ms) * 1000n);
    assert.equal(lit('timestamp=eq.2024-01-02T05:04:05 0200'), BigInt(ms) * 1000n); // "+" decoded to a space
    assert.equal(lit('timestamp=eq.2024-01-01T22:04:05-05'), BigInt(ms) * 1000n);
    assert.equal(lit('timestamp=eq.2024-01-02T03:04'), BigInt(Date.UTC(2024, 0, 2, 3, 4)) * 1000n);
    assert.equal(lit('timestamp=eq.2024-01-02'), BigInt(Date.UTC(2024, 0, 2)) * 1000n);
    assert.equal(lit('ts_s=eq.1969-12-31T23:59:59Z'), -1n);
    assert.equal(lit('ts_ms=eq.2024-01-02T03:04:05.5Z'), BigInt(ms) + 500n);
    assert.equal(lit('ts_ns=eq.2024-01-02T03:04:05.000000001Z'), BigInt(ms) * 1_000_000n + 1n);
    assert.equal(lit({ column: 'ts_ms', op: 'eq', value: 12345 }), 12345n);
    assert.equal(lit('ts_ns=eq.2262-04-11T23:47:16.854775807Z'), 2n ** 63n - 1n);
    bindFails(
      'ts_ns=eq.2262-04-11T23:47:16.854775808Z',
      'ncf: filter: column "ts_ns" is timestamp; "2262-04-11T23:47:16.854775808Z" is out of range for a timestamp in ns',
    );
    for (const bad of ['2024-01-02T25:00', '2024-01-02T03:04:05+2', '2024-01-02X', 'yesterday', '2024-01-02T03:04:05.1234567890']) {
      assert.throws(() => bind(`timestamp=eq.${bad}`), { code: 'FILTER', message: /is not an ISO 8601 timestamp/ }, bad);
    }
  });

  it('a timestamp literal finer than the unit compares exactly (no rounding)', () => {
    // 10:00:00.5 on a seconds column: no value equals it; > and >= mean > 10:00:00; < and <= mean <= 10:00:00.
    const t = BigInt(Date.UTC(2024, 0, 1, 10) / 1000);
    const at = '2024-01-01T10:00:00.5Z';
    assert.deepEqual(bind(`ts_s=eq.${at}`), { kind: 'const', column: 15, type: 'timestamp', whenValid: 0, whenNull: 1 });
    assert.deepEqual(bind(`ts_s=neq.${at}`), { kind: 'const', column: 15, type: 'timestamp', whenValid: 2, whenNull: 1 });
    for (const [op, want] of [
      ['gt', 'gt'],
      ['gte', 'gt'],
      ['lt', 'lte'],
      ['lte', 'lte'],
    ]) {
      assert.deepEqual(bind(`ts_s=${op}.${at}`), { kind: 'compare', column: 15, type: 'timestamp', op: want, value: t });
    }
    const b = bind(`ts_s=in.(${at},2024-01-01T10:00:00Z)`) as { values: unknown[] };
    assert.deepEqual(b.values, [t]);
  });

  it('in lists are coerced, deduplicated and sorted; null is remembered; NaN dropped; empty is false', () => {
    const b = bind({ column: 'int32', op: 'in', value: ['3', 1, null, 3, '-2'] }) as { values: unknown[]; hasNull: boolean };
    assert.deepEqual(b.values, [-2, 1, 3]);
    assert.equal(b.hasNull, true);
    const f = bind('float64=in.(NaN,-0,0,1)') as { values: number[]; hasNull: boolean };
    assert.deepEqual(f.values, [0, 1]);
    assert.equal(f.hasNull, false);
    const s = bind('string=in.(b,a,"",b)') as { values: Uint8Array[] };
    assert.deepEqual(
      s.values.map((v) => Buffer.from(v).toString()),
      ['', 'a', 'b'],
    );
    assert.deepEqual(bind('int8=in.()'), { kind: 'const', column: 0, type: 'int8', whenValid: 0, whenNull: 0 });
    bindFails('int8=in.(1,x)', 'ncf: filter: column "int8" is int8; "x" is not an integer');
    assert.throws(() => bind({ column: 'int8', op: 'in', value: [1, {}] } as never), { code: 'FILTER', message: /not an object/ });
  });

  it('like needs a string column and a well-formed pattern; is.true needs a bool column', () => {
    bindFails('int32=like.1*', 'ncf: filter on column "int32": operator "like" needs a string column; this column is int32');
    bindFails('binary=ilike.a*', 'ncf: filter on column "binary": operator "ilike" needs a string column; this column is binary');
    bindFails('string=like.abc\\', 'ncf: filter on column "string": a like pattern must not end with an escaping backslash: "abc\\\\"');
    bindFails('int32=is.true', 'ncf: filter on column "int32": "is.true" needs a bool column; this column is int32');
    assert.equal(bind('bool=is.false').kind, 'is');
    assert.equal(bind('int32=is.not_null').kind, 'is');
  });
});
