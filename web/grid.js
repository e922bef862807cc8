// The preview grid of a table page: projection (column checkboxes), filters (column / not / operator /
// value rows), sort (header clicks), paging (limit, previous, next). Every change becomes the page's
// URL (`#/tables/{name}?<the API query>`); the grid then fetches that query as Arrow and draws it.
// The grid element's data-state (loading, ready, error) and data-query tell tests what is shown.

import { getArrow, tablePath, apiKey, ARROW } from './api.js';
import { h, fill, errorBox } from './dom.js';
import { cellText, isNumeric } from './format.js';
import { OPS, filterExpr, parseQuery, toQuery, toggleOrder } from './query.js';

const LIMITS = [10, 25, 50, 100, 500];

export class Grid {
  /** `columns`: the table's columns from describe; `navigate(query)` changes the page URL. */
  constructor(root, name, columns, navigate) {
    this.root = root;
    this.name = name;
    this.columns = columns;
    this.navigate = navigate;
    this.seq = 0;
  }

  go(q) {
    this.navigate(toQuery(q));
  }

  /** Shows the query (a query string): controls at once, rows when they arrive. */
  async show(search) {
    const q = parseQuery(search);
    const query = toQuery(q);
    // The URL shows the query as the API gets it (defaults filled in), without a new history entry.
    if (search !== query) history.replaceState(null, '', `#/tables/${encodeURIComponent(this.name)}?${query}`);
    const seq = ++this.seq;
    const status = h('p', { class: 'muted' }, 'Loading…');
    const body = h('div', { class: 'scroll' });
    const grid = h('section', { id: 'grid', dataset: { state: 'loading', query } },
      this.projection(q), this.filterForm(q), this.apiLine(query), status, body, this.pager(q, null));
    fill(this.root, grid);
    try {
      const started = performance.now();
      const { table, headers } = await getArrow(`${tablePath(this.name)}/rows?${query}`);
      if (seq !== this.seq) return; // a newer query replaced this one
      const ms = Math.round(performance.now() - started);
      const n = table.numRows;
      const groups = headers.get('ncf-row-groups');
      fill(status, n === 0 ? 'No rows.' : `Rows ${q.offset + 1}–${q.offset + n}`, groups ? ` · row groups scanned ${groups}` : '', ` · ${ms} ms`);
      fill(body, this.rowsTable(table, q));
      grid.querySelector('.pager').replaceWith(this.pager(q, n));
      grid.dataset.rows = String(n);
      grid.dataset.state = 'ready';
    } catch (e) {
      if (seq !== this.seq) return;
      fill(status, errorBox(e));
      grid.dataset.state = 'error';
    }
  }

  projection(q) {
    const chosen = new Set(q.select ?? this.columns.map((c) => c.name));
    const boxes = this.columns.map((c) => h('label', null, h('input', {
      type: 'checkbox', name: 'select', value: c.name, checked: chosen.has(c.name),
      onchange: () => {
        const names = [...this.root.querySelectorAll('input[name=select]')].filter((b) => b.checked).map((b) => b.value);
        // Select items that are not plain columns (typed into the URL) are kept.
        const other = (q.select ?? []).filter((s) => !this.columns.some((col) => col.name === s));
        const all = names.length === this.columns.length && other.length === 0;
        this.go({ ...q, select: all ? null : [...names, ...other], offset: 0 });
      },
    }), ` ${c.name}`));
    return h('fieldset', { class: 'projection' }, h('legend', null, 'Columns'), boxes);
  }

  filterRow(f) {
    const row = h('div', { class: 'filter' });
    const columns = h('select', { name: 'column', 'aria-label': 'column', value: f.column },
      this.columns.map((c) => h('option', { value: c.name }, c.name)));
    row.append(
      columns,
      h('label', null, h('input', { type: 'checkbox', name: 'not', checked: Boolean(f.not) }), ' not'),
      h('select', { name: 'op', 'aria-label': 'operator', value: f.op }, OPS.map((op) => h('option', { value: op }, op))),
      h('input', { name: 'value', 'aria-label': 'value', value: f.value, placeholder: 'value (in: a,b,c · is: null)' }),
      h('button', { type: 'button', title: 'remove this filter', onclick: () => row.remove() }, '×'),
    );
    return row;
  }

  filterForm(q) {
    // Filters the controls cannot show (or=/and= groups, unknown columns) are kept as written.
    const known = (f) => f.raw === undefined && this.columns.some((c) => c.name === f.column);
    const editable = q.filters.filter(known);
    const raw = q.filters.filter((f) => !known(f));
    const rows = h('div', { class: 'rows' }, editable.map((f) => this.filterRow(f)));
    const form = h('form', { class: 'filters' },
      h('fieldset', null, h('legend', null, 'Filters (all must hold)'),
        rows,
        raw.map((f) => h('div', { class: 'muted' }, `${f.column}=${filterExpr(f)} (kept as written)`)),
        h('button', { type: 'button', onclick: () => rows.append(this.filterRow({ column: this.columns[0]?.name, op: 'eq', value: '', not: false })) }, '+ filter'),
        ' ',
        h('button', { type: 'submit' }, 'Apply')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const filters = [...rows.querySelectorAll('.filter')].map((r) => ({
        column: r.querySelector('[name=column]').value,
        op: r.querySelector('[name=op]').value,
        value: r.querySelector('[name=value]').value.trim(),
        not: r.querySelector('[name=not]').checked,
      }));
      this.go({ ...q, filters: [...filters, ...raw], offset: 0 });
    });
    return form;
  }

  apiLine(query) {
    const path = `${tablePath(this.name)}/rows?${query}`;
    const auth = apiKey() ? ` -H "Authorization: Bearer $NCF_API_KEY"` : '';
    return h('div', { class: 'api' },
      h('p', null, 'API: ', h('a', { href: path, target: '_blank', rel: 'noopener', id: 'api-url' }, `GET ${path}`), h('span', { class: 'muted' }, ' (JSON in a new tab)')),
      h('details', null, h('summary', null, 'as curl, answered as Arrow'),
        h('code', { class: 'api' }, `curl -s${auth} -H 'Accept: ${ARROW}' -o rows.arrows \\\n  '${location.origin}${path}'`)));
  }

  rowsTable(table, q) {
    const fields = table.schema.fields;
    const sorted = new Map(q.order.map((o) => [o.column, o.desc]));
    const sortBy = (name) => this.go({ ...q, order: toggleOrder(q.order, name), offset: 0 });
    const head = h('tr', null, fields.map((f) => h('th', {
      title: `${f.type} — click to sort`, dataset: { column: f.name }, tabindex: 0,
      'aria-sort': sorted.has(f.name) ? (sorted.get(f.name) ? 'descending' : 'ascending') : 'none',
      onclick: () => sortBy(f.name),
      onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sortBy(f.name); } },
    }, f.name, sorted.has(f.name) ? h('span', { class: 'arrow' }, sorted.get(f.name) ? '▼' : '▲') : null)));
    const vectors = fields.map((f) => table.getChild(f.name));
    const numeric = fields.map((f) => isNumeric(f.type));
    const rows = [];
    for (let i = 0; i < table.numRows; i++) {
      rows.push(h('tr', null, fields.map((f, j) => {
        const text = cellText(vectors[j], i);
        return text === null ? h('td', { class: 'null' }, 'null') : h('td', { class: numeric[j] ? 'num' : null }, text);
      })));
    }
    return h('table', { class: 'data grid' }, h('thead', null, head), h('tbody', null, rows));
  }

  pager(q, shown) {
    const limit = h('select', {
      name: 'limit', 'aria-label': 'rows per page', value: String(q.limit),
      onchange: (ev) => this.go({ ...q, limit: Number(ev.target.value), offset: 0 }),
    }, [...new Set([...LIMITS, q.limit])].sort((a, b) => a - b).map((n) => h('option', { value: String(n) }, String(n))));
    return h('div', { class: 'panel pager' },
      h('button', { type: 'button', name: 'prev', disabled: q.offset === 0, onclick: () => this.go({ ...q, offset: Math.max(0, q.offset - q.limit) }) }, '‹ Previous'),
      h('button', { type: 'button', name: 'next', disabled: shown === null || shown < q.limit, onclick: () => this.go({ ...q, offset: q.offset + q.limit }) }, 'Next ›'),
      h('label', null, 'Rows per page ', limit),
      h('span', { class: 'muted' }, `offset ${q.offset}`));
  }
}
