// The local folder's classification of raw failures (storage/local/errors.ts), on errors the OS really
// raises: a full device and a refused connection are "unavailable now"; a missing file or a bug is not.
// And the guard, given this classifier, turns the first kind into a 503 and leaves the rest alone.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { StorageUnavailable } from '../../storage/errors.js';
import { guardBlobStore } from '../../storage/guard.js';
import { localUnavailable } from '../../storage/local/errors.js';
import type { BlobStore } from '../../storage/types.js';
import { withTempDir } from '../helpers.js';

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a failure');
}

/** A port nobody listens on: one the OS handed out and took back. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('a full device (ENOSPC from /dev/full) and a refused connection are unavailable; a missing file is not', async () => {
  assert.equal(localUnavailable(await failure(writeFile('/dev/full', 'x'))), 'ENOSPC');
  const port = await closedPort();
  const refused = await failure(
    new Promise((resolve, reject) => connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
  );
  assert.equal(localUnavailable(refused), 'ECONNREFUSED');
  await withTempDir(async (dir) => {
    assert.equal(localUnavailable(await failure(writeFile(join(dir, 'no', 'such', 'dir'), 'x'))), null, 'ENOENT is damage or a bug');
  });
  assert.equal(localUnavailable(new TypeError('a bug')), null);
  assert.equal(localUnavailable(null), null);
});

test('the guard with the local classifier: ENOSPC becomes StorageUnavailable (503), other errors pass unchanged', async () => {
  const enospc = await failure(writeFile('/dev/full', 'x'));
  const bug = new TypeError('a bug');
  let next: unknown = enospc;
  const store = { ping: async () => Promise.reject(next) } as unknown as BlobStore;
  const guarded = guardBlobStore(store, { unavailable: localUnavailable, callTimeoutMs: 1000 });
  const e = await failure(guarded.ping());
  assert.ok(e instanceof StorageUnavailable, String(e));
  assert.equal(e.httpStatus, 503);
  assert.match(e.message, /ping failed \(ENOSPC\)/);
  next = bug;
  assert.equal(await failure(guarded.ping()), bug);
});
