// The preview grid of a table page: projection (column checkboxes), filters (column / not / operator /
// value rows), sort (header clicks), paging (limit, previous, next). Every change becomes the page's
// URL (`#/tables/{name}?<the API query>`); the grid then fetches that query as Arrow and draws it.
// The grid element's data-state (loading, ready, error) and data-query tell tests what is shown.

import { getArrow, rangeTotal, tablePath, apiKey, ARROW } from './api.js';
import { h, fill, errorBox } from './dom.js';
import { facetStrip } from './facets.js';
import { cellText, formatCount, isNumeric } from './format.js';
import { OPS, filterExpr, filterQuery, parseQuery, toQuery, toggleOrder } from './query.js';

const LIMITS = [10, 25, 50, 100, 500];
/** Cells this long may be cut (ellipsis) by the stylesheet: they carry the full value as a title. */
const LONG_CELL = 24;

export class Grid {
  /** `columns`: the table's columns from describe; `navigate(query)` changes the page URL. */
  constructor(root, name, columns, navigate) {
    this.root = root;
    this.name = name;
    this.columns = columns;
    this.navigate = navigate;
    this.seq = 0;
    this.facets = null; // the facet strip, kept while the filters stay the same
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
    const body = h('div', { class: 'scroll grid-box' });
    this.q = q;
    const fq = filterQuery(q);
    if (this.facets?.dataset.filters !== fq) {
      this.facets = facetStrip(
        this.name,
        this.columns,
        fq, // The query on screen when clicked (the strip outlives sorts and pages).
        (filters) => this.go({ ...this.q, filters: [...this.q.filters, ...filters], offset: 0 }),
      );
    }
    const grid = h(
      'section',
      { id: 'grid', dataset: { state: 'loading', query } },
      h(
        'div',
        { class: 'facets-box' },
        h('h3', null, q.filters.length > 0 ? 'Columns of the filtered rows (click to filter)' : 'Columns (click to filter)'),
        this.facets,
      ),
      this.projection(q),
      this.filterForm(q),
      this.apiLine(query),
      status,
      body,
      this.pager(q, null, null),
    );
    fill(this.root, grid);
    try {
      const started = performance.now();
      // Prefer: count=exact asks for the filter's row count in Content-Range (PostgREST's convention).
      const { table, headers } = await getArrow(`${tablePath(this.name)}/rows?${query}`, { Prefer: 'count=exact' });
      if (seq !== this.seq) return; // a newer query replaced this one
      this.facets.start();
      const ms = Math.round(performance.now() - started);
      const n = table.numRows;
      const total = rangeTotal(headers);
      const groups = headers.get('ncf-row-groups');
      const of = total === null ? '' : ` of ${formatCount(total)}`;
      fill(
        status,
        h(
          'span',
          { id: 'row-range' },
          n === 0
            ? `No rows${total === null ? '' : ` here (${formatCount(total)} match)`}.`
            : `Rows ${formatCount(q.offset + 1)}–${formatCount(q.offset + n)}${of}`,
        ),
        groups ? ` · row groups scanned/total ${groups}` : '',
        ` · ${ms} ms`,
      );
      fill(body, this.rowsTable(table, q));
      grid.querySelector('.pager').replaceWith(this.pager(q, n, total));
      grid.dataset.rows = String(n);
      if (total !== null) grid.dataset.total = String(total);
      grid.dataset.state = 'ready';
    } catch (e) {
      if (seq !== this.seq) return;
      fill(status, errorBox(e));
      grid.dataset.state = 'error';
    }
  }

  projection(q) {
    const chosen = new Set(q.select ?? this.columns.map((c) => c.name));
    const boxes = this.columns.map((c) =>
      h(
        'label',
        null,
        h('input', {
          type: 'checkbox',
          name: 'select',
          value: c.name,
          checked: chosen.has(c.name),
          onchange: () => {
            const names = [...this.root.querySelectorAll('input[name=select]')].filter((b) => b.checked).map((b) => b.value);
            // Select items that are not plain columns (typed into the URL) are kept.
            const other = (q.select ?? []).filter((s) => !this.columns.some((col) => col.name === s));
            const all = names.length === this.columns.length && other.length === 0;
            this.go({ ...q, select: all ? null : [...names, ...other], offset: 0 });
          },
        }),
        ` ${c.name}`,
      ),
    );
    return h('fieldset', { class: 'projection' }, h('legend', null, 'Columns'), boxes);
  }

  filterRow(f) {
    const row = h('div', { class: 'filter' });
    const columns = h(
      'select',
      { name: 'column', 'aria-label': 'column', value: f.column },
      this.columns.map((c) => h('option', { value: c.name }, c.name)),
    );
    row.append(
      columns,
      h('label', null, h('input', { type: 'checkbox', name: 'not', checked: Boolean(f.not) }), ' not'),
      h(
        'select',
        { name: 'op', 'aria-label': 'operator', value: f.op },
        OPS.map((op) => h('option', { value: op }, op)),
      ),
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
    const rows = h(
      'div',
      { class: 'rows' },
      editable.map((f) => this.filterRow(f)),
    );
    const form = h(
      'form',
      { class: 'filters' },
      h(
        'fieldset',
        null,
        h('legend', null, 'Filters (all must hold)'),
        rows,
        raw.map((f) => h('div', { class: 'muted' }, `${f.column}=${filterExpr(f)} (kept as written)`)),
        h(
          'button',
          {
            type: 'button',
            onclick: () => rows.append(this.filterRow({ column: this.columns[0]?.name, op: 'eq', value: '', not: false })),
          },
          '+ filter',
        ),
        ' ',
        h('button', { type: 'submit' }, 'Apply'),
      ),
    );
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
    return h(
      'div',
      { class: 'api' },
      h(
        'p',
        null,
        'API: ',
        h('a', { href: path, target: '_blank', rel: 'noopener', id: 'api-url' }, `GET ${path}`),
        h('span', { class: 'muted' }, ' (JSON in a new tab)'),
      ),
      h(
        'details',
        null,
        h('summary', null, 'as curl, answered as Arrow'),
        h('code', { class: 'api' }, `curl -s${auth} -H 'Accept: ${ARROW}' -o rows.arrows \\\n  '${location.origin}${path}'`),
      ),
    );
  }

  rowsTable(table, q) {
    const fields = table.schema.fields;
    const sorted = new Map(q.order.map((o) => [o.column, o.desc]));
    const sortBy = (name) => this.go({ ...q, order: toggleOrder(q.order, name), offset: 0 });
    const head = h(
      'tr',
      null,
      fields.map((f) =>
        h(
          'th',
          {
            title: `${f.type} — click to sort`,
            dataset: { column: f.name },
            tabindex: 0,
            'aria-sort': sorted.has(f.name) ? (sorted.get(f.name) ? 'descending' : 'ascending') : 'none',
            onclick: () => sortBy(f.name),
            onkeydown: (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                sortBy(f.name);
              }
            },
          },
          f.name,
          sorted.has(f.name) ? h('span', { class: 'arrow' }, sorted.get(f.name) ? '▼' : '▲') : null,
        ),
      ),
    );
    const vectors = fields.map((f) => table.getChild(f.name));
    const numeric = fields.map((f) => isNumeric(f.type));
    const rows = [];
    for (let i = 0; i < table.numRows; i++) {
      rows.push(
        h(
          'tr',
          null,
          fields.map((_f, j) => {
            const text = cellText(vectors[j], i);
            if (text === null) return h('td', { class: 'null' }, 'null');
            return h('td', { class: numeric[j] ? 'num' : null, title: text.length > LONG_CELL ? text : null }, text);
          }),
        ),
      );
    }
    return h('table', { class: 'data grid' }, h('thead', null, head), h('tbody', null, rows));
  }

  pager(q, shown, total) {
    const limit = h(
      'select',
      {
        name: 'limit',
        'aria-label': 'rows per page',
        value: String(q.limit),
        onchange: (ev) => this.go({ ...q, limit: Number(ev.target.value), offset: 0 }),
      },
      [...new Set([...LIMITS, q.limit])].sort((a, b) => a - b).map((n) => h('option', { value: String(n) }, String(n))),
    );
    return h(
      'div',
      { class: 'panel pager' },
      h(
        'button',
        {
          type: 'button',
          name: 'prev',
          disabled: q.offset === 0,
          onclick: () => this.go({ ...q, offset: Math.max(0, q.offset - q.limit) }),
        },
        '‹ Previous',
      ),
      h(
        'button',
        {
          type: 'button',
          name: 'next',
          disabled: shown === null || shown < q.limit || (total !== null && q.offset + shown >= total),
          onclick: () => this.go({ ...q, offset: q.offset + q.limit }),
        },
        'Next ›',
      ),
      h('label', null, 'Rows per page ', limit),
      h('span', { class: 'muted' }, `offset ${q.offset}`),
    );
  }
}
