// The browser pages under their Content-Security-Policy (issue #10, case 3), in Chromium: the browse
// page, the dashboard example and the API docs (Swagger UI) send a CSP with default-src 'self',
// frame-ancestors 'none' and no 'unsafe-eval' or inline scripts, render, and log no CSP violation; a
// control shows the policy is enforced and a violation would be seen (an inline script and a string
// timer added to the page do not run, and are reported). API answers, problems and pages carry X-Content-Type-Options: nosniff.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer, type Server } from '../support/server.js';
import { launchChromium, openPage, screenshot } from './browser.js';

let server: Server;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await fetch(`${server.url}/v1/tables/flights`, {
    method: 'POST',
    body: 'origin,delay\nSFO,75\nLAX,-3\nSFO,12\n',
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(r.status, 201, await r.text());
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

const PAGES: [string, string, string][] = [
  ['/', 'main#view table, main#view .tables, main#view a[href^="#/tables/"]', 'csp-browse'],
  ['/examples/dashboard?table=flights&by=origin&measure=delay', '#chart[data-state=ready]', 'csp-dashboard'],
  ['/docs', '.swagger-ui .info .title', 'csp-docs'],
];

describe('Content-Security-Policy on the pages', () => {
  for (const [path, ready, shot] of PAGES) {
    test(`${path.split('?')[0]}: a strict CSP, the page renders, no violation`, async () => {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 200);
      const csp = directives(r.headers.get('content-security-policy') ?? '');
      assert.deepEqual(csp.get('default-src'), ["'self'"]);
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
      assert.deepEqual(csp.get('object-src'), ["'none'"]);
      const scripts = csp.get('script-src') ?? [];
      assert.equal(scripts[0], "'self'");
      assert.ok(
        scripts.slice(1).every((s) => /^'sha256-[A-Za-z0-9+/]+=*'$/.test(s)),
        `script-src allows only this origin and hashed inline scripts: ${scripts.join(' ')}`,
      );
      assert.ok(!(r.headers.get('content-security-policy') ?? '').includes('unsafe-eval'));
      // Inline styles only where Swagger UI injects its own <style> elements.
      assert.deepEqual(csp.get('style-src'), path === '/docs' ? ["'self'", "'unsafe-inline'"] : ["'self'"]);
      assert.equal(r.headers.get('x-frame-options'), 'DENY');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');

      const { page, errors } = await openPage(browser);
      try {
        await page.goto(`${server.url}${path}`);
        await page.waitForSelector(ready, { timeout: 20_000 });
        await page.waitForLoadState('networkidle');
        await screenshot(page, shot);
        assert.deepEqual(errors, [], `${path}: errors or CSP violations`);
        // The control: the policy is enforced and a violation is seen. An inline script added to the
        // page does not run; a string timer (eval) does not either.
        const outcome = await page.evaluate(async () => {
          const w = window as unknown as Record<string, unknown>;
          const s = document.createElement('script');
          s.textContent = 'window.__inlineRan = true';
          document.head.append(s);
          setTimeout('window.__evalRan = true' as unknown as () => void, 0);
          await new Promise((r) => setTimeout(r, 100));
          return { inline: w.__inlineRan === true, evaluated: w.__evalRan === true };
        });
        assert.deepEqual(outcome, { inline: false, evaluated: false });
        await page.waitForTimeout(200);
        assert.ok(
          errors.some((e) => /CSP violation: script-src/.test(e)),
          `the violations were reported: ${errors.join('\n')}`,
        );
      } finally {
        await page.close();
      }
    });
  }
});

describe('X-Content-Type-Options', () => {
  test('nosniff on API answers, problems (401-less 404, 400 before routing) and files', async () => {
    for (const path of [
      '/v1/tables',
      '/v1/tables/flights/rows?format=csv',
      '/v1/tables/flights/rows?format=ndjson',
      '/v1/tables/nope',
      '/nothing',
      '/v1/tables/%ZZ',
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/web/app.js',
    ]) {
      const r = await fetch(`${server.url}${path}`);
      await r.arrayBuffer();
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${path} (${r.status})`);
    }
  });
});
