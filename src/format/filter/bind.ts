// Binding: resolves a filter tree against a table's columns. Column names become indexes, literals
// become typed values of the column's type (literal.ts), like patterns are compiled and in lists are
// sorted for binary search, so evaluation and pruning never look at names or text again.

import type { ColumnSchema, DataType } from '../schema.js';
import { NCFError } from '../errors.js';
import { type CompareOp, type Filter, type LeafFilter, checkLimits, describe, filterError, isCompareOp, quote, FILTER_OPS } from './ast.js';
import { type Literal, coerceLiteral } from './literal.js';
import { type LikePattern, compileLike } from './like.js';
import { compareBytes, hashTable } from './bytes.js';

/** SQL truth values, ordered so that AND is min, OR is max and NOT is 2 − x. */
export const FALSE = 0;
export const UNKNOWN = 1;
export const TRUE = 2;
export type Truth = 0 | 1 | 2;

/** How literals of a column type are held: by the evaluator's loop family. */
export type Family = 'number' | 'int64' | 'bool' | 'bytes';

/** An `in` list, deduplicated and sorted ascending for binary search. */
export type InSet =
  | { family: 'number'; items: Float64Array }
  /** 64-bit values as (hi, lo) 32-bit halves; hi is signed for signed types. */
  | { family: 'int64'; hi: Float64Array; lo: Float64Array }
  /** `table`: open-addressing hash table of item indexes + 1 (see bytes.ts hashTable). */
  | { family: 'bytes'; items: Uint8Array[]; table: Int32Array }
  | { family: 'bool'; hasFalse: boolean; hasTrue: boolean };

export type BoundLeaf =
  | { kind: 'compare'; column: number; type: DataType; op: CompareOp; value: Literal }
  /** `values` is the sorted, deduplicated list (for pruning); `hasNull`: the list holds a NULL. */
  | { kind: 'in'; column: number; type: DataType; set: InSet; values: Literal[]; hasNull: boolean }
  | { kind: 'like'; column: number; type: DataType; pattern: LikePattern }
  | { kind: 'is'; column: number; type: DataType; test: 'null' | 'not_null' | 'true' | 'false' }
  /** A leaf whose outcome does not depend on the value: `whenValid` for non-null rows, `whenNull` for null rows. */
  | { kind: 'const'; column: number; type: DataType; whenValid: Truth; whenNull: Truth };

export type BoundFilter =
  | { kind: 'and'; children: BoundFilter[] }
  | { kind: 'or'; children: BoundFilter[] }
  | { kind: 'not'; child: BoundFilter }
  | BoundLeaf;

export function familyOf(type: DataType): Family {
  switch (type) {
    case 'int64':
    case 'uint64':
    case 'timestamp':
      return 'int64';
    case 'bool':
      return 'bool';
    case 'string':
    case 'binary':
      return 'bytes';
    default:
      return 'number';
  }
}

let binds = 0;

/** How many times bindFilter has run in this process: lets a test check that one query binds its
 *  filter once, however many files and row groups it reads (test/query/bind-once.test.ts). */
export function bindCount(): number {
  return binds;
}

/** Checks columns exist and literals fit their column types; converts literals to typed values. */
export function bindFilter(filter: Filter, columns: readonly ColumnSchema[]): BoundFilter {
  binds++;
  checkLimits(filter);
  const byName = new Map<string, number>();
  columns.forEach((c, i) => byName.set(c.name, i));
  const bind = (f: Filter): BoundFilter => {
    if ('and' in f) return { kind: 'and', children: f.and.map(bind) };
    if ('or' in f) return { kind: 'or', children: f.or.map(bind) };
    if ('not' in f) return { kind: 'not', child: bind(f.not) };
    const index = byName.get(f.column);
    if (index === undefined) throw unknownColumn(f.column, columns);
    return bindLeaf(f, index, columns[index]!);
  };
  return bind(filter);
}

function bindLeaf(f: LeafFilter, column: number, col: ColumnSchema): BoundLeaf {
  const type = col.type;
  const fail = (why: string): never => {
    throw filterError(`filter on column ${quote(col.name)}: ${why}`, { column: col.name });
  };
  const op: string = f.op;
  if (isCompareOp(op)) {
    const raw = f.value as unknown;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return fail(
        `operator "${op}" needs a string, number or boolean value, not ${describe(raw)}${raw === null ? ' (use "is" to test for null)' : ''}`,
      );
    }
    const { value, between } = coerceLiteral(col, raw);
    if (!between) return { kind: 'compare', column, type, op, value };
    // The literal lies strictly between `value` and `value + 1` (a timestamp finer than the column's
    // unit): no row equals it, and the order comparisons round to the neighbouring whole unit.
    switch (op) {
      case 'eq':
        return { kind: 'const', column, type, whenValid: FALSE, whenNull: UNKNOWN };
      case 'neq':
        return { kind: 'const', column, type, whenValid: TRUE, whenNull: UNKNOWN };
      case 'gt':
      case 'gte':
        return { kind: 'compare', column, type, op: 'gt', value };
      default:
        return { kind: 'compare', column, type, op: 'lte', value };
    }
  }
  if (op === 'like' || op === 'ilike') {
    if (type !== 'string') fail(`operator "${op}" needs a string column; this column is ${type}`);
    if (typeof f.value !== 'string') fail(`operator "${op}" needs a string pattern, not ${describe(f.value)}`);
    const pattern = compileLike(f.value as string, op === 'ilike');
    if (typeof pattern === 'string') return fail(`${pattern}: ${quote(f.value as string)}`);
    return { kind: 'like', column, type, pattern };
  }
  if (op === 'in') {
    if (!Array.isArray(f.value)) return fail(`operator "in" needs a list of values, not ${describe(f.value)}`);
    if (f.value.length === 0) {
      // PostgREST's `in.()` is `= ANY('{}')`: false for every row, null rows included.
      return { kind: 'const', column, type, whenValid: FALSE, whenNull: FALSE };
    }
    let hasNull = false;
    const values: Literal[] = [];
    for (const item of f.value as unknown[]) {
      if (item === null) {
        hasNull = true;
        continue;
      }
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
        fail(`an in list holds strings, numbers, booleans or null, not ${describe(item)}`);
      }
      const c = coerceLiteral(col, item as string | number | boolean);
      // NaN equals nothing and a literal between two units equals no stored value.
      if (!c.between && !(typeof c.value === 'number' && Number.isNaN(c.value))) values.push(c.value);
    }
    const sorted = uniqueSorted(values);
    return { kind: 'in', column, type, set: inSet(familyOf(type), sorted), values: sorted, hasNull };
  }
  if (op === 'is') {
    const v = f.value as unknown;
    if (v === null) return { kind: 'is', column, type, test: 'null' };
    if (v === 'not_null') return { kind: 'is', column, type, test: 'not_null' };
    if (v === true || v === false) {
      if (type !== 'bool') fail(`"is.${String(v)}" needs a bool column; this column is ${type}`);
      return { kind: 'is', column, type, test: v ? 'true' : 'false' };
    }
    return fail(`operator "is" takes null, "not_null", true or false, not ${describe(v)}`);
  }
  return fail(`unknown operator ${quote(String(op), 20)}; expected one of ${FILTER_OPS.join(', ')}`);
}

/** Sign of a − b for two literals of the same family. */
export function compareLiteral(a: Literal, b: Literal): number {
  if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array);
  return a < b ? -1 : a > b ? 1 : 0;
}

function uniqueSorted(values: Literal[]): Literal[] {
  const sorted = values.map((v) => (v === 0 ? 0 : v)).sort(compareLiteral); // -0 → 0
  return sorted.filter((v, i) => i === 0 || compareLiteral(sorted[i - 1]!, v) !== 0);
}

function inSet(family: Family, values: Literal[]): InSet {
  switch (family) {
    case 'number':
      return { family, items: Float64Array.from(values as number[]) };
    case 'int64': {
      const hi = new Float64Array(values.length);
      const lo = new Float64Array(values.length);
      values.forEach((v, i) => {
        const b = v as bigint;
        hi[i] = Number(b >> 32n); // arithmetic shift: signed hi for negatives, unsigned for uint64
        lo[i] = Number(BigInt.asUintN(32, b));
      });
      return { family, hi, lo };
    }
    case 'bytes':
      return { family, items: values as Uint8Array[], table: hashTable(values as Uint8Array[]) };
    case 'bool':
      return { family, hasFalse: values.includes(false), hasTrue: values.includes(true) };
  }
}

/** Column indexes the filter reads, ascending. */
export function filterColumnIndexes(bound: BoundFilter): number[] {
  const out = new Set<number>();
  const visit = (b: BoundFilter): void => {
    if (b.kind === 'and' || b.kind === 'or') b.children.forEach(visit);
    else if (b.kind === 'not') visit(b.child);
    else out.add(b.column);
  };
  visit(bound);
  return [...out].sort((a, b) => a - b);
}

function unknownColumn(name: string, columns: readonly ColumnSchema[]): NCFError {
  const best = closestName(
    name,
    columns.map((c) => c.name),
  );
  const hint =
    best !== null
      ? `; did you mean ${quote(best)}?`
      : `; the table has ${columns
          .slice(0, 20)
          .map((c) => quote(c.name))
          .join(', ')}${columns.length > 20 ? ', …' : ''}`;
  return new NCFError(
    'UNKNOWN_COLUMN',
    `ncf: filter: unknown column ${quote(name)}${hint}`,
    best !== null ? { column: name, suggestion: best } : { column: name },
  );
}

/** The name within edit distance ~1/3 of the length (or equal ignoring case), if any. */
function closestName(name: string, names: string[]): string | null {
  const lower = name.toLowerCase();
  const folded = names.find((n) => n.toLowerCase() === lower);
  if (folded !== undefined) return folded;
  if (name.length > 200) return null;
  let best: string | null = null;
  let bestDist = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    if (Math.abs(n.length - name.length) >= bestDist || n.length > 200) continue;
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = n;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
