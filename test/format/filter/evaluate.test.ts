import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindFilter, evaluate, parseFilterJson, parseQueryFilters, parseWhereArg, type Filter } from '../../../src/format/filter/index.js';
import type { ColumnSchema, DataType } from '../../../src/format/schema.js';
import { type Cell, column } from './columns.js';
import { refEval, toQuery } from './reference.js';

/** Row indexes selected by `where` on a table given column by column. */
function select(where: string | Filter, table: Record<string, { type: DataType; cells: Cell[]; unit?: 's' | 'ms' }>): number[] {
  const names = Object.keys(table);
  const schema: ColumnSchema[] = names.map((name) => ({
    name,
    type: table[name]!.type,
    nullable: true,
    ...(table[name]!.unit ? { unit: table[name]!.unit } : {}),
  }));
  const cols = names.map((name) => column(table[name]!.type, table[name]!.cells));
  const n = table[names[0]!]!.cells.length;
  const bound = bindFilter(typeof where === 'string' ? parseWhereArg(where) : where, schema);
  return Array.from(evaluate(bound, (i) => cols[i]!, n));
}

describe('evaluate: floats follow IEEE (FORMAT.md §7)', () => {
  const t = { x: { type: 'float64' as DataType, cells: [NaN, -0, 0, 1, -Infinity, Infinity, null, 0.5] } };
  const cases: Array<[string, number[]]> = [
    ['x=eq.0', [1, 2]],
    ['x=eq.-0', [1, 2]],
    ['x=neq.0', [0, 3, 4, 5, 7]],
    ['x=gt.0', [3, 5, 7]],
    ['x=gte.0', [1, 2, 3, 5, 7]],
    ['x=lt.0', [4]],
    ['x=lte.-0', [1, 2, 4]],
    ['x=eq.NaN', []],
    ['x=gt.NaN', []],
    ['x=neq.NaN', [0, 1, 2, 3, 4, 5, 7]],
    ['x=eq.Infinity', [5]],
    ['x=lt.-Infinity', []],
    ['x=in.(0,NaN,Infinity)', [1, 2, 5]],
    ['x=not.in.(0,NaN)', [0, 3, 4, 5, 7]],
    ['x=not.eq.0', [0, 3, 4, 5, 7]],
    ['x=not.gt.0', [0, 1, 2, 4]],
    ['x=is.null', [6]],
    ['x=is.not_null', [0, 1, 2, 3, 4, 5, 7]],
    ['x=not.is.null', [0, 1, 2, 3, 4, 5, 7]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));

  it('float32 literals round to float32 like the stored values', () => {
    const f = { x: { type: 'float32' as DataType, cells: [Math.fround(0.1), 0.25, Math.fround(0.3), NaN, null] } };
    assert.deepEqual(select('x=eq.0.1', f), [0]);
    assert.deepEqual(select('x=gt.0.1', f), [1, 2]);
    assert.deepEqual(select('x=lte.0.3', f), [0, 1, 2]);
    assert.deepEqual(select('x=in.(0.3,0.1)', f), [0, 2]);
  });
});

describe('evaluate: 64-bit integers compare exactly at the extremes', () => {
  const MIN = -(2n ** 63n),
    MAX = 2n ** 63n - 1n;
  const t = { x: { type: 'int64' as DataType, cells: [MIN, -1n, 0n, 1n, 2n ** 32n - 1n, 2n ** 32n, MAX, null, -(2n ** 32n)] } };
  const cases: Array<[string, number[]]> = [
    ['x=gt.-1', [2, 3, 4, 5, 6]],
    ['x=lt.-9223372036854775807', [0]],
    ['x=lte.-9223372036854775808', [0]],
    ['x=eq.4294967296', [5]],
    ['x=eq.4294967295', [4]],
    ['x=gte.4294967295', [4, 5, 6]],
    ['x=lt.-4294967295', [0, 8]],
    ['x=neq.0', [0, 1, 3, 4, 5, 6, 8]],
    ['x=gte.9223372036854775807', [6]],
    ['x=in.(9223372036854775807,-9223372036854775808,-4294967296,5)', [0, 6, 8]],
    ['x=not.in.(0,-1)', [0, 3, 4, 5, 6, 8]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));

  it('uint64 compares unsigned', () => {
    const u = { x: { type: 'uint64' as DataType, cells: [0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, null] } };
    assert.deepEqual(select('x=gt.9223372036854775807', u), [3, 4]);
    assert.deepEqual(select('x=lt.4294967296', u), [0, 1]);
    assert.deepEqual(select('x=eq.18446744073709551615', u), [4]);
    assert.deepEqual(select('x=in.(18446744073709551615,1,9223372036854775808)', u), [1, 3, 4]);
  });

  it('timestamps compare in the column unit, with literals between units exact', () => {
    const base = BigInt(Date.UTC(2024, 0, 1, 10) / 1000);
    const ts = { t: { type: 'timestamp' as DataType, unit: 's' as const, cells: [base - 1n, base, base + 1n, null] } };
    assert.deepEqual(select('t=eq.2024-01-01T10:00:00Z', ts), [1]);
    assert.deepEqual(select('t=gte.2024-01-01T11:00:00+01:00', ts), [1, 2]);
    assert.deepEqual(select('t=eq.2024-01-01T10:00:00.5Z', ts), []);
    assert.deepEqual(select('t=neq.2024-01-01T10:00:00.5Z', ts), [0, 1, 2]);
    assert.deepEqual(select('t=gt.2024-01-01T10:00:00.5Z', ts), [2]);
    assert.deepEqual(select('t=gte.2024-01-01T10:00:00.5Z', ts), [2]);
    assert.deepEqual(select('t=lt.2024-01-01T10:00:00.5Z', ts), [0, 1]);
    assert.deepEqual(select('t=lte.2024-01-01T09:59:59.5Z', ts), [0]);
    assert.deepEqual(select('t=not.eq.2024-01-01T10:00:00.5Z', ts), [0, 1, 2]);
    assert.deepEqual(select('t=in.(2024-01-01T10:00:00.5Z)', ts), []);
  });
});

describe('evaluate: strings compare as UTF-8 bytes (code point order)', () => {
  // U+FF61 sorts before U+1F600 by code point but after it in UTF-16.
  const cells: Cell[] = ['a', 'b', 'B', 'é', 'z', '日本', '😀', '', null, 'ab', '｡'];
  const t = { s: { type: 'string' as DataType, cells } };
  const cases: Array<[string, number[]]> = [
    ['s=eq.', [7]],
    ['s=eq.日本', [5]],
    ['s=gt.｡', [6]],
    ['s=lt.a', [2, 7]],
    ['s=gte.z', [3, 4, 5, 6, 10]],
    ['s=lte.ab', [0, 2, 7, 9]],
    ['s=neq.a', [1, 2, 3, 4, 5, 6, 7, 9, 10]],
    ['s=in.(😀,"",a,zz)', [0, 6, 7]],
    ['s=not.in.(😀,"",a)', [1, 2, 3, 4, 5, 9, 10]],
    ['s=is.null', [8]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));

  it('binary columns compare bytes', () => {
    const b = {
      b: {
        type: 'binary' as DataType,
        cells: [new Uint8Array([0]), new Uint8Array([255]), new Uint8Array([]), new Uint8Array([0, 1]), null],
      },
    };
    assert.deepEqual(select('b=eq.AA==', b), [0]);
    assert.deepEqual(select('b=gt.AA', b), [1, 3]);
    assert.deepEqual(select('b=lt.\\x01', b), [0, 2, 3]);
    assert.deepEqual(select('b=in.(,/w==)', b), [1, 2]);
  });
});

describe('evaluate: like and ilike', () => {
  const cells: Cell[] = ['Straße', 'STRASSE', 'ÉCOLE', 'école', 'abc', 'a%c', 'a_c', 'xabcx', '', null, 'a😀c', 'ΣΑΣ'];
  const t = { s: { type: 'string' as DataType, cells } };
  const cases: Array<[string, number[]]> = [
    ['s=like.a*', [4, 5, 6, 10]],
    ['s=like.a%', [4, 5, 6, 10]],
    ['s=like.*b*', [4, 7]],
    ['s=like.a\\%c', [5]],
    ['s=like.a\\_c', [6]],
    ['s=like.a_c', [4, 5, 6, 10]],
    ['s=like.*', [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]],
    ['s=like.', [8]],
    ['s=like.abc', [4]],
    ['s=like.ABC', []],
    ['s=like.*c', [4, 5, 6, 10]],
    ['s=like.x*x', [7]],
    ['s=like._', []],
    ['s=like.___', [4, 5, 6, 10, 11]],
    ['s=ilike.école', [2, 3]],
    ['s=ilike.*SSE', [1]],
    ['s=ilike.straße', [0]],
    ['s=ilike.A_C', [4, 5, 6, 10]],
    ['s=ilike.σ*', [11]],
    ['s=not.like.a*', [0, 1, 2, 3, 7, 8, 11]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));
});

describe('evaluate: bool', () => {
  const t = { b: { type: 'bool' as DataType, cells: [true, false, null, true, false] } };
  const cases: Array<[string, number[]]> = [
    ['b=eq.true', [0, 3]],
    ['b=neq.true', [1, 4]],
    ['b=gt.false', [0, 3]],
    ['b=lt.true', [1, 4]],
    ['b=gte.false', [0, 1, 3, 4]],
    ['b=lte.false', [1, 4]],
    ['b=is.true', [0, 3]],
    ['b=is.false', [1, 4]],
    ['b=not.is.true', [1, 2, 4]],
    ['b=in.(true)', [0, 3]],
    ['b=in.(false,true)', [0, 1, 3, 4]],
    ['b=is.null', [2]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));
});

describe('evaluate: three-valued logic', () => {
  const t = {
    a: { type: 'int32' as DataType, cells: [1, 1, null, null, 2, 2] },
    b: { type: 'int32' as DataType, cells: [1, 2, 1, 2, 1, null] },
  };
  const cases: Array<[string, number[]]> = [
    // row:            0: (1,1) 1: (1,2) 2: (∅,1) 3: (∅,2) 4: (2,1) 5: (2,∅)
    ['or=(a.eq.1,b.eq.1)', [0, 1, 2, 4]],
    ['not.or=(a.eq.1,b.eq.1)', []], // row 3 is UNKNOWN, row 5 is UNKNOWN
    ['and=(a.eq.1,b.eq.1)', [0]],
    ['not.and=(a.eq.1,b.eq.1)', [1, 3, 4, 5]], // AND(UNKNOWN, FALSE) = FALSE, so NOT is TRUE
    ['a=not.eq.1', [4, 5]],
    ['a=not.in.(2)', [0, 1]],
    ['or=(a.is.null,b.is.null)', [2, 3, 5]],
    // row 2: OR(UNKNOWN, NOT AND(TRUE, FALSE)) = OR(UNKNOWN, TRUE) = TRUE
    ['or=(a.gt.1,not.and(b.eq.1,a.is.not_null))', [1, 2, 3, 4, 5]],
  ];
  for (const [where, want] of cases) it(where, () => assert.deepEqual(select(where, t), want));

  it('the query form has no NULL in lists: "null" is text, as in PostgREST', () => {
    assert.throws(() => select('a=in.(1,null)', t), { code: 'FILTER', message: /"null" is not an integer/ });
    assert.deepEqual(select('s=in.(null)', { s: { type: 'string', cells: ['null', null] } }), [0]);
  });

  it('in lists with NULL are never FALSE for non-members (JSON form)', () => {
    assert.deepEqual(select({ column: 'a', op: 'in', value: [1, null] }, t), [0, 1]);
    assert.deepEqual(select({ not: { column: 'a', op: 'in', value: [1, null] } }, t), []);
    assert.deepEqual(select({ not: { column: 'a', op: 'in', value: [null] } }, t), []);
    assert.deepEqual(select({ column: 'a', op: 'in', value: [] }, t), []);
    assert.deepEqual(select({ not: { column: 'a', op: 'in', value: [] } }, t), [0, 1, 2, 3, 4, 5]);
  });
});

describe('evaluate: every operator on every type agrees with the reference', () => {
  const domains: Record<DataType, Cell[]> = {
    int8: [-128, -1, 0, 1, 127],
    int16: [-32768, 0, 5, 32767],
    int32: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1],
    int64: [-(2n ** 63n), -(2n ** 32n), -1n, 0n, 2n ** 32n - 1n, 2n ** 63n - 1n],
    uint8: [0, 1, 255],
    uint16: [0, 300, 65535],
    uint32: [0, 1, 2 ** 31, 2 ** 32 - 1],
    uint64: [0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n],
    float32: [NaN, -0, 0, 1.5, -Infinity, Infinity, Math.fround(0.1)],
    float64: [NaN, -0, 0, 0.1, -1e300, Infinity],
    bool: [false, true],
    string: ['', 'a', 'ab', 'B', 'é', '日本', '😀'],
    binary: [new Uint8Array([]), new Uint8Array([0]), new Uint8Array([0, 255]), new Uint8Array([7])],
    date: [-719162, -1, 0, 19723],
    timestamp: [-(2n ** 50n), -1n, 0n, 1n, 1704067200000n],
  };
  /** The JSON-form literal for a domain value (test conventions of reference.ts). */
  const literal = (type: DataType, v: Cell): string | number | boolean => {
    if (typeof v === 'bigint') return type === 'timestamp' ? Number(v) : String(v);
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v as string | number | boolean;
  };
  for (const type of Object.keys(domains) as DataType[]) {
    it(type, () => {
      const cells = [...domains[type], null, ...domains[type].slice().reverse()];
      const schema: ColumnSchema[] = [{ name: 'c', type, nullable: true, ...(type === 'timestamp' ? { unit: 'ms' as const } : {}) }];
      const col = column(type, cells);
      for (const v of domains[type]) {
        const lit = literal(type, v);
        const ops = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
        const filters: Filter[] = [
          ...ops.map((op): Filter => ({ column: 'c', op, value: lit })),
          ...ops.map((op): Filter => ({ not: { column: 'c', op, value: lit } })),
          { column: 'c', op: 'in', value: [lit, literal(type, domains[type][0]!)] },
          { column: 'c', op: 'in', value: [lit, null] },
          { column: 'c', op: 'is', value: null },
          { column: 'c', op: 'is', value: 'not_null' },
        ];
        if (type === 'string')
          filters.push({ column: 'c', op: 'like', value: `${v as string}*` }, { column: 'c', op: 'ilike', value: `*${v as string}` });
        if (type === 'bool')
          filters.push({ column: 'c', op: 'is', value: v as boolean }, { not: { column: 'c', op: 'is', value: v as boolean } });
        for (const f of filters) {
          const want = cells.flatMap((_, i) => (refEval(f, schema, () => cells[i]!) === 'T' ? [i] : []));
          const got = Array.from(evaluate(bindFilter(parseFilterJson(f), schema), () => col, cells.length));
          assert.deepEqual(got, want, `${type}: ${JSON.stringify(f)}`);
          if (JSON.stringify(f).includes('null]')) continue; // the query form has no NULL in lists
          const viaQuery = parseQueryFilters(toQuery(f, schema))!;
          assert.deepEqual(
            Array.from(evaluate(bindFilter(viaQuery, schema), () => col, cells.length)),
            want,
            `${type}: query ${JSON.stringify(toQuery(f, schema))}`,
          );
        }
      }
    });
  }
});

describe('evaluate: layout and edge cases', () => {
  it('handles more than one validity byte and a ragged tail', () => {
    const cells = Array.from({ length: 21 }, (_, i): Cell => (i % 3 === 0 ? null : i));
    const want = cells.flatMap((c, i) => (c !== null && (c as number) > 10 ? [i] : []));
    assert.deepEqual(select('x=gt.10', { x: { type: 'int32', cells } }), want);
    assert.deepEqual(select('x=is.null', { x: { type: 'int32', cells } }), [0, 3, 6, 9, 12, 15, 18]);
  });

  it('returns an empty selection for zero rows', () => {
    assert.deepEqual(select('x=gt.1', { x: { type: 'int32', cells: [] } }), []);
  });

  it('rejects column data that does not fit the bound column', () => {
    const schema: ColumnSchema[] = [{ name: 'x', type: 'int32', nullable: true }];
    const bound = bindFilter(parseWhereArg('x=gt.1'), schema);
    assert.throws(() => evaluate(bound, () => column('int32', [1, 2]), 3), { code: 'STATE', message: /has 2 rows; expected 3/ });
    assert.throws(() => evaluate(bound, () => column('int64', [1n]), 1), {
      code: 'STATE',
      message: /does not hold 32-bit or float values/,
    });
    assert.throws(() => evaluate(bound, () => undefined as never, 1), { code: 'STATE', message: /was not provided/ });
  });

  it('reads only the columns it is given by index', () => {
    const schema: ColumnSchema[] = [
      { name: 'a', type: 'int32', nullable: true },
      { name: 'b', type: 'string', nullable: true },
    ];
    const bound = bindFilter(parseWhereArg('b=eq.x'), schema);
    const asked: number[] = [];
    const cols = [column('int32', [1, 2]), column('string', ['x', 'y'])];
    assert.deepEqual(
      Array.from(
        evaluate(
          bound,
          (i) => {
            asked.push(i);
            return cols[i]!;
          },
          2,
        ),
      ),
      [0],
    );
    assert.deepEqual(asked, [1]);
  });
});
