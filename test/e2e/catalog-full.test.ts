// Issue #10 item 11 (the catalog half), against the built server as a child process on a real full
// filesystem: the data directory is a small tmpfs holding the SQLite catalog, with its own larger
// tmpfs mount for the table files (files/); the upload spool (tmp/, which the server recreates at
// start) shares the catalog's. That filesystem is filled until a write fails, then a little room is
// freed: enough for the small upload's spool file and the writer's registration (one WAL frame),
// not for the commit (several). The commit then meets SQLITE_FULL, which must
// be the documented 503 with Retry-After (CatalogUnavailable) with nothing half-committed — before
// the fix it was a 500. Needs `mount -t tmpfs` (root); where mounting is not permitted the test says
// so and skips (the SQLITE_FULL mapping is also tested without mounts in catalog-sqlite.test.ts).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertProblem, startServer, storedFiles } from '../support/server.js';

function mount(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
}
function umount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    /* not mounted */
  }
}

/** Fills the filesystem holding `path` until a write fails, then frees `free` bytes. */
function fill(path: string, free: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) {
      try {
        size += writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
    ftruncateSync(fd, Math.max(0, size - free));
  } finally {
    closeSync(fd);
  }
}

describe('catalog on a full disk (SQLITE_FULL at the commit)', () => {
  it('an append whose commit meets a full disk answers 503 with Retry-After, and nothing is committed', { timeout: 120_000 }, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ncf-catalog-full-'));
    try {
      try {
        mount(dataDir, '4m');
      } catch (e) {
        t.skip(`mount -t tmpfs is not permitted here: ${String((e as Error).message).split('\n')[0]}`);
        return;
      }
      mkdirSync(join(dataDir, 'files'));
      mount(join(dataDir, 'files'), '64m');
      const server = await startServer({ dataDir, env: { NCF_ORPHAN_GRACE: '0' } });
      try {
        const url = `${server.url}/v1/tables/full`;
        const body = (from: number, n: number) =>
          `id,label\n${Array.from({ length: n }, (_, i) => `${from + i},row ${from + i}`).join('\n')}\n`;
        const created = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: body(0, 10) });
        assert.equal(created.status, 201, await created.text());
        const filesBefore = await storedFiles(dataDir);
        // Room for the spool file (a page) and one WAL frame (the registration), not for the commit's several.
        fill(join(dataDir, 'filler'), 3 * 4096);
        let sawFull = false;
        for (let attempt = 0; attempt < 3 && !sawFull; attempt++) {
          const r = await fetch(`${url}/rows`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: body(100, 50) });
          const text = await r.text();
          assert.equal(r.status, 503, `append on a full catalog disk: ${r.status} ${text}`);
          const p = JSON.parse(text) as { code: string; operation: string; reason: string; commitOutcome?: string };
          assertProblem({ status: r.status, headers: r.headers }, 503, p);
          assert.equal(p.code, 'CATALOG_UNAVAILABLE');
          assert.ok(Number(r.headers.get('retry-after')) >= 1, `Retry-After: ${r.headers.get('retry-after')}`);
          assert.match(p.reason, /^SQLITE_(FULL|IOERR)/);
          // The registration may already have failed (nothing written); the commit is the case sought.
          if (p.operation === 'commit') {
            sawFull = true;
            assert.equal(p.commitOutcome, 'not applied');
          }
        }
        assert.ok(sawFull, 'no append reached its commit before the disk was full');
        // Nothing half-committed: version 1 with its 10 rows, no new file left behind.
        const d = await fetch(url);
        assert.equal(d.status, 200);
        const desc = (await d.json()) as { version: number; rowCount: number };
        assert.deepEqual([desc.version, desc.rowCount], [1, 10]);
        assert.deepEqual(await storedFiles(dataDir), filesBefore);
        // Room again: the same append lands, once.
        await rm(join(dataDir, 'filler'));
        const ok = await fetch(`${url}/rows`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: body(100, 50) });
        assert.equal(ok.status, 200, await ok.text());
        const after = (await (await fetch(url)).json()) as { version: number; rowCount: number };
        assert.deepEqual([after.version, after.rowCount], [2, 60]);
        assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);
      } finally {
        await server.stop({ keep: true });
      }
    } finally {
      umount(join(dataDir, 'files'));
      umount(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
