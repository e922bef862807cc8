// What a client asked for, as one QuerySpec: parsed from a GET query string (PostgREST grammar:
// reserved parameters select, order, limit, offset, version, format, csvSafe; every other parameter
// is a filter) or from the POST /query JSON body (validated with zod). Every error is a 400 that
// names the parameter: `limit: must be an integer 0..1000000000000, got "x"`.

import { z } from 'zod';
import { badQuery, errorProblem, type HttpProblem } from '../http/errors.js';
import { parseFilterJson, parseQueryFilters, type Filter } from '../format/filter/index.js';
import type { ColumnSchema } from '../format/schema.js';
import { isAggregateSelect } from './aggregate/parse.js';

export type NullsOrder = 'first' | 'last';

export interface OrderKey {
  column: string;
  desc: boolean;
  /** PostgreSQL's default: nulls sort as if larger than every value (last ascending, first descending). */
  nulls: NullsOrder;
}

export interface QuerySpec {
  /** Output columns in this order; null: all, in table order. */
  select: string[] | null;
  where: Filter | null;
  order: OrderKey[];
  /** null: no limit. */
  limit: number | null;
  offset: number;
  /** null: the current version. */
  version: number | null;
}

/** A parsed request: the query plus how to answer it. */
export interface QueryRequest {
  spec: QuerySpec;
  /** The ?format= value as given (negotiate.ts checks it), or null. */
  format: string | null;
  csvSafe: boolean;
}

/** Largest limit or offset accepted (far beyond any table; it keeps arithmetic exact). */
export const MAX_ROWS_PARAM = 1_000_000_000_000;

/** Query-string parameters that are not filters. */
export const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'version', 'format', 'csvSafe']);

/** Query-string parameters POST /query takes next to its body (the body's offset, limit and version
 *  are overridden by them, which is how a JSON `next` link pages a POSTed query). */
const POST_PARAMS = new Set(['limit', 'offset', 'version', 'format', 'csvSafe']);

function paramError(parameter: string, message: string, extra: Record<string, unknown> = {}): HttpProblem {
  return badQuery(`${parameter}: ${message}`, { parameter, ...extra });
}

function shown(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

/** `limit`/`offset` text → integer 0..MAX_ROWS_PARAM. */
export function parseCount(parameter: string, raw: string): number {
  const n = /^\s*\d{1,13}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_ROWS_PARAM) {
    throw paramError(parameter, `must be an integer 0..${MAX_ROWS_PARAM}, got ${shown(raw)}`);
  }
  return n;
}

export function parseVersion(raw: string): number {
  const n = /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw paramError('version', `must be a positive integer, got ${shown(raw)}`);
  return n;
}

export function parseBool(parameter: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw paramError(parameter, `must be true or false, got ${shown(raw)}`);
}

/** Splits a comma-separated list; items may be double-quoted ("a,b" with \" escapes). Unquoted items
 *  are trimmed. Returns each item with whether it was quoted. */
function splitList(parameter: string, raw: string): Array<{ text: string; quoted: boolean; rest: string }> {
  const items: Array<{ text: string; quoted: boolean; rest: string }> = [];
  let i = 0;
  for (;;) {
    while (raw[i] === ' ' || raw[i] === '\t') i++;
    let text = '',
      quoted = false;
    if (raw[i] === '"') {
      quoted = true;
      const start = i++;
      for (;;) {
        if (i >= raw.length) throw paramError(parameter, `unterminated double-quoted name starting at position ${start}`);
        const c = raw[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && i + 1 < raw.length) i++;
        text += raw[i]!;
        i++;
      }
    }
    const restStart = i;
    while (i < raw.length && raw[i] !== ',') {
      if (raw[i] === '"') throw paramError(parameter, `unexpected double quote at position ${i}; quote whole names: "my,column"`);
      i++;
    }
    const rest = raw.slice(restStart, i);
    if (!quoted) text = rest.trim();
    items.push({ text, quoted, rest: quoted ? rest.trim() : '' });
    if (i >= raw.length) break;
    i++; // ','
  }
  return items;
}

/** `a,b,"c,d"` or `*` → names (null for all). */
export function parseSelect(raw: string): string[] | null {
  if (raw.trim() === '*') return null;
  const names: string[] = [];
  for (const [k, item] of splitList('select', raw).entries()) {
    if (item.rest !== '') throw paramError('select', `unexpected ${shown(item.rest)} after the quoted name ${JSON.stringify(item.text)}`);
    if (item.text === '') {
      throw paramError(
        'select',
        raw.trim() === ''
          ? 'expected column names separated by commas, e.g. select=a,b'
          : `item ${k + 1} is empty; expected column names separated by commas, e.g. select=a,b`,
      );
    }
    names.push(item.text);
  }
  // An aggregate select is checked by aggregate/parse.ts, which names duplicate outputs.
  return isAggregateSelect(names) ? names : checkSelectList(names);
}

function checkSelectList(names: string[]): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw paramError('select', `column ${JSON.stringify(n)} is listed twice`, { column: n });
    seen.add(n);
  }
  return names;
}

const DIRECTIONS: Record<string, boolean> = { asc: false, desc: true };
const NULLS: Record<string, NullsOrder> = { nullsfirst: 'first', nullslast: 'last' };

/** PostgREST `order=a.desc,b,c.asc.nullsfirst`. Unquoted names may contain dots: the trailing
 *  `.asc|.desc` and `.nullsfirst|.nullslast` are modifiers, the rest is the name. */
export function parseOrder(raw: string): OrderKey[] {
  const keys: OrderKey[] = [];
  for (const [k, item] of splitList('order', raw).entries()) {
    let name: string, mods: string[];
    if (item.quoted) {
      if (item.rest !== '' && !item.rest.startsWith('.')) {
        throw paramError('order', `unexpected ${shown(item.rest)} after the quoted name ${JSON.stringify(item.text)}`);
      }
      name = item.text;
      mods = item.rest === '' ? [] : item.rest.slice(1).split('.');
      for (const m of mods) {
        if (!(m in DIRECTIONS) && !(m in NULLS)) {
          throw paramError(
            'order',
            `unknown modifier ${shown(m)} for column ${JSON.stringify(name)}; expected asc, desc, nullsfirst or nullslast`,
          );
        }
      }
    } else {
      const parts = item.text.split('.');
      mods = [];
      // At most one nulls modifier (last) and one direction before it, read from the right.
      if (parts.length > 1 && parts[parts.length - 1]! in NULLS) mods.unshift(parts.pop()!);
      if (parts.length > 1 && parts[parts.length - 1]! in DIRECTIONS) mods.unshift(parts.pop()!);
      name = parts.join('.');
    }
    if (name === '') {
      throw paramError(
        'order',
        raw.trim() === ''
          ? 'expected column names separated by commas, e.g. order=delay.desc,date'
          : `item ${k + 1} has no column name; expected e.g. order=delay.desc,date`,
      );
    }
    let desc = false,
      nulls: NullsOrder | null = null,
      sawDir = false;
    for (const m of mods) {
      if (m in DIRECTIONS) {
        if (sawDir || nulls !== null)
          throw paramError(
            'order',
            `modifiers for column ${JSON.stringify(name)} must be one of asc/desc then one of nullsfirst/nullslast`,
          );
        desc = DIRECTIONS[m]!;
        sawDir = true;
      } else {
        if (nulls !== null)
          throw paramError(
            'order',
            `modifiers for column ${JSON.stringify(name)} must be one of asc/desc then one of nullsfirst/nullslast`,
          );
        nulls = NULLS[m]!;
      }
    }
    keys.push({ column: name, desc, nulls: nulls ?? (desc ? 'first' : 'last') });
  }
  return keys;
}

/** The raw query string of a request URL (without "?"), kept verbatim so filters keep their order. */
export function rawSearch(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

/** The one value of a parameter, null when absent; a 400 when given more than once. */
export function single(params: URLSearchParams, name: string): string | null {
  const all = params.getAll(name);
  if (all.length > 1) throw paramError(name, `given ${all.length} times; give it once`);
  return all.length === 0 ? null : all[0]!;
}

/** GET /rows: the query string (without "?") → a request. */
export function parseRowsQuery(search: string | URLSearchParams): QueryRequest {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const select = single(params, 'select');
  const order = single(params, 'order');
  const limit = single(params, 'limit');
  const offset = single(params, 'offset');
  const version = single(params, 'version');
  const csvSafe = single(params, 'csvSafe');
  let where: Filter | null;
  try {
    where = parseQueryFilters(params, RESERVED);
  } catch (e) {
    throw errorProblem(e, 'query') ?? e;
  }
  return {
    spec: {
      select: select === null ? null : parseSelect(select),
      where,
      order: order === null ? [] : parseOrder(order),
      limit: limit === null ? null : parseCount('limit', limit),
      offset: offset === null ? 0 : parseCount('offset', offset),
      version: version === null ? null : parseVersion(version),
    },
    format: single(params, 'format'),
    csvSafe: csvSafe === null ? false : parseBool('csvSafe', csvSafe),
  };
}

const countSchema = z
  .number({ error: `must be an integer 0..${MAX_ROWS_PARAM}` })
  .int({ error: `must be an integer 0..${MAX_ROWS_PARAM}` })
  .min(0, { error: `must be an integer 0..${MAX_ROWS_PARAM}` })
  .max(MAX_ROWS_PARAM, { error: `must be an integer 0..${MAX_ROWS_PARAM}` });

const orderItem = z.strictObject({
  column: z.string({ error: 'expected the column name as a string' }).min(1, { error: 'expected a non-empty column name' }),
  desc: z.boolean({ error: 'expected true or false' }).optional(),
  nulls: z.enum(['first', 'last'], { error: 'expected "first" or "last"' }).optional(),
});

/** The POST /query body. `select` and `order` are checked by hand (parseSelectValue, parseOrderValue)
 *  so their errors name the exact item; `where` is the engine's JSON filter tree (parseFilterJson). */
export const queryBodySchema = z.strictObject(
  {
    select: z.unknown().optional(),
    where: z.unknown().optional(),
    order: z.unknown().optional(),
    limit: countSchema.optional(),
    offset: countSchema.optional(),
    version: z
      .number({ error: 'must be a positive integer' })
      .int({ error: 'must be a positive integer' })
      .min(1, { error: 'must be a positive integer' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'must be a positive integer' })
      .optional(),
  },
  { error: 'expected a JSON object' },
);

function parseSelectValue(v: unknown): string[] | null {
  if (typeof v === 'string') return parseSelect(v);
  if (!Array.isArray(v)) throw paramError('select', 'expected a list of column names or a string "a,b"');
  if (v.length === 0) throw paramError('select', 'expected at least one column');
  v.forEach((n, i) => {
    if (typeof n !== 'string' || n === '') throw paramError(`select[${i}]`, 'expected a non-empty column name string');
  });
  return isAggregateSelect(v as string[]) ? (v as string[]) : checkSelectList(v as string[]);
}

function parseOrderValue(v: unknown): OrderKey[] {
  if (typeof v === 'string') return parseOrder(v);
  if (!Array.isArray(v)) throw paramError('order', 'expected "a.desc,b" or [{"column","desc","nulls"}]');
  return v.map((item, i) => {
    const r = orderItem.safeParse(item);
    if (!r.success) throw zodProblem(r.error, `order[${i}]`);
    const o = r.data;
    return { column: o.column, desc: o.desc ?? false, nulls: o.nulls ?? (o.desc ? 'first' : 'last') };
  });
}

export type QueryBody = z.infer<typeof queryBodySchema>;

function zodProblem(err: z.ZodError, prefix = ''): HttpProblem {
  // An unknown key usually explains the other issues (a misspelt "column" is also a missing one).
  const issue = err.issues.find((i) => i.code === 'unrecognized_keys') ?? err.issues[0]!;
  const path = prefix + issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 || prefix ? '.' : ''}${String(p)}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const where = path === '' ? 'the body' : path;
    const expected = prefix ? 'column, desc, nulls' : 'select, where, order, limit, offset, version';
    return badQuery(
      `${where}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}; expected ${expected}`,
      { parameter: path === '' ? keys[0] : path },
    );
  }
  const parameter = path === '' ? 'body' : path;
  return badQuery(`${parameter}: ${issue.message}`, { parameter });
}

/** POST /query: the JSON body plus the query string (format, csvSafe and paging overrides). */
export function parseQueryBody(body: unknown, search: string | URLSearchParams = ''): QueryRequest {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  for (const key of new Set(params.keys())) {
    if (!POST_PARAMS.has(key)) {
      throw paramError(key, `POST /query takes only ${[...POST_PARAMS].join(', ')} in the query string; put filters in the body's "where"`);
    }
  }
  const parsed = queryBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw zodProblem(parsed.error);
  const b = parsed.data;
  let where: Filter | null = null;
  if (b.where !== undefined && b.where !== null) {
    try {
      where = parseFilterJson(b.where);
    } catch (e) {
      throw errorProblem(e, 'query', 'where') ?? e;
    }
  }
  const select = b.select === undefined || b.select === null ? null : parseSelectValue(b.select);
  const order = b.order === undefined || b.order === null ? [] : parseOrderValue(b.order);
  const limit = single(params, 'limit');
  const offset = single(params, 'offset');
  const version = single(params, 'version');
  const csvSafe = single(params, 'csvSafe');
  return {
    spec: {
      select,
      where,
      order,
      limit: limit !== null ? parseCount('limit', limit) : (b.limit ?? null),
      offset: offset !== null ? parseCount('offset', offset) : (b.offset ?? 0),
      version: version !== null ? parseVersion(version) : (b.version ?? null),
    },
    format: single(params, 'format'),
    csvSafe: csvSafe === null ? false : parseBool('csvSafe', csvSafe),
  };
}

/** 400 naming a select/order column the table does not have, listing the table's columns. */
export function unknownColumn(parameter: string, name: string, columns: readonly ColumnSchema[]): HttpProblem {
  const names = columns.map((c) => c.name);
  const listed =
    names
      .slice(0, 50)
      .map((n) => JSON.stringify(n))
      .join(', ') + (names.length > 50 ? ', …' : '');
  return paramError(parameter, `unknown column ${JSON.stringify(name)}; the table has ${listed}`, { column: name, columns: names });
}

/** Checks select and order name existing columns. */
export function checkColumns(spec: QuerySpec, columns: readonly ColumnSchema[]): void {
  const names = new Set(columns.map((c) => c.name));
  for (const n of spec.select ?? []) if (!names.has(n)) throw unknownColumn('select', n, columns);
  for (const k of spec.order) if (!names.has(k.column)) throw unknownColumn('order', k.column, columns);
  const seen = new Set<string>();
  for (const k of spec.order) {
    if (seen.has(k.column)) throw paramError('order', `column ${JSON.stringify(k.column)} is listed twice`, { column: k.column });
    seen.add(k.column);
  }
}

/** A canonical JSON form of the query (for ETags): equal queries give equal text. */
export function normalizeSpec(spec: QuerySpec): string {
  return JSON.stringify({ s: spec.select, w: spec.where, o: spec.order, l: spec.limit, f: spec.offset });
}
