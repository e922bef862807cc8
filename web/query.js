// The grid's query is the API's own query string (select, filters, order, limit, offset, version):
// parsed here into a state the controls edit, and written back the same way, so the page URL, the
// API URL shown under the grid and the controls always agree. Pure: no DOM.

/** Filter operators the controls offer (PostgREST's); `not.` is a separate switch. */
export const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'in', 'is'];
/** Parameters that are not filters: the API's list (src/query/params.ts RESERVED; test/reserved-params.test.ts holds them equal). */
export const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'version', 'format', 'csvSafe']);
export const DEFAULT_LIMIT = 50;

function nonNegativeInt(s, fallback) {
  return s !== null && /^\d+$/.test(s) ? Number(s) : fallback;
}

/** `delay.desc.nullslast` → { column: 'delay', desc: true, nulls: 'nullslast' } */
function parseOrder(term) {
  const [column, ...mods] = term.split('.');
  return { column, desc: mods.includes('desc'), nulls: mods.find((m) => m.startsWith('nulls')) ?? null };
}

function orderTerm(o) {
  return [o.column, o.desc ? 'desc' : 'asc', o.nulls].filter(Boolean).join('.');
}

/** `delay=gt.60` → { column, op: 'gt', value: '60', not: false }; what the controls cannot show
 *  (or=/and= groups, unknown operators) is kept as { column, raw } and passed through unchanged. */
export function parseFilter(column, expr) {
  let rest = expr;
  const not = rest.startsWith('not.');
  if (not) rest = rest.slice(4);
  const dot = rest.indexOf('.');
  const op = dot > 0 ? rest.slice(0, dot) : '';
  let value = rest.slice(dot + 1);
  if (column === 'or' || column === 'and' || !OPS.includes(op)) return { column, raw: expr };
  if (op === 'in' && value.startsWith('(') && value.endsWith(')')) value = value.slice(1, -1);
  return { column, op, value, not };
}

export function filterExpr(f) {
  if (f.raw !== undefined) return f.raw;
  return `${f.not ? 'not.' : ''}${f.op}.${f.op === 'in' ? `(${f.value})` : f.value}`;
}

export function parseQuery(search) {
  const p = new URLSearchParams(search);
  const select = p.get('select');
  const order = p.get('order');
  const filters = [];
  for (const [k, v] of p) if (!RESERVED.has(k)) filters.push(parseFilter(k, v));
  return {
    select: select ? select.split(',').filter(Boolean) : null,
    filters,
    order: order ? order.split(',').filter(Boolean).map(parseOrder) : [],
    limit: Math.max(1, nonNegativeInt(p.get('limit'), DEFAULT_LIMIT)),
    offset: nonNegativeInt(p.get('offset'), 0),
    version: p.get('version'),
  };
}

// Commas, colons and parentheses stay readable, as in the API's documentation.
function enc(s) {
  return encodeURIComponent(s).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}

/** The query string (without `?`), parameters in a fixed order. */
export function toQuery(q) {
  const parts = [];
  if (q.select && q.select.length > 0) parts.push(`select=${enc(q.select.join(','))}`);
  for (const f of q.filters) parts.push(`${enc(f.column)}=${enc(filterExpr(f))}`);
  if (q.order.length > 0) parts.push(`order=${enc(q.order.map(orderTerm).join(','))}`);
  parts.push(`limit=${q.limit}`, `offset=${q.offset}`);
  if (q.version) parts.push(`version=${enc(q.version)}`);
  return parts.join('&');
}

/** Only the filters of a query, as a query string (what the facets of that query are drawn over). */
export function filterQuery(q) {
  return q.filters.map((f) => `${enc(f.column)}=${enc(filterExpr(f))}`).join('&');
}

/** Header click: ascending, then descending, then unsorted; the clicked column becomes the only key. */
export function toggleOrder(order, column) {
  const first = order[0];
  if (!first || first.column !== column) return [{ column, desc: false, nulls: null }];
  if (!first.desc) return [{ column, desc: true, nulls: null }];
  return [];
}
