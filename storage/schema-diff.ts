// Column comparison for appends: a file can join a table only when its columns equal the table's in
// name, order, type (with timestamp unit and zone) and nullability. Descriptions and semantic types
// are labels, not layout, so they may differ. Shared by every Catalog implementation.

import type { ColumnSchema } from '../src/format/schema.js';

export interface ColumnDifference {
  column: string;
  /** missing: in the table, not in the file; extra: in the file, not in the table. */
  issue: 'missing' | 'extra' | 'type' | 'nullable' | 'position';
  expected?: string | boolean | number;
  actual?: string | boolean | number;
}

/** The type as it matters for storage: `timestamp(ms, UTC)`, `timestamp(us)`, `int32`. */
export function typeLabel(c: ColumnSchema): string {
  if (c.type !== 'timestamp') return c.type;
  const unit = c.unit ?? 'us';
  return c.timezone ? `timestamp(${unit}, ${c.timezone})` : `timestamp(${unit})`;
}

/** Every way `actual` (the appended file) differs from `expected` (the table); empty when equal. */
export function diffColumns(expected: readonly ColumnSchema[], actual: readonly ColumnSchema[]): ColumnDifference[] {
  const out: ColumnDifference[] = [];
  const actualAt = new Map(actual.map((c, i) => [c.name, i]));
  const expectedNames = new Set(expected.map((c) => c.name));
  // Order is compared over the shared columns only, so one missing column does not flag every later one.
  const sharedActual = actual.filter((a) => expectedNames.has(a.name));
  let k = 0;
  expected.forEach((e, i) => {
    const j = actualAt.get(e.name);
    if (j === undefined) {
      out.push({ column: e.name, issue: 'missing', expected: typeLabel(e) });
      return;
    }
    const a = actual[j]!;
    if (typeLabel(a) !== typeLabel(e)) out.push({ column: e.name, issue: 'type', expected: typeLabel(e), actual: typeLabel(a) });
    if (a.nullable !== e.nullable) out.push({ column: e.name, issue: 'nullable', expected: e.nullable, actual: a.nullable });
    if (sharedActual[k++]!.name !== e.name) out.push({ column: e.name, issue: 'position', expected: i, actual: j });
  });
  for (const a of actual) {
    if (!expectedNames.has(a.name)) out.push({ column: a.name, issue: 'extra', actual: typeLabel(a) });
  }
  return out;
}

/** One line per difference, for error messages: `"b": type int64 in the table, string in the file`. */
export function describeDifferences(diffs: readonly ColumnDifference[]): string {
  return diffs
    .map((d) => {
      switch (d.issue) {
        case 'missing':
          return `"${d.column}" (${d.expected}) is missing from the file`;
        case 'extra':
          return `"${d.column}" (${d.actual}) is not a column of the table`;
        case 'type':
          return `"${d.column}" is ${d.expected} in the table, ${d.actual} in the file`;
        case 'nullable':
          return `"${d.column}" is ${d.expected ? 'nullable' : 'not nullable'} in the table, ${d.actual ? 'nullable' : 'not nullable'} in the file`;
        case 'position':
          return `"${d.column}" is column ${d.expected} in the table, ${d.actual} in the file`;
      }
    })
    .join('; ');
}
