// The filter tree every front end produces (PostgREST query strings, the CLI's --where, the JSON
// form) and the limits that keep a hostile filter from costing unbounded time or stack.

import { NCFError } from '../errors.js';

export const COMPARE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** Every operator a leaf may use, in the order error messages list them. */
export const FILTER_OPS = [...COMPARE_OPS, 'like', 'ilike', 'in', 'is'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { column: string; op: CompareOp | 'like' | 'ilike'; value: string | number | boolean }
  | { column: string; op: 'in'; value: Array<string | number | boolean | null> }
  | { column: string; op: 'is'; value: null | 'not_null' | true | false };

export type LeafFilter = Extract<Filter, { column: string }>;

/** Longest root-to-leaf path, counting every node (a lone leaf has depth 1). */
export const MAX_FILTER_DEPTH = 32;
/** Nodes (groups, negations and leaves) in one filter, all query parameters together. */
export const MAX_FILTER_NODES = 10_000;
/** Items in one `in` list. */
export const MAX_IN_ITEMS = 10_000;

export function isFilterOp(x: string): x is FilterOp {
  return (FILTER_OPS as readonly string[]).includes(x);
}

export function isCompareOp(x: string): x is CompareOp {
  return (COMPARE_OPS as readonly string[]).includes(x);
}

export function filterError(message: string, details: Record<string, unknown> = {}): NCFError {
  return new NCFError('FILTER', `ncf: ${message}`, details);
}

/**
 * Checks the depth, node and `in`-list limits of a filter built by any front end (or by hand) and
 * that every node has one of the known shapes. Recursion stops at the depth limit, so a deeply
 * nested object cannot overflow the stack.
 */
export function checkLimits(filter: Filter): void {
  let nodes = 0;
  const visit = (f: unknown, depth: number, path: string): void => {
    if (depth > MAX_FILTER_DEPTH) {
      throw filterError(`filter nests deeper than ${MAX_FILTER_DEPTH} levels (at ${path})`, { path, limit: MAX_FILTER_DEPTH });
    }
    if (++nodes > MAX_FILTER_NODES) {
      throw filterError(`filter has more than ${MAX_FILTER_NODES} conditions`, { path, limit: MAX_FILTER_NODES });
    }
    if (typeof f !== 'object' || f === null || Array.isArray(f)) {
      throw filterError(`filter node at ${path} is ${describe(f)}; expected an object with "and", "or", "not" or "column"`, { path });
    }
    const node = f as Record<string, unknown>;
    for (const key of ['and', 'or'] as const) {
      if (!Object.hasOwn(node, key)) continue;
      const children = node[key];
      if (!Array.isArray(children) || children.length === 0) {
        throw filterError(`filter node at ${path} needs "${key}" to be a non-empty array`, { path });
      }
      children.forEach((c, i) => visit(c, depth + 1, `${path}.${key}[${i}]`));
      return;
    }
    if (Object.hasOwn(node, 'not')) {
      visit(node.not, depth + 1, `${path}.not`);
      return;
    }
    if (typeof node.column !== 'string') {
      throw filterError(`filter node at ${path} has no "and", "or", "not" or string "column"`, { path });
    }
    if (node.op === 'in' && Array.isArray(node.value) && node.value.length > MAX_IN_ITEMS) {
      throw filterError(`filter on column "${node.column}": the in list has ${node.value.length} items; the limit is ${MAX_IN_ITEMS}`, {
        path,
        column: node.column,
        limit: MAX_IN_ITEMS,
      });
    }
  };
  visit(filter, 1, '$');
}

/** A short rendering of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return quote(x);
  if (typeof x === 'object') return 'an object';
  return String(x);
}

/** JSON-quotes a string for a message, shortened so a huge input cannot make a huge message. */
export function quote(s: string, max = 100): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
