// The dashboard example picks its table and columns from the API (issue #14 item 12), in Chromium
// against a real server: with no tables it shows an empty state saying how to upload one (not an
// error); with a table it charts that one, grouping by its text column and averaging its numeric
// one (not the id), and its bars are the API's JSON answer for the query it shows; after the table
// is deleted (how the README's first session ends) the empty state is back. No CSP violations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServer, type Server } from '../support/server.js';
import { launchChromium, openPage, screenshot } from './browser.js';

let server: Server;
let browser: Browser;
let page: Page;
let errors: string[] = [];

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function settled(): Promise<string> {
  await page.goto(`${server.url}/examples/dashboard`);
  await page.waitForSelector('#chart:not([data-state=loading])');
  return page.$eval('#chart', (c: any) => c.dataset.state);
}

async function assertEmptyState(shot: string): Promise<void> {
  assert.equal(await settled(), 'empty', `the dashboard: ${await page.textContent('#error')}`);
  const text = (await page.textContent('#empty')) ?? '';
  assert.match(text, /No tables yet/);
  assert.match(text, new RegExp(`curl -F file=@flights\\.csv ${server.url.replace(/[.]/g, '\\.')}/v1/tables/flights`));
  assert.equal(await page.textContent('#error'), '');
  await screenshot(page, shot);
}

test('no tables: an empty state with the upload command; a table: charted from its own columns', async () => {
  await assertEmptyState('dashboard-empty');

  // Carriers with distinct numbers of rows; `id` comes first but is not the measure.
  const carriers = ['AA', 'DL', 'UA'];
  const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, carrier: carriers[i % 3]!, dist: 100 + ((i * 13) % 50) }));
  const csv = 'id,carrier,dist\n' + rows.map((r) => `${r.id},${r.carrier},${r.dist}`).join('\n') + '\n';
  const created = await fetch(`${server.url}/v1/tables/routes`, { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
  assert.equal(created.status, 201, await created.text());

  assert.equal(await settled(), 'ready', `the dashboard: ${await page.textContent('#error')}`);
  const query = 'select=carrier,n:count(),avg:dist.avg()&order=carrier';
  assert.equal(await page.textContent('#query'), `GET /v1/tables/routes/rows?${query}`);
  const chart = await page.evaluate(() => {
    const c = (globalThis as any).Chart.getChart('chart');
    return { labels: c.data.labels, data: c.data.datasets[0].data, label: c.data.datasets[0].label };
  });
  // The oracle: averages from the generating rows.
  const want = carriers.map((c) => {
    const ds = rows.filter((r) => r.carrier === c).map((r) => r.dist);
    return { label: `${c} (${ds.length})`, avg: ds.reduce((a, b) => a + b, 0) / ds.length };
  });
  assert.deepEqual(
    chart.labels,
    want.map((w) => w.label),
  );
  chart.data.forEach((v: number, i: number) => assert.ok(Math.abs(v - want[i]!.avg) < 1e-9, `${chart.labels[i]}: ${v}`));
  assert.equal(chart.label, 'average dist');
  // The pickers offer the API's tables and columns.
  assert.deepEqual(await page.$$eval('select[name=table] option', (os: any[]) => os.map((o) => o.value)), ['routes']);
  assert.equal(await page.$eval('select[name=by]', (s: any) => s.value), 'carrier');
  assert.equal(await page.$eval('select[name=measure]', (s: any) => s.value), 'dist');
  await screenshot(page, 'dashboard-picked');

  const gone = await fetch(`${server.url}/v1/tables/routes`, { method: 'DELETE' });
  assert.ok(gone.status === 200 || gone.status === 204, String(gone.status));
  await assertEmptyState('dashboard-empty-after-delete');
  assert.deepEqual(errors, []);
});
