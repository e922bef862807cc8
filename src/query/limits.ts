// The service's caps on the shape of one query: columns selected, items in one `in` list, filter
// nesting depth and filter size. They sit below the engine's own ceilings (src/format/filter/ast.ts:
// depth 32, 10,000 conditions, 10,000 `in` items), so a query over a service cap is refused with a 400
// that names the cap and the query's actual value; the engine's ceilings still bound the parsers.
// Time is capped separately (NCF_QUERY_TIMEOUT_MS, 504, the scan stopped: respond.ts).

import { badQuery } from '../http/errors.js';
import type { Filter } from '../format/filter/index.js';

export interface QueryLimits {
  /** Columns (or select items) one query may name in `select`. */
  selectColumns: number;
  /** Values in one `in` list. */
  inItems: number;
  /** Nesting levels of and/or/not, the top level counting as 1. */
  filterDepth: number;
  /** Nodes of the filter tree (groups, negations and conditions), all filter parameters together. */
  filterConditions: number;
}

export const QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  selectColumns: 1000,
  inItems: 1000,
  filterDepth: 16,
  filterConditions: 1000,
});

/** What checkQueryLimits looks at; `select` is any list (names or select items). */
export interface LimitedQuery {
  select: readonly unknown[] | null;
  where: Filter | null;
}

function over(parameter: string, what: string, value: number, limit: number, extra: Record<string, unknown> = {}) {
  return badQuery(`${parameter}: ${what}; the limit is ${limit}`, { parameter, limit, value, ...extra });
}

/** Throws a 400 when the query is over a cap. `filterParameter` is what the client calls the filter
 *  (`where` in a POST body; GET filters span several query parameters, named `filter`). */
export function checkQueryLimits(q: LimitedQuery, filterParameter = 'filter', limits: QueryLimits = QUERY_LIMITS): void {
  if (q.select !== null && q.select.length > limits.selectColumns) {
    throw over('select', `${q.select.length} columns selected`, q.select.length, limits.selectColumns);
  }
  if (q.where === null) return;
  // Iterative walk with an explicit stack: depth and size are measured exactly (the engine's parsers
  // already bounded both), and the first `in` list over the cap is reported with its column.
  let nodes = 0;
  let depth = 0;
  const stack: Array<{ f: Filter; d: number }> = [{ f: q.where, d: 1 }];
  while (stack.length > 0) {
    const { f, d } = stack.pop()!;
    nodes++;
    if (d > depth) depth = d;
    const node = f as unknown as Record<string, unknown>;
    if (Array.isArray(node.and)) for (const c of node.and as Filter[]) stack.push({ f: c, d: d + 1 });
    else if (Array.isArray(node.or)) for (const c of node.or as Filter[]) stack.push({ f: c, d: d + 1 });
    else if (node.not !== undefined) stack.push({ f: node.not as Filter, d: d + 1 });
    else if (node.op === 'in' && Array.isArray(node.value) && node.value.length > limits.inItems) {
      throw over(
        filterParameter,
        `the in list on column ${JSON.stringify(node.column)} has ${node.value.length} items`,
        node.value.length,
        limits.inItems,
        { column: node.column },
      );
    }
  }
  if (depth > limits.filterDepth) throw over(filterParameter, `the filter nests ${depth} levels deep`, depth, limits.filterDepth);
  if (nodes > limits.filterConditions)
    throw over(filterParameter, `the filter has ${nodes} conditions (and/or/not groups included)`, nodes, limits.filterConditions);
}
