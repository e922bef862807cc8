// The browse page in Chromium against a real server: upload through the form (create, a refused
// second create, append), the table listed with its row count, the table page's schema and
// statistics against the describe answer, then the grid: filters, projection, sort and paging done
// with the controls, each checked against the API's JSON answer for the query the URL now holds.
// With API keys: the key field is what makes the page work. Screenshots go to test-artifacts/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServer, type Server } from '../support/server.js';
import { launchChromium, openPage, screenshot } from './browser.js';

const ORIGINS = ['SFO', 'LAX', 'JFK', 'ORD'];
/** 30 flights; delays are distinct (so every sort is total), every tenth one null. */
function rows(from: number, n: number): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const delay = i % 10 === 0 ? '' : String(((i * 7) % 200) - 50);
    return `${i},${ORIGINS[i % 4]},${delay},2024-01-${String(1 + (i % 28)).padStart(2, '0')}`;
  });
}
const HEADER = 'id,origin,delay,day';
const FIRST = [HEADER, ...rows(1, 24)].join('\n') + '\n';
const MORE = [HEADER, ...rows(25, 6)].join('\n') + '\n';

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

async function apiJson(path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(`${server.url}${path}`, init);
  return { status: r.status, body: await r.json() };
}

async function uploadWithForm(name: string, mode: string, file: string, content: string, schema = ''): Promise<void> {
  await page.fill('#upload input[name=name]', name);
  await page.fill('#upload input[name=schema]', schema);
  await page.setInputFiles('#upload input[name=file]', { name: file, mimeType: 'text/csv', buffer: Buffer.from(content) });
  await page.selectOption('#upload select[name=mode]', mode);
  await page.click('#upload button[type=submit]');
  await page.waitForFunction(
    () =>
      (globalThis as any).document.getElementById('upload-result')?.dataset.state !== undefined &&
      !(globalThis as any).document.querySelector('#upload button').disabled,
  );
}

async function uploadState(): Promise<{ state: string; text: string }> {
  return page.$eval('#upload-result', (el: any) => ({ state: el.dataset.state, text: el.textContent }));
}

/** Waits until the grid shows `query` (loaded or failed) and returns its state. */
async function gridShows(query: string): Promise<string> {
  await page.waitForFunction((q) => {
    const g = (globalThis as any).document.getElementById('grid');
    return g !== null && g.dataset.query === q && g.dataset.state !== 'loading';
  }, query);
  return page.$eval('#grid', (g: any) => g.dataset.state);
}

async function gridCells(): Promise<{ head: string[]; cells: string[][] }> {
  return page.$eval('#grid table.grid', (t: any) => ({
    head: [...t.tHead.rows[0].cells].map((c: any) => c.dataset.column),
    cells: [...t.tBodies[0].rows].map((r: any) => [...r.cells].map((c: any) => c.textContent)),
  }));
}

/** The API's JSON answer for the same query, as the grid writes values (null as "null"). */
async function expectedCells(query: string): Promise<{ head: string[]; cells: string[][] }> {
  const { status, body } = await apiJson(`/v1/tables/flights/rows?${query}`);
  assert.equal(status, 200, JSON.stringify(body));
  const head = body.columns.map((c: { name: string }) => c.name);
  return { head, cells: body.rows.map((r: Record<string, unknown>) => head.map((h: string) => (r[h] === null ? 'null' : String(r[h])))) };
}

function pageQuery(): string {
  const hash = new URL(page.url()).hash;
  assert.match(hash, /^#\/tables\/flights\?/);
  return hash.slice(hash.indexOf('?') + 1);
}

async function assertGridMatchesApi(query: string): Promise<string[][]> {
  assert.equal(pageQuery(), query, 'the page URL carries the API query');
  assert.equal(await gridShows(query), 'ready');
  const shown = await gridCells();
  const expected = await expectedCells(query);
  assert.deepEqual(shown, expected);
  assert.equal(await page.textContent('#api-url'), `GET /v1/tables/flights/rows?${query}`);
  return shown.cells;
}

describe('browse page', () => {
  test("uploads through the form: create, a refused second create with the API's detail, append; the list follows", async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#table-list[data-state=ready]');
    assert.match((await page.textContent('#table-list')) ?? '', /No tables yet/);

    await uploadWithForm('flights', 'create', 'flights.csv', FIRST, '{"origin":{"type":"string","semanticType":"categorical"}}');
    let r = await uploadState();
    assert.equal(r.state, 'ok', r.text);
    assert.match(r.text, /^Created flights: version 1, 24 rows added/);
    await page.waitForSelector('#tables tr[data-table=flights]');
    assert.equal(await page.textContent('#tables tr[data-table=flights] [data-field=rows]'), '24');

    await uploadWithForm('flights', 'create', 'flights.csv', FIRST);
    r = await uploadState();
    assert.equal(r.state, 'error');
    const again = await apiJson('/v1/tables/flights', { method: 'POST', body: FIRST, headers: { 'content-type': 'text/csv' } });
    assert.equal(again.status, 409);
    assert.equal(r.text, `409 Conflict: ${again.body.detail}`);

    await uploadWithForm('flights', 'append', 'more.csv', MORE);
    r = await uploadState();
    assert.equal(r.state, 'ok', r.text);
    assert.match(r.text, /^Appended to flights: version 2, 6 rows added, 30 rows in all/);
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector('#tables tr[data-table=flights] [data-field=rows]')?.textContent === '30',
    );
    const list = (await apiJson('/v1/tables')).body.tables;
    assert.equal(list.length, 1);
    assert.equal(list[0].rowCount, 30);
    assert.equal(await page.textContent('#tables tr[data-table=flights] td:nth-child(5)'), String(list[0].version));
    await screenshot(page, 'browse-tables');
  });

  test('the table page shows the schema, semantic types and statistics of the describe answer', async () => {
    await page.click('#tables a[href="#/tables/flights"]');
    await page.waitForSelector('table.schema');
    const described = (await apiJson('/v1/tables/flights')).body;
    const shown = await page.$$eval('table.schema tbody tr', (trs: any[]) => trs.map((tr) => [...tr.cells].map((c: any) => c.textContent)));
    assert.deepEqual(
      shown,
      described.columns.map((c: any) => [
        c.name,
        c.type,
        c.semanticType ?? '—',
        c.nullable ? 'yes' : 'no',
        String(c.stats.min),
        String(c.stats.max),
        String(c.stats.nullCount),
      ]),
    );
    assert.deepEqual(
      shown.map((row) => row[6]),
      ['0', '0', '3', '0'],
      'three null delays among 30 rows',
    );
    assert.deepEqual(
      shown.map((row) => row[2]),
      ['—', 'categorical', '—', '—'],
      'the semantic type given in the upload form',
    );
  });

  test("the grid: filter, projection, sort and paging through the controls match the API's answers", async () => {
    let q = 'limit=50&offset=0';
    assert.equal((await assertGridMatchesApi(q)).length, 30);

    // A filter row: delay > 60.
    await page.click('form.filters button:has-text("+ filter")');
    const row = page.locator('form.filters .filter').last();
    await row.locator('select[name=column]').selectOption('delay');
    await row.locator('select[name=op]').selectOption('gt');
    await row.locator('input[name=value]').fill('60');
    await page.click('form.filters button[type=submit]');
    q = 'delay=gt.60&limit=50&offset=0';
    const late = await assertGridMatchesApi(q);
    assert.ok(late.length > 0 && late.length < 30, `rows with delay > 60: ${late.length}`);
    for (const cells of late) assert.ok(Number(cells[2]) > 60, `row ${cells.join(',')}`);

    // A second filter, negated: origin not in (SFO, LAX).
    await page.click('form.filters button:has-text("+ filter")');
    const second = page.locator('form.filters .filter').last();
    await second.locator('select[name=column]').selectOption('origin');
    await second.locator('input[name=not]').check();
    await second.locator('select[name=op]').selectOption('in');
    await second.locator('input[name=value]').fill('SFO,LAX');
    await page.click('form.filters button[type=submit]');
    q = 'delay=gt.60&origin=not.in.(SFO,LAX)&limit=50&offset=0';
    const eastern = await assertGridMatchesApi(q);
    assert.ok(eastern.length > 0 && eastern.length < late.length);
    for (const cells of eastern) assert.ok(['JFK', 'ORD'].includes(cells[1]!), cells.join(','));

    // Projection: drop the day column.
    await page.uncheck('fieldset.projection input[value=day]');
    q = 'select=id,origin,delay&delay=gt.60&origin=not.in.(SFO,LAX)&limit=50&offset=0';
    assert.equal((await assertGridMatchesApi(q)).length, eastern.length);

    // Remove both filters, then sort by delay: ascending, then descending.
    await page.click('form.filters .filter >> nth=1 >> button');
    await page.click('form.filters .filter >> nth=0 >> button');
    await page.click('form.filters button[type=submit]');
    q = 'select=id,origin,delay&limit=50&offset=0';
    await assertGridMatchesApi(q);
    await page.click('#grid th[data-column=delay]');
    q = 'select=id,origin,delay&order=delay.asc&limit=50&offset=0';
    const asc = await assertGridMatchesApi(q);
    await page.click('#grid th[data-column=delay]');
    q = 'select=id,origin,delay&order=delay.desc&limit=50&offset=0';
    const desc = await assertGridMatchesApi(q);
    assert.deepEqual(new Set(asc.map((c) => c.join())), new Set(desc.map((c) => c.join())));
    assert.notDeepEqual(asc, desc);

    // Paging: ten rows a page, next, next, previous.
    await page.selectOption('#grid select[name=limit]', '10');
    q = 'select=id,origin,delay&order=delay.desc&limit=10&offset=0';
    const page1 = await assertGridMatchesApi(q);
    assert.deepEqual(page1, desc.slice(0, 10));
    await page.click('#grid button[name=next]');
    q = 'select=id,origin,delay&order=delay.desc&limit=10&offset=10';
    assert.deepEqual(await assertGridMatchesApi(q), desc.slice(10, 20));
    await page.click('#grid button[name=next]');
    q = 'select=id,origin,delay&order=delay.desc&limit=10&offset=20';
    assert.deepEqual(await assertGridMatchesApi(q), desc.slice(20, 30));
    // The page knows the total (Content-Range, Prefer: count=exact): the last full page has no next.
    assert.equal(await page.isDisabled('#grid button[name=next]'), true, 'the last page: rows 21–30 of 30');
    assert.equal(await page.textContent('#row-range'), 'Rows 21–30 of 30');
    await page.click('#grid button[name=prev]');
    q = 'select=id,origin,delay&order=delay.desc&limit=10&offset=10';
    assert.deepEqual(await assertGridMatchesApi(q), desc.slice(10, 20));
    await screenshot(page, 'browse-grid');

    // The URL is the state: the back button returns to the previous query.
    await page.goBack();
    q = 'select=id,origin,delay&order=delay.desc&limit=10&offset=20';
    assert.deepEqual(await assertGridMatchesApi(q), desc.slice(20, 30));
  });

  test('a query the API refuses shows its problem detail; a URL typed by hand is honoured', async () => {
    await page.goto(`${server.url}/#/tables/flights?delay=gt.late&limit=50&offset=0`);
    assert.equal(await gridShows('delay=gt.late&limit=50&offset=0'), 'error');
    const refused = await apiJson('/v1/tables/flights/rows?delay=gt.late');
    assert.equal(refused.status, 400);
    assert.equal(await page.textContent('#grid .error'), `400 Bad query: ${refused.body.detail}`);

    const q = 'select=origin,id&origin=eq.ORD&order=id.desc&limit=5&offset=0';
    await page.goto(`${server.url}/#/tables/flights?${q}`);
    const shown = await assertGridMatchesApi(q);
    assert.equal(shown.length, 5);
    assert.deepEqual(await page.$$eval('fieldset.projection input:checked', (els: any[]) => els.map((e) => e.value)), ['id', 'origin']);
  });

  test("replace through the form: a new version with the file's rows only", async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#table-list[data-state=ready]');
    await uploadWithForm('flights', 'replace', 'more.csv', MORE);
    const r = await uploadState();
    assert.equal(r.state, 'ok', r.text);
    assert.match(r.text, /^Replaced flights: version 3, 6 rows added, 6 rows in all/);
    await page.waitForFunction(
      () => (globalThis as any).document.querySelector('#tables tr[data-table=flights] [data-field=rows]')?.textContent === '6',
    );
    const described = (await apiJson('/v1/tables/flights')).body;
    assert.equal(described.version, 3);
    assert.equal(described.rowCount, 6);
  });

  test('no script errors or failed requests on the way', () => {
    // The 409 upload and the refused query above log their status as console errors; nothing else may.
    const unexpected = errors.filter((e) => !/status of (409|400) /.test(e));
    assert.deepEqual(unexpected, []);
    assert.equal(errors.length, 2, errors.join('\n'));
  });
});

describe('browse page with API keys', () => {
  let keyed: Server;
  before(async () => {
    keyed = await startServer({ env: { NCF_API_KEYS: 'reader-secret:read,writer-secret:write' } });
  });
  after(async () => {
    await keyed?.stop();
  });

  test('without a key the list shows the 401 detail; the key field (kept in localStorage) makes it work', async () => {
    const { page: p } = await openPage(browser);
    try {
      await p.goto(`${keyed.url}/`);
      await p.waitForSelector('#table-list[data-state=error]');
      const refused = await fetch(`${keyed.url}/v1/tables`);
      assert.equal(refused.status, 401);
      assert.equal(await p.textContent('#table-list .error'), `401 Unauthorized: ${((await refused.json()) as { detail: string }).detail}`);

      await p.fill('#api-key', 'writer-secret');
      await p.press('#api-key', 'Enter');
      await p.waitForSelector('#table-list[data-state=ready]');
      await p.fill('#upload input[name=name]', 'keyed');
      await p.setInputFiles('#upload input[name=file]', { name: 'k.csv', mimeType: 'text/csv', buffer: Buffer.from(FIRST) });
      await p.click('#upload button[type=submit]');
      await p.waitForSelector('#upload-result[data-state=ok]');
      await p.waitForSelector('#tables tr[data-table=keyed]');

      await p.reload();
      assert.equal(await p.inputValue('#api-key'), 'writer-secret');
      await p.waitForSelector('#tables tr[data-table=keyed]');
      // Replacing needs an admin key: the page shows the 403 detail.
      await p.fill('#upload input[name=name]', 'keyed');
      await p.setInputFiles('#upload input[name=file]', { name: 'k.csv', mimeType: 'text/csv', buffer: Buffer.from(FIRST) });
      await p.selectOption('#upload select[name=mode]', 'replace');
      await p.click('#upload button[type=submit]');
      await p.waitForSelector('#upload-result[data-state=error]');
      assert.match((await p.textContent('#upload-result')) ?? '', /^403 Forbidden: this request needs a key with the admin scope/);
    } finally {
      await p.close();
    }
  });
});
