// A byte-bounded LRU of decoded column chunks, shared by readers of immutable files, so repeated
// queries on the same row groups (a dashboard's point lookups) skip fetching and decoding.
// Cached ColumnData is shared between scans and must never be mutated; readers only wrap it.

import type { ColumnData } from './column.js';

export class ChunkCache {
  private readonly entries = new Map<string, { data: ColumnData; bytes: number }>();
  private used = 0;

  /** @param maxBytes upper bound of the decoded bytes kept (default 256 MiB). */
  constructor(readonly maxBytes = 256 << 20) {}

  get(key: string): ColumnData | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.data;
  }

  set(key: string, data: ColumnData): void {
    const bytes = sizeOf(data);
    if (bytes > this.maxBytes / 4 || this.entries.has(key)) return;
    this.entries.set(key, { data, bytes });
    this.used += bytes;
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
  }

  get bytes(): number {
    return this.used;
  }
}

function sizeOf(d: ColumnData): number {
  let n = d.validity?.byteLength ?? 0;
  if (d.dictionary !== undefined) {
    const { codes, dict } = d.dictionary;
    return n + codes.byteLength + dict.offsets.byteLength + dict.data.byteLength;
  }
  n += d.values.kind === 'bytes' ? d.values.offsets.byteLength + d.values.data.byteLength : d.values.data.byteLength;
  return n;
}
