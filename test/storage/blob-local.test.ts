// The local-folder blob store: the shared contract, plus what is visible on disk — the folder
// layout, temp files while writing and after abort, stray entries, and temp-file sweeping.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalBlobStore } from '../../storage/local/blob-store.js';
import { StorageError } from '../../storage/errors.js';
import { newFileKey, newId, parseKey } from '../../storage/keys.js';
import { blobStoreContract } from './blob-contract.js';

blobStoreContract('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ncf-blobs-'));
  return {
    open: async () => new LocalBlobStore(dir),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});

async function withStore(fn: (s: LocalBlobStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'ncf-blobs-'));
  const s = new LocalBlobStore(root);
  try {
    await fn(s, root);
  } finally {
    await s.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function keysOf(s: LocalBlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of s.list()) out.push(e.key);
  return out.sort();
}

describe('LocalBlobStore', () => {
  it('stores <tableId>/<fileId>.ncf under the root, writing through a hidden temp file', async () => {
    await withStore(async (s, root) => {
      const key = newFileKey(newId());
      const { tableId, fileId } = parseKey(key);
      const sink = await s.createSink(key);
      await sink.write(randomBytes(2 << 20)); // past FileSink's batching, so bytes reach the temp file
      const during = await readdir(join(root, tableId));
      assert.equal(during.length, 1);
      assert.match(during[0]!, new RegExp(`^\\.${fileId}\\.ncf\\..+\\.tmp$`));
      assert.deepEqual(await keysOf(s), []);
      await sink.finish();
      assert.deepEqual(await readdir(join(root, tableId)), [`${fileId}.ncf`]);
      assert.deepEqual(await keysOf(s), [key]);
    });
  });

  it('abort removes the temp file', async () => {
    await withStore(async (s, root) => {
      const key = newFileKey(newId());
      const sink = await s.createSink(key);
      await sink.write(randomBytes(2 << 20));
      await sink.abort();
      // The table's folder held only the temp file, so it goes too.
      await assert.rejects(readdir(join(root, parseKey(key).tableId)), { code: 'ENOENT' });
    });
  });

  it('refuses to overwrite an existing key', async () => {
    await withStore(async (s) => {
      const key = newFileKey(newId());
      const sink = await s.createSink(key);
      await sink.write(new Uint8Array([1, 2, 3]));
      await sink.finish();
      await assert.rejects(s.createSink(key), (e: unknown) => e instanceof StorageError && e.code === 'BLOB_EXISTS');
      const src = await s.openSource(key);
      assert.deepEqual([...(await src.read(0, 3))], [1, 2, 3]);
      await src.close?.();
    });
  });

  it('list skips stray entries: other names, temp files, files where folders belong', async () => {
    await withStore(async (s, root) => {
      const key = newFileKey(newId());
      await (await s.createSink(key)).finish();
      const tableDir = join(root, parseKey(key).tableId);
      await writeFile(join(tableDir, 'notes.txt'), 'x');
      await writeFile(join(tableDir, `.${newId()}.ncf.abc123.tmp`), 'x');
      await mkdir(join(tableDir, `${newId()}.ncf`)); // a folder with a file's name
      await mkdir(join(root, 'lost+found'));
      await writeFile(join(root, 'README'), 'x');
      assert.deepEqual(await keysOf(s), [key]);
    });
  });

  it('a source opened before delete still reads (vacuum does not break a running query)', async () => {
    await withStore(async (s) => {
      const key = newFileKey(newId());
      const bytes = randomBytes(1000);
      const sink = await s.createSink(key);
      await sink.write(bytes);
      await sink.finish();
      const src = await s.openSource(key);
      try {
        await s.delete(key);
        assert.ok(Buffer.from(await src.read(0, 1000)).equals(bytes));
      } finally {
        await src.close?.();
      }
    });
  });

  it('sweepTempFiles removes only temp files older than the cutoff', async () => {
    await withStore(async (s, root) => {
      const oldKey = newFileKey(newId());
      const freshKey = newFileKey(newId());
      const finishedKey = newFileKey(newId());
      const stale = await s.createSink(oldKey);
      await stale.write(randomBytes(2 << 20));
      const live = await s.createSink(freshKey);
      await live.write(randomBytes(2 << 20));
      await (await s.createSink(finishedKey)).finish();
      const staleDir = join(root, parseKey(oldKey).tableId);
      const [staleTemp] = await readdir(staleDir);
      const hourAgo = new Date(Date.now() - 3600_000);
      await utimes(join(staleDir, staleTemp!), hourAgo, hourAgo);
      const finishedPath = join(root, finishedKey);
      await utimes(finishedPath, hourAgo, hourAgo);
      assert.equal(await s.sweepTempFiles(new Date(Date.now() - 60_000)), 1);
      assert.deepEqual(await readdir(staleDir), []);
      assert.equal((await readdir(join(root, parseKey(freshKey).tableId))).length, 1);
      assert.deepEqual(await keysOf(s), [finishedKey]);
      await live.finish();
      assert.deepEqual(await keysOf(s), [finishedKey, freshKey].sort());
      await stale.abort();
    });
  });

  it('ping fails when the root is gone; calls after close are refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ncf-blobs-'));
    const s = new LocalBlobStore(root);
    await s.ping();
    await rm(root, { recursive: true });
    await assert.rejects(s.ping());
    await s.close();
    await assert.rejects(s.openSource(newFileKey(newId())), /closed/);
  });
});
