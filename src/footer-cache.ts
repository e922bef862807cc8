// Open readers of stored table files, cached by blob key. Table files are immutable (a key is never
// rewritten), so one reader per key can be shared by every request: its footer is parsed once and
// later queries cost no footer read. The cache is a small LRU; an evicted reader's source is closed
// only after a grace period, because a scan that started before the eviction may still be reading it.
// A key asked for again within that period gets its evicted reader back instead of a new handle, so
// a version of more files than the LRU holds, read over and over, keeps one handle per file rather
// than piling up a handle per file per read until the process runs out of descriptors.
// Decoded chunks are kept in a shared, byte-bounded LRU beside the readers.

import { ChunkCache } from './format/chunk-cache.js';
import { NCFReader } from './format/reader.js';
import type { RandomAccessSource } from './format/io.js';
import type { ServiceContext } from './context.js';
import type { TableVersion } from '../storage/types.js';

interface Entry {
  reader: Promise<NCFReader>;
  source: Promise<RandomAccessSource>;
}

/** Readers kept open; each holds a file handle and its parsed footer. */
const CAPACITY = 256;
/** Lower bound of the delay before an evicted reader's source is closed. */
const MIN_GRACE_MS = 60_000;
/** Decoded bytes kept across requests. */
const CHUNK_CACHE_BYTES = 256 << 20;

class ReaderCache {
  private readonly entries = new Map<string, Entry>();
  /** Decoded chunks shared by all cached readers: repeated point queries skip fetch and decode. */
  readonly chunks = new ChunkCache(CHUNK_CACHE_BYTES);
  /** Evicted entries waiting for their grace period to end. */
  private readonly closing = new Map<NodeJS.Timeout, Entry>();
  /** The LRU-evicted ones among them, by key (files still stored, so they may be revived). */
  private readonly evicted = new Map<string, NodeJS.Timeout>();

  get(ctx: ServiceContext, key: string): Promise<NCFReader> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.reader;
    }
    const timer = this.evicted.get(key);
    if (timer !== undefined) {
      const e = this.closing.get(timer)!;
      clearTimeout(timer);
      this.closing.delete(timer);
      this.evicted.delete(key);
      this.insert(ctx, key, e);
      return e.reader;
    }
    const source = ctx.blobs.openSource(key);
    const reader = source.then((s) => NCFReader.open(s, { chunkCache: this.chunks }));
    const entry: Entry = { reader, source };
    // A failed open is not cached: the next request tries again (and reports its own error).
    reader.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      source.then((s) => s.close?.()).catch(() => {});
    });
    this.insert(ctx, key, entry);
    return reader;
  }

  private insert(ctx: ServiceContext, key: string, entry: Entry): void {
    this.entries.set(key, entry);
    while (this.entries.size > CAPACITY) {
      const [oldKey, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldKey);
      this.evicted.set(oldKey, this.retire(old, Math.max(MIN_GRACE_MS, 2 * ctx.config.queryTimeoutMs), oldKey));
    }
  }

  /** Forgets a key (its file was deleted); open scans keep their handle until the grace period ends. */
  forget(key: string, graceMs: number): void {
    this.evicted.delete(key);
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.retire(e, graceMs);
  }

  private retire(e: Entry, graceMs: number, evictedKey?: string): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.closing.delete(t);
      if (evictedKey !== undefined && this.evicted.get(evictedKey) === t) this.evicted.delete(evictedKey);
      e.source.then((s) => s.close?.()).catch(() => {});
    }, graceMs);
    t.unref();
    this.closing.set(t, e);
    return t;
  }

  /** Closes every source now (server shutdown, after in-flight requests ended). */
  async closeAll(): Promise<void> {
    for (const t of this.closing.keys()) clearTimeout(t);
    const all = [...this.entries.values(), ...this.closing.values()];
    this.closing.clear();
    this.evicted.clear();
    this.entries.clear();
    await Promise.all(all.map((e) => e.source.then((s) => s.close?.()).catch(() => {})));
  }
}

const caches = new WeakMap<ServiceContext, ReaderCache>();

function cacheOf(ctx: ServiceContext): ReaderCache {
  let c = caches.get(ctx);
  if (c === undefined) {
    c = new ReaderCache();
    caches.set(ctx, c);
  }
  return c;
}

/** The shared reader of one stored file. Do not close it: the cache owns it. */
export function getReader(ctx: ServiceContext, key: string): Promise<NCFReader> {
  return cacheOf(ctx).get(ctx, key);
}

/** Readers of every file of a table version, in row order. */
export function getReaders(ctx: ServiceContext, version: TableVersion): Promise<NCFReader[]> {
  return Promise.all(version.files.map((f) => getReader(ctx, f.key)));
}

/** Drops cached readers of deleted files (their sources close after `graceMs`). */
export function forgetReaders(ctx: ServiceContext, keys: Iterable<string>, graceMs = 0): void {
  const c = caches.get(ctx);
  if (c === undefined) return;
  for (const k of keys) c.forget(k, graceMs);
}

/** Closes every cached reader of this context (shutdown). */
export async function closeReaders(ctx: ServiceContext): Promise<void> {
  await caches.get(ctx)?.closeAll();
}
