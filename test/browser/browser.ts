// Browser-test helpers: Debian's Chromium (/usr/bin/chromium, or NCF_CHROMIUM) driven headless by
// playwright-core, which downloads no browser of its own. A missing Chromium fails the tests with
// the command that installs it (scripts/ensure-chromium.sh, which .ci/run calls); it never skips.
// Screenshots go to test-artifacts/ at the repository root.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../support/server.js';

export const CHROMIUM = process.env.NCF_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Flags this machine needs: no sandbox (root, containers), no GPU, nothing that calls out to the network. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium is not installed at ${CHROMIUM}: the browser tests need it. Run "bash scripts/ensure-chromium.sh" ` +
      "(installs Debian's chromium package with apt; .ci/run does this) or set NCF_CHROMIUM to a Chromium binary.",
  );
  // playwright-core starts it with a fresh temporary profile (its own --user-data-dir) and removes it on close.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
}

/** A page whose script errors, failed requests and CSP violations are collected, to assert none happened. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  // Content-Security-Policy violations (blocked scripts, styles, eval, fetches) land in `errors` too,
  // named by directive, so every page test also asserts the page runs under its CSP.
  await page.addInitScript(() => {
    // Runs in the page; this module is type-checked without the DOM library (the tests import it).
    const document = (globalThis as unknown as { document: PageDocument }).document;
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(
        `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'an inline script or style'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return { page, errors };
}

/** The part of the page's `document` the init script above uses. */
interface PageDocument {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }) => void,
  ): void;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
