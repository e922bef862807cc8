// The browse page's facets and row count in Chromium against a real server (issue #14 items 6, 11,
// 13): per column a histogram (numbers, dates) or the top values with counts (strings), drawn from
// the API; clicking a value or a bar adds the filter to the URL hash, the grid follows, and "Rows
// 1–50 of N" shows the filter's row count (Prefer: count=exact). Every count is checked against one
// computed here from the generating formula. Long cells are cut with the full value in a title, the
// header row is sticky, and with many tables the upload form stays in reach. No CSP violations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServer, type Server } from '../support/server.js';
import { launchChromium, openPage, screenshot } from './browser.js';

const ORIGINS = ['SFO', 'LAX', 'JFK', 'ORD', 'BOS'];
const N = 180;
interface Row {
  id: number;
  origin: string;
  delay: number | null;
  day: string;
  note: string;
}
const ROWS: Row[] = Array.from({ length: N }, (_, i) => ({
  id: i,
  // Unequal shares, so the top values have a definite order.
  origin: ORIGINS[[0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4][i % 15]!]!,
  delay: i % 9 === 0 ? null : ((i * 37) % 240) - 40,
  day: `2024-0${1 + (i % 6)}-${String(1 + (i % 27)).padStart(2, '0')}`,
  note: i % 5 === 0 ? `a long remark number ${i} that goes on and on so that the cell must be cut short` : `n${i}`,
}));
const CSV = 'id,origin,delay,day,note\n' + ROWS.map((r) => `${r.id},${r.origin},${r.delay ?? ''},${r.day},${r.note}`).join('\n') + '\n';

let server: Server;
let browser: Browser;
let page: Page;
let errors: string[] = [];

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  ({ page, errors } = await openPage(browser));
  const r = await fetch(`${server.url}/v1/tables/flights`, { method: 'POST', body: CSV, headers: { 'content-type': 'text/csv' } });
  assert.equal(r.status, 201, await r.text());
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function hashQuery(): string {
  const hash = decodeURIComponent(new URL(page.url()).hash);
  return hash.slice(hash.indexOf('?') + 1);
}

async function gridReady(): Promise<{ query: string; total: string | undefined; range: string }> {
  await page.waitForFunction(() => {
    const g = (globalThis as any).document.getElementById('grid');
    return g !== null && g.dataset.state === 'ready';
  });
  return page.$eval('#grid', (g: any) => ({
    query: g.dataset.query,
    total: g.dataset.total,
    range: g.querySelector('#row-range').textContent,
  }));
}

async function facetReady(column: string): Promise<void> {
  await page.waitForSelector(`.facet[data-column="${column}"][data-state=ready]`);
}

/** The top values a facet shows: [value, count]. */
async function topValues(column: string): Promise<Array<[string, number]>> {
  await facetReady(column);
  return page.$$eval(`.facet[data-column="${column}"] button.facet-value`, (bs: any[]) =>
    bs.map((b) => [b.dataset.value, Number(b.dataset.count)]),
  );
}

test('facets show the columns, clicking one filters the grid, the URL and "Rows 1–50 of N"', async () => {
  await page.goto(`${server.url}/#/tables/flights`);
  let g = await gridReady();
  assert.equal(g.range, `Rows 1–50 of ${N}`);
  assert.equal(g.total, String(N));

  // Top values of origin, most frequent first, with counts from the formula.
  const want = ORIGINS.map((o) => [o, ROWS.filter((r) => r.origin === o).length] as [string, number]).sort((a, b) => b[1] - a[1]);
  assert.deepEqual(await topValues('origin'), want);
  // A histogram for the numbers and dates: its bars add up to the non-null values.
  for (const column of ['delay', 'day'] as const) {
    await facetReady(column);
    const counts = await page.$$eval(`.facet[data-column=${column}] svg.histogram .bin`, (bs: any[]) =>
      bs.map((b) => Number(b.dataset.count)),
    );
    assert.ok(counts.length > 1, `${column}: ${counts.length} bins`);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      ROWS.filter((r) => r[column] !== null).length,
      column,
    );
  }
  await screenshot(page, 'facets');

  // Click LAX: the filter lands in the URL, the grid and its count follow, the facets are redrawn
  // over the filtered rows.
  await page.click('.facet[data-column=origin] button.facet-value[data-value=LAX]');
  await page.waitForFunction(() => (globalThis as any).location.hash.includes('origin=eq.LAX'));
  const lax = ROWS.filter((r) => r.origin === 'LAX');
  g = await gridReady();
  assert.match(hashQuery(), /^origin=eq\.LAX&limit=50&offset=0$/);
  assert.equal(g.range, `Rows 1–${Math.min(50, lax.length)} of ${lax.length}`);
  await page.waitForSelector('#facets[data-filters="origin=eq.LAX"] .facet[data-column=origin][data-state=ready]');
  assert.deepEqual(await topValues('origin'), [['LAX', lax.length]]);

  // Click a delay bar: two bounds join the filter; the count is the rows between them.
  await page.waitForSelector('#facets[data-filters="origin=eq.LAX"] .facet[data-column=delay][data-state=ready]');
  const bins = await page.$$eval('.facet[data-column=delay] svg.histogram .bin', (bs: any[]) =>
    bs.map((b) => ({ lower: b.dataset.lower, count: Number(b.dataset.count) })),
  );
  const k = bins.findIndex((b, i) => b.count > 0 && i < bins.length - 1);
  assert.ok(k >= 0);
  await page.click(`.facet[data-column=delay] svg.histogram .bin:nth-of-type(${k + 1})`);
  await page.waitForFunction(() => (globalThis as any).location.hash.includes('delay=gte.'));
  g = await gridReady();
  const m = /delay=gte\.(-?\d+)&delay=lt\.(-?\d+)/.exec(hashQuery());
  assert.ok(m, hashQuery());
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  assert.equal(lo, Number(bins[k]!.lower));
  const inBin = lax.filter((r) => r.delay !== null && r.delay >= lo && r.delay < hi).length;
  assert.equal(inBin, bins[k]!.count, 'the bar counted the rows its filter selects');
  assert.equal(g.range, `Rows 1–${inBin} of ${inBin}`);
  assert.equal(await page.$$eval('#grid table.grid tbody tr', (trs: any[]) => trs.length), inBin);
  await screenshot(page, 'facets-filtered');
  assert.deepEqual(errors, []);
});

test('long and wide tables: sticky header, cut cells with the full value in their title', async () => {
  await page.goto(`${server.url}/#/tables/flights?limit=100&offset=0`);
  const g = await gridReady();
  assert.equal(g.range, `Rows 1–100 of ${N}`);
  const th = await page.$eval('#grid table.grid th', (el: any) => getComputedStyle(el).position);
  assert.equal(th, 'sticky');
  const long = ROWS.find((r) => r.note.length > 40)!;
  const cell = await page.$eval(`#grid table.grid td[title="${long.note}"]`, (td: any) => ({
    text: td.textContent,
    cut: td.scrollWidth > td.clientWidth,
  }));
  assert.equal(cell.text, long.note);
  assert.ok(cell.cut, 'the long cell is cut (ellipsis)');
  // The grid scrolls inside its box: the header stays at the top of the box when scrolled.
  const stuck = await page.evaluate(() => {
    const box = (globalThis as any).document.querySelector('#grid .grid-box');
    box.scrollTop = 400;
    const head = box.querySelector('th').getBoundingClientRect().top;
    return { scrolls: box.scrollHeight > box.clientHeight, offset: Math.abs(head - box.getBoundingClientRect().top) };
  });
  assert.ok(stuck.scrolls);
  assert.ok(stuck.offset <= 2, `header offset from the box top: ${stuck.offset}`);
  await screenshot(page, 'grid-long');
  // Past the last page: no rows, the total still shown.
  await page.goto(`${server.url}/#/tables/flights?limit=50&offset=500`);
  const past = await gridReady();
  assert.equal(past.range, `No rows here (${N} match).`);
  assert.deepEqual(errors, []);
});

test('with many tables the table list scrolls and the upload form stays in reach', async () => {
  for (let i = 0; i < 40; i++) {
    const r = await fetch(`${server.url}/v1/tables/t${String(i).padStart(2, '0')}`, {
      method: 'POST',
      body: 'a\n1\n',
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(r.status, 201);
  }
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#table-list[data-state=ready]');
  const list = await page.$eval('#table-list', (el: any) => ({
    scrolls: el.scrollHeight > el.clientHeight,
    rows: el.querySelectorAll('tbody tr').length,
  }));
  assert.equal(list.rows, 41);
  assert.ok(list.scrolls, 'the list scrolls in its box');
  // Without scrolling the page, the form starts within the first screen.
  const top = await page.$eval('#upload', (el: any) => el.getBoundingClientRect().top);
  assert.ok(top < 900, `upload form at ${top}px`);
  await page.click('#to-upload');
  assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.name), 'name');
  await screenshot(page, 'tables-many');
  assert.deepEqual(errors, []);
});
