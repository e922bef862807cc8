// Query options → one HTTP request. PostgREST filter maps alone become GET /rows with a query string
// (cacheable, readable in logs' paths); a JSON filter tree, a map key that is a reserved parameter
// name (a column called "limit"), or a query string over MAX_QUERY_STRING characters become
// POST /query, the maps turned into tree nodes by the engine's own PostgREST parser so both routes
// mean exactly the same. `select` items pass through as the server reads them (column names and
// aggregate items such as `count()` or `delay.avg()`).

import { NCFError } from '../format/errors.js';
import type { Filter } from '../format/filter/ast.js';
import { parseQueryFilters } from '../format/filter/parse-query.js';
import { NCFUsageError } from './errors.js';
import { segment, type Exchange } from './http.js';

/** The engine's JSON filter tree (docs/QUERY.md): `{column, op, value}` leaves, `{and: […]}`,
 *  `{or: […]}`, `{not: …}` groups. */
export type FilterTree = Filter;

/** PostgREST filters by query parameter: `{ delay: 'gt.60', origin: 'in.(SFO,LAX)' }`, a list for
 *  several filters on one column, and `or` / `and` keys for groups (`{ or: '(delay.lt.0,delay.gt.120)' }`). */
export type FilterMap = Record<string, string | readonly string[]>;

/** Filters: a map, a tree, or a list of either, all ANDed. */
export type Where = FilterMap | FilterTree | ReadonlyArray<FilterMap | FilterTree>;

export interface OrderItem {
  column: string;
  desc?: boolean;
  /** Default: last ascending, first descending (PostgreSQL's). */
  nulls?: 'first' | 'last';
}

export interface QueryOptions {
  /** Columns in output order (`'a,b'` or `['a', 'b']`), or aggregate items (`['origin', 'count()', 'delay.avg()']`); default all. */
  select?: string | readonly string[];
  where?: Where;
  /** `'delay.desc,origin'`, or items `['delay.desc', { column: 'origin', nulls: 'first' }]`. */
  order?: string | ReadonlyArray<string | OrderItem>;
  limit?: number;
  offset?: number;
  /** Time travel: the table as this version had it. */
  version?: number;
  signal?: AbortSignal;
}

/** Query strings longer than this go as a POST body instead (servers and proxies cap URL lengths). */
export const MAX_QUERY_STRING = 4096;

/** Query-string names the server reads as parameters, not filters (src/query/params.ts RESERVED). */
const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'version', 'format', 'csvSafe']);

/** The request for `opts` on table `name`, answered in the media type `accept`. */
export function queryExchange(name: string, opts: QueryOptions, accept: string): Exchange {
  const { maps, trees } = splitWhere(opts.where);
  const headers = { accept };
  if (trees.length === 0 && !maps.some((m) => Object.keys(m).some((k) => RESERVED.has(k)))) {
    const params = new URLSearchParams();
    if (opts.select !== undefined) params.set('select', selectText(opts.select));
    if (opts.order !== undefined) params.set('order', orderText(opts.order));
    for (const key of ['limit', 'offset', 'version'] as const) if (opts[key] !== undefined) params.set(key, String(opts[key]));
    for (const m of maps)
      for (const [k, v] of Object.entries(m)) for (const item of typeof v === 'string' ? [v] : v) params.append(k, item);
    const search = params.toString();
    if (search.length <= MAX_QUERY_STRING) {
      return { method: 'GET', path: `/v1/tables/${segment(name)}/rows${search ? `?${search}` : ''}`, headers, signal: opts.signal };
    }
  }
  const parts = [...maps.map(mapToTree).filter((t): t is FilterTree => t !== null), ...trees];
  const body: Record<string, unknown> = {};
  if (opts.select !== undefined) body.select = typeof opts.select === 'string' ? opts.select : [...opts.select];
  if (parts.length > 0) body.where = parts.length === 1 ? parts[0] : { and: parts };
  if (opts.order !== undefined) body.order = orderBody(opts.order);
  for (const key of ['limit', 'offset', 'version'] as const) if (opts[key] !== undefined) body[key] = opts[key];
  return {
    method: 'POST',
    path: `/v1/tables/${segment(name)}/query`,
    signal: opts.signal,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function isTree(x: object): x is FilterTree {
  const o = x as Record<string, unknown>;
  if ('column' in o && 'op' in o) return true;
  const keys = Object.keys(o);
  return (
    keys.length === 1 &&
    (keys[0] === 'and' || keys[0] === 'or' ? Array.isArray(o[keys[0]]) : keys[0] === 'not' && typeof o.not === 'object')
  );
}

function splitWhere(where: Where | undefined): { maps: FilterMap[]; trees: FilterTree[] } {
  const maps: FilterMap[] = [];
  const trees: FilterTree[] = [];
  if (where === undefined) return { maps, trees };
  const items: ReadonlyArray<FilterMap | FilterTree> = Array.isArray(where) ? where : [where as FilterMap | FilterTree];
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object')
      throw new NCFUsageError(
        `where${Array.isArray(where) ? `[${i}]` : ''}: expected a filter map ({ delay: 'gt.60' }) or a filter tree ({ column, op, value })`,
      );
    if (isTree(item)) {
      trees.push(item);
      return;
    }
    for (const [k, v] of Object.entries(item)) {
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
        throw new NCFUsageError(
          `where.${k}: a filter map's values are PostgREST filter strings such as 'gt.60' or 'in.(a,b)'; got ${JSON.stringify(v)}`,
        );
      }
    }
    maps.push(item as FilterMap);
  });
  return { maps, trees };
}

/** A filter map as a tree, parsed exactly as the server parses a query string. */
function mapToTree(map: FilterMap): FilterTree | null {
  const entries: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(map)) for (const item of typeof v === 'string' ? [v] : v) entries.push([k, item]);
  try {
    return parseQueryFilters(entries);
  } catch (e) {
    if (e instanceof NCFError) throw new NCFUsageError(`where: ${e.message.replace(/^ncf: /, '')}`, { cause: e });
    throw e;
  }
}

/** A name as PostgREST list syntax needs it: quoted (backslash escapes) when it holds , or " or
 *  edge spaces, or (in order items) ends like a modifier. */
function listName(name: string, order: boolean): string {
  const needs = /[,"]/.test(name) || name.trim() !== name || name === '' || (order && /\.(asc|desc|nullsfirst|nullslast)$/i.test(name));
  return needs ? `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : name;
}

function selectText(select: string | readonly string[]): string {
  return typeof select === 'string' ? select : select.map((s) => listName(s, false)).join(',');
}

function orderItemText(o: string | OrderItem): string {
  if (typeof o === 'string') return o;
  return (
    listName(o.column, true) + (o.desc ? '.desc' : '') + (o.nulls === undefined ? '' : o.nulls === 'first' ? '.nullsfirst' : '.nullslast')
  );
}

function orderText(order: string | ReadonlyArray<string | OrderItem>): string {
  return typeof order === 'string' ? order : order.map(orderItemText).join(',');
}

function orderBody(order: string | ReadonlyArray<string | OrderItem>): unknown {
  if (typeof order !== 'string' && order.every((o) => typeof o === 'object')) {
    return (order as readonly OrderItem[]).map((o) => ({
      column: o.column,
      desc: o.desc ?? false,
      ...(o.nulls ? { nulls: o.nulls } : {}),
    }));
  }
  return orderText(order);
}
