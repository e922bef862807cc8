// Test-only reference semantics for filters: a straightforward row-at-a-time evaluator over plain
// JS values with SQL three-valued logic, and a serializer from a filter tree to PostgREST query
// parameters. Shares no code with src/format/filter.

import type { Filter } from '../../../src/format/filter/index.js';
import type { ColumnSchema } from '../../../src/format/schema.js';
import type { Cell } from './columns.js';

export type Truth = 'T' | 'F' | 'U';

const not3 = (t: Truth): Truth => (t === 'T' ? 'F' : t === 'F' ? 'T' : 'U');
const and3 = (a: Truth, b: Truth): Truth => (a === 'F' || b === 'F' ? 'F' : a === 'U' || b === 'U' ? 'U' : 'T');
const or3 = (a: Truth, b: Truth): Truth => (a === 'T' || b === 'T' ? 'T' : a === 'U' || b === 'U' ? 'U' : 'F');

/** Code points of a string, for code point order. */
const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);

function lexCompare(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

/** The typed value a JSON-form literal stands for in a column of `col`'s type (test conventions). */
export function literalValue(col: ColumnSchema, v: string | number | boolean): Cell {
  switch (col.type) {
    case 'int64':
    case 'uint64':
    case 'timestamp':
      return BigInt(v as string | number);
    case 'float32':
    case 'float64':
      return typeof v === 'string' ? Number(v) : (v as number);
    case 'binary':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    default:
      return v as Cell;
  }
}

/** Sign of a − b for two non-null values of one column; NaN handling is left to the caller. */
function order(a: Cell, b: Cell): number {
  if (typeof a === 'string') return lexCompare(codePoints(a), codePoints(b as string));
  if (a instanceof Uint8Array) return lexCompare(a, b as Uint8Array);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  const x = a as number | bigint,
    y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compare(a: Cell, op: string, b: Cell): boolean {
  if ((typeof a === 'number' && Number.isNaN(a)) || (typeof b === 'number' && Number.isNaN(b))) return op === 'neq';
  const c = order(a, b);
  switch (op) {
    case 'eq':
      return c === 0;
    case 'neq':
      return c !== 0;
    case 'gt':
      return c > 0;
    case 'gte':
      return c >= 0;
    case 'lt':
      return c < 0;
    default:
      return c <= 0;
  }
}

/** Simple lowercase per code point (one code point to one), as ILIKE is specified here. */
export function simpleLower(s: string): string {
  return Array.from(s, (c) => {
    const l = c.toLowerCase();
    return Array.from(l).length === 1 ? l : c;
  }).join('');
}

/** A LIKE pattern as a RegExp: * and % any run, _ one character, backslash escapes. */
export function likeRegExp(pattern: string, insensitive: boolean): RegExp {
  let src = '';
  const chars = Array.from(insensitive ? pattern : pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      src += escapeRe(insensitive ? simpleLower(chars[++i]!) : chars[++i]!);
      continue;
    }
    if (c === '*' || c === '%') src += '.*';
    else if (c === '_') src += '.';
    else src += escapeRe(insensitive ? simpleLower(c) : c);
  }
  return new RegExp(`^${src}$`, 'su');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Evaluates a filter (JSON form with the literal conventions above) on one row. */
export function refEval(f: Filter, schema: readonly ColumnSchema[], row: (name: string) => Cell): Truth {
  if ('and' in f) return f.and.map((c) => refEval(c, schema, row)).reduce(and3);
  if ('or' in f) return f.or.map((c) => refEval(c, schema, row)).reduce(or3);
  if ('not' in f) return not3(refEval(f.not, schema, row));
  const col = schema.find((c) => c.name === f.column)!;
  const v = row(f.column);
  switch (f.op) {
    case 'is':
      if (f.value === null) return v === null ? 'T' : 'F';
      if (f.value === 'not_null') return v !== null ? 'T' : 'F';
      return v === f.value ? 'T' : 'F';
    case 'in': {
      if (f.value.length === 0) return 'F';
      if (v === null) return 'U';
      if (f.value.some((x) => x !== null && compare(v, 'eq', literalValue(col, x)))) return 'T';
      return f.value.includes(null) ? 'U' : 'F';
    }
    case 'like':
    case 'ilike': {
      if (v === null) return 'U';
      const ci = f.op === 'ilike';
      return likeRegExp(f.value as string, ci).test(ci ? simpleLower(v as string) : (v as string)) ? 'T' : 'F';
    }
    default:
      if (v === null) return 'U';
      return compare(v, f.op, literalValue(col, f.value)) ? 'T' : 'F';
  }
}

/** Text of a JSON-form literal in the query-string form (dates as YYYY-MM-DD, timestamps in ms as ISO). */
function queryText(col: ColumnSchema, v: string | number | boolean): string {
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  if (col.type === 'date' && typeof v === 'number') return new Date(v * 86_400_000).toISOString().slice(0, 10);
  if (col.type === 'timestamp' && col.unit === 'ms') return new Date(Number(v)).toISOString();
  return String(v);
}

const quoteQ = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/** PostgREST query parameters for a filter (in lists must not hold null: the query form has no NULL). */
export function toQuery(f: Filter, schema: readonly ColumnSchema[]): Array<[string, string]> {
  if ('and' in f) return f.and.flatMap((c) => toQuery(c, schema));
  if ('or' in f) return [['or', `(${f.or.map((c) => inGroup(c, schema)).join(',')})`]];
  if ('not' in f) {
    const inner = f.not;
    if ('and' in inner || 'or' in inner) return [['not.' + ('and' in inner ? 'and' : 'or'), groupBody(inner, schema)]];
    if ('not' in inner) return [['not.and', `(${inGroup(inner, schema)})`]];
    return [[inner.column, `not.${leafText(inner, schema, false)}`]];
  }
  return [[f.column, leafText(f, schema, false)]];
}

function groupBody(f: Filter, schema: readonly ColumnSchema[]): string {
  const children = 'and' in f ? f.and : (f as { or: Filter[] }).or;
  return `(${children.map((c) => inGroup(c, schema)).join(',')})`;
}

function inGroup(f: Filter, schema: readonly ColumnSchema[]): string {
  if ('and' in f) return `and${groupBody(f, schema)}`;
  if ('or' in f) return `or${groupBody(f, schema)}`;
  if ('not' in f) {
    const inner = f.not;
    if ('and' in inner) return `not.and${groupBody(inner, schema)}`;
    if ('or' in inner) return `not.or${groupBody(inner, schema)}`;
    if ('not' in inner) return `not.and(${inGroup(inner, schema)})`;
    return `${quoteQ(inner.column)}.not.${leafText(inner, schema, true)}`;
  }
  return `${quoteQ(f.column)}.${leafText(f, schema, true)}`;
}

function leafText(f: Extract<Filter, { column: string }>, schema: readonly ColumnSchema[], quoted: boolean): string {
  const col = schema.find((c) => c.name === f.column)!;
  switch (f.op) {
    case 'is':
      return `is.${f.value === null ? 'null' : String(f.value)}`;
    case 'in':
      return `in.(${f.value.map((v) => quoteQ(queryText(col, v as string | number | boolean))).join(',')})`;
    default: {
      const text = queryText(col, f.value);
      return `${f.op}.${quoted ? quoteQ(text) : text}`;
    }
  }
}
