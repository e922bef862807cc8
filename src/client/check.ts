// Argument checks for every public NCFClient method, run before any request: a wrong argument is an
// NCFUsageError naming it (`describe: name: …`), never a request to /v1/tables/undefined or a list
// answered for describe(''). The rules are the server's (table names from src/tables/table-name.ts, limit
// and offset 0..1e12, versions ≥ 1, Idempotency-Key 1-255 printable ASCII), so a call the client
// accepts is never refused by the server for its shape.

import { TABLE_NAME } from '../tables/table-name.js';
import { NCFUsageError } from './errors.js';

/** The server's largest limit or offset (src/query/params.ts MAX_ROWS_PARAM). */
const MAX_ROWS = 1_000_000_000_000;
/** The server's Idempotency-Key rule (src/upload/idempotency.ts). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

function shown(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n`;
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fail(method: string, arg: string, expected: string, got: unknown): never {
  throw new NCFUsageError(`${method}: ${arg}: expected ${expected}, got ${shown(got)}`);
}

export function checkName(method: string, name: unknown): string {
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    fail(
      method,
      'name',
      'a table name: a letter or underscore, then letters, digits or underscores, at most 128 characters ([A-Za-z_][A-Za-z0-9_]{0,127})',
      name,
    );
  }
  return name;
}

/** The options object: absent, or a plain object. Returns `{}` for absent. */
export function checkOptions<T extends object>(method: string, opts: T | undefined, arg = 'options'): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) fail(method, arg, 'an object', opts);
  return opts;
}

export function checkSignal(method: string, signal: unknown): void {
  if (signal === undefined) return;
  const s = signal as AbortSignal | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    fail(method, 'signal', 'an AbortSignal', signal);
  }
}

export function checkVersion(method: string, version: unknown): void {
  if (version === undefined) return;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
    fail(method, 'version', "a whole number >= 1 (a version from the table's history)", version);
}

export function checkCount(method: string, arg: 'limit' | 'offset', n: unknown): void {
  if (n === undefined) return;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_ROWS) fail(method, arg, `a whole number 0..${MAX_ROWS}`, n);
}

function checkStringList(method: string, arg: string, v: unknown, what: string): void {
  if (v === undefined || typeof v === 'string') return;
  if (!Array.isArray(v)) fail(method, arg, `${what} as a string or an array of strings`, v);
  v.forEach((item, i) => {
    if (typeof item !== 'string') fail(method, `${arg}[${i}]`, 'a string', item);
  });
}

export function checkOrder(method: string, order: unknown): void {
  if (order === undefined || typeof order === 'string') return;
  if (!Array.isArray(order))
    fail(method, 'order', "a string ('delay.desc,origin') or an array of strings and { column, desc, nulls } items", order);
  order.forEach((item: unknown, i) => {
    if (typeof item === 'string') return;
    const arg = `order[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      fail(method, arg, 'a string or a { column, desc, nulls } item', item);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!['column', 'desc', 'nulls'].includes(k)) fail(method, `${arg}.${k}`, 'no such member (column, desc, nulls)', o[k]);
    if (typeof o.column !== 'string' || o.column === '') fail(method, `${arg}.column`, 'a column name', o.column);
    if (o.desc !== undefined && typeof o.desc !== 'boolean') fail(method, `${arg}.desc`, 'true or false', o.desc);
    if (o.nulls !== undefined && o.nulls !== 'first' && o.nulls !== 'last') fail(method, `${arg}.nulls`, '"first" or "last"', o.nulls);
  });
}

/** Query options (query, scan, download): each member's type; `where`'s shape is checked as it is split. */
export function checkQuery(method: string, opts: Record<string, unknown>): void {
  checkStringList(method, 'select', opts.select, 'column names or aggregate items');
  if (opts.where !== undefined && (opts.where === null || typeof opts.where !== 'object'))
    fail(method, 'where', 'a filter map, a filter tree or an array of them', opts.where);
  checkOrder(method, opts.order);
  checkCount(method, 'limit', opts.limit);
  checkCount(method, 'offset', opts.offset);
  checkVersion(method, opts.version);
  checkSignal(method, opts.signal);
}

/** Upload options (create, replace, append); `format` and `data` are checked where the body is made. */
export function checkUpload(method: string, opts: Record<string, unknown>): void {
  if (opts.schema !== undefined && (opts.schema === null || typeof opts.schema !== 'object' || Array.isArray(opts.schema))) {
    fail(method, 'schema', "an object of type overrides by column ({ zip: 'string' })", opts.schema);
  }
  if (opts.idempotencyKey !== undefined && (typeof opts.idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(opts.idempotencyKey))) {
    fail(method, 'idempotencyKey', '1 to 255 printable ASCII characters', opts.idempotencyKey);
  }
  if (opts.retries !== undefined && (typeof opts.retries !== 'number' || !Number.isSafeInteger(opts.retries) || opts.retries < 0)) {
    fail(method, 'retries', 'a whole number >= 0', opts.retries);
  }
  checkSignal(method, opts.signal);
}
