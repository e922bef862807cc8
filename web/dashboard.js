// The dashboard pattern: one aggregate query as Arrow IPC → apache-arrow → a Chart.js chart.
const params = new URLSearchParams(location.search);
const [table, by, measure] = [params.get('table') ?? 'flights', params.get('by') ?? 'origin', params.get('measure') ?? 'delay'];
const url = `/v1/tables/${encodeURIComponent(table)}/rows?select=${by},n:count(),avg:${measure}.avg()&order=${by}`;
const headers = { Accept: 'application/vnd.apache.arrow.stream' };
const key = localStorage.getItem('ncf.apiKey'); // the browse page's key field, when one is set
if (key) headers.Authorization = `Bearer ${key}`;
const canvas = document.getElementById('chart');
document.getElementById('query').textContent = `GET ${url}`;
try {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error((await res.json()).detail); // problem+json says what was wrong
  const data = Arrow.tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  const counts = [...data.getChild('n')].map(Number);
  new Chart(canvas, {
    type: 'bar',
    data: {
      labels: [...data.getChild(by)].map((v, i) => `${v} (${counts[i]})`),
      datasets: [{ label: `average ${measure}`, data: [...data.getChild('avg')].map(Number) }],
    },
    options: { animation: false },
  });
  canvas.dataset.state = 'ready';
} catch (e) {
  Object.assign(document.getElementById('error'), { className: 'error', textContent: e.message });
  canvas.dataset.state = 'error';
}
