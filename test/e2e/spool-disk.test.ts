// The upload spool on a failing or full disk, against real server processes (issue #10, items 4
// and 11): every write of the temp file, and its fsync, must be done before the upload is ingested,
// and any failure of them is the documented 503 with Retry-After, nothing committed, no temp file.
//  - Injected faults (spool-faults.mjs, preloaded into the server): the disk fills up 3 bytes before
//    the end of a 1.4 MB body (the final write is short, then ENOSPC), a disk already 100 % full,
//    and an fsync that fails with EIO; for raw and multipart bodies.
//  - A real tiny filesystem: a 256 KiB tmpfs mounted on the server's <dataDir>/tmp (needs root and
//    mount; the test fails, loudly, where it cannot mount).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { assertDocumented, assertProblem, ROOT, startServer, type Server } from '../support/server.js';

const run = promisify(execFile);
const PRELOAD = join(ROOT, 'test/e2e/spool-faults.mjs');

/** A CSV of `rows` rows whose last value is 9876543210: a file cut short loses rows or cuts it. */
function csv(rows: number, first = 0): string {
  const lines = ['id,label'];
  for (let i = 0; i < rows - 1; i++) lines.push(`${first + i},row number ${first + i} of the upload`);
  lines.push('9876543210,last');
  return `${lines.join('\n')}\n`;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function send(url: string, method: string, path: string, body: string, multipart = false): Promise<Answer> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(60_000) };
  if (multipart) {
    const form = new FormData();
    form.append('file', new Blob([body], { type: 'text/csv' }), 'data.csv');
    init.body = form;
  } else {
    init.headers = { 'content-type': 'text/csv' };
    init.body = body;
  }
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  assertDocumented(method, path, res.status);
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
}

function assertUnavailable(r: Answer, what: string): void {
  assertProblem({ status: r.status, headers: r.headers }, 503, r.body);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: 503 without Retry-After`);
  assert.match(r.body.detail, /temp folder/, what);
}

async function rowCount(url: string, name: string): Promise<number | null> {
  const r = await fetch(`${url}/v1/tables/${name}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200);
  return ((await r.json()) as { rowCount: number }).rowCount;
}

async function tmpEntries(dataDir: string): Promise<string[]> {
  try {
    return await readdir(join(dataDir, 'tmp'));
  } catch {
    return [];
  }
}

describe('injected disk faults on the spool', () => {
  let server: Server;
  let faults = '';
  const setFault = (f: object | null) => writeFile(faults, JSON.stringify(f));

  before(async () => {
    faults = join(await mkdtemp(join(tmpdir(), 'ncf-spool-faults-')), 'fault.json');
    await setFault(null);
    server = await startServer({ env: { NODE_OPTIONS: `--import=${PRELOAD}`, NCF_TEST_SPOOL_FAULTS: faults } });
  });
  after(async () => {
    await server?.stop();
    await rm(join(faults, '..'), { recursive: true, force: true });
  });

  for (const multipart of [false, true]) {
    const kind = multipart ? 'multipart' : 'raw';
    test(`${kind}: ENOSPC on the final write of a 1.4 MB append is a 503, nothing committed`, async () => {
      const name = `final_${kind}`;
      assert.equal((await send(server.url, 'POST', `/v1/tables/${name}`, csv(10))).status, 201);
      const body = csv(40_000, 1000);
      assert.ok(body.length > 1_400_000, `body of ${body.length} bytes`);
      // The bytes before the file in a multipart body are not written: count from the file's start.
      await setFault({ op: 'write', code: 'ENOSPC', atByte: body.length - 3 });
      const r = await send(server.url, 'POST', `/v1/tables/${name}/rows`, body, multipart);
      assertUnavailable(r, 'ENOSPC on the final write');
      assert.match(r.body.detail, /ENOSPC/);
      assert.equal(await rowCount(server.url, name), 10, 'no row of the failed append is committed');
      assert.deepEqual(await tmpEntries(server.dataDir), [], 'the temp file is removed');
      await setFault(null);
      const ok = await send(server.url, 'POST', `/v1/tables/${name}/rows`, body, multipart);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.rowsAdded, 40_000);
    });

    test(`${kind}: a tiny upload on a 100 % full disk is a 503, not "CSV input is empty"`, async () => {
      await setFault({ op: 'write', code: 'ENOSPC', atByte: 0 });
      const r = await send(server.url, 'POST', `/v1/tables/full_${kind}`, 'id\n1\n', multipart);
      assertUnavailable(r, 'full disk');
      assert.equal(await rowCount(server.url, `full_${kind}`), null, 'no table is created');
      assert.deepEqual(await tmpEntries(server.dataDir), []);
      await setFault(null);
    });

    test(`${kind}: a failed fsync of the temp file is a 503, nothing committed`, async () => {
      await setFault({ op: 'sync', code: 'EIO' });
      const r = await send(server.url, 'POST', `/v1/tables/fsync_${kind}`, csv(100), multipart);
      assertUnavailable(r, 'fsync EIO');
      assert.match(r.body.detail, /fsync: EIO/);
      assert.equal(await rowCount(server.url, `fsync_${kind}`), null);
      assert.deepEqual(await tmpEntries(server.dataDir), []);
      await setFault(null);
    });
  }
});

describe('a real 256 KiB filesystem under the spool', () => {
  let server: Server;
  let dataDir = '';
  let mounted = false;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ncf-spool-tmpfs-'));
    await mkdir(join(dataDir, 'tmp'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', join(dataDir, 'tmp')]);
      mounted = true;
    } catch (e) {
      throw new Error(
        `this test needs a real tiny filesystem: mounting a 256 KiB tmpfs failed (run as root, or in a container with CAP_SYS_ADMIN): ${(e as Error).message}`,
      );
    }
    server = await startServer({ dataDir });
  });
  after(async () => {
    await server?.stop({ keep: true });
    if (mounted) await run('umount', [join(dataDir, 'tmp')]);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('an upload larger than the free space is a 503; the space is given back', async () => {
    assert.equal((await send(server.url, 'POST', '/v1/tables/small', csv(10))).status, 201);
    const body = csv(20_000, 100);
    assert.ok(body.length > 512 * 1024, 'twice the filesystem');
    for (const multipart of [false, true]) {
      const r = await send(server.url, 'POST', '/v1/tables/small/rows', body, multipart);
      assertUnavailable(r, 'tmpfs full');
      assert.match(r.body.detail, /ENOSPC/);
      assert.equal(await rowCount(server.url, 'small'), 10);
      assert.deepEqual(await tmpEntries(dataDir), []);
    }
    // The failed uploads freed their space: an upload that fits goes through.
    const ok = await send(server.url, 'POST', '/v1/tables/small/rows', csv(2000, 100_000));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.rowsAdded, 2000);
  });

  test('a tiny upload on the 100 % full filesystem is a 503', async () => {
    const filler = join(dataDir, 'tmp', 'filler');
    // Fill it to the last block (dd stops at ENOSPC and reports it).
    await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']).catch(() => {});
    try {
      const r = await send(server.url, 'POST', '/v1/tables/tiny', 'id\n1\n');
      assertUnavailable(r, 'full tmpfs');
      assert.equal(await rowCount(server.url, 'tiny'), null);
      assert.deepEqual(await tmpEntries(dataDir), ['filler']);
    } finally {
      await rm(filler, { force: true });
    }
  });
});
