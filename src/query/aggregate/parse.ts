// The aggregate grammar of `select` (PostgREST style): plain columns are group keys, `count()` counts
// rows, `<col>.<fn>()` aggregates a column, `<col>.trunc(<unit>)` buckets a date/timestamp into a
// group key, and any call may carry an alias prefix `alias:`. This module only reads the text; the
// columns and their types are checked in plan.ts. Output names follow PostgREST: the function name
// (the column name for trunc and keys) unless aliased, and two outputs may not share a name.

import { badQuery, type HttpProblem } from '../../http/errors.js';
import { AGG_FUNCTIONS, type AggFunction } from './functions.js';
import { TRUNC_UNITS, type TruncUnit } from './trunc.js';

export type AggItem =
  /** A plain column: a group key (`alias:col` is resolved against the table in plan.ts). */
  | { kind: 'key'; column: string; name: string }
  /** `<col>.trunc(<unit>)`: a group key. */
  | { kind: 'trunc'; column: string; unit: TruncUnit; name: string }
  /** `count()` (column null) or `<col>.<fn>()`. */
  | { kind: 'agg'; fn: AggFunction; column: string | null; name: string };

export interface AggregateSpec {
  items: AggItem[];
}

// `[alias:]name(args)` or `[alias:]column.name(args)`; the column part may itself hold dots.
const CALL = /^(?:([^:()"]+):)?(?:(.+)\.)?([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)$/;

function selectError(message: string, extra: Record<string, unknown> = {}): HttpProblem {
  return badQuery(`select: ${message}`, { parameter: 'select', ...extra });
}

/** True when a select list uses the aggregate grammar (some item is a function call). */
export function isAggregateSelect(names: readonly string[] | null): boolean {
  return names?.some((n) => CALL.test(n.trim())) ?? false;
}

const FN_LIST = ['count()', ...AGG_FUNCTIONS.map((fn) => `<col>.${fn}()`), '<col>.trunc(<unit>)'].join(', ');

function parseItem(raw: string, columns: ReadonlySet<string>): AggItem {
  const text = raw.trim();
  // A column whose name looks like a call (`price(usd)`) is still that column.
  if (columns.has(raw) || columns.has(text))
    return { kind: 'key', column: columns.has(raw) ? raw : text, name: columns.has(raw) ? raw : text };
  if (text === '*') {
    throw selectError('* cannot be mixed with aggregates; list the columns to group by, e.g. select=origin,count()');
  }
  const m = CALL.exec(text);
  if (m === null) return { kind: 'key', column: text, name: text };
  const alias = m[1]?.trim();
  const column = m[2]?.trim();
  const fn = m[3]!;
  const arg = m[4]!.trim();
  if (alias === '') throw selectError(`${JSON.stringify(text)} has an empty alias; write alias:expression`);
  if (column === undefined) {
    if (fn !== 'count') {
      throw selectError(`${JSON.stringify(text)}: only count() is written without a column; write <col>.${fn}(), e.g. delay.${fn}()`, {
        function: fn,
      });
    }
    if (arg !== '') throw selectError(`count() takes no argument; count the non-null values of a column with ${arg}.count()`);
    return { kind: 'agg', fn: 'count', column: null, name: alias ?? 'count' };
  }
  if (column === '') throw selectError(`${JSON.stringify(text)} has an empty column name`);
  if (fn === 'trunc') {
    if (!(TRUNC_UNITS as readonly string[]).includes(arg)) {
      throw selectError(`${JSON.stringify(text)}: unknown trunc unit ${JSON.stringify(arg)}; expected one of ${TRUNC_UNITS.join(', ')}`, {
        column,
        unit: arg,
      });
    }
    return { kind: 'trunc', column, unit: arg as TruncUnit, name: alias ?? column };
  }
  if (!(AGG_FUNCTIONS as readonly string[]).includes(fn)) {
    throw selectError(`${JSON.stringify(text)}: unknown function ${JSON.stringify(fn)}; expected one of ${FN_LIST}`, {
      function: fn,
      column,
    });
  }
  if (arg !== '') throw selectError(`${JSON.stringify(text)}: ${fn}() takes no argument`, { function: fn, column });
  return { kind: 'agg', fn: fn as AggFunction, column, name: alias ?? fn };
}

/** Parses the items of an aggregate select list (isAggregateSelect was true); `columns` are the
 *  table's column names (an item naming one exactly is that column), or null when unknown. */
export function parseAggregate(names: readonly string[], columns: ReadonlySet<string> = new Set()): AggregateSpec | null {
  const items = names.map((n) => parseItem(n, columns));
  if (!items.some((i) => i.kind !== 'key')) return null;
  const seen = new Map<string, string>();
  names.forEach((raw, k) => {
    const name = items[k]!.name;
    const before = seen.get(name);
    if (before !== undefined) {
      throw selectError(
        `${JSON.stringify(before)} and ${JSON.stringify(raw.trim())} both output a column named ${JSON.stringify(name)}; ` +
          `give one an alias, e.g. ${name}_2:${raw.trim().replace(/^[^:()"]+:/, '')}`,
        { column: name },
      );
    }
    seen.set(name, raw.trim());
  });
  return { items };
}
