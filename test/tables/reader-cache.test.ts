// The shared reader cache: one reader per immutable key, failed opens not cached, files held open by
// leases and closed when out of the cache and no lease holds them, all closed on shutdown.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferSink, BufferSource, NCFWriter } from '../../src/index.js';
import type { RandomAccessSource } from '../../src/format/io.js';
import { createContext, type ServiceContext } from '../../src/context.js';
import { closeReaders, forgetReaders, ReaderLease } from '../../src/tables/reader-cache.js';
import { loadConfig } from '../../src/config.js';
import type { BlobStore, Catalog } from '../../storage/types.js';

async function ncfBytes(rows: number): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink);
  await w.write({ a: Int32Array.from({ length: rows }, (_, i) => i) });
  await w.close();
  return sink.result!;
}

function context(files: Map<string, Uint8Array>, log: string[]): ServiceContext {
  const blobs = {
    async openSource(key: string): Promise<RandomAccessSource> {
      log.push(`open ${key}`);
      const bytes = files.get(key);
      if (!bytes) throw new Error(`no ${key}`);
      const src = new BufferSource(bytes);
      return {
        size: src.size,
        read: (o, l) => src.read(o, l),
        close: async () => {
          log.push(`close ${key}`);
        },
      };
    },
  } as unknown as BlobStore;
  return createContext(loadConfig({}), { catalog: {} as Catalog, blobs });
}

test('one shared reader per key, opened once even when asked concurrently', async () => {
  const log: string[] = [];
  const ctx = context(
    new Map([
      ['t/a.ncf', await ncfBytes(5)],
      ['t/b.ncf', await ncfBytes(7)],
    ]),
    log,
  );
  const [l1, l2] = [new ReaderLease(ctx.readers), new ReaderLease(ctx.readers)];
  const [r1, r2] = await Promise.all([l1.get('t/a.ncf'), l2.get('t/a.ncf')]);
  assert.equal(r1, r2);
  assert.equal(r1.rowCount, 5);
  assert.equal((await l1.get('t/b.ncf')).rowCount, 7);
  l1.release();
  l2.release();
  assert.deepEqual(log, ['open t/a.ncf', 'open t/b.ncf'], 'cached readers stay open after their leases end');
  await closeReaders(ctx);
  assert.deepEqual(log.slice(2).sort(), ['close t/a.ncf', 'close t/b.ncf']);
});

test('a failed open is not cached; a forgotten key is reopened, its old file closed when its last lease ends', async () => {
  const log: string[] = [];
  const files = new Map<string, Uint8Array>();
  const ctx = context(files, log);
  const lease = new ReaderLease(ctx.readers);
  await assert.rejects(lease.get('t/c.ncf'), /no t\/c\.ncf/);
  files.set('t/c.ncf', await ncfBytes(3));
  const r = await lease.get('t/c.ncf');
  assert.equal(r.rowCount, 3);
  forgetReaders(ctx, ['t/c.ncf']);
  await new Promise((res) => setImmediate(res));
  assert.equal(log.filter((l) => l === 'close t/c.ncf').length, 0, 'a scan holding it keeps reading');
  const other = new ReaderLease(ctx.readers);
  const again = await other.get('t/c.ncf');
  assert.notEqual(again, r, 'a forgotten (deleted) file is never handed out again');
  lease.release();
  await new Promise((res) => setImmediate(res));
  assert.equal(log.filter((l) => l === 'close t/c.ncf').length, 1, 'closed when its last lease ended');
  other.release();
  await closeReaders(ctx);
  assert.equal(log.filter((l) => l === 'close t/c.ncf').length, 2);
});

test('files stay near the cache size however many new files are read, and a held evicted reader is reused', async () => {
  const log: string[] = [];
  const bytes = await ncfBytes(2);
  const keys = Array.from({ length: 1000 }, (_, i) => `t/${i}.ncf`);
  const ctx = context(new Map(keys.map((k) => [k, bytes])), log);
  const open = () => log.filter((l) => l.startsWith('open')).length - log.filter((l) => l.startsWith('close')).length;
  // One request per file, as a stream of appends read one by one: evicted files close at once.
  for (const k of keys) {
    const lease = new ReaderLease(ctx.readers);
    assert.equal((await lease.get(k)).rowCount, 2);
    lease.release();
  }
  await new Promise((res) => setImmediate(res));
  assert.ok(open() <= 256, `${open()} files open after reading 1000 files one request at a time`);
  // A scan holding 300 files (more than the cache): none is closed under it, and a second request
  // for an evicted one gets the same reader rather than a second handle.
  const scan = new ReaderLease(ctx.readers);
  const held = await Promise.all(keys.slice(0, 300).map((k) => scan.get(k)));
  const opensBefore = log.filter((l) => l.startsWith('open')).length;
  const again = new ReaderLease(ctx.readers);
  assert.equal(await again.get(keys[0]!), held[0]);
  assert.equal(log.filter((l) => l.startsWith('open')).length, opensBefore, 'revived, not reopened');
  again.release();
  scan.release();
  await new Promise((res) => setImmediate(res));
  assert.ok(open() <= 256, `${open()} files open after the scan ended`);
  await closeReaders(ctx);
  await new Promise((res) => setImmediate(res));
  assert.equal(open(), 0, 'every file is closed on shutdown');
});
