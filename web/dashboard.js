// The dashboard pattern: one aggregate query as Arrow IPC → apache-arrow → a Chart.js chart.
// Which table and columns to chart come from the URL (?table=&by=&measure=) or else from the API:
// the first table listed, its first text column to group by and its first numeric column (not an
// id) to average. With no tables at all it says how to upload one.
const params = new URLSearchParams(location.search);
const headers = { Accept: 'application/json' };
const key = localStorage.getItem('ncf.apiKey'); // the browse page's key field, when one is set
if (key) headers.Authorization = `Bearer ${key}`;
const canvas = document.getElementById('chart');
const $ = (id) => document.getElementById(id);

async function getJSON(path) {
  const res = await fetch(path, { headers });
  if (!res.ok) throw new Error((await res.json()).detail); // problem+json says what was wrong
  return res.json();
}

const NUMERIC = /^(u?int(8|16|32|64)|float(32|64))$/;
/** The columns to chart: those asked for, else a text (or bool, or date) column and a numeric one. */
function pickColumns(columns) {
  const by =
    params.get('by') ??
    (columns.find((c) => c.type === 'string' || c.type === 'bool') ?? columns.find((c) => c.type === 'date') ?? columns[0])?.name;
  const numbers = columns.filter((c) => NUMERIC.test(c.type) && c.name !== by);
  const measure = params.get('measure') ?? (numbers.find((c) => !/(^|_)id$/i.test(c.name)) ?? numbers[0])?.name ?? null;
  return { by, measure };
}

/** Links to the same page with another table, grouping column or measure. */
function choices(tables, table, columns, by, measure) {
  const link = (p) => `?${new URLSearchParams(p).toString()}`;
  const box = $('choices');
  const pick = (label, items, current, to) => {
    const sel = document.createElement('select');
    sel.setAttribute('aria-label', label);
    sel.name = label;
    for (const v of items) sel.append(new Option(v, v, false, v === current));
    sel.addEventListener('change', () => {
      location.search = link(to(sel.value));
    });
    const l = document.createElement('label');
    l.append(`${label} `, sel);
    box.append(l, ' ');
  };
  pick(
    'table',
    tables.map((t) => t.name),
    table,
    (v) => ({ table: v }),
  );
  pick(
    'by',
    columns.map((c) => c.name),
    by,
    (v) => ({ table, by: v, ...(measure ? { measure } : {}) }),
  );
  const numbers = columns.filter((c) => NUMERIC.test(c.type)).map((c) => c.name);
  if (numbers.length > 0) pick('measure', numbers, measure, (v) => ({ table, by, measure: v }));
}

/** No table to chart: say how to make one. */
function emptyState() {
  const box = $('empty');
  box.className = 'empty';
  const code = document.createElement('code');
  code.className = 'api';
  code.textContent = `curl -F file=@flights.csv ${location.origin}/v1/tables/flights`;
  const p = document.createElement('p');
  p.append(
    'No tables yet — upload one with curl (add -H "Authorization: Bearer $NCF_API_KEY" when the server has keys), or with the form on the ',
  );
  const a = document.createElement('a');
  a.href = '/';
  a.textContent = 'browse page';
  p.append(a, ', then come back:');
  box.append(p, code);
  canvas.dataset.state = 'empty';
}

try {
  const { tables } = await getJSON('/v1/tables');
  const table = params.get('table') ?? tables[0]?.name ?? null;
  if (table === null) {
    emptyState();
  } else {
    const { columns } = await getJSON(`/v1/tables/${encodeURIComponent(table)}`);
    const { by, measure } = pickColumns(columns);
    choices(tables, table, columns, by, measure);
    const e = encodeURIComponent;
    const url = `/v1/tables/${e(table)}/rows?select=${e(by)},n:count()${measure ? `,avg:${e(measure)}.avg()` : ''}&order=${e(by)}`;
    $('query').textContent = `GET ${url}`;
    const res = await fetch(url, { headers: { ...headers, Accept: 'application/vnd.apache.arrow.stream' } });
    if (!res.ok) throw new Error((await res.json()).detail);
    const data = Arrow.tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const counts = [...data.getChild('n')].map(Number);
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: [...data.getChild(by)].map((v, i) => `${v} (${counts[i]})`),
        datasets: [
          measure ? { label: `average ${measure}`, data: [...data.getChild('avg')].map(Number) } : { label: 'rows', data: counts },
        ],
      },
      options: { animation: false },
    });
    canvas.dataset.state = 'ready';
  }
} catch (e) {
  Object.assign($('error'), { className: 'error', textContent: e.message });
  canvas.dataset.state = 'error';
}
