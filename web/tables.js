// The start page: every table with its row count, columns and size (GET /v1/tables), and the upload
// form (name, file, optional schema overrides, mode create / append / replace → POST, POST /rows, PUT).

import { getJSON, upload, UPLOAD_MODES } from './api.js';
import { h, fill, errorBox } from './dom.js';
import { formatBytes, formatCount, formatTime } from './format.js';

function tableList(tables) {
  if (tables.length === 0) return h('p', { class: 'muted', id: 'no-tables' }, 'No tables yet: upload one below.');
  return h(
    'table',
    { class: 'data', id: 'tables' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['table', 'rows', 'columns', 'size', 'version', 'updated'].map((t) => h('th', null, t)),
      ),
    ),
    h(
      'tbody',
      null,
      tables.map((t) =>
        h(
          'tr',
          { dataset: { table: t.name } },
          h('td', null, h('a', { href: `#/tables/${encodeURIComponent(t.name)}` }, t.name)),
          h('td', { class: 'num', dataset: { field: 'rows' } }, formatCount(t.rowCount)),
          h('td', { class: 'num' }, formatCount(t.columnCount)),
          h('td', { class: 'num', dataset: { field: 'size' } }, formatBytes(t.bytes)),
          h('td', { class: 'num' }, String(t.version)),
          h('td', null, formatTime(t.updatedAt)),
        ),
      ),
    ),
  );
}

function uploadForm(onDone) {
  const result = h('div', { id: 'upload-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'upload' },
    h(
      'label',
      null,
      'Table ',
      h('input', { name: 'name', required: true, pattern: '[A-Za-z_][A-Za-z0-9_]*', placeholder: 'flights', size: 14 }),
    ),
    h(
      'label',
      null,
      'File ',
      h('input', {
        name: 'file',
        type: 'file',
        required: true,
        accept: '.csv,.tsv,.ndjson,.jsonl,.json,.arrow,.arrows,.ipc,.feather,.parquet',
      }),
    ),
    h(
      'label',
      null,
      'Mode ',
      h(
        'select',
        { name: 'mode' },
        Object.keys(UPLOAD_MODES).map((m) => h('option', { value: m }, m)),
      ),
    ),
    h('label', null, 'Schema overrides ', h('input', { name: 'schema', placeholder: '{"zip":"string"}', size: 24 })),
    h('button', { type: 'submit' }, 'Upload'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const name = String(data.get('name')).trim();
    const mode = String(data.get('mode'));
    const button = form.querySelector('button');
    button.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Uploading…'));
    try {
      const t = await upload(name, mode, data.get('file'), String(data.get('schema') ?? '').trim());
      const verb = { create: 'Created', append: 'Appended to', replace: 'Replaced' }[mode];
      fill(
        result,
        h(
          'div',
          { class: 'ok', role: 'status' },
          `${verb} `,
          h('a', { href: `#/tables/${encodeURIComponent(t.name)}` }, t.name),
          `: version ${t.version}, ${formatCount(t.rowsAdded ?? t.rowCount)} rows added, ${formatCount(t.rowCount)} rows in all.`,
        ),
      );
      result.dataset.state = 'ok';
      form.reset();
      await onDone();
    } catch (e) {
      fill(result, errorBox(e));
      result.dataset.state = 'error';
    } finally {
      button.disabled = false;
    }
  });
  return h('div', null, form, result);
}

export async function showTables(root) {
  const list = h('div', { id: 'table-list', dataset: { state: 'loading' } }, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = async () => {
    list.dataset.state = 'loading';
    try {
      const { tables } = await getJSON('/v1/tables');
      fill(list, tableList(tables));
      list.dataset.state = 'ready';
    } catch (e) {
      fill(list, errorBox(e));
      list.dataset.state = 'error';
    }
  };
  // The list scrolls inside its box (style.css) and this link jumps to the form, so the upload form
  // stays in reach however many tables there are.
  const toUpload = h(
    'a',
    {
      href: '#/',
      id: 'to-upload',
      onclick: (ev) => {
        ev.preventDefault();
        document.getElementById('upload')?.scrollIntoView();
        document.querySelector('#upload input[name=name]')?.focus();
      },
    },
    'upload a table ↓',
  );
  fill(
    root,
    h('h1', null, 'Tables ', h('small', { class: 'muted' }, '· ', toUpload)),
    list,
    h('h2', null, 'Upload'),
    h(
      'p',
      { class: 'muted' },
      "CSV, NDJSON, JSON, Arrow IPC or Parquet. Create makes a new table, append adds rows to one, replace makes its contents the file's (a new version either way).",
    ),
    uploadForm(refresh),
  );
  await refresh();
}
