// The dashboard example in Chromium against a real server: it fetches one aggregate as Arrow and
// draws it with Chart.js. The chart's labels and bars must be the API's JSON answer for the same
// aggregate, which must in turn be the averages computed here from the generating formula; the
// canvas must hold a drawing. A screenshot goes to test-artifacts/. The README's dashboard snippet
// runs as printed, in a page of the same origin with the two vendor bundles loaded.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ROOT, startServer, type Server } from '../support/server.js';
import { launchChromium, openPage, screenshot } from './browser.js';

const ORIGINS = ['SFO', 'LAX', 'JFK', 'ORD'];
const N = 200;
/** Every tenth delay is null; each origin has its own level, so the bars differ. */
const delayOf = (i: number): number | null => (i % 10 === 0 ? null : ((i * 7) % 200) - 50 + 15 * (i % 4));
const CSV = 'id,origin,delay\n' + Array.from({ length: N }, (_, i) => `${i},${ORIGINS[i % 4]},${delayOf(i) ?? ''}`).join('\n') + '\n';
const QUERY = 'select=origin,n:count(),avg:delay.avg()&order=origin';

let server: Server;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await fetch(`${server.url}/v1/tables/flights`, { method: 'POST', body: CSV, headers: { 'content-type': 'text/csv' } });
  assert.equal(r.status, 201, await r.text());
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the dashboard example draws the aggregate it fetched as Arrow', async () => {
  // What the chart must show, from the formula: rows per origin and their average non-null delay.
  const expected = [...ORIGINS].sort().map((origin) => {
    const ids = Array.from({ length: N }, (_, i) => i).filter((i) => ORIGINS[i % 4] === origin);
    const delays = ids.map(delayOf).filter((d): d is number => d !== null);
    return { origin, n: ids.length, avg: delays.reduce((a, b) => a + b, 0) / delays.length };
  });
  const answer = await fetch(`${server.url}/v1/tables/flights/rows?${QUERY}`);
  const body = (await answer.json()) as { rows: { origin: string; n: number; avg: number }[] };
  assert.equal(answer.status, 200, JSON.stringify(body));
  assert.deepEqual(
    body.rows.map((r) => [r.origin, Number(r.n)]),
    expected.map((e) => [e.origin, e.n]),
  );
  body.rows.forEach((r, i) =>
    assert.ok(Math.abs(r.avg - expected[i]!.avg) < 1e-9, `average delay of ${r.origin}: ${r.avg} vs ${expected[i]!.avg}`),
  );

  const { page, errors } = await openPage(browser);
  try {
    await page.goto(`${server.url}/examples/dashboard`);
    await page.waitForSelector('#chart:not([data-state=loading])');
    const state = await page.$eval('#chart', (c: any) => c.dataset.state);
    assert.equal(state, 'ready', `the dashboard failed: ${await page.textContent('#error')}`);
    assert.equal(await page.textContent('#query'), `GET /v1/tables/flights/rows?${QUERY}`);

    const chart = await page.evaluate(() => {
      const c = (globalThis as any).Chart.getChart('chart');
      return { type: c.config.type, labels: c.data.labels, data: c.data.datasets[0].data };
    });
    assert.equal(chart.type, 'bar');
    assert.deepEqual(
      chart.labels,
      body.rows.map((r) => `${r.origin} (${r.n})`),
    );
    assert.deepEqual(
      chart.data,
      body.rows.map((r) => r.avg),
    );

    // The canvas holds a drawing: a good share of its pixels are painted, in more than one colour.
    const painted = await page.evaluate(() => {
      const canvas = (globalThis as any).document.getElementById('chart');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0) {
          n++;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
      }
      return { share: n / (data.length / 4), colours: colours.size };
    });
    assert.ok(painted.share > 0.02, `painted share of the canvas: ${painted.share}`);
    assert.ok(painted.colours > 2, `colours on the canvas: ${painted.colours}`);
    await screenshot(page, 'dashboard');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("the README's dashboard snippet runs as printed and draws the same aggregate", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const snippet = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('new Chart('));
  assert.ok(snippet, 'README.md has a ```js block that draws a Chart');
  const answer = await fetch(`${server.url}/v1/tables/flights/rows?select=origin,n:count(),avg:delay.avg()&order=origin`);
  const body = (await answer.json()) as { rows: { origin: string; avg: number }[] };
  assert.equal(answer.status, 200, JSON.stringify(body));

  const { page, errors } = await openPage(browser);
  try {
    // A page on the server's origin (the browse page: it names its icon, so no /favicon.ico 404), so
    // the snippet's relative URL reaches the API; its content is then replaced by a bare canvas.
    await page.goto(`${server.url}/`);
    await page.setContent(
      '<canvas id="chart"></canvas><script src="/vendor/apache-arrow.js"></script><script src="/vendor/chart.js"></script>',
    );
    await page.evaluate(`(async () => {\n${snippet}\n})()`);
    const chart = await page.evaluate(() => {
      const c = (globalThis as any).Chart.getChart('chart');
      return { labels: c.data.labels, data: c.data.datasets[0].data };
    });
    assert.deepEqual(
      chart.labels,
      body.rows.map((r) => r.origin),
    );
    assert.deepEqual(
      chart.data,
      body.rows.map((r) => r.avg),
    );
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
