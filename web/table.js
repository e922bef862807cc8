// A table's page: its description (version, rows, size, times), the schema with types, semantic
// types and statistics (min, max, nulls) from GET /v1/tables/{name}, and the preview grid below.

import { getJSON, tablePath } from './api.js';
import { h, fill, errorBox } from './dom.js';
import { formatBytes, formatCount, formatTime } from './format.js';
import { Grid } from './grid.js';

function statText(v) {
  return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function schemaTable(columns) {
  return h(
    'table',
    { class: 'data schema' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['column', 'type', 'semantic type', 'nullable', 'min', 'max', 'nulls'].map((t) => h('th', null, t)),
      ),
    ),
    h(
      'tbody',
      null,
      columns.map((c) =>
        h(
          'tr',
          { dataset: { column: c.name } },
          h('td', null, c.name),
          h('td', null, c.type),
          h('td', { class: c.semanticType ? null : 'null' }, c.semanticType ?? '—'),
          h('td', null, c.nullable ? 'yes' : 'no'),
          h('td', null, statText(c.stats?.min)),
          h('td', null, statText(c.stats?.max)),
          h('td', { class: 'num' }, c.stats?.nullCount === undefined ? '' : formatCount(c.stats.nullCount)),
        ),
      ),
    ),
  );
}

export class TablePage {
  constructor(root, name) {
    this.root = root;
    this.name = name;
    this.grid = null;
    this.pending = '';
    this.loading = false;
  }

  /** First visit: describe, then the grid; later visits of the same table only re-run the grid. */
  async show(search) {
    this.pending = search;
    if (this.grid) return this.grid.show(search);
    if (this.loading) return; // the describe in flight will show the latest query
    this.loading = true;
    fill(this.root, h('p', { class: 'muted' }, 'Loading…'));
    let t;
    try {
      t = await getJSON(tablePath(this.name));
    } catch (e) {
      fill(this.root, h('p', null, h('a', { href: '#/' }, '‹ All tables')), h('h1', null, this.name), errorBox(e));
      return;
    }
    const gridRoot = h('div');
    fill(
      this.root,
      h('p', null, h('a', { href: '#/' }, '‹ All tables')),
      h('h1', null, t.name),
      h(
        'p',
        { class: 'muted' },
        `version ${t.version} · ${formatCount(t.rowCount)} rows · ${t.columns.length} columns · ${formatBytes(t.bytes)} · updated ${formatTime(t.updatedAt)} · `,
        h('a', { href: `/examples/dashboard?table=${encodeURIComponent(t.name)}` }, 'dashboard example'),
      ),
      h('h2', null, 'Schema and statistics'),
      h('div', { class: 'scroll' }, schemaTable(t.columns)),
      h('h2', null, 'Rows'),
      gridRoot,
    );
    this.grid = new Grid(gridRoot, t.name, t.columns, (query) => {
      location.hash = `#/tables/${encodeURIComponent(t.name)}?${query}`;
    });
    return this.grid.show(this.pending);
  }
}
