// Open readers of stored table files, cached by blob key. Table files are immutable (a key is never
// rewritten), so one reader per key can be shared by every request: its footer is parsed once and
// later queries cost no footer read. The cache is a small LRU of open files. Readers are taken under a
// lease (one per request, released when its response ends, or by the caller): an evicted or forgotten
// reader's file is closed as soon as no lease holds it, so open files stay near the LRU's size however
// fast new files arrive, and a scan that started before the eviction keeps reading its file (a deleted
// one too: the handle outlives the unlink). An evicted reader still held is given back to whoever asks
// for its key, instead of a second handle.
// Decoded chunks are kept in a shared, byte-bounded LRU beside the readers. One cache per service
// context (`ctx.readers`, made by createContext in src/context.ts), so two apps in one process
// (tests, embedding) never share readers.

import type { ServerResponse } from 'node:http';
import { ChunkCache } from '../format/chunk-cache.js';
import { NCFReader } from '../format/reader.js';
import type { RandomAccessSource } from '../format/io.js';
import type { BlobStore, TableVersion } from '../../storage/types.js';
import type { Metrics } from '../http/metrics.js';

interface Entry {
  key: string;
  reader: Promise<NCFReader>;
  source: Promise<RandomAccessSource>;
  /** Leases holding it. */
  users: number;
  /** Out of the LRU (evicted, or forgotten because its file was deleted): closed when users reach 0. */
  retired: boolean;
  /** Forgotten: its file is gone, so it must never be handed out again. */
  forgotten: boolean;
}

/** Readers kept open; each holds a file handle and its parsed footer. */
const CAPACITY = 256;
/** Decoded bytes kept across requests. */
const CHUNK_CACHE_BYTES = 256 << 20;

function closeEntry(e: Entry): void {
  e.source.then((s) => s.close?.()).catch(() => {});
}

export class ReaderCache {
  /** One per service context (src/context.ts createContext): its gauges go to that context's metrics. */
  constructor(
    private readonly blobs: BlobStore,
    metrics: Metrics,
  ) {
    metrics.gauge('ncf_chunk_cache_bytes', 'Decoded chunk bytes held by the shared chunk cache.', () => this.chunks.bytes);
    metrics.gauge(
      'ncf_open_table_files',
      'Table files held open by the reader cache (cached, plus evicted ones a request still reads).',
      () => this.openFiles,
    );
  }

  private readonly entries = new Map<string, Entry>();
  /** Decoded chunks shared by all cached readers: repeated point queries skip fetch and decode. */
  readonly chunks = new ChunkCache(CHUNK_CACHE_BYTES);
  /** Retired entries still held by a lease, by key (at most one per key can be revived). */
  private readonly retired = new Map<string, Entry>();
  /** Retired, forgotten entries still held (never revived; kept to be closed on shutdown). */
  private readonly doomed = new Set<Entry>();

  get openFiles(): number {
    return this.entries.size + this.retired.size + this.doomed.size;
  }

  acquire(key: string): Entry {
    let e = this.entries.get(key);
    if (e !== undefined) {
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, e);
    } else if ((e = this.retired.get(key)) !== undefined) {
      this.retired.delete(key);
      e.retired = false;
      this.insert(e);
    } else {
      const source = this.blobs.openSource(key);
      const reader = source.then((s) => NCFReader.open(s, { chunkCache: this.chunks }));
      const entry: Entry = { key, reader, source, users: 0, retired: false, forgotten: false };
      // A failed open is not cached: the next request tries again (and reports its own error).
      reader.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        if (this.retired.get(key) === entry) this.retired.delete(key);
        this.doomed.delete(entry);
        closeEntry(entry);
      });
      this.insert(entry);
      e = entry;
    }
    e.users++;
    return e;
  }

  release(e: Entry): void {
    e.users--;
    if (e.users > 0 || !e.retired) return;
    if (this.retired.get(e.key) === e) this.retired.delete(e.key);
    this.doomed.delete(e);
    closeEntry(e);
  }

  private insert(entry: Entry): void {
    this.entries.set(entry.key, entry);
    while (this.entries.size > CAPACITY) {
      const [oldKey, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldKey);
      this.retire(old);
    }
  }

  private retire(e: Entry): void {
    e.retired = true;
    if (e.users === 0) closeEntry(e);
    else if (e.forgotten) this.doomed.add(e);
    else this.retired.set(e.key, e);
  }

  /** Forgets a key (its file was deleted): closed now, or when the last lease holding it ends. */
  forget(key: string): void {
    const e = this.entries.get(key) ?? this.retired.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.retired.delete(key);
    e.forgotten = true;
    this.retire(e);
  }

  /** Closes every source now (server shutdown, after in-flight requests ended). */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values(), ...this.retired.values(), ...this.doomed];
    this.entries.clear();
    this.retired.clear();
    this.doomed.clear();
    await Promise.all(all.map((e) => e.source.then((s) => s.close?.()).catch(() => {})));
  }
}

/** What the lease helpers need of a service context: its reader cache. */
interface WithReaders {
  readers: ReaderCache;
}

/** Readers taken for one piece of work; release() when it ends (or use leaseFor a response). */
export class ReaderLease {
  private held: Entry[] = [];
  private released = false;

  constructor(private readonly cache: ReaderCache) {}

  /** The shared reader of one stored file, held until release(). Do not close it: the cache owns it. */
  get(key: string): Promise<NCFReader> {
    const cache = this.cache;
    const e = cache.acquire(key);
    // Taken after the end (a late callback): hand it out, but hold nothing.
    if (this.released) cache.release(e);
    else this.held.push(e);
    return e.reader;
  }

  /** Readers of every file of a table version, in row order. */
  all(version: TableVersion): Promise<NCFReader[]> {
    return Promise.all(version.files.map((f) => this.get(f.key)));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const cache = this.cache;
    for (const e of this.held) cache.release(e);
    this.held = [];
  }
}

/** A lease released when this response ends: sent in full, or its connection closed early. */
export function leaseFor(ctx: WithReaders, res: ServerResponse): ReaderLease {
  const lease = new ReaderLease(ctx.readers);
  if (res.writableFinished || res.destroyed) lease.release();
  else res.once('close', () => lease.release());
  return lease;
}

/** Runs fn with a lease released when it settles. */
export async function withReaders<T>(ctx: WithReaders, fn: (lease: ReaderLease) => Promise<T>): Promise<T> {
  const lease = new ReaderLease(ctx.readers);
  try {
    return await fn(lease);
  } finally {
    lease.release();
  }
}

/** Drops cached readers of deleted files (each closes when no lease holds it any more). */
export function forgetReaders(ctx: WithReaders, keys: Iterable<string>): void {
  for (const k of keys) ctx.readers.forget(k);
}

/** Closes every cached reader of this context (shutdown). */
export async function closeReaders(ctx: WithReaders): Promise<void> {
  await ctx.readers.closeAll();
}
