// Facets (Datasette's are the model): per column, a small picture of the rows the current filters
// keep — a histogram for numbers, dates and timestamps (GET …/columns/{c}/histogram), the most
// frequent values with their counts for the others (GET …/columns/{c}/distinct). Clicking a bar or
// a value adds the filter that selects it. Cards load when they scroll into view, so a wide table
// asks only for the columns shown. No inline styles (the page's CSP): SVG geometry is attributes,
// looks are classes in style.css.

import { getJSON, tablePath } from './api.js';
import { h } from './dom.js';
import { formatCount } from './format.js';

const HISTOGRAM_TYPES = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'date',
  'timestamp',
]);
const BINS = 20;
const TOP = 5;
const SVG = 'http://www.w3.org/2000/svg';
const W = 200,
  H = 48;

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function valueText(v) {
  return v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The histogram card's body: one clickable bar per bin. `pick(filters)` adds filters. */
function histogram(column, answer, pick) {
  const bins = answer.bins ?? [];
  if (bins.length === 0) return h('p', { class: 'muted' }, answer.nulls > 0 ? `only nulls (${formatCount(answer.nulls)})` : 'no values');
  const most = Math.max(1, ...bins.map((b) => b.count));
  const w = W / bins.length;
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'histogram', role: 'list' });
  bins.forEach((b, i) => {
    const bh = b.count === 0 ? 0 : Math.max(1.5, (b.count / most) * (H - 2));
    const last = i === bins.length - 1;
    const label = `${valueText(b.lower)} ≤ ${column} ${last ? '(to the maximum)' : `< ${valueText(b.upper)}`}: ${formatCount(b.count)} rows`;
    // A whole-height hit area, so short bars are easy to click.
    const bar = svg(
      'g',
      { class: 'bin', role: 'listitem', tabindex: 0, 'data-lower': valueText(b.lower), 'data-count': b.count },
      svg('title', {}, label),
      svg('rect', { class: 'hit', x: i * w, y: 0, width: w, height: H }),
      svg('rect', { class: 'bar', x: i * w + 0.5, y: H - bh, width: Math.max(0.5, w - 1), height: bh }),
    );
    // The last bin holds the maximum (whatever the type): only its lower edge is needed.
    const filters = [{ column, op: 'gte', value: valueText(b.lower), not: false }];
    if (!last) filters.push({ column, op: 'lt', value: valueText(b.upper), not: false });
    const go = () => pick(filters);
    bar.addEventListener('click', go);
    bar.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        go();
      }
    });
    chart.append(bar);
  });
  const extra = answer.nulls > 0 ? ` · ${formatCount(answer.nulls)} null` : '';
  return h(
    'div',
    null,
    chart,
    h('div', { class: 'facet-range muted' }, h('span', null, valueText(answer.min)), h('span', null, `${valueText(answer.max)}${extra}`)),
  );
}

/** The top values card's body: value, count and a bar, each a button adding `column=eq.value`. */
function topValues(column, answer, pick) {
  const values = answer.values ?? [];
  if (values.length === 0) return h('p', { class: 'muted' }, 'no values');
  const most = Math.max(1, ...values.map((v) => v.count));
  const list = h(
    'ol',
    { class: 'top-values' },
    values.map((v) => {
      const text = valueText(v.value);
      const filter = v.value === null ? { column, op: 'is', value: 'null', not: false } : { column, op: 'eq', value: text, not: false };
      return h(
        'li',
        null,
        h(
          'button',
          {
            type: 'button',
            class: 'facet-value',
            title: `${text}: ${formatCount(v.count)} rows — click to filter`,
            dataset: { value: text, count: String(v.count) },
            onclick: () => pick([filter]),
          },
          h('span', { class: v.value === null ? 'label null' : 'label' }, text),
          h('span', { class: 'count' }, formatCount(v.count)),
          svg(
            'svg',
            { class: 'share', viewBox: '0 0 100 4', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
            svg('rect', { x: 0, y: 0, width: Math.max(1, (v.count / most) * 100), height: 4 }),
          ),
        ),
      );
    }),
  );
  const more = answer.truncated ? h('div', { class: 'muted' }, `${formatCount(answer.distinctCount)} distinct values`) : null;
  return h('div', null, list, more);
}

/** One column's card; loads its answer when first shown. */
function card(name, column, filterQuery, pick) {
  const numeric = HISTOGRAM_TYPES.has(column.type);
  const body = h('div', { class: 'facet-body muted' }, '…');
  const el = h(
    'div',
    { class: 'facet', dataset: { column: column.name, kind: numeric ? 'histogram' : 'values', state: 'idle' } },
    h(
      'div',
      { class: 'facet-head', title: `${column.name} (${column.type})` },
      h('strong', null, column.name),
      h('span', { class: 'muted' }, ` ${column.type}`),
    ),
    body,
  );
  el.load = async () => {
    el.dataset.state = 'loading';
    const path = `${tablePath(name)}/columns/${encodeURIComponent(column.name)}/${numeric ? `histogram?bins=${BINS}` : `distinct?limit=${TOP}`}`;
    try {
      const answer = await getJSON(filterQuery ? `${path}&${filterQuery}` : path);
      body.className = 'facet-body';
      body.replaceChildren(numeric ? histogram(column.name, answer, pick) : topValues(column.name, answer, pick));
      el.dataset.state = 'ready';
    } catch (e) {
      body.className = 'facet-body facet-error';
      body.replaceChildren(e instanceof Error ? e.message : String(e));
      el.dataset.state = 'error';
    }
  };
  return el;
}

/** The facet strip for a table under `filterQuery` (the filters of the grid's query, as a query
 *  string); `pick(filters)` adds filters to the grid's query. Its cards load after `strip.start()`. */
export function facetStrip(name, columns, filterQuery, pick) {
  const strip = h('div', { class: 'facets', id: 'facets', dataset: { filters: filterQuery } });
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer.unobserve(e.target);
        void e.target.load();
      }
    },
    { root: strip, rootMargin: '0px 400px 0px 400px' },
  );
  // Binary columns have neither picture.
  const cards = columns.filter((c) => c.type !== 'binary').map((c) => card(name, c, filterQuery, pick));
  strip.append(...cards);
  // Cards load once the grid's query was accepted: a refused filter shows one problem, not one per card.
  let started = false;
  strip.start = () => {
    if (started) return;
    started = true;
    for (const c of cards) observer.observe(c);
  };
  return strip;
}
