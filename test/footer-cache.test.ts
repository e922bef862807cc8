// The shared reader cache: one reader per immutable key, failed opens not cached, sources closed on shutdown.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferSink, BufferSource, NCFWriter } from '../src/index.js';
import type { RandomAccessSource } from '../src/format/io.js';
import type { ServiceContext } from '../src/context.js';
import { closeReaders, forgetReaders, getReader } from '../src/footer-cache.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/metrics.js';
import type { BlobStore, Catalog } from '../storage/types.js';

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
      return { size: src.size, read: (o, l) => src.read(o, l), close: async () => { log.push(`close ${key}`); } };
    },
  } as unknown as BlobStore;
  return { config: loadConfig({}), catalog: {} as Catalog, blobs, metrics: createMetrics() };
}

test('one shared reader per key, opened once even when asked concurrently', async () => {
  const log: string[] = [];
  const ctx = context(new Map([['t/a.ncf', await ncfBytes(5)], ['t/b.ncf', await ncfBytes(7)]]), log);
  const [r1, r2] = await Promise.all([getReader(ctx, 't/a.ncf'), getReader(ctx, 't/a.ncf')]);
  assert.equal(r1, r2);
  assert.equal(r1.rowCount, 5);
  assert.equal((await getReader(ctx, 't/b.ncf')).rowCount, 7);
  assert.deepEqual(log, ['open t/a.ncf', 'open t/b.ncf']);
  await closeReaders(ctx);
  assert.deepEqual(log.slice(2).sort(), ['close t/a.ncf', 'close t/b.ncf']);
});

test('a failed open is not cached; a forgotten key is reopened and its old source closed on shutdown', async () => {
  const log: string[] = [];
  const files = new Map<string, Uint8Array>();
  const ctx = context(files, log);
  await assert.rejects(getReader(ctx, 't/c.ncf'), /no t\/c\.ncf/);
  files.set('t/c.ncf', await ncfBytes(3));
  const r = await getReader(ctx, 't/c.ncf');
  assert.equal(r.rowCount, 3);
  forgetReaders(ctx, ['t/c.ncf'], 60_000);
  const again = await getReader(ctx, 't/c.ncf');
  assert.notEqual(again, r);
  await closeReaders(ctx);
  assert.deepEqual(log.filter((l) => l.startsWith('close')), ['close t/c.ncf', 'close t/c.ncf']);
});

test('a version of more files than the cache holds, read over and over, opens each file once', async () => {
  const log: string[] = [];
  const bytes = await ncfBytes(2);
  const keys = Array.from({ length: 300 }, (_, i) => `t/${i}.ncf`);
  const ctx = context(new Map(keys.map((k) => [k, bytes])), log);
  for (let round = 0; round < 3; round++) {
    for (const k of keys) assert.equal((await getReader(ctx, k)).rowCount, 2);
  }
  // Evicted readers are revived within their grace period instead of opening a handle per read.
  assert.equal(log.filter((l) => l.startsWith('open')).length, keys.length);
  forgetReaders(ctx, keys.slice(0, 10));
  assert.equal((await getReader(ctx, keys[0]!)).rowCount, 2);
  assert.equal(log.filter((l) => l === `open ${keys[0]}`).length, 2, 'a forgotten (deleted) key is opened anew, never revived');
  await closeReaders(ctx);
  const opens = log.filter((l) => l.startsWith('open')).length;
  assert.equal(log.filter((l) => l.startsWith('close')).length, opens, 'every handle is closed on shutdown');
});
